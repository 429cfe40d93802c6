"""Small callbacks: ``CSVLogger``, ``TerminateOnNaN``, ``LambdaCallback``."""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .base import CALLBACKS, Callback, Logs, _function_config, _function_from_config, _print


@CALLBACKS.register("CSVLogger", "csv_logger")
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


@CALLBACKS.register("TerminateOnNaN", "terminate_on_nan")
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


@CALLBACKS.register("LambdaCallback", "lambda_callback")
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
