"""Fashion-MNIST: Flatten -> Dense(100) -> Dense(10, softmax), sigmoid vs ReLU, then six optimizers.

Every run keeps 20% of the training images for validation and stops with
EarlyStopping(patience=2, restore_best_weights=True).
"""

from _cli import parse_args, plot

import jitnet as keras

args = parse_args(__doc__, epochs=20)
(train_input, train_target), (test_input, test_target) = keras.datasets.fashion_mnist.load_data()
train_scaled = train_input / 255.0
if args.quick:
    train_scaled, train_target = train_scaled[:6000], train_target[:6000]
cut = int(len(train_scaled) * 0.8)
x_train, x_val = train_scaled[:cut], train_scaled[cut:]
y_train, y_val = train_target[:cut], train_target[cut:]


def model_fn(activation):
    model = keras.Sequential(name=f"fashion_{activation}")
    model.add(keras.layers.Flatten(input_shape=(28, 28)))
    model.add(keras.layers.Dense(100, activation=activation))
    model.add(keras.layers.Dense(10, activation="softmax"))
    return model


def train(model, optimizer):
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    stop = keras.callbacks.EarlyStopping(patience=2, restore_best_weights=True)
    history = model.fit(x_train, y_train, epochs=args.epochs, validation_data=(x_val, y_val),
                        callbacks=[stop], verbose=2)
    _, val_acc = model.evaluate(x_val, y_val, verbose=0)
    return history, val_acc


results = {}
_, results["sigmoid + rmsprop"] = train(model_fn("sigmoid"), "rmsprop")
_, results["relu + rmsprop"] = train(model_fn("relu"), "rmsprop")

optimizers = {
    "sgd": keras.optimizers.SGD(),
    "momentum": keras.optimizers.SGD(momentum=0.9),
    "nesterov": keras.optimizers.SGD(momentum=0.9, nesterov=True),
    "adagrad": keras.optimizers.Adagrad(),
    "rmsprop": keras.optimizers.RMSprop(),
    "adam": keras.optimizers.Adam(),
}
for name, optimizer in optimizers.items():
    model = model_fn("relu")
    history, results[f"relu + {name}"] = train(model, optimizer)

model.summary()
plot(history, args.plot or "fashion_mnist_dnn.png")
for name, acc in results.items():
    print(f"{name:18s} val_accuracy: {acc:.4f}")
test_loss, test_acc = model.evaluate(test_input / 255.0, test_target, verbose=0)
print(f"relu + adam: test_loss: {test_loss:.4f} - test_acc: {test_acc:.4f}")
