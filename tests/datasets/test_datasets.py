"""Dataset loaders: cache lookup, IDX/npz/JSON parsing, safe unpickling, downloads.

Every test runs with JITNET_HOME and HOME inside tmp_path, KERAS_HOME unset and
the download URL pointing at a closed local port, so the real home and the
network are never touched. Downloads are tested against an http.server on
127.0.0.1. The last tests read the real files from shared/data.
"""

from __future__ import annotations

import gzip
import hashlib
import http.server
import io
import itertools
import json
import os
import pickle
import socket
import struct
import threading
import zipfile
from pathlib import Path

import numpy as np
import numpy.lib.format as npformat
import pytest

from jitnet.datasets import (
    ChecksumError,
    CorruptDatasetError,
    DatasetNotFoundError,
    UnsafeFileError,
    _cache,
    fashion_mnist,
    imdb,
    mnist,
)
from jitnet.datasets._safe_npz import load_npz

SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
IDX_FILES = mnist.IDX_FILES


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """A private JITNET_HOME and HOME; no KERAS_HOME; downloads go nowhere."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("JITNET_HOME", str(tmp_path / "jitnet"))
    monkeypatch.delenv("KERAS_HOME", raising=False)
    monkeypatch.setenv("JITNET_DATASETS_URL", f"http://127.0.0.1:{closed_port()}/")
    return tmp_path / "jitnet" / "datasets"


@pytest.fixture
def cache(isolated):
    isolated.mkdir(parents=True)
    return isolated


# ------------------------------------------------------------------ writers


def idx_bytes(array: np.ndarray, type_code: int = 0x08) -> bytes:
    header = bytes([0, 0, type_code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    dtype = {0x08: ">u1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4"}[type_code]
    return header + array.astype(dtype).tobytes()


def write_idx(path: Path, array: np.ndarray, type_code: int = 0x08) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(idx_bytes(array, type_code)))


def image_set(seed=0, n_train=12, n_test=5):
    rng = np.random.default_rng(seed)
    return (
        (rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8), rng.integers(0, 10, n_train, dtype=np.uint8)),
        (rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8), rng.integers(0, 10, n_test, dtype=np.uint8)),
    )


def write_idx_folder(folder: Path, data) -> list[Path]:
    (xtr, ytr), (xte, yte) = data
    paths = [folder / name for name in IDX_FILES]
    for path, arr in zip(paths, (xtr, ytr, xte, yte)):
        write_idx(path, arr)
    return paths


def npz_bytes(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def image_npz_bytes(data) -> bytes:
    (xtr, ytr), (xte, yte) = data
    return npz_bytes(x_train=xtr, y_train=ytr, x_test=xte, y_test=yte)


def object_array(seqs) -> np.ndarray:
    arr = np.empty(len(seqs), dtype=object)
    for i, s in enumerate(seqs):
        arr[i] = s
    return arr


def imdb_npz_bytes(x_train, y_train, x_test, y_test) -> bytes:
    return npz_bytes(
        x_train=object_array(x_train),
        y_train=np.asarray(y_train, dtype=np.int64),
        x_test=object_array(x_test),
        y_test=np.asarray(y_test, dtype=np.int64),
    )


def assert_sets_equal(got, expected):
    for (gx, gy), (ex, ey) in zip(got, expected):
        np.testing.assert_array_equal(gx, ex)
        np.testing.assert_array_equal(gy, ey)
        assert gx.dtype == ex.dtype and gy.dtype == ey.dtype


# ------------------------------------------------------------- MNIST cache


def test_mnist_from_npz_in_jitnet_cache(cache):
    data = image_set()
    (cache / "mnist.npz").write_bytes(image_npz_bytes(data))
    got = mnist.load_data()
    assert_sets_equal(got, data)
    assert got[0][0].dtype == np.uint8 and got[0][1].dtype == np.uint8


def test_mnist_from_idx_folder(cache):
    data = image_set(1)
    write_idx_folder(cache / "mnist", data)
    got = mnist.load_data()
    assert_sets_equal(got, data)
    assert got[0][0].flags.writeable


def test_mnist_custom_path_name_and_absolute_path(cache, tmp_path):
    data = image_set(2)
    (cache / "digits.npz").write_bytes(image_npz_bytes(data))
    assert_sets_equal(mnist.load_data(path="digits.npz"), data)
    elsewhere = tmp_path / "elsewhere.npz"
    elsewhere.write_bytes(image_npz_bytes(data))
    assert_sets_equal(mnist.load_data(path=str(elsewhere)), data)


def test_jitnet_cache_is_searched_before_keras_cache(cache, tmp_path, monkeypatch):
    keras = tmp_path / "home" / ".keras" / "datasets"
    keras.mkdir(parents=True)
    mine, theirs = image_set(3), image_set(4)
    (keras / "mnist.npz").write_bytes(image_npz_bytes(theirs))
    assert_sets_equal(mnist.load_data(), theirs)  # only ~/.keras has it
    write_idx_folder(cache / "mnist", mine)
    assert_sets_equal(mnist.load_data(), mine)  # JITNET_HOME wins, even with the other layout


def test_keras_home_variable_is_honoured(tmp_path, monkeypatch):
    keras = tmp_path / "kh" / "datasets"
    data = image_set(5)
    write_idx_folder(keras / "fashion-mnist", data)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "kh"))
    assert_sets_equal(fashion_mnist.load_data(), data)
    assert not (tmp_path / "jitnet").exists()  # nothing written


def test_fashion_mnist_from_keras_layout(cache):
    data = image_set(6)
    write_idx_folder(cache / "fashion-mnist", data)
    assert_sets_equal(fashion_mnist.load_data(), data)


def test_read_idx_other_types_are_native_endian(tmp_path):
    arr = np.arange(-6, 6, dtype=np.int32).reshape(3, 4) * 1000
    write_idx(tmp_path / "a.gz", arr, 0x0C)
    got = mnist.read_idx(tmp_path / "a.gz")
    np.testing.assert_array_equal(got, arr)
    assert got.dtype.isnative
    (tmp_path / "b").write_bytes(idx_bytes(np.arange(5, dtype=np.uint8)))  # uncompressed
    np.testing.assert_array_equal(mnist.read_idx(tmp_path / "b"), np.arange(5))


# --------------------------------------------------------- corrupt files


def corrupt_cases():
    good = idx_bytes(np.zeros((3, 28, 28), np.uint8))
    return {
        "truncated gzip": gzip.compress(good)[:-30],
        "not gzip": b"hello, this is not a gzip file at all",
        "short data": gzip.compress(good[:-100]),
        "short header": gzip.compress(good[:10]),
        "bad magic": gzip.compress(b"\x01\x02" + good[2:]),
        "wrong ndim": gzip.compress(idx_bytes(np.zeros((3, 28 * 28), np.uint8))),
        "trailing bytes": gzip.compress(good + b"\x00" * 7),
    }


@pytest.mark.parametrize("case", list(corrupt_cases()))
def test_corrupt_idx_file_is_named_in_the_error(cache, case):
    paths = write_idx_folder(cache / "fashion-mnist", image_set(7, n_train=3))
    paths[0].write_bytes(corrupt_cases()[case])
    with pytest.raises(CorruptDatasetError, match="train-images-idx3-ubyte.gz") as info:
        fashion_mnist.load_data()
    assert isinstance(info.value, ValueError)
    assert str(paths[0]) in str(info.value)


def test_label_count_mismatch(cache):
    (xtr, ytr), test = image_set(8)
    write_idx_folder(cache / "mnist", ((xtr, ytr[:-1]), test))
    with pytest.raises(CorruptDatasetError, match="12 images .* 11 labels"):
        mnist.load_data()


@pytest.mark.parametrize("cut", [0.5, 0.95])
def test_truncated_npz(cache, cut):
    blob = image_npz_bytes(image_set(9))
    (cache / "mnist.npz").write_bytes(blob[: int(len(blob) * cut)])
    with pytest.raises(CorruptDatasetError, match="mnist.npz"):
        mnist.load_data()


def test_npz_missing_arrays(cache):
    (cache / "mnist.npz").write_bytes(npz_bytes(x_train=np.zeros((2, 28, 28), np.uint8)))
    with pytest.raises(CorruptDatasetError, match="missing arrays"):
        mnist.load_data()


# ---------------------------------------------------- hostile pickles


class RunsShell:
    """Unpickling this runs a shell command (the classic pickle attack)."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


