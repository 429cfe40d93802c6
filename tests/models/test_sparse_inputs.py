"""Multi-hot inputs take the CSR path and train as the dense path does."""

import numpy as np
import pytest

import jitnet as keras
from jitnet.models import csr, rows


def multi_hot_data(n=256, dim=300, seed=0):
    rng = np.random.default_rng(seed)
    seqs = [rng.integers(0, dim, rng.integers(1, 12)).tolist() for _ in range(n)]
    x = keras.utils.multi_hot(seqs, dim)
    y = (x[:, :dim // 2].sum(axis=1) > x[:, dim // 2:].sum(axis=1)).astype("float32")
    return x, y


def train(x, y, density):
    old = csr.SPARSE_DENSITY
    csr.SPARSE_DENSITY = density
    try:
        keras.utils.set_random_seed(3)
        model = keras.Sequential([keras.Input(shape=(x.shape[1],)), keras.layers.Dense(8, activation="relu"),
                                  keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["accuracy"])
        history = model.fit(x, y, epochs=4, batch_size=32, validation_split=0.25, verbose=0)
        return model, history, model.predict(x, verbose=0), model.evaluate(x, y, verbose=0)
    finally:
        csr.SPARSE_DENSITY = old


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


def _model(width):
    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.Input(shape=(width,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["accuracy"])
    return model


def test_csr_rows_are_built_once_per_unchanged_array():
    x, _ = multi_hot_data()
    trainer = _model(x.shape[1]).trainer(None)
    first = trainer.inputs(x, 32)
    assert first.sparse and trainer.inputs(x, 32).ptr is first.ptr  # reused
    assert trainer.inputs(x.copy(), 32).ptr is not first.ptr  # another array
    row = int(np.flatnonzero(x[0])[0])
    other = int(np.flatnonzero(x[1] == 0)[0])
    x[0, row], x[0, other] = 0.0, 1.0  # an edit that keeps the count of non-zeros
    rebuilt = trainer.inputs(x, 32)
    assert rebuilt.ptr is not first.ptr and other in rebuilt.idx[rebuilt.ptr[0]:rebuilt.ptr[1]]


def test_multi_hot_inputs_read_chunk_by_chunk_keep_the_sparse_path(monkeypatch):
    x, y = multi_hot_data()
    reference = _model(x.shape[1])
    ref = reference.fit(x, y, epochs=2, batch_size=32, verbose=0).history
    monkeypatch.setattr(rows, "STREAM_BYTES", 1000)
    x64 = x.astype("float64")
    model = _model(x.shape[1])
    inputs = model.trainer(y[:, None]).inputs(keras.models.data.inputs(x64, (x.shape[1],)), 32)
    assert inputs.rows is not None and inputs.chunk_csr
    assert model.fit(x64, y, epochs=2, batch_size=32, verbose=0).history == ref
    for a, b in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(model.predict(x64, verbose=0), reference.predict(x, verbose=0))
