"""A convolutional network on Fashion-MNIST, as in chapter 8-2 of the 혼공머신 book.

Conv2D(32) -> MaxPooling2D -> Conv2D(64) -> MaxPooling2D -> Flatten ->
Dense(100, relu) -> Dropout(0.4) -> Dense(10, softmax), Adam, batch 32, up to
20 epochs with ModelCheckpoint and EarlyStopping; then, as in 8-3, the best
model is reloaded and its first layer's filters are inspected.
"""

import tempfile
from pathlib import Path

import numpy as np
from _cli import parse_args, plot

import jitnet as keras

args = parse_args(__doc__, epochs=20)
(train_input, train_target), (test_input, test_target) = keras.datasets.fashion_mnist.load_data()
train_scaled = train_input.reshape(-1, 28, 28, 1) / 255.0
order = np.random.default_rng(args.seed).permutation(len(train_scaled))  # train_test_split(test_size=0.2)
val_idx, train_idx = order[:12000], order[12000:]
if args.quick:
    train_idx, val_idx = train_idx[:4800], val_idx[:1200]
train_scaled, val_scaled = train_scaled[train_idx], train_scaled[val_idx]
train_target, val_target = train_target[train_idx], train_target[val_idx]

model = keras.Sequential()
model.add(keras.layers.Input(shape=(28, 28, 1)))
model.add(keras.layers.Conv2D(32, kernel_size=3, activation="relu", padding="same"))
model.add(keras.layers.MaxPooling2D(2))
model.add(keras.layers.Conv2D(64, kernel_size=(3, 3), activation="relu", padding="same"))
model.add(keras.layers.MaxPooling2D(2))
model.add(keras.layers.Flatten())
model.add(keras.layers.Dense(100, activation="relu"))
model.add(keras.layers.Dropout(0.4))
model.add(keras.layers.Dense(10, activation="softmax"))
model.summary()

model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
best = Path(tempfile.mkdtemp()) / "best-cnn-model.keras"
checkpoint_cb = keras.callbacks.ModelCheckpoint(str(best), save_best_only=True)
early_stopping_cb = keras.callbacks.EarlyStopping(patience=2, restore_best_weights=True)
history = model.fit(train_scaled, train_target, epochs=args.epochs, validation_data=(val_scaled, val_target),
                    callbacks=[checkpoint_cb, early_stopping_cb])
print(f"trained for {len(history.history['loss'])} epochs; best val_loss {min(history.history['val_loss']):.4f}")
plot(history, args.plot or "fashion_mnist_cnn.png", metrics=["loss"])
val_loss, val_acc = model.evaluate(val_scaled, val_target)
print(f"validation: loss {val_loss:.4f} - accuracy {val_acc:.4f}")

# Chapter 8-3: the saved model and the weights of its first convolution.
model = keras.models.load_model(str(best))
conv = model.layers[0]
conv_weights = conv.weights[0].numpy()
print(f"first layer filters: shape {conv.weights[0].shape}, mean {conv_weights.mean():.4f}, "
      f"std {conv_weights.std():.4f}")
test_scaled = test_input.reshape(-1, 28, 28, 1) / 255.0
test_loss, test_acc = model.evaluate(test_scaled, test_target, verbose=0)
print(f"test: loss {test_loss:.4f} - accuracy {test_acc:.4f}")
