"""Keras 3 callbacks: hooks into ``fit``, ``evaluate`` and ``predict``.

The engine drives every callback through one ``CallbackList``. Batch-level
hooks receive *running means* of the metrics since the start of the epoch
(as in Keras 3) and, when no callback needs every batch
(``CallbackList.needs_batch_hooks()`` is False), the engine may run many
batches in one compiled call and call ``on_train_batch_end`` only at the end
of each such chunk, passing the index of the last batch it ran.

Every callback has ``get_config()`` returning its constructor arguments
(JSON-serializable) and ``from_config(config)``; ``serialize``/``get`` use the
Keras ``{"class_name": ..., "config": ...}`` layout and the ``CALLBACKS``
registry.
"""

from __future__ import annotations

import csv
import importlib
import numbers
import os
import sys
import warnings
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from jitnet._registry import Registry
from jitnet.utils.progbar import Progbar

Logs = dict[str, Any]

_BATCH_HOOKS = {
    "train": ("on_train_batch_begin", "on_train_batch_end", "on_batch_begin", "on_batch_end"),
    "test": ("on_test_batch_begin", "on_test_batch_end"),
    "predict": ("on_predict_batch_begin", "on_predict_batch_end"),
}


def _print(message: str) -> None:
    """Print a line to the *current* ``sys.stdout`` (Keras ``io_utils.print_msg``)."""
    sys.stdout.write(message + "\n")
    sys.stdout.flush()


def _check_non_negative(name: str, value: int) -> None:
    if value < 0:
        raise ValueError(f"Expected `{name}` to be a non-negative integer. Received: {name}={value}")


# ---------------------------------------------------------------------------
# Base class and container
# ---------------------------------------------------------------------------
class Callback:
    """Base class of callbacks: override the hooks you need.

    Attributes:
        model: The model being trained, set by ``set_model``.
        params: Training parameters (``verbose``, ``epochs``, ``steps``),
            set by ``set_params``.
    """

    def __init__(self) -> None:
        self.model: Any = None
        self.params: dict[str, Any] | None = None

    def set_params(self, params: dict[str, Any]) -> None:
        """Store the training parameters."""
        self.params = params

    def set_model(self, model: Any) -> None:
        """Store the model the callback acts on."""
        self.model = model

    # Hooks. All are no-ops; the train-batch hooks forward to the
    # ``on_batch_*`` aliases as in Keras.
    def on_batch_begin(self, batch: int, logs: Logs | None = None) -> None:
        """Alias of ``on_train_batch_begin`` kept for backward compatibility."""

    def on_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        """Alias of ``on_train_batch_end`` kept for backward compatibility."""

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        """Called at the start of epoch ``epoch`` (0-based) of ``fit``."""

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        """Called at the end of an epoch with its metrics (``val_`` keys for validation)."""

    def on_train_batch_begin(self, batch: int, logs: Logs | None = None) -> None:
        """Called before training batch ``batch`` (index within the epoch)."""
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        """Called after training batch ``batch`` with running means of the metrics."""
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch: int, logs: Logs | None = None) -> None:
        """Called before a batch of ``evaluate`` (or of validation in ``fit``)."""

    def on_test_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        """Called after a batch of ``evaluate`` with running means of the metrics."""

    def on_predict_batch_begin(self, batch: int, logs: Logs | None = None) -> None:
        """Called before a batch of ``predict``."""

    def on_predict_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        """Called after a batch of ``predict``."""

    def on_train_begin(self, logs: Logs | None = None) -> None:
        """Called at the start of ``fit``."""

    def on_train_end(self, logs: Logs | None = None) -> None:
        """Called at the end of ``fit`` with the last epoch's logs."""

    def on_test_begin(self, logs: Logs | None = None) -> None:
        """Called at the start of ``evaluate`` or of validation."""

    def on_test_end(self, logs: Logs | None = None) -> None:
        """Called at the end of ``evaluate`` or of validation."""

    def on_predict_begin(self, logs: Logs | None = None) -> None:
        """Called at the start of ``predict``."""

    def on_predict_end(self, logs: Logs | None = None) -> None:
        """Called at the end of ``predict``."""

    def _needs_batch_hooks(self, mode: str = "train") -> bool:
        """Whether this callback must see every batch of ``mode``.

        True when a batch hook of ``mode`` is overridden (in the class or on
        the instance). Callbacks that work as well with occasional calls
        (progress bar, history, NaN check) override this to return False.
        """
        for name in _BATCH_HOOKS[mode]:
            if name in vars(self) or getattr(type(self), name) is not getattr(Callback, name):
                return True
        return False

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments, JSON-serializable."""
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Callback:
        """Rebuild a callback from ``get_config()``'s output."""
        return cls(**config)


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


