"""CIFAR-10 small colour images, as ``keras.datasets.cifar10``.

Read from an extracted folder ``cifar-10-batches-py/`` in a cache folder
(Keras up to 3.4 leaves it there; Keras 3.5 and later nest it as
``cifar-10-batches-py/cifar-10-batches-py/``, also accepted), else extracted
from the archive ``cifar-10-python.tar.gz`` (the name on the CIFAR site;
Keras's names ``cifar-10-batches-py.tar.gz`` and ``cifar-10-batches-py_archive``
are accepted too), else downloaded from Keras's origin and checked against
Keras's sha256. Extraction goes to the first cache folder and is atomic.

The batch files are Python pickles of dicts (``data``: uint8 array
``(n, 3072)``, ``labels``: list of ints). They are read by the restricted
unpickler of ``_safe_npz``: a global other than the few NumPy array
builders raises ``UnsafeFileError`` naming the file and no code runs; a
truncated or malformed batch raises ``CorruptDatasetError`` naming it.
"""

from __future__ import annotations

import io
import pickle
from pathlib import Path

import numpy as np

from . import _cache
from ._safe_npz import RestrictedUnpickler, UnsafeFileError, refuse

ORIGIN = "https://www.cs.toronto.edu/~kriz/"
ARCHIVE = "cifar-10-python.tar.gz"
FILE_HASHES = {
    ARCHIVE: "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
}
DIRNAME = "cifar-10-batches-py"
KERAS_ARCHIVES = ("cifar-10-batches-py.tar.gz", "cifar-10-batches-py_archive")  # Keras <= 3.4, >= 3.5
TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_BATCH = "test_batch"
BATCHES = (*TRAIN_BATCHES, TEST_BATCH)

CLASS_NAMES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")

_ACCEPTED = "dicts, lists, strings, integers and NumPy arrays"
# What a malformed pickle raises once the restricted unpickler has refused every unknown global.
_PARSE_ERRORS = (EOFError, pickle.UnpicklingError, TypeError, ValueError, AttributeError, IndexError, KeyError)


def _describe(value: object) -> str:
    if isinstance(value, np.ndarray):
        return f"a {value.dtype} array of shape {value.shape}"
    return f"a {type(value).__name__}"


def load_batch(path: Path | str, label_key: str = "labels") -> tuple[np.ndarray, np.ndarray]:
    """``(data, labels)`` of one CIFAR batch file: uint8 ``(n, 3, 32, 32)`` and uint8 ``(n,)``.

    The pickle (Python 2 or 3, protocol 0 to 4) is read without running code.
    Raises ``UnsafeFileError`` if it asks for any other global, and
    ``CorruptDatasetError`` if it is truncated, malformed or holds other
    shapes or types; both name the file.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        if isinstance(e, FileNotFoundError):
            raise
        raise _cache.corrupt(path, f"{type(e).__name__}: {e}") from None
    try:
        # latin1: Python 2 str (keys, the array bytes) arrive as str, as NumPy expects
        batch = RestrictedUnpickler(io.BytesIO(raw), encoding="latin1").load()
    except UnsafeFileError as e:
        raise refuse(path, f"'{e}'", accepted=_ACCEPTED) from None
    except _PARSE_ERRORS as e:
        raise _cache.corrupt(path, f"not a readable CIFAR batch pickle ({type(e).__name__}: {e})") from None
    if not isinstance(batch, dict):
        raise _cache.corrupt(path, f"expected a pickled dict, found {_describe(batch)}")
    batch = {k.decode("latin1") if isinstance(k, bytes) else k: v for k, v in batch.items()}
    missing = [k for k in ("data", label_key) if k not in batch]
    if missing:
        raise _cache.corrupt(path, f"missing entries {missing}; found {sorted(map(str, batch))}")
    data, labels = batch["data"], batch[label_key]
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3 * 32 * 32:
        raise _cache.corrupt(path, f"expected 'data' as a uint8 array of shape (n, 3072), found {_describe(data)}")
    if isinstance(labels, np.ndarray) and labels.ndim == 1 and labels.dtype.kind in "iu":
        labels = labels.astype(np.int64)
    elif isinstance(labels, (list, tuple)) and all(type(v) is int for v in labels):
        try:
            labels = np.array(labels, dtype=np.int64).reshape(len(labels))
        except OverflowError:
            raise _cache.corrupt(path, f"'{label_key}' holds a label outside 0-255") from None
    else:
        raise _cache.corrupt(path, f"expected '{label_key}' as a list of ints, found {_describe(labels)}")
    if len(labels) != len(data):
        raise _cache.corrupt(path, f"it holds {len(data)} images but {len(labels)} labels")
    if labels.size and (labels.min() < 0 or labels.max() > 255):
        raise _cache.corrupt(path, f"'{label_key}' holds a label outside 0-255")
    return data.reshape(len(data), 3, 32, 32), labels.astype(np.uint8)


def _batch_paths() -> list[Path]:
    """The six batch files, extracting the archive (downloaded if need be) when no folder is complete."""
    layouts = [[f"{DIRNAME}/{b}" for b in BATCHES], [f"{DIRNAME}/{DIRNAME}/{b}" for b in BATCHES]]
    found = _cache.find_layout(layouts)
    if found is not None:
        return found
    remote = _cache.Remote(ARCHIVE, ARCHIVE, FILE_HASHES[ARCHIVE], origin=ORIGIN)
    found = _cache.fetch("CIFAR-10", [remote], alternatives=[*layouts, *([name] for name in KERAS_ARCHIVES)])
    if len(found) == len(BATCHES):  # a folder completed meanwhile
        return found
    folder = _cache.extract_tar(found[0], DIRNAME, _cache.cache_dirs()[0], required=BATCHES)
    return [folder / b for b in BATCHES]


def load_data() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load CIFAR-10: 50,000 32x32 colour training images and 10,000 test images of 10 classes.

    Classes: 0 airplane, 1 automobile, 2 bird, 3 cat, 4 deer, 5 dog, 6 frog,
    7 horse, 8 ship, 9 truck (``CLASS_NAMES``).

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 arrays of shapes
        ``(50000, 32, 32, 3)``, ``(50000, 1)``, ``(10000, 32, 32, 3)``,
        ``(10000, 1)``; channels last, as Keras's default
        ``image_data_format``; pixels 0-255, labels 0-9.
    """
    paths = _batch_paths()
    sets = []
    for group in (paths[: len(TRAIN_BATCHES)], paths[len(TRAIN_BATCHES) :]):
        batches = [load_batch(p) for p in group]
        n = sum(len(data) for data, _ in batches)
        x = np.empty((n, 32, 32, 3), dtype=np.uint8)
        y = np.empty((n, 1), dtype=np.uint8)
        start = 0
        for data, labels in batches:
            x[start : start + len(data)] = data.transpose(0, 2, 3, 1)  # (n, 3, 32, 32) -> channels last
            y[start : start + len(data), 0] = labels
            start += len(data)
        sets.append((x, y))
    return sets[0], sets[1]
