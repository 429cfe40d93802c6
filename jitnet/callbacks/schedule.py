"""``LearningRateScheduler``: set the learning rate at the start of each epoch."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._validate import real
from .base import CALLBACKS, Callback, Logs, _function_config, _function_from_config, _print


@CALLBACKS.register("LearningRateScheduler", "learning_rate_scheduler")
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
        optimizer.learning_rate = real("learning_rate", lr, 0.0)  # the output of `schedule`
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