# ---------------------------------------------------------------------------
# Always-present callbacks
# ---------------------------------------------------------------------------
class History(Callback):
    """Records the epoch logs: ``history[key]`` is the list of values per epoch.

    ``fit`` adds one automatically and returns it; it is also set as
    ``model.history``.
    """

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self.epoch = []

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
        if self.model is not None:
            self.model.history = self

    def _needs_batch_hooks(self, mode: str = "train") -> bool:
        return False


class ProgbarLogger(Callback):
    """Prints ``Epoch i/N`` and a Keras 3 progress bar of the metrics.

    Parameters come from ``set_params``: ``verbose`` (``'auto'`` means 1; 2
    prints one line per epoch), ``epochs`` and ``steps`` (batches per epoch,
    or ``None`` if unknown). The batch index given to ``on_*_batch_end``
    decides the step shown, so the engine may call it only now and then.
    Inside ``fit`` validation is silent.
    """

    def __init__(self) -> None:
        super().__init__()
        self.seen = 0
        self.progbar: Progbar | None = None
        self.target: int | None = None
        self.verbose: int = 1
        self.epochs = 1
        self._called_in_fit = False

    def set_params(self, params: dict[str, Any]) -> None:
        super().set_params(params)
        verbose = params.get("verbose", 1)
        self.verbose = 1 if verbose == "auto" else int(verbose)
        self.epochs = params.get("epochs", 1)
        self.target = params.get("steps")

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self._called_in_fit = True

    def on_train_end(self, logs: Logs | None = None) -> None:
        self._called_in_fit = False

    def on_test_begin(self, logs: Logs | None = None) -> None:
        if not self._called_in_fit:
            self._reset_progbar()

    def on_predict_begin(self, logs: Logs | None = None) -> None:
        self._reset_progbar()

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        self._reset_progbar()
        if self.verbose and self.epochs > 1:
            _print(f"Epoch {epoch + 1}/{self.epochs}")

    def on_train_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        self._update_progbar(batch, logs)

    def on_test_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        if not self._called_in_fit:
            self._update_progbar(batch, logs)

    def on_predict_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        self._update_progbar(batch, None)  # predictions are not metrics

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        self._finalize_progbar(logs)

    def on_test_end(self, logs: Logs | None = None) -> None:
        if not self._called_in_fit:
            self._finalize_progbar(logs)

    def on_predict_end(self, logs: Logs | None = None) -> None:
        self._finalize_progbar(logs)

    def _needs_batch_hooks(self, mode: str = "train") -> bool:
        return False

    def _reset_progbar(self) -> None:
        self.seen = 0
        self.progbar = Progbar(target=self.target, verbose=self.verbose, unit_name="step")

    def _update_progbar(self, batch: int, logs: Logs | None) -> None:
        if self.progbar is None:
            self._reset_progbar()
        logs = logs or {}
        self.seen = batch + 1  # one-based
        if self.verbose == 1:
            # Batch logs are already running means: show them as they are.
            self.progbar.stateful_metrics.update(logs)
            self.progbar.update(self.seen, list(logs.items()), finalize=False)

    def _finalize_progbar(self, logs: Logs | None) -> None:
        if self.progbar is None:
            self._reset_progbar()
        if self.target is None:
            self.target = self.seen
            self.progbar.target = self.seen
        self.progbar.update(self.target, list((logs or {}).items()), finalize=True)


# ---------------------------------------------------------------------------
# Monitoring a quantity: shared by EarlyStopping, ModelCheckpoint, ReduceLROnPlateau
# ---------------------------------------------------------------------------
_MAX_HINTS = (
    "acc", "auc", "precision", "recall", "f1", "fbeta", "iou", "r2",
    "cosine_similarity", "true_positives", "true_negatives", "sensitivity", "specificity",
)  # fmt: skip
_MIN_HINTS = (
    "loss", "error", "mse", "mae", "mape", "msle", "rmse", "crossentropy", "hinge",
    "kl_divergence", "kld", "poisson", "log_cosh", "logcosh", "false_positives",
    "false_negatives",
)  # fmt: skip


