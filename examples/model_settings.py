"""Model settings compared on MNIST: initializers, L1/L2, Dropout, BatchNormalization, LeakyReLU.

Each variant trains 10 epochs with a validation split; the validation loss
per epoch of every variant is drawn in one figure.
"""

from _cli import parse_args

import jitnet as keras

args = parse_args(__doc__, epochs=10)
(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
x_train = x_train.reshape(-1, 784).astype("float32") / 255
x_test = x_test.reshape(-1, 784).astype("float32") / 255
if args.quick:
    x_train, y_train = x_train[:6000], y_train[:6000]
L = keras.layers


def dense(units, **kwargs):
    return L.Dense(units, activation="relu", **kwargs)


VARIANTS = {
    "glorot (default)": lambda: [dense(100), dense(100)],
    "he_normal": lambda: [dense(100, kernel_initializer="he_normal"),
                          dense(100, kernel_initializer=keras.initializers.HeNormal())],
    "l2(0.001)": lambda: [dense(100, kernel_regularizer=keras.regularizers.l2(0.001)),
                          dense(100, kernel_regularizer=keras.regularizers.l2(0.001))],
    "l1(0.0001)": lambda: [dense(100, kernel_regularizer=keras.regularizers.l1(0.0001)),
                           dense(100, kernel_regularizer=keras.regularizers.l1(0.0001))],
    "dropout(0.3)": lambda: [dense(100), L.Dropout(0.3), dense(100), L.Dropout(0.3)],
    "batchnorm": lambda: [L.Dense(100), L.BatchNormalization(), L.Activation("relu"),
                          L.Dense(100), L.BatchNormalization(), L.Activation("relu")],
    "leaky_relu": lambda: [L.Dense(100, kernel_initializer="he_normal"), L.LeakyReLU(negative_slope=0.2),
                           L.Dense(100, kernel_initializer="he_normal"), L.LeakyReLU(negative_slope=0.2)],
}

curves = {}
for name, hidden in VARIANTS.items():
    model = keras.Sequential([keras.Input(shape=(784,)), *hidden(), L.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x_train, y_train, epochs=args.epochs, batch_size=128, validation_split=0.2, verbose=0)
    curves[name] = history.history["val_loss"]
    loss, acc = model.evaluate(x_test, y_test, verbose=0)
    print(f"{name:18s} best val_loss {min(curves[name]):.4f}   test_loss: {loss:.4f} - test_acc: {acc:.4f}")

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 5))
    for name, values in curves.items():
        ax.plot(range(1, len(values) + 1), values, marker="o", label=name)
    ax.set_xlabel("epoch")
    ax.set_ylabel("validation loss")
    ax.legend()
    path = args.plot or "model_settings.png"
    fig.savefig(path, dpi=100)
    print(f"curves written to {path}")
except ImportError:
    print('(no plot: install matplotlib, pip install "jitnet[plot]")')
