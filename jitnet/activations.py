"""Activation functions by Keras name; each maps to a compiled kernel code.

``get('relu')`` returns a callable that also works on NumPy arrays
(``activations.relu(x)``); layers read its ``code`` and ``params``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import config
from ._registry import Registry
from .kernels import activations as ka


class Activation:
    """A named activation: kernel ``code`` plus parameters ``(a, b, c)``."""

    def __init__(self, name: str, code: int, a: float = 0.0, b: float = math.inf, c: float = 0.0,
                 keywords: tuple[str, ...] = ()) -> None:
        self.__name__ = self.name = name
        self.code = code
        self.params = (float(a), float(b), float(c))
        self._keywords = keywords

    def with_params(self, **kwargs: Any) -> Activation:
        """A copy with parameters given by Keras keyword (e.g. ``negative_slope``)."""
        a, b, c = self.params
        for key, value in kwargs.items():
            if key not in self._keywords:
                raise TypeError(f"{self.name}() got an unexpected keyword argument {key!r}")
            slot = self._keywords.index(key)
            value = math.inf if value is None else float(value)
            a, b, c = [(value if i == slot else v) for i, v in enumerate((a, b, c))]
        return Activation(self.name, self.code, a, b, c, self._keywords)

    def __call__(self, x: Any, **kwargs: Any) -> np.ndarray:
        fn = self.with_params(**kwargs) if kwargs else self
        x = np.asarray(x, dtype=np.float64 if np.asarray(x).dtype == np.float64 else config.dtype())
        z = np.ascontiguousarray(x.reshape(-1, x.shape[-1]) if x.ndim else x.reshape(1, 1))
        y = np.empty_like(z)
        ka.activation_forward(fn.code, z, y, *fn.params)
        return y.reshape(x.shape)

    def __repr__(self) -> str:
        return f"<activation {self.name}>"


relu = Activation("relu", ka.RELU, 0.0, math.inf, 0.0, ("negative_slope", "max_value", "threshold"))
relu6 = Activation("relu6", ka.RELU, 0.0, 6.0, 0.0)
leaky_relu = Activation("leaky_relu", ka.RELU, 0.2, math.inf, 0.0, ("negative_slope",))
elu = Activation("elu", ka.ELU, 1.0, keywords=("alpha",))
selu = Activation("selu", ka.SELU)
gelu = Activation("gelu", ka.GELU, keywords=("approximate",))
sigmoid = Activation("sigmoid", ka.SIGMOID)
hard_sigmoid = Activation("hard_sigmoid", ka.HARD_SIGMOID)
tanh = Activation("tanh", ka.TANH)
softmax = Activation("softmax", ka.SOFTMAX)
softplus = Activation("softplus", ka.SOFTPLUS)
softsign = Activation("softsign", ka.SOFTSIGN)
swish = Activation("swish", ka.SWISH)
silu = Activation("silu", ka.SWISH)
exponential = Activation("exponential", ka.EXPONENTIAL)
linear = Activation("linear", ka.LINEAR)

ACTIVATIONS = Registry("activation", base=Activation)
for _fn in (relu, relu6, leaky_relu, elu, selu, gelu, sigmoid, hard_sigmoid, tanh, softmax, softplus,
            softsign, swish, silu, exponential, linear):
    ACTIVATIONS.add(_fn.name, _fn)
del _fn


def get(identifier: Any) -> Activation:
    """Resolve an activation name or function; None means ``linear``."""
    if identifier is None:
        return linear
    if isinstance(identifier, Activation):
        return identifier
    if isinstance(identifier, str):
        return ACTIVATIONS.lookup(identifier)
    raise ValueError(
        f"Could not interpret activation: {identifier!r}. Expected one of "
        f"{', '.join(ACTIVATIONS.names())} or a function of jitnet.activations "
        "(custom Python activations cannot run inside compiled kernels)."
    )


def serialize(activation: Activation) -> str:
    """The Keras name of ``activation``."""
    return activation.name


def deserialize(name: str) -> Activation:
    """Inverse of ``serialize``."""
    return get(name)
