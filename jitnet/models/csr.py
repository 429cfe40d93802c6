"""Multi-hot inputs as CSR rows, for a first Dense layer that reads only the non-zeros.

Building the rows of a big array takes seconds (a 2 GB multi-hot matrix:
about 4), so they are kept for the array they came from and reused by
later ``fit``, ``evaluate`` and ``predict`` calls while the array is
unchanged: same buffer, shape, count of non-zeros and a weighted checksum
of every value (one matrix-vector product, which any in-place edit of
the values changes). Inputs read chunk by chunk (``Rows``) get CSR rows per
chunk instead.
"""

from __future__ import annotations

import weakref

import numpy as np

SPARSE_DENSITY = 0.05  # inputs with at most this share of non-zeros go to the kernels as CSR rows
_CACHE: dict[int, tuple] = {}  # id(array) -> (weak reference, key, rows)


def sparse_enough(nonzeros: int, size: int) -> bool:
    """True when at most ``SPARSE_DENSITY`` of the values are non-zero."""
    return nonzeros <= SPARSE_DENSITY * size


def build(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(ptr, idx, val, nonzeros per row)`` of the rows of ``x``."""
    rows, cols = np.nonzero(x)
    per_row = np.bincount(rows, minlength=x.shape[0])
    ptr = np.zeros(x.shape[0] + 1, np.int64)
    np.cumsum(per_row, out=ptr[1:])
    return ptr, cols.astype(np.int64), x[rows, cols], per_row


def batch_nnz(per_row: np.ndarray, batch_size: int) -> int:
    """The most non-zeros any batch of ``batch_size`` rows can hold."""
    return int(np.sort(per_row)[-batch_size:].sum())


def _key(x: np.ndarray, nonzeros: int) -> tuple:
    weights = np.random.default_rng(len(x.shape) + x.shape[-1]).random(x.shape[-1]).astype(x.dtype)
    checksum = float(np.dot(np.dot(x, weights), np.linspace(1.0, 2.0, x.shape[0], dtype=x.dtype)))
    return (x.__array_interface__["data"][0], x.shape, x.strides, x.dtype.str, nonzeros, checksum)


SAMPLE_ROWS = 1024  # rows whose density decides whether a big input is worth a full count


def rows_of(x: np.ndarray) -> tuple | None:
    """The CSR rows of ``x`` (``build``'s tuple), made once per unchanged array; None when ``x`` is dense.

    A sample of rows decides first, so dense inputs (images) cost no pass over the whole array.
    """
    sample = x[:SAMPLE_ROWS]
    if not sparse_enough(int(np.count_nonzero(sample)), sample.size):
        return None
    nonzeros = int(np.count_nonzero(x))
    if not sparse_enough(nonzeros, x.size):
        return None
    key = _key(x, nonzeros)
    entry = _CACHE.get(id(x))
    if entry is not None and entry[0]() is x and entry[1] == key:
        return entry[2]
    rows = build(x)
    ident = id(x)
    try:
        ref = weakref.ref(x, lambda _: _CACHE.pop(ident, None))
    except TypeError:  # an array type without weak references: not kept
        return rows
    _CACHE[ident] = (ref, key, rows)
    return rows