class CallsEval:
    def __reduce__(self):
        return (eval, ("__import__('os').getpid()",))


def hostile_npz(cache, x_train):
    (cache / "imdb.npz").write_bytes(
        npz_bytes(
            x_train=x_train, y_train=np.zeros(1, np.int64), x_test=object_array([[1]]), y_test=np.zeros(1, np.int64)
        )
    )


def test_pickle_that_runs_a_command_is_refused_and_nothing_runs(cache, tmp_path):
    marker = tmp_path / "pwned"
    hostile_npz(cache, object_array([RunsShell(marker)]))
    with pytest.raises(UnsafeFileError, match=r"imdb\.npz") as info:
        imdb.load_data()
    assert "system" in str(info.value)
    assert isinstance(info.value, ValueError)
    assert not marker.exists()


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (lambda: object_array([CallsEval()]), "eval"),
        (lambda: object_array([{"a": 1}]), "dict"),
        (lambda: object_array([[1, 2.5]]), "float"),
        (lambda: object_array([[1, "2"]]), "str"),
        (lambda: object_array([[1, True]]), "bool"),
        (lambda: object_array([(1, 2)]), "tuple"),
        (lambda: object_array([np.arange(3)]), "ndarray|scalar|_frombuffer"),
        (lambda: np.array([(1, [2])], dtype=[("a", "i8"), ("b", "O")]), "structured"),
    ],
)
def test_anything_but_int_lists_is_refused(cache, payload, reason):
    hostile_npz(cache, payload())
    with pytest.raises(UnsafeFileError, match=reason):
        imdb.load_data()


