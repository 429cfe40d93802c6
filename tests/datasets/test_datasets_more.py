"""CIFAR-10, Boston and California housing, Reuters: files in Keras's format, Keras's logic.

Fixtures come from tests/datasets/test_datasets.py: every test has JITNET_HOME and HOME
inside tmp_path, no KERAS_HOME, and downloads pointed at a closed local port.
Files that cannot be downloaded here are written small, in Keras's exact
format, and each loader is compared with Keras 3's algorithm written out in
the test. Boston is also read from the real file in shared/data.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import math
import pickle
import struct
import tarfile
from pathlib import Path

import numpy as np
import pytest

from jitnet.datasets import (
    ChecksumError,
    CorruptDatasetError,
    UnsafeFileError,
    _cache,
    boston_housing,
    california_housing,
    cifar10,
    reuters,
)
from jitnet.datasets._safe_npz import load_npz
from tests.datasets import test_datasets
from tests.datasets.test_datasets import SHARED_DATA, RunsShell, cache_listing, npz_bytes, object_array, sha256

# The fixtures of tests/datasets/test_datasets.py; ``isolated`` is autouse here too.
isolated, cache, server = test_datasets.isolated, test_datasets.cache, test_datasets.server

# ------------------------------------------------------------------ CIFAR-10


def py2_pickle(obj) -> bytes:
    """``obj`` as Python 2's cPickle (protocol 2) wrote CIFAR's batches: str as bytes, NumPy 1 arrays.

    Handles dict, list, bytes (a Python 2 str), int, and 2-D uint8 arrays
    (``numpy.core.multiarray._reconstruct`` plus an ndarray/dtype state).
    """

    def s(b: bytes) -> bytes:
        return b"U" + bytes([len(b)]) + b if len(b) < 256 else b"T" + struct.pack("<I", len(b)) + b

    def i(n: int) -> bytes:
        return b"K" + bytes([n]) if 0 <= n < 256 else b"J" + struct.pack("<i", n)

    def dump(o) -> bytes:
        if isinstance(o, dict):
            return b"}(" + b"".join(dump(k) + dump(v) for k, v in o.items()) + b"u"
        if isinstance(o, list):
            return b"](" + b"".join(map(dump, o)) + b"e"
        if isinstance(o, bytes):
            return s(o)
        if isinstance(o, int):
            return i(o)
        assert isinstance(o, np.ndarray) and o.dtype == np.uint8 and o.ndim == 2
        dtype = (
            b"cnumpy\ndtype\n"
            + s(b"u1")
            + b"K\x00K\x01\x87R(K\x03"
            + s(b"|")
            + b"NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb"
        )
        shape = b"(" + b"".join(b"M" + struct.pack("<H", d) for d in o.shape) + b"t"
        return (
            b"cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\x00\x85" + s(b"b") + b"\x87R"
            + b"(K\x01" + shape + dtype + b"\x89" + s(o.tobytes()) + b"tb"
        )  # fmt: skip

    return b"\x80\x02" + dump(obj) + b"."


def cifar_batches(seed=0, per_batch=3, n_test=4) -> dict[str, dict]:
    """The six batches as Keras's files hold them (keys as bytes, as Python 3 reads Python 2's str)."""
    rng = np.random.default_rng(seed)
    out = {}
    for name, n in [*((b, per_batch) for b in cifar10.TRAIN_BATCHES), (cifar10.TEST_BATCH, n_test)]:
        out[name] = {
            b"batch_label": f"{name} of 6".encode(),
            b"labels": rng.integers(0, 10, n).tolist(),
            b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
            b"filenames": [f"img_{name}_{k}.png".encode() for k in range(n)],
        }
    return out


def keras_cifar10_reference(batches, per_batch):
    """Keras 3's keras/src/datasets/cifar10.py load_data (and cifar.load_batch), verbatim in logic.

    Keras allocates 10000 rows per training batch; ``per_batch`` stands for it.
    """

    def load_batch(name):
        d = {k.decode("utf8"): v for k, v in batches[name].items()}
        data = d["data"]
        labels = d["labels"]
        data = data.reshape(data.shape[0], 3, 32, 32)
        return data, labels

    num_train_samples = 5 * per_batch
    x_train = np.empty((num_train_samples, 3, 32, 32), dtype="uint8")
    y_train = np.empty((num_train_samples,), dtype="uint8")
    for i in range(1, 6):
        (
            x_train[(i - 1) * per_batch : i * per_batch, :, :, :],
            y_train[(i - 1) * per_batch : i * per_batch],
        ) = load_batch("data_batch_" + str(i))
    x_test, y_test = load_batch("test_batch")
    y_train = np.reshape(y_train, (len(y_train), 1))
    y_test = np.reshape(y_test, (len(y_test), 1))
    x_train = x_train.transpose(0, 2, 3, 1)  # image_data_format() == "channels_last"
    x_test = x_test.transpose(0, 2, 3, 1)
    x_test = x_test.astype(x_train.dtype)
    y_test = y_test.astype(y_train.dtype)
    return (x_train, y_train), (x_test, y_test)


def write_cifar_folder(folder: Path, batches, pickler=py2_pickle) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, batch in batches.items():
        (folder / name).write_bytes(pickler(batch))


def cifar_tar_gz(batches, extra: dict[str, bytes] | None = None) -> bytes:
    """The archive as on the CIFAR site: folder cifar-10-batches-py/ with the batches, meta and readme."""
    members = {f"{cifar10.DIRNAME}/{name}": py2_pickle(b) for name, b in batches.items()}
    members[f"{cifar10.DIRNAME}/batches.meta"] = py2_pickle({b"label_names": [n.encode() for n in cifar10.CLASS_NAMES]})
    members[f"{cifar10.DIRNAME}/readme.html"] = b"<meta HTTP-EQUIV='REFRESH' content='0; url=...'>"
    members.update(extra or {})
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        dir_info = tarfile.TarInfo(cifar10.DIRNAME)
        dir_info.type = tarfile.DIRTYPE
        tf.addfile(dir_info)
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def assert_cifar_equal(got, expected):
    for (gx, gy), (ex, ey) in zip(got, expected):
        assert gx.dtype == ex.dtype == np.uint8 and gy.dtype == ey.dtype == np.uint8
        assert gx.shape == ex.shape and gy.shape == ey.shape
        np.testing.assert_array_equal(gx, ex)
        np.testing.assert_array_equal(gy, ey)


def test_cifar10_from_an_extracted_keras_folder(tmp_path):
    """~/.keras/datasets/cifar-10-batches-py/, as Keras <= 3.4 leaves it, with Python 2 pickles."""
    batches = cifar_batches(0)
    write_cifar_folder(tmp_path / "home" / ".keras" / "datasets" / cifar10.DIRNAME, batches)
    got = cifar10.load_data()
    assert_cifar_equal(got, keras_cifar10_reference(batches, per_batch=3))
    (x_train, y_train), (x_test, y_test) = got
    assert x_train.shape == (15, 32, 32, 3) and y_train.shape == (15, 1)
    assert x_test.shape == (4, 32, 32, 3) and y_test.shape == (4, 1)
    # by hand: row 3072 = 1024 red, 1024 green, 1024 blue values, each 32x32 row-major
    data = batches["data_batch_2"][b"data"]
    assert x_train[3 + 1, 5, 7, 2] == data[1, 2 * 1024 + 5 * 32 + 7]
    assert y_train[3 + 1, 0] == batches["data_batch_2"][b"labels"][1]
    assert y_test[:, 0].tolist() == batches["test_batch"][b"labels"]
    assert not (tmp_path / "jitnet").exists()  # nothing written


def test_cifar10_keras35_nested_layout_with_python3_pickles(cache):
    """Keras >= 3.5 extracts to cifar-10-batches-py/cifar-10-batches-py/; Keras's own test writes protocol 4."""
    batches = cifar_batches(1, per_batch=2, n_test=2)
    write_cifar_folder(cache / cifar10.DIRNAME / cifar10.DIRNAME, batches, lambda b: pickle.dumps(b, protocol=4))
    assert_cifar_equal(cifar10.load_data(), keras_cifar10_reference(batches, per_batch=2))


