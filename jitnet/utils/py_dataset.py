"""``keras.utils.PyDataset``: a dataset of batches written in Python.

A subclass implements ``__len__`` (the number of batches) and
``__getitem__(index)`` (one batch: ``x``, ``(x, y)`` or ``(x, y,
sample_weight)``), and may implement ``on_epoch_begin``/``on_epoch_end``.
``fit``, ``evaluate`` and ``predict`` take it as ``x``. With ``workers > 1``
batches are fetched ahead by that many threads (processes with
``use_multiprocessing=True``), at most ``max_queue_size`` ahead, and still
reach the model in index order.
"""

from __future__ import annotations

from typing import Any

from .._validate import integer


class PyDataset:
    """Base class of datasets that compute their batches in Python (Keras 3's ``PyDataset``).

    Args:
        workers: threads (or processes) that fetch batches ahead; 1 fetches
            each batch when it is needed.
        use_multiprocessing: fetch in processes instead of threads (the
            dataset must pickle).
        max_queue_size: how many batches may be fetched ahead.
    """

    def __init__(self, workers: int = 1, use_multiprocessing: bool = False, max_queue_size: int = 10) -> None:
        self._workers = integer("workers", workers, 1)
        self._use_multiprocessing = bool(use_multiprocessing)
        self._max_queue_size = integer("max_queue_size", max_queue_size, 1)

    @property
    def workers(self) -> int:
        """Threads or processes fetching batches ahead."""
        return getattr(self, "_workers", 1)

    @workers.setter
    def workers(self, value: int) -> None:
        self._workers = value

    @property
    def use_multiprocessing(self) -> bool:
        """True: workers are processes."""
        return getattr(self, "_use_multiprocessing", False)

    @use_multiprocessing.setter
    def use_multiprocessing(self, value: bool) -> None:
        self._use_multiprocessing = value

    @property
    def max_queue_size(self) -> int:
        """Batches fetched ahead at most."""
        return getattr(self, "_max_queue_size", 10)

    @max_queue_size.setter
    def max_queue_size(self, value: int) -> None:
        self._max_queue_size = value

    def __getitem__(self, index: int) -> Any:
        """Batch ``index``: ``x``, ``(x, y)`` or ``(x, y, sample_weight)``."""
        raise NotImplementedError

    def __len__(self) -> int:
        """The number of batches in an epoch."""
        raise NotImplementedError

    @property
    def num_batches(self) -> int | None:
        """The number of batches (``len(self)``), or None when unknown."""
        try:
            return len(self)
        except (NotImplementedError, TypeError):
            return None

    def on_epoch_begin(self) -> None:
        """Called at the start of each epoch."""

    def on_epoch_end(self) -> None:
        """Called at the end of each epoch (shuffle here, say)."""


Sequence = PyDataset  # Keras 2's name, still exported by Keras 3
