"""LSTM and GRU on IMDB reviews, as in chapter 9-3 of the 혼공머신 book.

Four models after Embedding(500, 16) on reviews padded to 100 tokens:
LSTM(8); LSTM(8, dropout=0.2); two stacked LSTMs (the first with
return_sequences=True); GRU(8, dropout=0.2). Each ends in Dense(1, sigmoid)
and trains with Adam, batch 64, until EarlyStopping; the best LSTM is then
reloaded and evaluated.
"""

import time

from _cli import fit_until_stopped, imdb_split, parse_args, plot

import jitnet as keras

args = parse_args(__doc__, epochs=100)
train, val = imdb_split(500, args.quick, args.seed)
L = keras.layers
MODELS = {
    "lstm": [L.LSTM(8)],
    "dropout": [L.LSTM(8, dropout=0.2)],
    "2rnn": [L.LSTM(8, dropout=0.2, return_sequences=True), L.LSTM(8, dropout=0.2)],
    "gru": [L.GRU(8, dropout=0.2)],
}
start = time.perf_counter()
results = {}
for name, recurrent in MODELS.items():
    model = keras.Sequential([L.Input(shape=(100,)), L.Embedding(500, 16), *recurrent,
                              L.Dense(1, activation="sigmoid")])
    model.summary()
    history = fit_until_stopped(model, name, train, val, args.epochs)
    results[name] = (len(history.history["loss"]), max(history.history["val_accuracy"]))
    if name == "lstm":
        plot(history, args.plot or "imdb_lstm.png", metrics=["loss"])
        val_loss, val_acc = model.evaluate(*val, verbose=0)
        print(f"lstm, best weights restored: val_loss {val_loss:.4f} - val_accuracy {val_acc:.4f}")
print(f"all four models in {time.perf_counter() - start:.1f} s")
for name, (epochs, acc) in results.items():
    print(f"  {name:8s} {epochs:3d} epochs, best val_accuracy {acc:.4f}")