def npy_object_header(shape) -> bytes:
    buf = io.BytesIO()
    npformat.write_array_header_1_0(buf, {"descr": "|O", "fortran_order": False, "shape": shape})
    return buf.getvalue()


def test_handcrafted_pickles_are_refused(tmp_path):
    """Raw pickle streams (not made by numpy) calling ndarray or builtins directly."""
    streams = {
        # numpy.ndarray((1,)) called directly instead of through _reconstruct
        "ndarray": (b"\x80\x02cnumpy\nndarray\nK\x01\x85R.", "not callable"),
        "exec": (b"\x80\x02cbuiltins\nexec\nX\x04\x00\x00\x00pass\x85R.", "builtins.exec"),
        "system": (b"cos\nsystem\n(S'true'\ntR.", "os.system"),  # protocol 0
        # _reconstruct asked to build something other than an ndarray
        "subtype": (
            b"\x80\x02cnumpy.core.multiarray\n_reconstruct\ncnumpy\ndtype\nK\x00\x85U\x01b\x87R.",
            "only rebuild a numpy.ndarray",
        ),
    }
    for name, (stream, reason) in streams.items():
        path = tmp_path / f"{name}.npz"
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("x.npy", npy_object_header((1,)) + stream)
        with pytest.raises(UnsafeFileError, match=path.name) as info:
            load_npz(path)
        assert reason in str(info.value)
    path = tmp_path / "cut.npz"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("x.npy", npy_object_header((1,)) + b"\x80\x02cnumpy.core.multiarray\n_reconstruct\n")
    with pytest.raises(CorruptDatasetError, match="cut.npz"):
        load_npz(path)


# A Python 2 / NumPy 1 pickle of object_array([[1, 2], [3, 2**32]]): str opcodes,
# numpy.core names, a py2 long, dtype state with 8 fields.
PY2_PICKLE = (
    b"\x80\x02cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\x00\x85U\x01b\x87R"
    b"(K\x01K\x02\x85cnumpy\ndtype\nU\x02O8K\x00K\x01\x87R(K\x03U\x01|NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK?tb"
    b"\x89](](K\x01K\x02e](K\x03\x8a\x05\x00\x00\x00\x00\x01eetb."
)


