"""Input, Dense and Activation."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import activations, config
from ..kernels.ops import activation as activation_op
from .base import KernelLayer, Layer, ProgramBuilder, _check_shape_arg, positive_int
from .node import KerasTensor, Node


class InputLayer(Layer):
    """Declares the per-sample input shape of a model (``keras.Input``).

    Args:
        shape: Tuple of positive ints, one sample's shape (batch axis excluded); required.
        batch_size: Int, a fixed batch size, kept in the config only. Defaults to ``None``.
        name: String. Defaults to ``None`` (a unique ``'input_layer'`` name).
        input_shape: Older spelling of ``shape``. Defaults to ``None``.
    """

    def __init__(self, shape: Any = None, batch_size: int | None = None, name: str | None = None,
                 input_shape: Any = None, **kwargs: Any) -> None:
        shape = shape if shape is not None else input_shape
        if shape is None:
            raise ValueError("InputLayer needs `shape`, e.g. keras.Input(shape=(784,)).")
        dtype = kwargs.pop("dtype", None)
        super().__init__(name=name, **kwargs)
        self.shape = _check_shape_arg("shape", shape)
        self.batch_size = batch_size
        self.input_shape_hint = self.shape
        self.input_dtype = _dtype_name(dtype) or config.floatx()
        self.build_for(self.shape)
        Node(self, [], False, KerasTensor((batch_size, *self.shape), self.input_dtype, self.name))

    def emit(self, program: ProgramBuilder, slot: int) -> int:
        return slot

    def get_config(self) -> dict:
        return {"batch_shape": (self.batch_size, *self.shape), "dtype": self.input_dtype, "name": self.name}

    @classmethod
    def from_config(cls, config: dict) -> InputLayer:
        shape = config.get("batch_shape") or config.get("batch_input_shape")
        dtype = config.get("dtype")
        dtype = dtype.get("config", {}).get("name") if isinstance(dtype, dict) else dtype
        return cls(shape=tuple(shape)[1:], batch_size=next(iter(shape)), name=config.get("name"), dtype=dtype)


def _dtype_name(dtype: Any) -> str | None:
    """A dtype argument's name (``'float32'``, ``'int32'``...), or None."""
    if dtype is None:
        return None
    try:
        return np.dtype(dtype).name
    except TypeError:
        raise TypeError(f"Argument `dtype` must be a NumPy dtype name such as 'float32' or 'int32'. "
                        f"Received: dtype={dtype!r}") from None


def Input(shape: Any = None, batch_size: int | None = None, name: str | None = None, **kwargs: Any) -> KerasTensor:
    """A model's input, a symbolic tensor of per-sample ``shape`` (batch axis excluded): ``keras.Input(shape=(784,))``.

    Call layers on it, then make a model with ``keras.Model(inputs, outputs)``,
    or pass it first to ``Sequential``.

    Args:
        shape: Tuple of positive ints, one sample's shape; required.
        batch_size: Int, kept in the config only. Defaults to ``None``.
        name: String. Defaults to ``None`` (a unique name).
    """
    return InputLayer(shape=shape, batch_size=batch_size, name=name, **kwargs).output


class Dense(KernelLayer):
    """``activation(inputs @ kernel + bias)`` over the last axis.

    Args:
        units: Positive int, the size of the output.
        activation: Activation name or function. Defaults to ``None`` (linear).
        use_bias: Bool, add a bias. Defaults to ``True``.
        kernel_initializer, bias_initializer: Defaults to ``'glorot_uniform'`` and ``'zeros'``.
        kernel_regularizer, bias_regularizer, activity_regularizer: L1/L2 penalties. Defaults to ``None``.
        kernel_constraint, bias_constraint: Constraints applied after each update. Defaults to ``None``.
    """

    def __init__(self, units: int, activation: Any = None, use_bias: bool = True, **kwargs: Any) -> None:
        super().__init__(activation=activation, use_bias=use_bias, **kwargs)
        self.units = positive_int("units", units)

    def build(self, input_shape: tuple[int, ...]) -> None:
        self.make_weights((input_shape[-1], self.units), self.units)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def emit(self, program: ProgramBuilder, slot: int) -> int:
        z = program.new_slot(self.output_shape)
        program.op("dense", slot, z, **self.weight_fields())
        return self.emit_output(program, z)

    def get_config(self) -> dict:
        return {**super().get_config(), "units": self.units, **self.kernel_config()}


class Activation(Layer):
    """Applies an activation function by name: ``Activation('relu')``.

    Args:
        activation: Activation name (``'relu'``, ``'softmax'``, ...) or jitnet activation function.
    """

    def __init__(self, activation: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    def emit(self, program: ProgramBuilder, slot: int) -> int:
        return emit_activation(program, slot, self.output_shape, self.activation)

    def get_config(self) -> dict:
        return {**super().get_config(), "activation": self.activation.name}


def emit_activation(program: ProgramBuilder, slot: int, shape: tuple[int, ...], fn: activations.Activation) -> int:
    """An activation op from ``slot`` into a new buffer (linear: an alias)."""
    if fn.code == activations.linear.code:
        return program.alias(slot, shape)
    out = program.new_slot(shape)
    a, b, c = fn.params
    program.op("activation", slot, out, variant=activation_op.variant(fn.code, a, b, c), a=a, b=b, c=c)
    return out
