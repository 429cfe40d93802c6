"""Early stopping and checkpoints: stop when val_loss stalls, keep the best model, reload it.

Fashion-MNIST, Flatten -> Dense(100, relu) -> Dropout(0.3) -> Dense(10, softmax).
"""

import tempfile
from pathlib import Path

from _cli import parse_args, plot

import jitnet as keras

args = parse_args(__doc__, epochs=30)
(x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
x_train, x_test = x_train / 255.0, x_test / 255.0
if args.quick:
    x_train, y_train = x_train[:6000], y_train[:6000]

model = keras.Sequential([
    keras.layers.Flatten(input_shape=(28, 28)),
    keras.layers.Dense(100, activation="relu"),
    keras.layers.Dropout(0.3),
    keras.layers.Dense(10, activation="softmax"),
])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])

best = Path(tempfile.mkdtemp()) / "best-model.keras"
callbacks = [
    keras.callbacks.ModelCheckpoint(str(best), save_best_only=True),
    keras.callbacks.EarlyStopping(monitor="val_loss", patience=3),
]
history = model.fit(x_train, y_train, epochs=args.epochs, validation_split=0.2, callbacks=callbacks)
print(f"stopped after {len(history.history['loss'])} epochs; best val_loss {min(history.history['val_loss']):.4f}")
plot(history, args.plot or "early_stopping.png")

best_model = keras.models.load_model(str(best))
loss, acc = best_model.evaluate(x_test, y_test, verbose=0)
print(f"best model: test_loss: {loss:.4f} - test_acc: {acc:.4f}")
