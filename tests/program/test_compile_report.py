"""One line at verbose >= 1 when a program takes more than a second to compile; none at verbose=0."""

import numpy as np

import jitnet as keras
from jitnet.models import trainer


def _model():
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(2, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model


def test_fit_evaluate_and_predict_say_they_compiled(capsys, monkeypatch):
    monkeypatch.setattr(trainer, "REPORT_SECONDS", -1.0)  # report every compile, however fast
    x = np.random.default_rng(0).normal(size=(20, 3))
    y = (x[:, 0] > 0).astype(int)
    model = _model()
    model.fit(x, y, epochs=2, batch_size=10, validation_data=(x, y))
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Compiled the program for this model in ")
    assert lines[0].endswith(" s (done once: later runs load it from the cache).")
    assert lines[1] == "Epoch 1/2"
    # One program serves training, evaluation and prediction: nothing more to compile.
    model.evaluate(x, y)
    model.predict(x)
    assert "Compiled" not in capsys.readouterr().out
    # A fresh model of the same structure loads the program and still says so (however fast).
    _model().predict(x)
    assert capsys.readouterr().out.startswith("Compiled the program for this model in ")


def test_nothing_is_printed_at_verbose_0(capsys, monkeypatch):
    monkeypatch.setattr(trainer, "REPORT_SECONDS", -1.0)
    x = np.zeros((4, 3))
    model = _model()
    model.fit(x, np.zeros(4), verbose=0)
    model.evaluate(x, np.zeros(4), verbose=0)
    model.predict(x, verbose=0)
    assert capsys.readouterr().out == ""