def infer_mode(monitor: str, model: Any = None, default: str | None = None) -> str:
    """``'min'`` or ``'max'`` for the quantity ``monitor``, inferred from its name.

    A ``val_`` prefix is ignored. A metric object of ``model.metrics`` with
    that name and a ``_direction`` (``'up'``/``'down'``) decides first; then
    ``'loss'`` and names ending in ``loss`` mean ``'min'``; names with
    ``acc``, ``auc``, ``precision``, ``recall``, ``f1``, ... mean ``'max'``;
    error-like names (``mse``, ``mae``, ``crossentropy``, ...) mean ``'min'``.
    Otherwise ``default``, or ValueError when ``default`` is None.
    """
    name = monitor.removeprefix("val_")
    for metric in getattr(model, "metrics", None) or ():
        direction = getattr(metric, "_direction", None)
        if getattr(metric, "name", None) == name and direction in ("up", "down"):
            return "max" if direction == "up" else "min"
    lowered = name.lower()
    if lowered.endswith("loss"):
        return "min"
    if any(hint in lowered for hint in _MAX_HINTS):
        return "max"
    if any(hint in lowered for hint in _MIN_HINTS):
        return "min"
    if default is not None:
        return default
    raise ValueError(
        f"Received monitor={monitor!r}, but the direction of that metric cannot be "
        "inferred from its name. Pass `mode='max'` to monitor the highest value, "
        "or `mode='min'` to monitor the lowest value."
    )


class MonitorCallback(Callback):
    """Base of callbacks that track the best value of a monitored quantity.

    Holds ``monitor``, ``mode``, ``min_delta`` and ``best``; resolves the
    direction on first use (``infer_mode`` in ``'auto'`` mode) and decides
    what counts as an improvement. Not meant to be used directly.

    Args:
        monitor: Name of the quantity in the epoch logs.
        mode: ``'auto'``, ``'min'`` or ``'max'``; other values warn and fall
            back to ``'auto'``.
        min_delta: Smallest change that counts as an improvement (its
            absolute value is used).
        initial_best: Value of ``best`` before the first epoch; ``None``
            means that the first value is an improvement.
    """

    _missing_monitor_warning = (
        "{cls} is conditioned on metric `{monitor}` which is not available. "
        "Available metrics are: {available}"
    )
    _default_mode: str | None = None  # used when 'auto' cannot infer the direction

    def __init__(
        self,
        monitor: str = "val_loss",
        mode: str = "auto",
        min_delta: float = 0.0,
        initial_best: float | None = None,
    ) -> None:
        super().__init__()
        if mode not in ("auto", "min", "max"):
            warnings.warn(
                f"{type(self).__name__} mode '{mode}' is unknown, fallback to auto mode.",
                stacklevel=3,
            )
            mode = "auto"
        self.monitor = monitor
        self.mode = mode
        self.min_delta = abs(min_delta)
        self.best = initial_best
        self._direction: str | None = None  # resolved 'min' or 'max'

    @property
    def direction(self) -> str:
        """``'min'`` or ``'max'``, resolved from ``mode`` (and the model) on first use."""
        return self._resolve_direction()

    def _resolve_direction(self) -> str:
        """Resolve (once) and return the direction; ValueError if 'auto' cannot infer it."""
        if self._direction is None:
            if self.mode == "auto":
                self._direction = infer_mode(self.monitor, self.model, self._default_mode)
            else:
                self._direction = self.mode
        return self._direction

    def _worst(self) -> float:
        return np.inf if self.direction == "min" else -np.inf

    def _is_improvement(self, value: float, reference: float | None) -> bool:
        """Whether ``value`` beats ``reference`` by more than ``min_delta``."""
        if reference is None:
            return True
        if self.direction == "min":
            return bool(value + self.min_delta < reference)
        return bool(value - self.min_delta > reference)

    def _monitor_value(self, logs: Logs | None) -> Any:
        """``logs[monitor]``, or None with a warning listing the available keys."""
        logs = logs or {}
        value = logs.get(self.monitor)
        if value is None:
            warnings.warn(
                self._missing_monitor_warning.format(
                    cls=type(self).__name__, monitor=self.monitor, available=",".join(logs)
                ),
                stacklevel=3,
            )
        return value