@pytest.mark.parametrize("protocol", [0, 1, 2, 3, 4])
def test_cifar10_load_batch_pickle_protocols(tmp_path, protocol):
    data = np.arange(2 * 3072, dtype=np.uint8).reshape(2, 3072)
    (tmp_path / "b").write_bytes(pickle.dumps({b"data": data, b"labels": [3, 7]}, protocol=protocol))
    images, labels = cifar10.load_batch(tmp_path / "b")
    assert images.shape == (2, 3, 32, 32) and images.dtype == np.uint8
    np.testing.assert_array_equal(images.reshape(2, 3072), data)
    assert labels.tolist() == [3, 7] and labels.dtype == np.uint8


def test_cifar10_load_batch_refuses_protocol_5_like_keras(tmp_path):
    # NumPy pickles arrays through numeric._frombuffer at protocol 5; Keras's unpickler refuses it too.
    path = tmp_path / "p5"
    path.write_bytes(pickle.dumps({b"data": np.zeros((1, 3072), np.uint8), b"labels": [0]}, protocol=5))
    with pytest.raises(UnsafeFileError, match="_frombuffer") as info:
        cifar10.load_batch(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("name", [cifar10.ARCHIVE, *cifar10.KERAS_ARCHIVES])
def test_cifar10_from_the_archive_extracts_once_and_atomically(cache, name):
    batches = cifar_batches(2)
    (cache / name).write_bytes(cifar_tar_gz(batches))
    expected = keras_cifar10_reference(batches, per_batch=3)
    assert_cifar_equal(cifar10.load_data(), expected)
    folder = sorted(f"{cifar10.DIRNAME}/{n}" for n in (*cifar10.BATCHES, "batches.meta", "readme.html"))
    assert cache_listing(cache) == sorted([name, *folder])  # no temporary folder left
    (cache / name).unlink()  # the extracted folder is used from now on
    assert_cifar_equal(cifar10.load_data(), expected)


def test_cifar10_archive_fills_an_incomplete_folder(cache):
    batches = cifar_batches(3)
    (cache / cifar10.ARCHIVE).write_bytes(cifar_tar_gz(batches))
    stale = cache / cifar10.DIRNAME / "data_batch_1"
    stale.parent.mkdir()
    stale.write_bytes(b"left over")
    assert_cifar_equal(cifar10.load_data(), keras_cifar10_reference(batches, per_batch=3))
    assert stale.read_bytes() == py2_pickle(batches["data_batch_1"])


def test_cifar10_download(isolated, server, monkeypatch):
    blob = cifar_tar_gz(cifar_batches(4))
    server.files[cifar10.ARCHIVE] = blob
    monkeypatch.setitem(cifar10.FILE_HASHES, cifar10.ARCHIVE, "0" * 64)
    with pytest.raises(ChecksumError, match="deleted"):
        cifar10.load_data()
    assert cache_listing(isolated) == []
    monkeypatch.setitem(cifar10.FILE_HASHES, cifar10.ARCHIVE, sha256(blob))
    assert_cifar_equal(cifar10.load_data(), keras_cifar10_reference(cifar_batches(4), per_batch=3))
    assert server.requests == [cifar10.ARCHIVE] * 2
    assert (isolated / cifar10.ARCHIVE).read_bytes() == blob


def test_cifar10_origin_is_keras(monkeypatch):
    monkeypatch.delenv(_cache.URL_ENV)
    url = _cache.base_url(cifar10.ORIGIN) + cifar10.ARCHIVE
    assert url == "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    assert cifar10.FILE_HASHES[cifar10.ARCHIVE] == "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"
    assert _cache.base_url() == _cache.BASE_URL  # files without an origin are unchanged


def special_member(kind: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(f"{cifar10.DIRNAME}/evil")
    if kind == "symlink":
        info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
    elif kind == "hardlink":
        info.type, info.linkname = tarfile.LNKTYPE, "/etc/passwd"
    elif kind == "device":
        info.type = tarfile.CHRTYPE
    elif kind == "fifo":
        info.type = tarfile.FIFOTYPE
    else:
        info.name = kind  # a path
    return info


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("symlink", "link, device"),
        ("hardlink", "link, device"),
        ("device", "link, device"),
        ("fifo", "link, device"),
        ("../../evil", "outside the archive"),
        (f"{cifar10.DIRNAME}/../../evil", "outside the archive"),
        ("/tmp/evil", "outside the archive"),
    ],
)
def test_cifar10_unsafe_archive_members_are_refused(cache, tmp_path, kind, reason):
    buf = io.BytesIO(gzip.decompress(cifar_tar_gz(cifar_batches(5))))
    with tarfile.open(fileobj=buf, mode="a") as tf:
        info = special_member(kind)
        tf.addfile(info, io.BytesIO(b"x" * info.size))
    (cache / cifar10.ARCHIVE).write_bytes(gzip.compress(buf.getvalue()))
    with pytest.raises(UnsafeFileError, match=reason) as info:
        cifar10.load_data()
    assert str(cache / cifar10.ARCHIVE) in str(info.value) and "evil" in str(info.value)
    assert cache_listing(cache) == [cifar10.ARCHIVE]  # nothing extracted
    assert not (tmp_path / "evil").exists() and not (cache.parent / "evil").exists()


