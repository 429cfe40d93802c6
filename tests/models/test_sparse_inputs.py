"""Multi-hot inputs take the CSR path and train as the dense path does."""

import numpy as np
import pytest

import jitnet as keras
from jitnet.models import trainer as trainer_module


def multi_hot_data(n=256, dim=300, seed=0):
    rng = np.random.default_rng(seed)
    seqs = [rng.integers(0, dim, rng.integers(1, 12)).tolist() for _ in range(n)]
    x = keras.utils.multi_hot(seqs, dim)
    y = (x[:, :dim // 2].sum(axis=1) > x[:, dim // 2:].sum(axis=1)).astype("float32")
    return x, y


def train(x, y, density):
    old = trainer_module.SPARSE_DENSITY
    trainer_module.SPARSE_DENSITY = density
    try:
        keras.utils.set_random_seed(3)
        model = keras.Sequential([keras.Input(shape=(x.shape[1],)), keras.layers.Dense(8, activation="relu"),
                                  keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["accuracy"])
        history = model.fit(x, y, epochs=4, batch_size=32, validation_split=0.25, verbose=0)
        return model, history, model.predict(x, verbose=0), model.evaluate(x, y, verbose=0)
    finally:
        trainer_module.SPARSE_DENSITY = old


def test_sparse_path_is_taken_and_matches_dense():
    keras.config.set_floatx("float64")
    x, y = multi_hot_data()
    model, _, _, _ = train(x, y, 1.0)
    assert model.trainer(None).inputs(x, 32).sparse
    assert not model.trainer(None).inputs(np.ones_like(x), 32).sparse
    sparse = train(x, y, 1.0)
    dense = train(x, y, -1.0)
    for a, b in zip(sparse[0].get_weights(), dense[0].get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    assert sparse[1].history.keys() == dense[1].history.keys()
    for key, values in sparse[1].history.items():
        assert values == pytest.approx(dense[1].history[key])
    np.testing.assert_allclose(sparse[2], dense[2], rtol=1e-9, atol=1e-12)
    assert sparse[3] == pytest.approx(dense[3])
