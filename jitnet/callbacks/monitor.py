"""Monitoring a quantity: ``MonitorCallback``, ``infer_mode``, ``EarlyStopping``, ``ReduceLROnPlateau``."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .base import CALLBACKS, Callback, Logs, _print


def _check_non_negative(name: str, value: int) -> None:
    if value < 0:
        raise ValueError(f"Expected `{name}` to be a non-negative integer. Received: {name}={value}")


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


@CALLBACKS.register("EarlyStopping", "early_stopping")
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


@CALLBACKS.register("ReduceLROnPlateau", "reduce_lr_on_plateau")
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
