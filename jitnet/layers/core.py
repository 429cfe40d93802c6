"""Input, Dense and Activation."""

from __future__ import annotations

from typing import Any

from .. import activations
from ..kernels.ops import activation as activation_op
from .base import Layer, ProgramBuilder, _check_shape_arg, regularizer_factors, resolve


class InputLayer(Layer):
    """Declares the per-sample input shape of a model (``keras.Input``)."""

    def __init__(self, shape: Any = None, batch_size: int | None = None, name: str | None = None,
                 input_shape: Any = None, **kwargs: Any) -> None:
        shape = shape if shape is not None else input_shape
        if shape is None:
            raise ValueError("InputLayer needs `shape`, e.g. keras.Input(shape=(784,)).")
        super().__init__(name=name, **kwargs)
        self.shape = _check_shape_arg("shape", shape)
        self.batch_size = batch_size
        self.input_shape_hint = self.shape

    def emit(self, program: ProgramBuilder, slot: int) -> int:
        return slot

    def get_config(self) -> dict:
        return {"batch_shape": (self.batch_size, *self.shape), "name": self.name}

    @classmethod
    def from_config(cls, config: dict) -> InputLayer:
        shape = config.get("batch_shape") or config.get("batch_input_shape")
        return cls(shape=tuple(shape)[1:], batch_size=next(iter(shape)), name=config.get("name"))


def Input(shape: Any = None, batch_size: int | None = None, name: str | None = None, **kwargs: Any) -> InputLayer:
    """Declare a model's input shape (batch axis excluded): ``keras.Input(shape=(784,))``."""
    return InputLayer(shape=shape, batch_size=batch_size, name=name, **kwargs)


class Dense(Layer):
    """``activation(inputs @ kernel + bias)`` over the last axis.

    Defaults to ``activation=None`` (linear), ``use_bias=True``,
    ``kernel_initializer='glorot_uniform'``, ``bias_initializer='zeros'``.
    """

    def __init__(self, units: int, activation: Any = None, use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None, activity_regularizer: Any = None,
                 kernel_constraint: Any = None, bias_constraint: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(units, bool) or not isinstance(units, int) and not (
                isinstance(units, float) and units.is_integer()):
            raise TypeError(f"Argument `units` must be a positive integer. Received: units={units!r}")
        if units <= 0:
            raise ValueError(f"Argument `units` must be a positive integer. Received: units={units}")
        self.units = int(units)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = resolve("initializer", kernel_initializer)
        self.bias_initializer = resolve("initializer", bias_initializer)
        self.kernel_regularizer = resolve("regularizer", kernel_regularizer)
        self.bias_regularizer = resolve("regularizer", bias_regularizer)
        self.activity_regularizer = resolve("regularizer", activity_regularizer)
        self.kernel_constraint = resolve("constraint", kernel_constraint)
        self.bias_constraint = resolve("constraint", bias_constraint)

    def build(self, input_shape: tuple[int, ...]) -> None:
        self.kernel = self.add_weight("kernel", (input_shape[-1], self.units), self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight("bias", (self.units,), self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def emit(self, program: ProgramBuilder, slot: int) -> int:
        shape = self.output_shape
        z = program.new_slot(shape)
        program.op("dense", slot, z, kernel=self.kernel.offset, bias=self.bias.offset if self.bias is not None else 0,
                   use_bias=self.use_bias)
        out = emit_activation(program, z, shape, self.activation)
        program.activity_penalty(out, *regularizer_factors(self.activity_regularizer))
        return out

    def get_config(self) -> dict:
        from .. import constraints, initializers, regularizers

        def ser(module, obj):
            return None if obj is None else module.serialize(obj)

        return {
            **super().get_config(), "units": self.units, "activation": self.activation.name,
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": ser(regularizers, self.kernel_regularizer),
            "bias_regularizer": ser(regularizers, self.bias_regularizer),
            "activity_regularizer": ser(regularizers, self.activity_regularizer),
            "kernel_constraint": ser(constraints, self.kernel_constraint),
            "bias_constraint": ser(constraints, self.bias_constraint),
        }


class Activation(Layer):
    """Applies an activation function by name: ``Activation('relu')``."""

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
