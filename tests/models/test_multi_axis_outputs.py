"""Models whose samples have several output rows (Dense on (steps, features) inputs)."""

import numpy as np
import pytest

import jitnet as keras


def model(out, act=None):
    m = keras.Sequential([keras.Input(shape=(5, 4)), keras.layers.Dense(out, activation=act)])
    return m


def test_mse_on_sequence_outputs_matches_numpy():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(8, 5, 4)).astype("float32"), rng.normal(size=(8, 5, 3)).astype("float32")
    m = model(3)
    m.compile(loss="mse", metrics=["mae"])
    pred = m.predict(x, verbose=0).astype(np.float64)
    loss, mae = m.evaluate(x, y, verbose=0, batch_size=3)
    assert loss == pytest.approx(np.mean((pred - y) ** 2), rel=1e-5)
    assert mae == pytest.approx(np.mean(np.abs(pred - y)), rel=1e-5)
    w = np.arange(1, 9, dtype=np.float64)
    weighted = np.sum(np.mean((pred - y) ** 2, axis=(1, 2)) * w) / 8
    assert m.evaluate(x, y, sample_weight=w, batch_size=8, verbose=0)[0] == pytest.approx(weighted, rel=1e-5)


def test_sparse_crossentropy_per_position_trains():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(64, 5, 4)).astype("float32")
    y = (x[..., 0] > 0).astype(int)
    m = model(2, "softmax")
    m.compile(optimizer=keras.optimizers.Adam(0.05), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    h = m.fit(x, y, epochs=30, batch_size=16, verbose=0)
    assert np.isfinite(h.history["loss"]).all()
    assert h.history["accuracy"][-1] > 0.9
    with pytest.raises(ValueError, match=r"class ids of shape \(None, 5\)"):
        m.fit(x, y[:, :3], verbose=0)
