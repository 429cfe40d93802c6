"""SimpleRNN on IMDB reviews, as in chapter 9-2 of the 혼공머신 book.

Two models on reviews padded to 100 tokens: one-hot inputs of the 200 most
frequent words (``to_categorical`` of the padded ids: (n, 100, 200)) into
SimpleRNN(8), then Embedding(500, 16) into SimpleRNN(8); each ends in
Dense(1, sigmoid) and trains with Adam, batch 64, until EarlyStopping.
"""

from _cli import fit_until_stopped, imdb_split, parse_args, plot

import jitnet as keras

args = parse_args(__doc__, epochs=100)

train, val = imdb_split(200, args.quick, args.seed)
model = keras.Sequential()
model.add(keras.layers.Input(shape=(100, 200)))
model.add(keras.layers.SimpleRNN(8))
model.add(keras.layers.Dense(1, activation="sigmoid"))
model.summary()
train_oh, val_oh = keras.utils.to_categorical(train[0]), keras.utils.to_categorical(val[0])
print(f"one-hot inputs: {train_oh.shape}, {train_oh.nbytes / 2**20:.0f} MiB")
history = fit_until_stopped(model, "simplernn", (train_oh, train[1]), (val_oh, val[1]), args.epochs)
del train_oh, val_oh

train, val = imdb_split(500, args.quick, args.seed)
model2 = keras.Sequential()
model2.add(keras.layers.Input(shape=(100,)))
model2.add(keras.layers.Embedding(500, 16))
model2.add(keras.layers.SimpleRNN(8))
model2.add(keras.layers.Dense(1, activation="sigmoid"))
model2.summary()
history = fit_until_stopped(model2, "embedding", train, val, args.epochs)
plot(history, args.plot or "imdb_simple_rnn.png", metrics=["loss"])
