"""Inputs that are not float32 rows (float64 and integer arrays, memmaps of them, h5py datasets) are converted
chunk by chunk, never whole, and train, evaluate and predict exactly as the converted array does."""

import numpy as np
import pytest

import jitnet as keras
from jitnet.models import data, rows

RNG = np.random.default_rng(0)
X = RNG.normal(size=(900, 12))
Y = (X[:, 0] + X[:, 3] > 0).astype("int64")


@pytest.fixture(autouse=True)
def small_threshold(monkeypatch):
    """Stream anything above 1 kB, so small test arrays take the chunked path."""
    monkeypatch.setattr(rows, "STREAM_BYTES", 1000)
    monkeypatch.setattr(rows, "_BLOCK_BYTES", 4096)  # several blocks in each scan


def model():
    keras.utils.set_random_seed(3)
    m = keras.Sequential([keras.Input((12,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dropout(0.2),
                          keras.layers.BatchNormalization(), keras.layers.Dense(2, activation="softmax")])
    m.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return m


def run(x):
    m = model()
    history = m.fit(x, Y, epochs=2, batch_size=64, validation_split=0.25, verbose=0).history
    return m, history, m.evaluate(x, Y, verbose=0), m.predict(x, batch_size=50, verbose=0)


def assert_runs_alike(a, b):
    (ma, *ra), (mb, *rb) = a, b
    assert ra[0] == rb[0] and ra[1] == rb[1]
    np.testing.assert_array_equal(ra[2], rb[2])
    for u, v in zip(ma.get_weights(), mb.get_weights()):
        np.testing.assert_array_equal(u, v)


@pytest.mark.parametrize("kind", ["float64", "int16", "memmap_float64", "memmap_int32", "h5py", "zarr"])
def test_streamed_inputs_match_the_converted_array(kind, tmp_path):
    source = X if kind.endswith("float64") or kind in ("h5py", "zarr") else np.round(X * 10)
    reference = run(source.astype("float32"))
    if kind.startswith("memmap"):
        np.save(tmp_path / "x.npy", source.astype(kind.split("_")[1]))
        x = np.load(tmp_path / "x.npy", mmap_mode="r")
    elif kind == "h5py":
        h5py = pytest.importorskip("h5py")
        with h5py.File(tmp_path / "x.h5", "w") as f:
            f["x"] = source
        x = h5py.File(tmp_path / "x.h5", "r")["x"]
    elif kind == "zarr":
        zarr = pytest.importorskip("zarr")
        x = zarr.create_array(store=str(tmp_path / "x.zarr"), shape=source.shape, dtype="float64", chunks=(100, 12))
        x[:] = source
    else:
        x = source.astype(kind)
    assert isinstance(data.inputs(x, (12,)), rows.Rows)
    assert_runs_alike(run(x), reference)


def test_float32_arrays_and_small_arrays_are_not_streamed(monkeypatch):
    x32 = X.astype("float32")
    assert np.shares_memory(data.inputs(x32, (12,)), x32)  # read in place
    monkeypatch.setattr(rows, "STREAM_BYTES", 1 << 26)
    assert isinstance(data.inputs(X, (12,)), np.ndarray)


def test_rows_read_shuffled_chunks_in_sorted_order_and_convert_in_place():
    source = np.arange(40.0).reshape(10, 4)
    r = rows.Rows(source, 4, np.float32)
    order = np.array([7, 2, 9, 0, 5, 1, 3, 8, 6, 4])
    y, sw, out = np.arange(10.0)[:, None], np.ones(10), np.zeros((1, 1))
    x, yc, swc, local, _ = r.chunk(order, 1, 2, 3, y, sw, out)  # batches 1 and 2: positions 3 to 8
    np.testing.assert_array_equal(x[:, 0], [0, 4, 12, 20, 24, 32])  # samples 0 1 3 5 6 8, sorted
    np.testing.assert_array_equal(x[local][:, 0] / 4, order[3:9])  # visited as the order says
    np.testing.assert_array_equal(yc[local, 0], order[3:9])
    assert x.dtype == np.float32 and swc.shape == (6,)
    tail = r[6:]
    assert tail.shape == (4, 4)
    np.testing.assert_array_equal(np.asarray(tail), source[6:])


def test_checks_scan_every_block_and_name_the_argument():
    bad = X.copy()
    bad[850, 2] = np.nan
    with pytest.raises(ValueError, match="`x` contains 1 NaN"):
        model().fit(bad, Y, verbose=0)
    m = keras.Sequential([keras.Input((12,)), keras.layers.Embedding(50, 2), keras.layers.Flatten(),
                          keras.layers.Dense(2, activation="softmax")])
    m.compile("adam", "sparse_categorical_crossentropy")
    ids = RNG.integers(0, 50, size=(900, 12))
    ids[880, 0] = 50
    with pytest.raises(ValueError, match=r"takes ids in \[0, 50\)"):
        m.fit(ids, Y, verbose=0)
    ids[880, 0] = 49
    m.fit(ids, Y, verbose=0)
    with pytest.raises(TypeError, match="numeric array"):
        model().fit(np.zeros((900, 12), dtype="U1"), Y, verbose=0)


def test_a_memmap_that_is_not_numeric_is_refused(tmp_path):
    texts = np.lib.format.open_memmap(tmp_path / "t.npy", mode="w+", dtype="S4", shape=(900, 12))
    with pytest.raises(TypeError, match=r"Argument `x` must be a numeric array .* dtype=\|S4"):
        model().fit(texts, Y, verbose=0)