@pytest.mark.parametrize(
    ("stream", "expected"),
    [
        # protocol 2 from Python 3 (bytes via _codecs.encode), numpy.core module names
        (
            pickle.dumps(object_array([[1, 2, 3], [4]]), protocol=2).replace(
                b"numpy._core.multiarray", b"numpy.core.multiarray"
            ),
            [[1, 2, 3], [4]],
        ),
        (PY2_PICKLE, [[1, 2], [3, 2**32]]),
        # list items stored as NumPy integer scalars come back as Python ints
        (pickle.dumps(object_array([[np.int64(5), np.uint8(7)], [1]])), [[5, 7], [1]]),
    ],
)
def test_older_pickle_flavours_load(tmp_path, stream, expected):
    path = tmp_path / "old.npz"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("x_train.npy", npy_object_header((2,)) + stream)
    got = load_npz(path)["x_train"]
    assert got.tolist() == expected
    assert all(type(w) is int for row in got for w in row)


# ----------------------------------------------------------------- IMDB


def keras_imdb_reference(
    x_train,
    labels_train,
    x_test,
    labels_test,
    num_words=None,
    skip_top=0,
    maxlen=None,
    seed=113,
    start_char=1,
    oov_char=2,
    index_from=3,
):
    """Keras 3's keras/src/datasets/imdb.py load_data, after np.load, verbatim in logic."""
    x_train, x_test = object_array(x_train), object_array(x_test)
    labels_train, labels_test = np.asarray(labels_train, np.int64), np.asarray(labels_test, np.int64)
    rng = np.random.RandomState(seed)
    indices = np.arange(len(x_train))
    rng.shuffle(indices)
    x_train = x_train[indices]
    labels_train = labels_train[indices]
    indices = np.arange(len(x_test))
    rng.shuffle(indices)
    x_test = x_test[indices]
    labels_test = labels_test[indices]
    if start_char is not None:
        x_train = [[start_char] + [w + index_from for w in x] for x in x_train]
        x_test = [[start_char] + [w + index_from for w in x] for x in x_test]
    elif index_from:
        x_train = [[w + index_from for w in x] for x in x_train]
        x_test = [[w + index_from for w in x] for x in x_test]
    else:
        x_train = [[w for w in x] for x in x_train]
        x_test = [[w for w in x] for x in x_test]
    if maxlen:

        def remove_long_seq(maxlen, seq, label):
            new_seq, new_label = [], []
            for x, y in zip(seq, label):
                if len(x) < maxlen:
                    new_seq.append(x)
                    new_label.append(y)
            return new_seq, new_label

        x_train, labels_train = remove_long_seq(maxlen, x_train, labels_train)
        x_test, labels_test = remove_long_seq(maxlen, x_test, labels_test)
    xs = x_train + x_test
    labels = np.concatenate([labels_train, labels_test])
    if not num_words:
        num_words = max(max(x) for x in xs)
    if oov_char is not None:
        xs = [[w if (skip_top <= w < num_words) else oov_char for w in x] for x in xs]
    else:
        xs = [[w for w in x if skip_top <= w < num_words] for x in xs]
    idx = len(x_train)
    return (xs[:idx], labels[:idx]), (xs[idx:], labels[idx:])


def assert_imdb_equal(got, expected):
    for (gx, gy), (ex, ey) in zip(got, expected):
        assert isinstance(gx, np.ndarray) and gx.dtype == object and gx.ndim == 1
        assert gx.tolist() == list(ex)
        assert all(type(w) is int for x in gx for w in x)
        assert gy.dtype == np.int64
        np.testing.assert_array_equal(gy, ey)


# one review per split, so shuffling cannot reorder anything
TINY = {"x_train": [[1, 5, 2, 9, 3]], "y_train": [1], "x_test": [[4, 4, 7]], "y_test": [0]}


