"""``ModelCheckpoint``: save the model or its weights during training."""

from __future__ import annotations

import os
import warnings
from typing import Any

import numpy as np

from .._validate import integer
from .base import CALLBACKS, Logs, _print
from .monitor import MonitorCallback


@CALLBACKS.register("ModelCheckpoint", "model_checkpoint")
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
        if save_freq != "epoch":
            integer("save_freq", save_freq, 1, what="'epoch' or a positive integer")
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
