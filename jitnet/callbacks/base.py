"""``Callback``, the base class of callbacks, and helpers shared by the callback modules."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any

from .._registry import Registry

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


CALLBACKS = Registry("callback", base=Callback)
CALLBACKS.register("Callback", "callback")(Callback)