@pytest.mark.parametrize(
    ("kwargs", "train", "test"),
    [
        # +3 offset, start 1; num_words defaults to the max index (12), which Keras then
        # maps to oov (it keeps w < num_words)
        ({}, [1, 4, 8, 5, 2, 6], [1, 7, 7, 10]),
        ({"num_words": 8}, [1, 4, 2, 5, 2, 6], [1, 7, 7, 2]),
        ({"num_words": 8, "oov_char": 0}, [1, 4, 0, 5, 0, 6], [1, 7, 7, 0]),
        ({"skip_top": 5}, [2, 2, 8, 5, 2, 6], [2, 7, 7, 10]),
        ({"num_words": 8, "oov_char": None}, [1, 4, 5, 6], [1, 7, 7]),
        ({"index_from": 0, "start_char": None}, [1, 5, 2, 2, 3], [4, 4, 7]),
        ({"start_char": None}, [4, 8, 5, 2, 6], [7, 7, 10]),
        ({"start_char": 7, "index_from": 10, "num_words": 100}, [7, 11, 15, 12, 19, 13], [7, 14, 14, 17]),
        ({"maxlen": 7}, [1, 4, 8, 5, 2, 6], [1, 7, 7, 10]),
    ],
)
def test_imdb_arguments_hand_computed(cache, kwargs, train, test):
    (cache / "imdb.npz").write_bytes(imdb_npz_bytes(**TINY))
    (x_train, y_train), (x_test, y_test) = imdb.load_data(**kwargs)
    assert x_train.tolist() == [train] and x_test.tolist() == [test]
    assert y_train.tolist() == [1] and y_test.tolist() == [0]


def test_imdb_maxlen_drops_sequences_of_maxlen_or_more(cache):
    # train after +3 and start: [1, 4, 8, 5, 12, 6] (6 long) and [1, 10] (2 long)
    (cache / "imdb.npz").write_bytes(imdb_npz_bytes([[1, 5, 2, 9, 3], [7]], [0, 1], [[4, 4, 7]], [0]))
    (x_train, y_train), (x_test, _) = imdb.load_data(maxlen=6)  # len 6 is dropped too
    assert x_train.tolist() == [[1, 2]]  # num_words = max kept index = 10 -> oov
    assert y_train.tolist() == [1]
    assert x_test.tolist() == [[1, 7, 7, 2]]
    with pytest.raises(ValueError, match="Increase maxlen"):
        imdb.load_data(maxlen=2)


def test_imdb_shuffles_with_random_state(cache):
    x_train = [[i + 1] * (i + 1) for i in range(8)]
    x_test = [[i + 1] for i in range(5)]
    (cache / "imdb.npz").write_bytes(imdb_npz_bytes(x_train, list(range(8)), x_test, list(range(5))))
    (xtr, ytr), (_, yte) = imdb.load_data(seed=7, num_words=1000)
    rng = np.random.RandomState(7)
    order_train = np.arange(8)
    rng.shuffle(order_train)
    order_test = np.arange(5)
    rng.shuffle(order_test)
    assert ytr.tolist() == order_train.tolist() and yte.tolist() == order_test.tolist()
    assert xtr.tolist() == [[1] + [w + 3 for w in x_train[i]] for i in order_train]


def test_imdb_equal_lengths_still_give_1d_object_arrays(cache):
    (cache / "imdb.npz").write_bytes(imdb_npz_bytes([[1, 2], [3, 4]], [0, 1], [[5, 6]], [1]))
    (x_train, _), (x_test, _) = imdb.load_data()
    assert x_train.shape == (2,) and x_test.shape == (1,)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"seed": 1, "num_words": 40},
        {"skip_top": 6, "num_words": 30, "maxlen": 20},
        {"oov_char": None, "num_words": 25, "skip_top": 2},
        {"start_char": None, "index_from": 0, "maxlen": 15},
        {"start_char": None, "index_from": 2, "oov_char": 9},
        {"seed": 5, "start_char": 3, "oov_char": 4, "index_from": 5},
    ],
)
def test_imdb_matches_keras_logic_on_random_data(cache, kwargs):
    rng = np.random.default_rng(11)
    x_train, x_test = ([rng.integers(1, 60, rng.integers(1, 25)).tolist() for _ in range(n)] for n in (40, 30))
    y_train, y_test = rng.integers(0, 2, 40).tolist(), rng.integers(0, 2, 30).tolist()
    (cache / "imdb.npz").write_bytes(imdb_npz_bytes(x_train, y_train, x_test, y_test))
    got = imdb.load_data(**kwargs)
    assert_imdb_equal(got, keras_imdb_reference(x_train, y_train, x_test, y_test, **kwargs))


def test_imdb_rejects_unknown_arguments(cache):
    (cache / "imdb.npz").write_bytes(imdb_npz_bytes(**TINY))
    with pytest.raises(TypeError, match="nb_words"):
        imdb.load_data(nb_words=10)
    with pytest.raises(TypeError, match="num_words"):
        imdb.load_data(num_words="10")