def test_cifar10_corrupt_archives(cache):
    blob = cifar_tar_gz(cifar_batches(6))
    for data, reason in (
        (blob[: len(blob) // 2], "not a readable tar"),
        (b"not an archive at all", "not a readable tar"),
        (cifar_tar_gz({}), "holds no cifar-10-batches-py/data_batch_1"),
    ):
        (cache / cifar10.ARCHIVE).write_bytes(data)
        with pytest.raises(CorruptDatasetError, match=reason) as info:
            cifar10.load_data()
        assert str(cache / cifar10.ARCHIVE) in str(info.value)
        assert cache_listing(cache) == [cifar10.ARCHIVE]


def test_cifar10_pickle_that_runs_a_command_is_refused(cache, tmp_path):
    marker = tmp_path / "pwned"
    batches = cifar_batches(7)
    write_cifar_folder(cache / cifar10.DIRNAME, batches)
    path = cache / cifar10.DIRNAME / "data_batch_3"
    path.write_bytes(pickle.dumps({b"data": RunsShell(marker), b"labels": [0]}, protocol=2))
    with pytest.raises(UnsafeFileError, match="system") as info:
        cifar10.load_data()
    assert str(path) in str(info.value) and isinstance(info.value, ValueError)
    assert not marker.exists()


def corrupt_batches():
    good = cifar_batches(8)["data_batch_1"]
    blob = py2_pickle(good)
    return {
        "truncated": (blob[: len(blob) // 2], "not a readable CIFAR batch"),
        "cut in the header": (blob[:40], "not a readable CIFAR batch"),
        "not a pickle": (b"hello, this is not a pickle", "not a readable CIFAR batch"),
        "empty": (b"", "not a readable CIFAR batch"),
        "wrong width": (py2_pickle({**good, b"data": np.zeros((3, 3000), np.uint8)}), r"shape \(n, 3072\)"),
        "wrong dtype": (pickle.dumps({**good, b"data": np.zeros((3, 3072))}), "float64"),
        "label count": (py2_pickle({**good, b"labels": [1, 2]}), "3 images but 2 labels"),
        "label values": (py2_pickle({**good, b"labels": [1, 2, 300]}), "outside 0-255"),
        "label types": (pickle.dumps({**good, b"labels": ["1", "2", "3"]}), "list of ints"),
        "no labels": (py2_pickle({b"data": good[b"data"]}), "missing entries"),
        "not a dict": (py2_pickle([1, 2, 3]), "expected a pickled dict"),
    }


@pytest.mark.parametrize("case", list(corrupt_batches()))
def test_cifar10_corrupt_batch_is_named(cache, case):
    write_cifar_folder(cache / cifar10.DIRNAME, cifar_batches(8))
    data, reason = corrupt_batches()[case]
    path = cache / cifar10.DIRNAME / "test_batch"
    path.write_bytes(data)
    with pytest.raises(CorruptDatasetError, match=reason) as info:
        cifar10.load_data()
    assert str(path) in str(info.value)


# ------------------------------------------------------- Boston, California


def keras_housing_reference(x, y, test_split=0.2, seed=113, version=None):
    """Keras 3's boston_housing / california_housing load_data after loading x and y, verbatim in logic."""
    if version == "small":
        x = x[:600]
        y = y[:600]
    rng = np.random.RandomState(seed)
    indices = np.arange(len(x))
    rng.shuffle(indices)
    x = x[indices]
    y = y[indices]
    x_train = np.array(x[: int(len(x) * (1 - test_split))])
    y_train = np.array(y[: int(len(x) * (1 - test_split))])
    x_test = np.array(x[int(len(x) * (1 - test_split)) :])
    y_test = np.array(y[int(len(x) * (1 - test_split)) :])
    return (x_train, y_train), (x_test, y_test)


def assert_xy_equal(got, expected):
    for (gx, gy), (ex, ey) in zip(got, expected):
        assert gx.dtype == ex.dtype and gy.dtype == ey.dtype
        assert gx.shape == ex.shape and gy.shape == ey.shape
        np.testing.assert_array_equal(gx, ex)
        np.testing.assert_array_equal(gy, ey)


@pytest.fixture
def boston_cache(cache):
    real = SHARED_DATA / "boston_housing" / "boston_housing.npz"
    if not real.is_file():
        pytest.skip(f"real Boston housing file not present at {real}")
    (cache / "boston_housing.npz").symlink_to(real)
    return cache


def test_boston_real_file(boston_cache):
    (x_train, y_train), (x_test, y_test) = boston_housing.load_data()
    assert x_train.shape == (404, 13) and y_train.shape == (404,)
    assert x_test.shape == (102, 13) and y_test.shape == (102,)
    assert {a.dtype for a in (x_train, y_train, x_test, y_test)} == {np.dtype(np.float64)}
    assert all(np.isfinite(a).all() for a in (x_train, y_train, x_test, y_test))
    # Deep Learning with Python prints these for Keras's split (shared/data/README.md)
    book = [1.23247, 0.0, 8.14, 0.0, 0.538, 6.142, 91.7, 3.9769, 4.0, 307.0, 21.0, 396.9, 18.72]
    assert x_train[0].tolist() == book
    assert y_train[:5].tolist() == [15.2, 42.3, 50.0, 21.1, 17.7]
    assert y_test[:3].tolist() == [7.2, 18.8, 19.0]


@pytest.mark.parametrize(("test_split", "seed"), [(0.2, 113), (0.0, 113), (0.5, 7), (0.35, 0), (0.999, 1)])
def test_boston_matches_keras_logic(boston_cache, test_split, seed):
    raw = load_npz(SHARED_DATA / "boston_housing" / "boston_housing.npz")  # no allow_pickle, even in tests
    got = boston_housing.load_data(test_split=test_split, seed=seed)
    assert_xy_equal(got, keras_housing_reference(raw["x"], raw["y"], test_split, seed))
    assert len(got[0][0]) == int(506 * (1 - test_split))


def california_arrays(n=700, dtype=np.float32, seed=0):
    rng = np.random.default_rng(seed)
    x = (rng.random((n, 8)) * 100).astype(dtype)
    x[:, 0] = np.arange(n)  # the row number, to see which rows were kept
    return x, (rng.random(n) * 5e5).astype(dtype)


@pytest.mark.parametrize(
    ("kwargs", "n_train", "n_test"),
    [
        ({}, 560, 140),
        ({"version": "small"}, 480, 120),
        ({"version": "small", "test_split": 0.25, "seed": 3}, 450, 150),
        ({"test_split": 0.0, "seed": 1}, 700, 0),
    ],
)
def test_california_matches_keras_logic(cache, kwargs, n_train, n_test):
    x, y = california_arrays()
    (cache / "california_housing.npz").write_bytes(npz_bytes(x=x, y=y))
    got = california_housing.load_data(**kwargs)
    assert_xy_equal(got, keras_housing_reference(x, y, **kwargs))
    (x_train, y_train), (x_test, _) = got
    assert x_train.shape == (n_train, 8) and x_test.shape == (n_test, 8) and y_train.shape == (n_train,)
    assert x_train.dtype == np.float32
    rows = np.concatenate([x_train[:, 0], x_test[:, 0]]).astype(int)
    limit = 600 if kwargs.get("version") == "small" else 700
    assert sorted(rows.tolist()) == list(range(limit))  # a permutation of the first rows
    np.testing.assert_array_equal(y_train, y[rows[:n_train]])


@pytest.mark.parametrize("loader", [boston_housing.load_data, california_housing.load_data, reuters.load_data])
@pytest.mark.parametrize("bad", [-0.1, 1, 1.0, 1.5, math.nan])
def test_test_split_outside_0_1_is_refused(cache, loader, bad):
    with pytest.raises(ValueError, match=r"test_split=") as info:
        loader(test_split=bad)
    assert not isinstance(info.value, CorruptDatasetError)
    with pytest.raises(TypeError, match=r"test_split='0.2'"):
        loader(test_split="0.2")


def test_california_unknown_version(cache):
    with pytest.raises(ValueError, match=r"version='medium'"):
        california_housing.load_data(version="medium")


def test_housing_corrupt_and_unsafe_files(cache, tmp_path):
    path = cache / "boston_housing.npz"
    x, y = california_arrays(20, np.float64)
    blob = npz_bytes(x=x, y=y)
    for data, error, reason in (
        (blob[: len(blob) // 2], CorruptDatasetError, "truncated or corrupt"),
        (npz_bytes(x=x), CorruptDatasetError, r"missing arrays \['y'\]"),
        (npz_bytes(x=y, y=y), CorruptDatasetError, r"expected numeric x \(n, features\)"),
        (npz_bytes(x=x, y=y[:-1]), CorruptDatasetError, r"\(19,\)"),
        (npz_bytes(x=object_array([RunsShell(tmp_path / "pwned")]), y=y), UnsafeFileError, "system"),
    ):
        path.write_bytes(data)
        with pytest.raises(error, match=reason) as info:
            boston_housing.load_data()
        assert str(path) in str(info.value)
    assert not (tmp_path / "pwned").exists()
    (cache / "california_housing.npz").write_bytes(npz_bytes(x=object_array([[1, 2]]), y=np.zeros(1)))
    with pytest.raises(CorruptDatasetError, match="california_housing.npz"):
        california_housing.load_data()  # int lists pass the safe reader, but are not numeric features


# ------------------------------------------------------------------ Reuters


def keras_reuters_reference(
    xs,
    labels,
    num_words=None,
    skip_top=0,
    maxlen=None,
    test_split=0.2,
    seed=113,
    start_char=1,
    oov_char=2,
    index_from=3,
):
    """Keras 3's keras/src/datasets/reuters.py load_data, after loading x and y, verbatim in logic."""
    xs, labels = object_array(xs), np.asarray(labels, np.int64)
    rng = np.random.RandomState(seed)
    indices = np.arange(len(xs))
    rng.shuffle(indices)
    xs = xs[indices]
    labels = labels[indices]
    if start_char is not None:
        xs = [[start_char] + [w + index_from for w in x] for x in xs]
    elif index_from:
        xs = [[w + index_from for w in x] for x in xs]
    if maxlen:
        new_seq, new_label = [], []  # keras.src.utils.python_utils.remove_long_seq
        for x, y in zip(xs, labels):
            if len(x) < maxlen:
                new_seq.append(x)
                new_label.append(y)
        xs, labels = new_seq, new_label
    if not num_words:
        num_words = max(max(x) for x in xs)
    if oov_char is not None:
        xs = [[w if skip_top <= w < num_words else oov_char for w in x] for x in xs]
    else:
        xs = [[w for w in x if skip_top <= w < num_words] for x in xs]
    idx = int(len(xs) * (1 - test_split))
    # Keras: np.array(xs[:idx], dtype="object"), np.array(labels[:idx])
    return (list(xs[:idx]), np.array(labels[:idx])), (list(xs[idx:]), np.array(labels[idx:]))


def reuters_npz_bytes(xs, labels) -> bytes:
    return npz_bytes(x=object_array(xs), y=np.asarray(labels, dtype=np.int64))


def assert_reuters_equal(got, expected):
    for (gx, gy), (ex, ey) in zip(got, expected):
        assert isinstance(gx, np.ndarray) and gx.dtype == object and gx.ndim == 1
        assert gx.tolist() == list(ex)
        assert all(type(w) is int for x in gx for w in x)
        assert gy.dtype == np.int64
        np.testing.assert_array_equal(gy, ey)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        # +3 offset, start 1; num_words defaults to the max index (12), which Keras maps to oov
        ({}, [1, 4, 8, 5, 2, 6]),
        ({"num_words": 8}, [1, 4, 2, 5, 2, 6]),
        ({"skip_top": 5, "oov_char": 0}, [0, 0, 8, 5, 0, 6]),
        ({"num_words": 8, "oov_char": None}, [1, 4, 5, 6]),
        ({"index_from": 0, "start_char": None, "num_words": 100}, [1, 5, 2, 9, 3]),
    ],
)
def test_reuters_arguments_hand_computed(cache, kwargs, expected):
    (cache / "reuters.npz").write_bytes(reuters_npz_bytes([[1, 5, 2, 9, 3]], [17]))
    (x_train, y_train), (x_test, y_test) = reuters.load_data(test_split=0.0, **kwargs)
    assert x_train.tolist() == [expected] and y_train.tolist() == [17]
    assert x_test.shape == (0,) and y_test.shape == (0,)


def random_newswires(seed=11, n=50):
    rng = np.random.default_rng(seed)
    xs = [rng.integers(1, 80, rng.integers(1, 30)).tolist() for _ in range(n)]
    return xs, rng.integers(0, 46, n).tolist()


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"seed": 1, "num_words": 40, "test_split": 0.5},
        {"skip_top": 6, "num_words": 30, "maxlen": 20},
        {"oov_char": None, "num_words": 25, "skip_top": 2, "test_split": 0.0},
        {"start_char": None, "index_from": 0, "maxlen": 15},
        {"start_char": None, "index_from": 2, "oov_char": 9, "test_split": 0.9},
        {"seed": 5, "start_char": 3, "oov_char": 4, "index_from": 5, "maxlen": 10},
    ],
)
def test_reuters_matches_keras_logic_on_random_data(cache, kwargs):
    xs, labels = random_newswires()
    (cache / "reuters.npz").write_bytes(reuters_npz_bytes(xs, labels))
    got = reuters.load_data(**kwargs)
    assert_reuters_equal(got, keras_reuters_reference(xs, labels, **kwargs))


def test_reuters_split_is_after_shuffle_and_maxlen(cache):
    xs = [[i + 1] * (i % 7 + 1) for i in range(10)]
    (cache / "reuters.npz").write_bytes(reuters_npz_bytes(xs, list(range(10))))
    (_, y_train), (_, y_test) = reuters.load_data(seed=7, maxlen=5, num_words=1000)
    order = np.arange(10)
    np.random.RandomState(7).shuffle(order)
    kept = [int(i) for i in order if i % 7 + 2 < 5]  # start marker + (i % 7 + 1) words, kept if < 5
    idx = int(len(kept) * 0.8)
    assert y_train.tolist() == kept[:idx] and y_test.tolist() == kept[idx:]


def test_reuters_maxlen_that_keeps_nothing(cache):
    (cache / "reuters.npz").write_bytes(reuters_npz_bytes([[1, 2, 3], [4, 5]], [0, 1]))
    with pytest.raises(ValueError, match="Increase maxlen"):
        reuters.load_data(maxlen=2)
    (x_train, y_train), (x_test, _) = reuters.load_data(maxlen=2, num_words=10)  # Keras returns empty sets
    assert x_train.shape == (0,) and x_test.shape == (0,) and y_train.dtype == np.int64


def test_reuters_refuses_bad_and_unsafe_files(cache, tmp_path):
    path = cache / "reuters.npz"
    with pytest.raises(TypeError, match="num_words"):
        reuters.load_data(num_words="10")
    path.write_bytes(npz_bytes(x=object_array([RunsShell(tmp_path / "pwned")]), y=np.zeros(1, np.int64)))
    with pytest.raises(UnsafeFileError, match="system") as info:
        reuters.load_data()
    assert str(path) in str(info.value)
    assert not (tmp_path / "pwned").exists()
    for data, reason in (
        (reuters_npz_bytes([[1]], [0])[:100], "truncated or corrupt"),
        (npz_bytes(x=object_array([[1]])), r"missing arrays \['y'\]"),
        (npz_bytes(x=object_array([[1], [2]]), y=np.zeros(1, np.int64)), "same length"),
    ):
        path.write_bytes(data)
        with pytest.raises(CorruptDatasetError, match=reason) as info:
            reuters.load_data()
        assert str(path) in str(info.value)


def test_reuters_word_index_and_labels(cache):
    (cache / "reuters_word_index.json").write_text('{"the": 1, "of": 2, "said": 5}', encoding="utf-8")
    assert reuters.get_word_index() == {"the": 1, "of": 2, "said": 5}
    (cache / "reuters_word_index.json").write_text('{"the": 1, ', encoding="utf-8")
    with pytest.raises(CorruptDatasetError, match="reuters_word_index.json"):
        reuters.get_word_index()
    names = reuters.get_label_names()
    assert len(names) == 46 == len(set(names))
    assert (names[0], names[3], names[4], names[19], names[45]) == ("cocoa", "earn", "acq", "money-fx", "lead")


def test_reuters_word_index_download_checks_keras_md5(isolated, server, monkeypatch):
    assert reuters.WORD_INDEX_MD5 == "4d44cc38712099c9e383dc6e5f11a921"  # Keras's file_hash
    body = b'{"the": 1, "of": 2}'
    server.files["reuters_word_index.json"] = body
    monkeypatch.setattr(reuters, "WORD_INDEX_MD5", "0" * 32)
    with pytest.raises(ChecksumError, match="md5") as info:
        reuters.get_word_index()
    assert hashlib.md5(body).hexdigest() in str(info.value)
    assert cache_listing(isolated) == []
    monkeypatch.setattr(reuters, "WORD_INDEX_MD5", hashlib.md5(body).hexdigest())
    assert reuters.get_word_index() == {"the": 1, "of": 2}
    assert cache_listing(isolated) == ["reuters_word_index.json"]
