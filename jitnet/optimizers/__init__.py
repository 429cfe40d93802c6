"""Optimizers (``keras.optimizers``): classes, ``get``, ``serialize``, ``deserialize``."""

from __future__ import annotations

from typing import Any

from . import schedules
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, Adamax, AdamW, Nadam
from .base import OPTIMIZERS, Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = [
    "OPTIMIZERS", "SGD", "Adadelta", "Adagrad", "Adam", "AdamW", "Adamax", "Nadam", "Optimizer",
    "RMSprop", "deserialize", "get", "schedules", "serialize",
]


def serialize(optimizer: Optimizer) -> dict[str, Any]:
    """The Keras 3 serialized form: ``{"module", "class_name", "config", "registered_name"}``."""
    return {
        "module": "keras.optimizers",
        "class_name": type(optimizer).__name__,
        "config": optimizer.get_config(),
        "registered_name": None,
    }


def deserialize(config: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> Optimizer:
    """An optimizer from ``serialize`` output; class names match case-insensitively."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Expected a dict with 'class_name' and 'config'. Received: {config!r}")
    name = config["class_name"]
    cls = (custom_objects or {}).get(name) or OPTIMIZERS.lookup(name)
    return cls.from_config(dict(config.get("config") or {}), custom_objects)


def get(identifier: Any) -> Optimizer | None:
    """Resolve a name (``'adam'``), a config dict, a class or an instance."""
    if isinstance(identifier, dict):
        return deserialize(identifier)
    obj = OPTIMIZERS.get(identifier)
    if obj is not None and not isinstance(obj, Optimizer):
        raise ValueError(
            f"Could not interpret optimizer identifier: {identifier!r}. "
            f"Expected a name ({', '.join(OPTIMIZERS.names())}), a config dict or an Optimizer."
        )
    return obj