def test_word_index(cache):
    (cache / "imdb_word_index.json").write_text(json.dumps({"the": 1, "and": 2, "é": 3}), encoding="utf-8")
    assert imdb.get_word_index() == {"the": 1, "and": 2, "é": 3}
    (cache / "imdb_word_index.json").write_text('{"the": 1, "and": ', encoding="utf-8")
    with pytest.raises(CorruptDatasetError, match="imdb_word_index.json"):
        imdb.get_word_index()
    (cache / "imdb_word_index.json").write_text('["the", "and"]', encoding="utf-8")
    with pytest.raises(CorruptDatasetError, match="mapping words"):
        imdb.get_word_index()


# ------------------------------------------------------------ downloads


class Server:
    """Serves ``files`` (name -> bytes); names in ``cut`` are sent half, then the socket closes."""

    def __init__(self):
        self.files: dict[str, bytes] = {}
        self.cut: set[str] = set()
        self.requests: list[str] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                name = self.path.lstrip("/")
                outer.requests.append(name)
                body = outer.files.get(name)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if name in outer.cut:
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(monkeypatch):
    srv = Server()
    monkeypatch.setenv("JITNET_DATASETS_URL", srv.url)
    yield srv
    srv.close()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def cache_listing(root: Path) -> list[str]:
    if not root.exists():
        return []
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def serve_mnist(server, monkeypatch, data):
    blob = image_npz_bytes(data)
    server.files["mnist.npz"] = blob
    monkeypatch.setitem(mnist.FILE_HASHES, "mnist.npz", sha256(blob))
    return blob


def test_download_success_then_cached(isolated, server, monkeypatch, capsys):
    data = image_set(10)
    blob = serve_mnist(server, monkeypatch, data)
    assert_sets_equal(mnist.load_data(), data)
    assert (isolated / "mnist.npz").read_bytes() == blob
    assert cache_listing(isolated) == ["mnist.npz"]
    assert "Downloading " + server.url + "mnist.npz" in capsys.readouterr().err
    assert_sets_equal(mnist.load_data(), data)
    assert server.requests == ["mnist.npz"]  # second load came from the cache
    assert not (isolated.parent.parent / "home" / ".keras").exists()


def test_download_fashion_fills_only_missing_files(isolated, server, monkeypatch):
    data = image_set(11)
    paths = write_idx_folder(isolated / "fashion-mnist", data)
    for path in paths[1:]:
        server.files[path.name] = path.read_bytes()
        monkeypatch.setitem(fashion_mnist.FILE_HASHES, path.name, sha256(path.read_bytes()))
        path.unlink()
    assert_sets_equal(fashion_mnist.load_data(), data)
    assert sorted(server.requests) == sorted(IDX_FILES[1:])


def test_download_404(isolated, server):
    with pytest.raises(DatasetNotFoundError, match="HTTP 404") as info:
        mnist.load_data()
    message = str(info.value)
    assert str(isolated / "mnist.npz") in message
    assert cache_listing(isolated) == []


def test_download_checksum_mismatch_deletes_file(isolated, server, monkeypatch):
    server.files["mnist.npz"] = image_npz_bytes(image_set(12))
    monkeypatch.setitem(mnist.FILE_HASHES, "mnist.npz", "0" * 64)
    with pytest.raises(ChecksumError, match="deleted") as info:
        mnist.load_data()
    assert sha256(server.files["mnist.npz"]) in str(info.value)
    assert cache_listing(isolated) == []


def test_interrupted_download_leaves_no_partial_file(isolated, server, monkeypatch):
    serve_mnist(server, monkeypatch, image_set(13))
    server.cut.add("mnist.npz")
    with pytest.raises(DatasetNotFoundError, match="interrupted|failed after"):
        mnist.load_data()
    assert cache_listing(isolated) == []


def test_interrupted_without_hash_still_detected(isolated, server, monkeypatch):
    serve_mnist(server, monkeypatch, image_set(14))
    monkeypatch.setitem(mnist.FILE_HASHES, "mnist.npz", None)
    server.cut.add("mnist.npz")
    with pytest.raises(DatasetNotFoundError, match="interrupted|failed after"):
        mnist.load_data()
    assert cache_listing(isolated) == []


