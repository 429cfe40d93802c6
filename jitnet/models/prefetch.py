"""Shuffled training rows gathered ahead, on a helper thread, while the steps before them run.

A shuffled epoch visits the rows of ``x`` in random order, and gathering
each batch from memory costs as much as a small layer. When jitnet has a
second core (``config.get_num_threads() >= 2``) that no BLAS thread uses
(``Trainer._one_core``), ``Trainer`` runs a training call in parts of about
``PART_BYTES`` of rows; while one part trains, a helper thread copies the
rows of the next one, in visiting order, into the other of two buffers, and
the steps read them in place (``kernels.buffers``). The rows and the order
of the steps are those of the plain path, so the results are the same bits.
The helper only copies; nothing it does waits for the steps, and a part
nobody asked for is gathered on the spot. The 784-100-10 model at batch 32
trains in 0.95 of the time (``perf/search.py``'s model, one process,
alternating epochs); with BLAS on both cores a helper cost 5% instead.
"""

from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np

from ..kernels.buffers import take_rows

PART_BYTES = 8 << 20  # rows per part: about 80 steps of 32 MNIST images
_POOL: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=1, thread_name_prefix="jitnet-prefetch")
    return _POOL


def _forget_pool() -> None:
    """In a forked child the helper thread is gone: the next part starts a pool of its own."""
    global _POOL
    _POOL = None


os.register_at_fork(after_in_child=_forget_pool)


class Prefetch:
    """Two row buffers: the part being trained on, and the next part, being gathered.

    Part ``j`` of an epoch is rows ``order[j * size:(j + 1) * size]`` of ``x``.
    """

    def __init__(self) -> None:
        self._buffers: list[np.ndarray] = []
        self._current: tuple | None = None  # (x, order, j, size, buffer index)
        self._pending: tuple | None = None  # (x, order, j, size, buffer index, future)
        self._targets: tuple | None = None  # the current part's rows of y and sw

    @staticmethod
    def part_steps(x: np.ndarray, batch_size: int) -> int:
        """Steps per part for batches of ``batch_size`` rows of ``x``."""
        return max(1, PART_BYTES // max(1, batch_size * x.shape[1] * x.itemsize))

    def part(self, x: np.ndarray, y: np.ndarray, sw: np.ndarray, order: np.ndarray, j: int,
             size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The rows of ``x``, ``y`` and ``sw`` in part ``j``, in visiting order; the helper thread starts on the
        rows of ``x`` in part ``j + 1``."""
        key = (x, order, j, size)
        if not self._holds(self._current, key):
            pending, self._pending = self._pending, None
            if pending is not None:
                pending[-1].result()
            if self._holds(pending, key):
                self._current = pending[:5]
            else:
                index = 0 if self._current is None else 1 - self._current[4]
                take_rows(x, self._rows(order, j, size), self._buffer(index, x, size))
                self._current = (*key, index)
            lo = (j + 1) * size
            if lo < order.shape[0]:
                index = 1 - self._current[4]
                future: Future = _pool().submit(take_rows, x, self._rows(order, j + 1, size),
                                                self._buffer(index, x, size))
                self._pending = (x, order, j + 1, size, index, future)
            samples = self._rows(order, j, size)
            self._targets = (y[samples], sw[samples])
        rows = self._targets[1].shape[0]
        return (self._buffers[self._current[4]][:rows], *self._targets)

    def close(self) -> None:
        """Wait for a gather still running, and let the buffers and data go."""
        if self._pending is not None:
            self._pending[-1].result()
        self._current = self._pending = self._targets = None

    @staticmethod
    def _holds(entry: tuple | None, key: tuple) -> bool:
        return entry is not None and entry[0] is key[0] and entry[1] is key[1] and entry[2:4] == key[2:]

    @staticmethod
    def _rows(order: np.ndarray, j: int, size: int) -> np.ndarray:
        return order[j * size:(j + 1) * size]

    def _buffer(self, index: int, x: np.ndarray, size: int) -> np.ndarray:
        while len(self._buffers) <= index:
            self._buffers.append(np.zeros((0, x.shape[1]), x.dtype))
        buf = self._buffers[index]
        if buf.shape[0] < size or buf.shape[1] != x.shape[1] or buf.dtype != x.dtype:
            buf = self._buffers[index] = np.zeros((size, x.shape[1]), x.dtype)
        return buf[:size]
