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

from typing import Any

from .base import CALLBACKS, Callback
from .base import Logs as Logs
from .callback_list import CallbackList
from .checkpoint import ModelCheckpoint
from .misc import CSVLogger, LambdaCallback, TerminateOnNaN
from .monitor import EarlyStopping, MonitorCallback, ReduceLROnPlateau, infer_mode
from .progress import History, ProgbarLogger
from .schedule import LearningRateScheduler


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