def test_offline_with_empty_cache_gives_one_clear_error(isolated, tmp_path):
    with pytest.raises(DatasetNotFoundError) as info:
        mnist.load_data()
    assert isinstance(info.value, FileNotFoundError)
    message = str(info.value)
    keras = tmp_path / "home" / ".keras" / "datasets"
    for place in (isolated / "mnist.npz", keras / "mnist.npz", isolated / "mnist", keras / "mnist"):
        assert str(place) in message
    assert all(name in message for name in IDX_FILES)
    assert "cannot reach" in message and "put the file(s) at" in message
    with pytest.raises(DatasetNotFoundError, match="4 file") as info:
        fashion_mnist.load_data()
    assert str(keras / "fashion-mnist" / "t10k-labels-idx1-ubyte.gz") in str(info.value)
    with pytest.raises(DatasetNotFoundError, match="imdb_word_index.json"):
        imdb.get_word_index()
    assert cache_listing(isolated) == []


def test_unwritable_cache_folder(tmp_path, monkeypatch, server):
    (tmp_path / "afile").write_text("x")
    monkeypatch.setenv("JITNET_HOME", str(tmp_path / "afile"))
    with pytest.raises(DatasetNotFoundError, match="cannot create the cache folder"):
        imdb.load_data()


def test_progress_bar_on_a_terminal():
    class Tty(io.StringIO):
        def isatty(self):
            return True

    stream = Tty()
    progress = _cache._Progress("http://x/f", 2_000_000, stream)
    progress.update(1_000_000, final=True)
    progress.close(2_000_000, ok=True)
    text = stream.getvalue()
    assert "Downloading http://x/f (2.0 MB)" in text
    assert "\r[" in text and " 50%" in text and "100%" in text


# ------------------------------------------------------- the real files


@pytest.fixture
def real_cache(cache):
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real datasets not present at {SHARED_DATA}")
    for src, dst in (("mnist", "mnist"), ("fashion_mnist", "fashion-mnist")):
        (cache / dst).mkdir()
        for name in IDX_FILES:
            (cache / dst / name).symlink_to(SHARED_DATA / src / name)
    for name in ("imdb.npz", "imdb_word_index.json"):
        (cache / name).symlink_to(SHARED_DATA / "imdb" / name)
    return cache


def test_real_mnist(real_cache):
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert y_train.shape == (60000,) and y_test.shape == (10000,)
    assert {a.dtype for a in (x_train, y_train, x_test, y_test)} == {np.dtype(np.uint8)}
    counts = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert np.bincount(y_train).tolist() == counts
    assert abs(x_train.mean() / 255 - 0.1307) < 1e-4 and abs(x_test.mean() / 255 - 0.1325) < 1e-4


def test_real_fashion_mnist(real_cache):
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.uint8
    assert np.bincount(y_train).tolist() == [6000] * 10
    assert np.bincount(y_test).tolist() == [1000] * 10


def test_real_imdb(real_cache):
    (x_train, y_train), (x_test, y_test) = imdb.load_data()
    assert x_train.shape == (25000,) and x_test.shape == (25000,)
    assert x_train.dtype == object and y_train.dtype == np.int64
    assert [len(x) for x in x_train[:5]] == [218, 189, 141, 550, 147]
    assert all(x[0] == 1 for x in x_train[:100])
    assert max(map(max, itertools.chain(x_train, x_test))) == 88586
    assert y_train.tolist()[:10] == [1, 0, 0, 1, 0, 0, 1, 0, 1, 0]
    assert np.bincount(y_train).tolist() == [12500, 12500] == np.bincount(y_test).tolist()
    word_index = imdb.get_word_index()
    assert len(word_index) == 88584 and max(word_index.values()) == 88584
    assert word_index["the"] == 1


def test_real_imdb_matches_keras_logic(real_cache):
    kwargs = {"num_words": 10000, "skip_top": 20, "maxlen": 300}
    got = imdb.load_data(**kwargs)
    arrays = load_npz(SHARED_DATA / "imdb" / "imdb.npz")  # no allow_pickle, even in tests
    raw = [arrays[k] for k in ("x_train", "y_train", "x_test", "y_test")]
    assert_imdb_equal(got, keras_imdb_reference(*raw, **kwargs))
