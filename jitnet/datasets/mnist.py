"""MNIST handwritten digits, as ``keras.datasets.mnist``.

Read from the cache (``mnist.npz``, Keras's file, or a folder ``mnist/``
with the four original IDX ``.gz`` files), else downloaded as Keras does.
This module also holds the IDX reader shared with Fashion-MNIST.
"""

from __future__ import annotations

import gzip
import os
import struct
import zlib
from pathlib import Path

import numpy as np

from . import _cache
from ._safe_npz import load_npz

FILE_HASHES = {
    "mnist.npz": "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
}

IDX_FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)

# IDX type code -> big-endian dtype
_IDX_TYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def _read_exactly(f, n: int) -> bytes:
    data = f.read(n)
    if len(data) != n:
        raise EOFError(f"expected {n} header bytes, found {len(data)}")
    return data


def read_idx(path: str | os.PathLike, ndim: int | None = None) -> np.ndarray:
    """Read an IDX file (gzip-compressed if its name ends in ``.gz``).

    The header is checked: two zero bytes, a known type code, the number of
    dimensions (``ndim`` if given; MNIST labels have 1, images 3), then that
    many big-endian uint32 sizes; the data must hold exactly their product
    of items. Returns a writable array in native byte order (``uint8`` for
    MNIST). Raises ``CorruptDatasetError`` naming the file otherwise.
    """
    path = Path(path)
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            magic = _read_exactly(f, 4)
            if magic[0] != 0 or magic[1] != 0 or magic[2] not in _IDX_TYPES:
                raise _cache.corrupt(path, f"not an IDX file (magic number {magic.hex()})")
            dtype, dims = _IDX_TYPES[magic[2]], magic[3]
            if ndim is not None and dims != ndim:
                magic_number = int.from_bytes(magic, "big")
                raise _cache.corrupt(
                    path, f"expected a {ndim}-D IDX file, found {dims}-D (magic number {magic_number})"
                )
            shape = struct.unpack(f">{dims}I", _read_exactly(f, 4 * dims))
            out = np.empty(shape, dtype=dtype.newbyteorder("="))
            buf = memoryview(out).cast("B") if out.size else memoryview(bytearray())
            got = 0
            while got < len(buf):
                n = f.readinto(buf[got:])
                if not n:
                    break
                got += n
            if got != len(buf):
                raise _cache.corrupt(path, f"the header promises {len(buf)} data bytes, found only {got}")
            extra = len(f.read(1 << 16))
            if extra:
                raise _cache.corrupt(path, f"{extra if extra < 1 << 16 else 'many'} bytes follow the data")
    except (EOFError, gzip.BadGzipFile, zlib.error, struct.error) as e:
        raise _cache.corrupt(path, f"{type(e).__name__}: {e}") from None
    except OSError as e:
        if isinstance(e, FileNotFoundError):
            raise
        raise _cache.corrupt(path, f"{type(e).__name__}: {e}") from None
    if dtype.byteorder == ">" and dtype.itemsize > 1:
        out.byteswap(inplace=True)  # data arrived big-endian
    return out


def load_idx_set(paths: list[Path]) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """``((x_train, y_train), (x_test, y_test))`` from the four IDX files, in ``IDX_FILES`` order."""
    x_train, y_train, x_test, y_test = (read_idx(p, ndim=nd) for p, nd in zip(paths, (3, 1, 3, 1)))
    for x, y, px, py in ((x_train, y_train, paths[0], paths[1]), (x_test, y_test, paths[2], paths[3])):
        if len(x) != len(y):
            raise _cache.CorruptDatasetError(
                f"'{px}' holds {len(x)} images but '{py}' holds {len(y)} labels; "
                "one of the files is wrong. Replace them with good copies."
            )
    return (x_train, y_train), (x_test, y_test)


def load_npz_set(path: Path) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """``((x_train, y_train), (x_test, y_test))`` from a Keras-style image ``.npz``."""
    arrays = load_npz(path)
    keys = ("x_train", "y_train", "x_test", "y_test")
    missing = [k for k in keys if k not in arrays]
    if missing:
        raise _cache.corrupt(path, f"missing arrays {missing}; found {sorted(arrays)}")
    x_train, y_train, x_test, y_test = (arrays[k] for k in keys)
    for x, y in ((x_train, y_train), (x_test, y_test)):
        if x.dtype == object or x.ndim != 3 or y.ndim != 1 or len(x) != len(y):
            raise _cache.corrupt(path, f"expected images (n, h, w) and labels (n,), found {x.shape} and {y.shape}")
    return (x_train, y_train), (x_test, y_test)


def load_data(path: str = "mnist.npz") -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load the MNIST dataset: 60,000 28x28 grayscale digit images and 10,000 test images.

    Args:
        path: file name of the cached ``.npz`` (relative to the cache folder,
            ``~/.jitnet/datasets``; an existing ``~/.keras/datasets`` is
            searched too). Defaults to ``'mnist.npz'``. A folder ``mnist/``
            with the four original IDX ``.gz`` files is accepted instead.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 arrays of shapes
        ``(60000, 28, 28)``, ``(60000,)``, ``(10000, 28, 28)``, ``(10000,)``;
        pixels 0-255, labels 0-9.
    """
    remote = _cache.Remote(path, "mnist.npz", FILE_HASHES["mnist.npz"])
    folder = [f"mnist/{name}" for name in IDX_FILES]
    found = _cache.fetch("MNIST", [remote], alternatives=[folder])
    if len(found) == 1:
        return load_npz_set(found[0])
    return load_idx_set(found)
