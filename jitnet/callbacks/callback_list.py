"""``CallbackList``: calls every hook of a list of callbacks in order."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .base import _BATCH_HOOKS, Callback, Logs
from .progress import History, ProgbarLogger


def _flatten(callbacks: Any) -> list[Callback]:
    if callbacks is None:
        return []
    if isinstance(callbacks, Callback):
        return [callbacks]
    out: list[Callback] = []
    for item in callbacks:
        out.extend(_flatten(item))
    return out


def _pythonify_logs(logs: Logs | None) -> Logs:
    """Sorted copy of ``logs`` with nested dicts flattened and scalars as floats."""
    result: Logs = {}
    for key, value in sorted((logs or {}).items()):
        if isinstance(value, dict):
            result.update(_pythonify_logs(value))
            continue
        try:
            value = float(value)
        except (TypeError, ValueError):
            pass
        result[key] = value
    return result


def _floats_in_place(logs: Logs) -> Logs:
    """Turn numpy scalars of ``logs`` into Python floats, keeping the dict and its order."""
    for key, value in logs.items():
        if isinstance(value, (np.generic, np.ndarray)) and np.ndim(value) == 0:
            logs[key] = float(value)
    return logs


class CallbackList(Callback):
    """Calls every hook of a list of callbacks in order.

    Args:
        callbacks: Callbacks (nested lists are flattened). Defaults to ``None``.
        add_history: Append a ``History`` unless one is present. Defaults to
            ``False``.
        add_progbar: Append a ``ProgbarLogger`` unless one is present.
            Defaults to ``False``.
        model: The model, given to every callback. Defaults to ``None``.
        **params: Training parameters given to every callback's
            ``set_params`` (``verbose``, ``epochs``, ``steps``).

    Batch-end logs are passed on as a sorted copy with float values; epoch
    logs are passed on as the *same* dict to every callback, so keys a
    callback adds (``learning_rate``) reach ``History`` and the progress bar.
    """

    def __init__(
        self,
        callbacks: Iterable[Callback] | Callback | None = None,
        add_history: bool = False,
        add_progbar: bool = False,
        model: Any = None,
        **params: Any,
    ) -> None:
        super().__init__()
        self.callbacks: list[Callback] = _flatten(callbacks)
        self._history: History | None = None
        self._progbar: ProgbarLogger | None = None
        self._add_default_callbacks(add_history, add_progbar)
        self.set_model(model)
        self.set_params(params)

    def _add_default_callbacks(self, add_history: bool, add_progbar: bool) -> None:
        for cb in self.callbacks:
            if isinstance(cb, ProgbarLogger):
                self._progbar = cb
            elif isinstance(cb, History):
                self._history = cb
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        if self._progbar is None and add_progbar:
            self._progbar = ProgbarLogger()
            self.callbacks.append(self._progbar)

    def append(self, callback: Callback) -> None:
        """Add a callback at the end (it gets the current model and params)."""
        if self.model is not None:
            callback.set_model(self.model)
        if self.params:
            callback.set_params(self.params)
        self.callbacks.append(callback)

    def __iter__(self):
        return iter(self.callbacks)

    def __len__(self) -> int:
        return len(self.callbacks)

    def set_params(self, params: dict[str, Any]) -> None:
        """Store ``params`` and give them to every callback (when not empty)."""
        self.params = params
        if params:
            for cb in self.callbacks:
                cb.set_params(params)

    def set_model(self, model: Any) -> None:
        """Give ``model`` to every callback and set ``model.history``."""
        if model is None:
            return
        self.model = model
        if self._history is not None:
            model.history = self._history
        for cb in self.callbacks:
            cb.set_model(model)

    def needs_batch_hooks(self, mode: str = "train") -> bool:
        """Whether some callback must be called after every batch of ``mode``.

        ``mode`` is ``'train'`` (default), ``'test'`` or ``'predict'``. When
        False the engine may run many batches per compiled call and call the
        batch hooks only between such calls. ``ProgbarLogger``, ``History``
        and ``TerminateOnNaN`` never require every batch.
        """
        if mode not in _BATCH_HOOKS:
            raise ValueError(f"Expected mode 'train', 'test' or 'predict'. Received: mode={mode!r}")
        return any(cb._needs_batch_hooks(mode) for cb in self.callbacks)

    # Dispatch. Argument conventions follow Keras: batch hooks get
    # ``logs=`` as a keyword, the others positionally.
    def on_batch_begin(self, batch: int, logs: Logs | None = None) -> None:
        logs = logs or {}
        for cb in self.callbacks:
            cb.on_batch_begin(batch, logs=logs)

    def on_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        logs = _pythonify_logs(logs)
        for cb in self.callbacks:
            cb.on_batch_end(batch, logs=logs)

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        logs = logs or {}
        for cb in self.callbacks:
            cb.on_epoch_begin(epoch, logs)

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        logs = _floats_in_place(logs if logs is not None else {})
        for cb in self.callbacks:
            cb.on_epoch_end(epoch, logs)

    def on_train_batch_begin(self, batch: int, logs: Logs | None = None) -> None:
        logs = logs or {}
        for cb in self.callbacks:
            cb.on_train_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        logs = _pythonify_logs(logs)
        for cb in self.callbacks:
            cb.on_train_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch: int, logs: Logs | None = None) -> None:
        logs = logs or {}
        for cb in self.callbacks:
            cb.on_test_batch_begin(batch, logs=logs)

    def on_test_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        logs = _pythonify_logs(logs)
        for cb in self.callbacks:
            cb.on_test_batch_end(batch, logs=logs)

    def on_predict_batch_begin(self, batch: int, logs: Logs | None = None) -> None:
        logs = logs or {}
        for cb in self.callbacks:
            cb.on_predict_batch_begin(batch, logs=logs)

    def on_predict_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        logs = logs or {}  # predictions are passed through untouched
        for cb in self.callbacks:
            cb.on_predict_batch_end(batch, logs=logs)

    def on_train_begin(self, logs: Logs | None = None) -> None:
        logs = logs or {}
        for cb in self.callbacks:
            cb.on_train_begin(logs)

    def on_train_end(self, logs: Logs | None = None) -> None:
        logs = logs or {}
        for cb in self.callbacks:
            cb.on_train_end(logs)

    def on_test_begin(self, logs: Logs | None = None) -> None:
        logs = logs or {}
        for cb in self.callbacks:
            cb.on_test_begin(logs)

    def on_test_end(self, logs: Logs | None = None) -> None:
        logs = logs or {}
        for cb in self.callbacks:
            cb.on_test_end(logs)

    def on_predict_begin(self, logs: Logs | None = None) -> None:
        logs = logs or {}
        for cb in self.callbacks:
            cb.on_predict_begin(logs)

    def on_predict_end(self, logs: Logs | None = None) -> None:
        logs = logs or {}
        for cb in self.callbacks:
            cb.on_predict_end(logs)
