"""Layers: ``keras.layers`` names."""

from .._registry import Registry
from .activation import ELU, LeakyReLU, PReLU, ReLU, Softmax
from .base import Layer, Variable
from .convolutional import Conv1D, Conv2D
from .core import Activation, Dense, Input, InputLayer
from .embedding import Embedding
from .merging import (
    Add,
    Average,
    Concatenate,
    Dot,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
    add,
    average,
    concatenate,
    dot,
    maximum,
    minimum,
    multiply,
    subtract,
)
from .node import KerasTensor
from .normalization import BatchNormalization, LayerNormalization
from .pooling import (
    AveragePooling1D,
    AveragePooling2D,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    MaxPooling1D,
    MaxPooling2D,
)
from .preprocessing import Rescaling
from .recurrent import GRU, LSTM, Bidirectional, SimpleRNN
from .regularization import AlphaDropout, Dropout, GaussianDropout, GaussianNoise
from .reshaping import Flatten, Reshape, ZeroPadding1D, ZeroPadding2D

LAYERS = Registry("layer", base=Layer)
for _cls in (Activation, Add, AlphaDropout, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract, AveragePooling1D, AveragePooling2D, BatchNormalization, Bidirectional, Conv1D,
             Conv2D, Dense, Dropout, ELU, Embedding, GRU, LSTM, SimpleRNN, Flatten, GaussianDropout, GaussianNoise, GlobalAveragePooling1D, GlobalAveragePooling2D,
             GlobalMaxPooling1D, GlobalMaxPooling2D, InputLayer, LayerNormalization, LeakyReLU, MaxPooling1D,
             MaxPooling2D, PReLU, ReLU, Rescaling, Reshape, Softmax, ZeroPadding1D, ZeroPadding2D):
    LAYERS.add(_cls.__name__, _cls)
for _alias, _cls in (("Convolution1D", Conv1D), ("Convolution2D", Conv2D), ("MaxPool1D", MaxPooling1D),
                     ("MaxPool2D", MaxPooling2D), ("AvgPool1D", AveragePooling1D), ("AvgPool2D", AveragePooling2D),
                     ("GlobalAvgPool1D", GlobalAveragePooling1D), ("GlobalAvgPool2D", GlobalAveragePooling2D),
                     ("GlobalMaxPool1D", GlobalMaxPooling1D), ("GlobalMaxPool2D", GlobalMaxPooling2D)):
    LAYERS.add(_alias, _cls)
del _alias, _cls

Convolution1D, Convolution2D = Conv1D, Conv2D
MaxPool1D, MaxPool2D, AvgPool1D, AvgPool2D = MaxPooling1D, MaxPooling2D, AveragePooling1D, AveragePooling2D
GlobalAvgPool1D, GlobalAvgPool2D = GlobalAveragePooling1D, GlobalAveragePooling2D
GlobalMaxPool1D, GlobalMaxPool2D = GlobalMaxPooling1D, GlobalMaxPooling2D


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
    "GRU",
    "LSTM",
    "Activation",
    "Add",
    "AlphaDropout",
    "Average",
    "AveragePooling1D",
    "AveragePooling2D",
    "AvgPool1D",
    "AvgPool2D",
    "BatchNormalization",
    "Bidirectional",
    "Concatenate",
    "Conv1D",
    "Conv2D",
    "Convolution1D",
    "Convolution2D",
    "Dense",
    "Dot",
    "Dropout",
    "Embedding",
    "Flatten",
    "GaussianDropout",
    "GaussianNoise",
    "GlobalAveragePooling1D",
    "GlobalAveragePooling2D",
    "GlobalAvgPool1D",
    "GlobalAvgPool2D",
    "GlobalMaxPool1D",
    "GlobalMaxPool2D",
    "GlobalMaxPooling1D",
    "GlobalMaxPooling2D",
    "Input",
    "InputLayer",
    "KerasTensor",
    "Layer",
    "LayerNormalization",
    "LeakyReLU",
    "MaxPool1D",
    "MaxPool2D",
    "MaxPooling1D",
    "MaxPooling2D",
    "Maximum",
    "Minimum",
    "Multiply",
    "PReLU",
    "ReLU",
    "Rescaling",
    "Reshape",
    "SimpleRNN",
    "Softmax",
    "Subtract",
    "Variable",
    "ZeroPadding1D",
    "ZeroPadding2D",
    "add",
    "average",
    "concatenate",
    "deserialize",
    "dot",
    "maximum",
    "minimum",
    "multiply",
    "serialize",
    "subtract",
]
