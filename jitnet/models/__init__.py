"""Models: ``keras.models`` names."""

from typing import Any

from .functional import Functional
from .model import Model
from .sequential import Sequential


def load_model(filepath: Any, custom_objects: dict | None = None, compile: bool = True,
               safe_mode: bool = True) -> Model:
    """Load a ``.keras`` file written by jitnet or Keras 3 (see ``jitnet.saving.load_model``)."""
    from ..saving import load_model as load

    return load(filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)


def clone_model(model: Model) -> Model:
    """A new model of the same architecture with fresh weights, not compiled (Keras's ``clone_model``)."""
    if not isinstance(model, Model):
        raise TypeError(f"Argument `model` must be a jitnet model. Received: {model!r}")
    return type(model).from_config(model.get_config())


__all__ = ["Functional", "Model", "Sequential", "clone_model", "load_model"]
