"""MNIST with a two-layer network: 784 -> Dense(512, relu) -> Dense(10, softmax).

The first example of Chollet's "Deep Learning with Python": rmsprop,
categorical crossentropy on one-hot labels, 5 epochs of batch 128.
"""

from _cli import parse_args, plot

import jitnet as keras

args = parse_args(__doc__, epochs=5)
(train_images, train_labels), (test_images, test_labels) = keras.datasets.mnist.load_data()
if args.quick:
    train_images, train_labels = train_images[:6000], train_labels[:6000]

train_images = train_images.reshape((len(train_images), 28 * 28)).astype("float32") / 255
test_images = test_images.reshape((len(test_images), 28 * 28)).astype("float32") / 255
train_labels = keras.utils.to_categorical(train_labels)
test_labels = keras.utils.to_categorical(test_labels)

model = keras.Sequential([
    keras.Input(shape=(28 * 28,)),
    keras.layers.Dense(512, activation="relu"),
    keras.layers.Dense(10, activation="softmax"),
])
model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
model.summary()
history = model.fit(train_images, train_labels, epochs=args.epochs, batch_size=128)

test_loss, test_acc = model.evaluate(test_images, test_labels, verbose=0)
print(f"test_loss: {test_loss:.4f} - test_acc: {test_acc:.4f}")
plot(history, args.plot or "mnist_mlp.png")