class EarlyStopping(MonitorCallback):
    """Stop training when a monitored quantity has stopped improving.

    Args:
        monitor: Quantity to monitor. Defaults to ``'val_loss'``.
        min_delta: An absolute change smaller than this is no improvement.
            Defaults to ``0``.
        patience: Epochs without improvement after which training stops.
            Defaults to ``0``.
        verbose: 1 prints a message when stopping or restoring. Defaults to
            ``0``.
        mode: ``'min'``, ``'max'`` or ``'auto'`` (inferred from the monitor's
            name). Defaults to ``'auto'``.
        baseline: The wait counter is reset only by values that also beat
            this. Defaults to ``None``.
        restore_best_weights: Restore the weights of the best epoch at the end
            of training, whether or not it stopped early. Defaults to
            ``False``.
        start_from_epoch: Epochs to ignore before monitoring starts. Defaults
            to ``0``.

    Attributes:
        wait: Epochs since the last improvement. ``best``: best value seen.
        best_epoch: Its epoch. ``stopped_epoch``: epoch at which training was
        stopped (0 if it was not). ``best_weights``: the weights kept.
    """

    _missing_monitor_warning = (
        "Early stopping conditioned on metric `{monitor}` which is not available. "
        "Available metrics are: {available}"
    )

    def __init__(
        self,
        monitor: str = "val_loss",
        min_delta: float = 0,
        patience: int = 0,
        verbose: int = 0,
        mode: str = "auto",
        baseline: float | None = None,
        restore_best_weights: bool = False,
        start_from_epoch: int = 0,
    ) -> None:
        super().__init__(monitor, mode, min_delta)
        _check_non_negative("patience", patience)
        _check_non_negative("start_from_epoch", start_from_epoch)
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch
        self._reset()

    def _reset(self) -> None:
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights: list | None = None
        self.best_epoch = 0

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self._reset()  # instances may be reused

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        self._resolve_direction()  # fail early on a monitor of unknown direction
        current = self._monitor_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            # Until something improves, the first monitored weights are the best.
            self.best_weights = self.model.get_weights()
            self.best_epoch = epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            # Only a value that also beats the baseline resets the wait.
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs: Logs | None = None) -> None:
        if self.stopped_epoch > 0 and self.verbose > 0:
            _print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                _print(
                    "Restoring model weights from the end of the best epoch: "
                    f"{self.best_epoch + 1}."
                )
            self.model.set_weights(self.best_weights)

    def get_monitor_value(self, logs: Logs | None) -> Any:
        """``logs[monitor]``, or None with a warning naming the available keys."""
        return self._monitor_value(logs)

    def get_config(self) -> dict[str, Any]:
        return {
            "monitor": self.monitor,
            "min_delta": self.min_delta,
            "patience": self.patience,
            "verbose": self.verbose,
            "mode": self.mode,
            "baseline": self.baseline,
            "restore_best_weights": self.restore_best_weights,
            "start_from_epoch": self.start_from_epoch,
        }


