"""Inputs converted to the float type chunk by chunk, never whole.

A float array of the model's type (a memmap too) is read in place. Any
other input bigger than ``STREAM_BYTES`` once converted (float64 or integer
arrays, memmaps of them, h5py datasets, zarr arrays) becomes ``Rows``:
each compiled call of ``fit``, ``evaluate`` and ``predict`` reads the
samples it needs into a float buffer that is reused from call to call.
Shuffled samples are read in sorted order, so reads from disk stay as
sequential as they can; the program then visits them in the shuffled
order, so training is the same as on the converted array.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..kernels.buffers import take_rows

STREAM_BYTES = 1 << 26  # 64 MB: smaller inputs are converted whole, once per call
_BLOCK_BYTES = 1 << 24  # rows per block when a whole input is scanned (checks)


class Rows:
    """Samples ``start:stop`` of ``source`` (``width`` values each, any numeric type or array-like) read as
    ``dtype`` rows."""

    def __init__(self, source: Any, width: int, dtype: np.dtype, start: int = 0, stop: int | None = None) -> None:
        self.source, self.width, self.dtype = source, width, np.dtype(dtype)
        self.start = start
        self.stop = int(source.shape[0]) if stop is None else stop
        self.shape = (self.stop - start, width)
        self._x = np.zeros((0, width), self.dtype)

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, rows: slice) -> Rows:
        """The samples of a range, still read lazily."""
        if not isinstance(rows, slice) or rows.step not in (None, 1):
            raise TypeError("Rows are sliced by ranges only.")
        lo, hi, _ = rows.indices(self.shape[0])
        return Rows(self.source, self.width, self.dtype, self.start + lo, self.start + max(lo, hi))

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        out = self.read(slice(0, self.shape[0]), np.empty((self.shape[0], self.width), self.dtype))
        return out if dtype is None else out.astype(dtype)

    def read(self, rows: slice | np.ndarray, out: np.ndarray) -> np.ndarray:
        """Samples ``rows`` (a range, or sorted indices) converted into ``out``; returns ``out``."""
        src = self.source
        if isinstance(rows, slice):
            rows = slice(self.start + rows.start, self.start + rows.stop)
        elif self.start:
            rows = rows + self.start
        if isinstance(src, np.ndarray) and not isinstance(rows, slice):
            take_rows(np.asarray(src), rows, out)  # gathered and converted in one pass
            return out
        part = src.oindex[rows] if hasattr(src, "oindex") and not isinstance(rows, slice) else src[rows]  # zarr
        part = part if isinstance(part, np.ndarray) else np.asarray(part)
        np.copyto(out, part.reshape(out.shape), casting="unsafe")
        return out

    def blocks(self):
        """The whole source in blocks of rows, as stored (for checks that scan it)."""
        step = max(1, _BLOCK_BYTES // max(1, self.width * np.dtype(self.source.dtype).itemsize))
        for lo in range(self.start, self.stop, step):
            block = self.source[lo:min(lo + step, self.stop)]
            yield block if isinstance(block, np.ndarray) else np.asarray(block)

    def chunk(self, order: np.ndarray, first: int, n_batches: int, batch_size: int, y: np.ndarray,
              sw: np.ndarray, out: np.ndarray) -> tuple:
        """What batches ``first ..`` of ``order`` need, as in-memory arrays: ``(x, y, sw, order, out)``.

        ``x`` holds their samples in sorted order; the returned order visits
        them as ``order`` did; ``y`` and ``sw`` follow ``x`` (when they are
        the data's own), and ``out`` is the part of the output they write.
        """
        lo = first * batch_size
        idx = order[lo:min(len(order), lo + n_batches * batch_size)]
        m = idx.shape[0]
        if m > self._x.shape[0]:
            self._x = np.zeros((max(m, 2 * self._x.shape[0]), self.width), self.dtype)
        if m and idx[-1] - idx[0] == m - 1 and np.all(np.diff(idx) == 1):
            rows, local = slice(int(idx[0]), int(idx[0]) + m), np.arange(m)
        else:
            perm = np.argsort(idx, kind="stable")
            rows, local = idx[perm], np.empty(m, np.int64)
            local[perm] = np.arange(m)
        x = self.read(rows, self._x[:m])
        own = y.shape[0] == self.shape[0]  # not the stand-in targets of predict
        y, sw = (y[rows], sw[rows]) if own else (y, sw)
        out = out[lo:lo + m] if out.shape[0] == self.shape[0] else out
        return x, y, sw, local, out


def is_array_like(value: Any) -> bool:
    """An array that is not a NumPy array (h5py dataset, zarr array): shape, dtype and slicing."""
    return not isinstance(value, np.ndarray) and all(hasattr(value, a) for a in ("shape", "dtype", "__getitem__"))
