"""Layers: ``keras.layers`` names."""

from .._registry import Registry
from .activation import ELU, LeakyReLU, PReLU, ReLU, Softmax
from .base import Layer, Variable
from .core import Activation, Dense, Input, InputLayer
from .normalization import BatchNormalization, LayerNormalization
from .regularization import AlphaDropout, Dropout, GaussianDropout, GaussianNoise
from .reshaping import Flatten, Reshape

LAYERS = Registry("layer", base=Layer)
for _cls in (Activation, AlphaDropout, BatchNormalization, Dense, Dropout, ELU, Flatten, GaussianDropout,
             GaussianNoise, InputLayer, LayerNormalization, LeakyReLU, PReLU, ReLU, Reshape, Softmax):
    LAYERS.add(_cls.__name__, _cls)
del _cls


def serialize(layer: Layer) -> dict:
    """Keras layout: ``{'module': 'keras.layers', 'class_name': ..., 'config': ...}``."""
    return {"module": "keras.layers", "class_name": type(layer).__name__, "config": layer.get_config(),
            "registered_name": None}


def deserialize(config: dict) -> Layer:
    """Rebuild a layer from ``serialize`` output; only jitnet's layer classes are accepted."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Expected a layer config with 'class_name' and 'config'. Received: {config!r}")
    cls = LAYERS.lookup(config["class_name"])
    return cls.from_config(config.get("config") or {})


__all__ = [
    "ELU",
    "Activation",
    "AlphaDropout",
    "BatchNormalization",
    "Dense",
    "Dropout",
    "Flatten",
    "GaussianDropout",
    "GaussianNoise",
    "Input",
    "InputLayer",
    "Layer",
    "LayerNormalization",
    "LeakyReLU",
    "PReLU",
    "ReLU",
    "Reshape",
    "Softmax",
    "Variable",
    "deserialize",
    "serialize",
]
