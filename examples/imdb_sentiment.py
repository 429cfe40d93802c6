"""IMDB reviews, positive or negative: multi-hot 10,000 -> 16 relu -> 16 relu -> 1 sigmoid.

Trains 20 epochs with 10,000 reviews held out to watch overfitting, plots
the curves, then retrains a fresh model for 4 epochs and evaluates it.
"""

import numpy as np
from _cli import parse_args, plot

import jitnet as keras

args = parse_args(__doc__, epochs=20)
(train_data, train_labels), (test_data, test_labels) = keras.datasets.imdb.load_data(num_words=10000)
if args.quick:
    train_data, train_labels = train_data[:12000], train_labels[:12000]
    test_data, test_labels = test_data[:5000], test_labels[:5000]

x_train = keras.utils.multi_hot(train_data, 10000)  # the tutorial's vectorize_sequences
x_test = keras.utils.multi_hot(test_data, 10000)
y_train = np.asarray(train_labels).astype("float32")
y_test = np.asarray(test_labels).astype("float32")


def build():
    model = keras.Sequential([
        keras.Input(shape=(10000,)),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["accuracy"])
    return model


x_val, partial_x_train = x_train[:10000], x_train[10000:]
y_val, partial_y_train = y_train[:10000], y_train[10000:]
history = build().fit(partial_x_train, partial_y_train, epochs=args.epochs, batch_size=512,
                      validation_data=(x_val, y_val))
plot(history, args.plot or "imdb_sentiment.png")

model = build()
model.fit(x_train, y_train, epochs=min(4, args.epochs), batch_size=512)
loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
print(f"test_loss: {loss:.4f} - test_acc: {accuracy:.4f}")