class ModelCheckpoint(MonitorCallback):
    """Save the model (or its weights) every epoch or every ``save_freq`` batches.

    Args:
        filepath: Path of the file; may hold ``str.format`` fields filled
            from ``epoch`` (1-based), ``batch`` (1-based, with an integer
            ``save_freq``) and the logs, e.g. ``'ckpt-{epoch:02d}-{val_loss:.2f}.keras'``.
            Must end in ``.keras``, or in ``.weights.h5`` when
            ``save_weights_only``.
        monitor: Quantity compared when ``save_best_only``. Defaults to
            ``'val_loss'``.
        verbose: 1 prints a message per save decision. Defaults to ``0``.
        save_best_only: Save only when ``monitor`` improved. Defaults to
            ``False``.
        save_weights_only: Call ``model.save_weights(path)`` instead of
            ``model.save(path)``. Defaults to ``False``.
        mode: ``'min'``, ``'max'`` or ``'auto'``. Defaults to ``'auto'``.
        save_freq: ``'epoch'`` or a number of batches. Defaults to
            ``'epoch'``.
        initial_value_threshold: Initial ``best``; with ``save_best_only``
            only values beating it are saved. Defaults to ``None``.
    """

    _missing_monitor_warning = (
        "Can save best model only with {monitor} available. Available metrics are: {available}"
    )

    def __init__(
        self,
        filepath: str | os.PathLike,
        monitor: str = "val_loss",
        verbose: int = 0,
        save_best_only: bool = False,
        save_weights_only: bool = False,
        mode: str = "auto",
        save_freq: str | int = "epoch",
        initial_value_threshold: float | None = None,
    ) -> None:
        super().__init__(monitor, mode, 0.0, initial_value_threshold)
        self.filepath = os.fspath(filepath)
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        self.initial_value_threshold = initial_value_threshold
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = 0
        self._current_epoch = 0
        if save_freq != "epoch" and (
            isinstance(save_freq, bool) or not isinstance(save_freq, int) or save_freq < 1
        ):
            raise ValueError(
                f"Unrecognized save_freq: {save_freq!r}. "
                "Expected save_freq are 'epoch' or a positive integer."
            )
        if save_weights_only:
            if not self.filepath.endswith(".weights.h5"):
                raise ValueError(
                    "When using `save_weights_only=True` in `ModelCheckpoint`, the "
                    "filepath provided must end in `.weights.h5` (Keras weights "
                    f"format). Received: filepath={self.filepath}"
                )
        elif not self.filepath.endswith(".keras"):
            raise ValueError(
                "The filepath provided must end in `.keras` (Keras model format). "
                f"Received: filepath={self.filepath}"
            )

    def _needs_batch_hooks(self, mode: str = "train") -> bool:
        return mode == "train" and self.save_freq != "epoch"

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        self._current_epoch = epoch

    def on_train_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        if self._should_save_on_batch(batch):
            self._save_model(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        self._resolve_direction()  # fail early on a monitor of unknown direction
        if self.save_freq == "epoch":
            self._save_model(epoch, None, logs)

    def _should_save_on_batch(self, batch: int) -> bool:
        """Count batches (also across sparse calls) and say when ``save_freq`` is reached."""
        if self.save_freq == "epoch":
            return False
        if batch <= self._last_batch_seen:  # a new epoch started
            added = batch + 1
        else:
            added = batch - self._last_batch_seen
        self._batches_seen_since_last_saving += added
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            return True
        return False

    def _should_save_model(self, epoch: int, logs: Logs, filepath: str) -> bool:
        if not self.save_best_only:
            if self.verbose > 0:
                _print(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            return True
        current = self._monitor_value(logs)
        if current is None:
            return True
        if np.ndim(current) > 0:
            warnings.warn(
                "Can save best model only when `monitor` is a scalar value. "
                f"Received: {current}. Falling back to `save_best_only=False`.",
                stacklevel=3,
            )
            return True
        if self.best is None:
            self.best = self._worst()
        if self._is_improvement(current, self.best):
            if self.verbose > 0:
                _print(
                    f"\nEpoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} "
                    f"to {current:.5f}, saving model to {filepath}"
                )
            self.best = current
            return True
        if self.verbose > 0:
            _print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {self.best:.5f}")
        return False

    def _get_file_path(self, epoch: int, batch: int | None, logs: Logs) -> str:
        try:
            if batch is None or "batch" in logs:
                return self.filepath.format(epoch=epoch + 1, **logs)
            return self.filepath.format(epoch=epoch + 1, batch=batch + 1, **logs)
        except KeyError as e:
            raise KeyError(
                f'Failed to format this callback filepath: "{self.filepath}". Reason: {e}'
            ) from e

    def _save_model(self, epoch: int, batch: int | None, logs: Logs | None) -> None:
        logs = logs or {}
        filepath = self._get_file_path(epoch, batch, logs)
        if not self._should_save_model(epoch, logs, filepath):
            return
        if os.path.isdir(filepath):
            raise OSError(
                "Please specify a non-directory filepath for ModelCheckpoint. "
                f"Filepath used is an existing directory: {filepath}"
            )
        dirname = os.path.dirname(filepath)
        if dirname:
            os.makedirs(dirname, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(filepath)
        else:
            self.model.save(filepath)

    def get_config(self) -> dict[str, Any]:
        return {
            "filepath": self.filepath,
            "monitor": self.monitor,
            "verbose": self.verbose,
            "save_best_only": self.save_best_only,
            "save_weights_only": self.save_weights_only,
            "mode": self.mode,
            "save_freq": self.save_freq,
            "initial_value_threshold": self.initial_value_threshold,
        }


class ReduceLROnPlateau(MonitorCallback):
    """Multiply the learning rate by ``factor`` when a quantity stops improving.

    Args:
        monitor: Quantity to monitor. Defaults to ``'val_loss'``.
        factor: ``new_lr = lr * factor``; must be below 1. Defaults to ``0.1``.
        patience: Epochs without improvement before reducing. Defaults to
            ``10``.
        verbose: 1 prints a message on each reduction. Defaults to ``0``.
        mode: ``'min'``, ``'max'`` or ``'auto'`` (inferred from the monitor's
            name, ``'min'`` when it cannot be). Defaults to ``'auto'``.
        min_delta: Smallest change that counts as an improvement. Defaults to
            ``1e-4``.
        cooldown: Epochs after a reduction during which no wait is counted.
            Defaults to ``0``.
        min_lr: Lower bound of the learning rate. Defaults to ``0.0``.

    Adds ``logs['learning_rate']`` (the rate used during the epoch) to the
    epoch logs.
    """

    _missing_monitor_warning = (
        "Learning rate reduction is conditioned on metric `{monitor}` which is not "
        "available. Available metrics are: {available}."
    )
    _default_mode = "min"

    def __init__(
        self,
        monitor: str = "val_loss",
        factor: float = 0.1,
        patience: int = 10,
        verbose: int = 0,
        mode: str = "auto",
        min_delta: float = 1e-4,
        cooldown: int = 0,
        min_lr: float = 0.0,
    ) -> None:
        super().__init__(monitor, mode, min_delta)
        if factor >= 1.0:
            raise ValueError(
                f"ReduceLROnPlateau does not support a factor >= 1.0. Received factor={factor}"
            )
        _check_non_negative("patience", patience)
        _check_non_negative("cooldown", cooldown)
        self.factor = factor
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.min_lr = min_lr
        self._reset()

    def _reset(self) -> None:
        self.best = None  # set to the worst value on first use
        self.cooldown_counter = 0
        self.wait = 0

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self._reset()

    def in_cooldown(self) -> bool:
        """Whether a reduction happened less than ``cooldown`` epochs ago."""
        return self.cooldown_counter > 0

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        logs = logs if logs is not None else {}
        logs["learning_rate"] = float(self.model.optimizer.learning_rate)
        current = self._monitor_value(logs)
        if current is None:
            return
        if self.best is None:
            self.best = self._worst()
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                old_lr = float(self.model.optimizer.learning_rate)
                if old_lr > np.float32(self.min_lr):
                    new_lr = max(old_lr * self.factor, self.min_lr)
                    self.model.optimizer.learning_rate = new_lr
                    if self.verbose > 0:
                        _print(
                            f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing "
                            f"learning rate to {new_lr}."
                        )
                    self.cooldown_counter = self.cooldown
                    self.wait = 0

    def get_config(self) -> dict[str, Any]:
        return {
            "monitor": self.monitor,
            "factor": self.factor,
            "patience": self.patience,
            "verbose": self.verbose,
            "mode": self.mode,
            "min_delta": self.min_delta,
            "cooldown": self.cooldown,
            "min_lr": self.min_lr,
        }


# ---------------------------------------------------------------------------
# Functions in configs (LearningRateScheduler, LambdaCallback)
# ---------------------------------------------------------------------------
def _function_config(fn: Callable | None) -> dict[str, Any] | None:
    """Keras layout for a function: importable by module and qualified name."""
    if fn is None:
        return None
    return {
        "module": getattr(fn, "__module__", None),
        "class_name": "function",
        "config": getattr(fn, "__qualname__", repr(fn)),
        "registered_name": "function",
    }


def _function_from_config(config: Any) -> Callable | None:
    if config is None or callable(config):
        return config
    qualname = config.get("config", "")
    if not config.get("module") or "<" in qualname:
        raise ValueError(
            f"Cannot rebuild function {qualname!r}: only module-level functions can be "
            f"deserialized (lambdas and closures cannot). Received: {config}"
        )
    obj: Any = importlib.import_module(config["module"])
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


class LearningRateScheduler(Callback):
    """Set the learning rate at the start of each epoch to ``schedule(epoch, lr)``.

    Args:
        schedule: Function of the epoch index (0-based) and the current
            learning rate returning the new rate (a number). A function of the
            epoch alone is accepted too.
        verbose: 1 prints each update. Defaults to ``0``.

    Adds ``logs['learning_rate']`` to the epoch logs.
    """

    def __init__(self, schedule: Callable[..., float], verbose: int = 0) -> None:
        super().__init__()
        if not callable(schedule):
            raise TypeError(f"Expected `schedule` to be callable. Received: schedule={schedule!r}")
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        optimizer = self.model.optimizer
        if not hasattr(optimizer, "learning_rate"):
            raise ValueError('Optimizer must have a "learning_rate" attribute.')
        try:
            lr = self.schedule(epoch, float(optimizer.learning_rate))
        except TypeError:  # old API: schedule(epoch)
            lr = self.schedule(epoch)
        if isinstance(lr, bool) or not isinstance(lr, numbers.Real):
            raise ValueError(  # noqa: TRY004 (Keras raises ValueError here)
                f"The output of the `schedule` function should be a float. Got: {lr}"
            )
        optimizer.learning_rate = float(lr)
        if self.verbose > 0:
            _print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {lr}.")

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate)

    def get_config(self) -> dict[str, Any]:
        return {"schedule": _function_config(self.schedule), "verbose": self.verbose}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> LearningRateScheduler:
        config = dict(config)
        config["schedule"] = _function_from_config(config["schedule"])
        return cls(**config)


# ---------------------------------------------------------------------------
# Small callbacks
# ---------------------------------------------------------------------------
class CSVLogger(Callback):
    """Write the epoch logs to a CSV file, one row per epoch.

    Args:
        filename: Path of the CSV file.
        separator: Field separator. Defaults to ``','``.
        append: Append to an existing file (no second header) instead of
            overwriting it. Defaults to ``False``.

    Columns are ``epoch`` (0-based) then the log keys of the first epoch,
    sorted; rows use the ``excel`` dialect (``\\r\\n`` line ends), as Keras.
    """

    def __init__(self, filename: str | os.PathLike, separator: str = ",", append: bool = False) -> None:
        super().__init__()
        self.sep = separator
        self.filename = os.fspath(filename)
        self.append = append
        self.writer: csv.DictWriter | None = None
        self.keys: list[str] | None = None
        self.append_header = True
        self.csv_file = None

    def on_train_begin(self, logs: Logs | None = None) -> None:
        if self.append:
            if os.path.exists(self.filename):
                with open(self.filename) as f:
                    self.append_header = not f.readline()
            mode = "a"
        else:
            mode = "w"
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        # Open for the whole of training; closed in on_train_end.
        self.csv_file = open(self.filename, mode, newline="")  # noqa: SIM115
        self.writer = None
        self.keys = None

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
            for name in getattr(self.model, "metrics_names", None) or ():
                if name.startswith("val_") and name not in self.keys:
                    self.keys.append(name)
        if self.writer is None:
            self.writer = csv.DictWriter(
                self.csv_file, fieldnames=["epoch", *self.keys], delimiter=self.sep
            )
            if self.append_header:
                self.writer.writeheader()
        row = {"epoch": epoch}
        row.update((key, _csv_value(logs.get(key, "NA"))) for key in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs: Logs | None = None) -> None:
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.writer = None

    def get_config(self) -> dict[str, Any]:
        return {"filename": self.filename, "separator": self.sep, "append": self.append}


def _csv_value(value: Any) -> Any:
    """Keras's cell formatting: 1-D iterables become ``"[a, b]"``."""
    if isinstance(value, str):
        return value
    if isinstance(value, Iterable) and np.ndim(value) != 0:
        return f'"[{", ".join(map(str, value))}]"'
    return value


class TerminateOnNaN(Callback):
    """Stop training when the loss becomes NaN or infinite.

    Args:
        raise_error: Raise ``RuntimeError`` at once instead of setting
            ``model.stop_training``. Defaults to ``False``.

    The batch logs hold running means, so a NaN in any batch since the last
    call is seen; this callback therefore does not force per-batch calls.
    """

    def __init__(self, raise_error: bool = False) -> None:
        super().__init__()
        self.raise_error = raise_error

    def _needs_batch_hooks(self, mode: str = "train") -> bool:
        return False

    def on_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        loss = (logs or {}).get("loss")
        if loss is None or np.isfinite(loss):
            return
        if self.raise_error:
            raise RuntimeError(
                f"NaN or Inf loss encountered at batch {batch}. "
                f"Loss value: {loss}. Terminating training immediately."
            )
        _print(f"Batch {batch}: Invalid loss, terminating training")
        self.model.stop_training = True

    def get_config(self) -> dict[str, Any]:
        return {"raise_error": self.raise_error}


class LambdaCallback(Callback):
    """A callback made of plain functions, one per hook.

    Args:
        on_epoch_begin, on_epoch_end: ``f(epoch, logs)``. Default ``None``.
        on_train_begin, on_train_end: ``f(logs)``. Default ``None``.
        on_train_batch_begin, on_train_batch_end: ``f(batch, logs)``.
            Default ``None``.
        **kwargs: Any other hook by name, e.g. ``on_test_end=f``.
    """

    def __init__(
        self,
        on_epoch_begin: Callable | None = None,
        on_epoch_end: Callable | None = None,
        on_train_begin: Callable | None = None,
        on_train_end: Callable | None = None,
        on_train_batch_begin: Callable | None = None,
        on_train_batch_end: Callable | None = None,
        **kwargs: Callable,
    ) -> None:
        super().__init__()
        functions = {
            "on_epoch_begin": on_epoch_begin,
            "on_epoch_end": on_epoch_end,
            "on_train_begin": on_train_begin,
            "on_train_end": on_train_end,
            "on_train_batch_begin": on_train_batch_begin,
            "on_train_batch_end": on_train_batch_end,
            **kwargs,
        }
        for name in kwargs:
            if not (name.startswith("on_") and hasattr(Callback, name)):
                raise ValueError(f"Unknown callback hook: {name!r}.")
        self._functions = {k: v for k, v in functions.items() if v is not None}
        self.__dict__.update(self._functions)

    def get_config(self) -> dict[str, Any]:
        """Hook functions in Keras function layout (lambdas cannot be rebuilt)."""
        return {name: _function_config(fn) for name, fn in self._functions.items()}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> LambdaCallback:
        return cls(**{name: _function_from_config(fn) for name, fn in config.items()})


# ---------------------------------------------------------------------------
# Registry and (de)serialization
# ---------------------------------------------------------------------------
CALLBACKS = Registry("callback", base=Callback)
for _cls, _alias in (
    (Callback, "callback"),
    (History, "history"),
    (ProgbarLogger, "progbar_logger"),
    (EarlyStopping, "early_stopping"),
    (ModelCheckpoint, "model_checkpoint"),
    (ReduceLROnPlateau, "reduce_lr_on_plateau"),
    (LearningRateScheduler, "learning_rate_scheduler"),
    (CSVLogger, "csv_logger"),
    (TerminateOnNaN, "terminate_on_nan"),
    (LambdaCallback, "lambda_callback"),
):
    CALLBACKS.register(_cls.__name__, _alias)(_cls)
del _cls, _alias


def serialize(callback: Callback) -> dict[str, Any]:
    """``{"module", "class_name", "config", "registered_name"}`` as Keras writes it."""
    return {
        "module": "keras.callbacks",
        "class_name": type(callback).__name__,
        "config": callback.get_config(),
        "registered_name": None,
    }


def deserialize(config: dict[str, Any]) -> Callback:
    """Rebuild a callback from ``serialize``'s output."""
    return CALLBACKS.get(config)


def get(identifier: Any) -> Any:
    """A callback from a name, a class, an instance or a config dict."""
    return CALLBACKS.get(identifier)


__all__ = [
    "CALLBACKS",
    "CSVLogger",
    "Callback",
    "CallbackList",
    "EarlyStopping",
    "History",
    "LambdaCallback",
    "LearningRateScheduler",
    "ModelCheckpoint",
    "MonitorCallback",
    "ProgbarLogger",
    "ReduceLROnPlateau",
    "TerminateOnNaN",
    "deserialize",
    "get",
    "infer_mode",
    "serialize",
]
