"""Activation layers with parameters: ReLU, LeakyReLU, PReLU, ELU, Softmax."""

from __future__ import annotations

import math
import warnings
from typing import Any

from .. import activations
from .base import Layer, ProgramBuilder, resolve
from .core import emit_activation


class _ActivationLayer(Layer):
    def fn(self) -> activations.Activation:
        raise NotImplementedError

    def emit(self, program: ProgramBuilder, slot: int) -> int:
        return emit_activation(program, slot, self.output_shape, self.fn())


class ReLU(_ActivationLayer):
    """``max_value``-capped ReLU with a ``negative_slope`` below ``threshold``.

    Args:
        max_value: Float >= 0, the cap. Defaults to ``None`` (no cap).
        negative_slope: Float >= 0, the slope below ``threshold``. Defaults to ``0.0``.
        threshold: Float >= 0, where the slope changes. Defaults to ``0.0``.
    """

    def __init__(self, max_value: float | None = None, negative_slope: float = 0.0, threshold: float = 0.0,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if max_value is not None and max_value < 0:
            raise ValueError(f"Argument `max_value` must be >= 0. Received: max_value={max_value}")
        if negative_slope is None or negative_slope < 0:
            raise ValueError(f"Argument `negative_slope` must be >= 0. Received: negative_slope={negative_slope}")
        if threshold is None or threshold < 0:
            raise ValueError(f"Argument `threshold` must be >= 0. Received: threshold={threshold}")
        self.max_value, self.negative_slope, self.threshold = max_value, float(negative_slope), float(threshold)

    def fn(self):
        return activations.Activation("relu", activations.relu.code, self.negative_slope,
                                      math.inf if self.max_value is None else self.max_value, self.threshold)

    def get_config(self):
        return {**super().get_config(), "max_value": self.max_value, "negative_slope": self.negative_slope,
                "threshold": self.threshold}


class LeakyReLU(_ActivationLayer):
    """``x`` for ``x >= 0`` else ``negative_slope * x``.

    Args:
        negative_slope: Float >= 0, the slope below zero. Defaults to ``0.3``. The older ``alpha=``
            keyword is accepted with a DeprecationWarning.
    """

    def __init__(self, negative_slope: float = 0.3, **kwargs: Any) -> None:
        if "alpha" in kwargs:
            warnings.warn("Argument `alpha` is deprecated. Use `negative_slope` instead.", DeprecationWarning,
                          stacklevel=2)
            negative_slope = kwargs.pop("alpha")
        super().__init__(**kwargs)
        if negative_slope is None or negative_slope < 0:
            raise ValueError(f"Argument `negative_slope` must be >= 0. Received: negative_slope={negative_slope}")
        self.negative_slope = float(negative_slope)

    def fn(self):
        return activations.Activation("leaky_relu", activations.relu.code, self.negative_slope)

    def get_config(self):
        return {**super().get_config(), "negative_slope": self.negative_slope}


class ELU(_ActivationLayer):
    """``x`` for ``x > 0`` else ``alpha * (exp(x) - 1)``.

    Args:
        alpha: Float, the scale of the negative part. Defaults to ``1.0``.
    """

    def __init__(self, alpha: float = 1.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.alpha = float(alpha)

    def fn(self):
        return activations.elu.with_params(alpha=self.alpha)

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha}


class Softmax(_ActivationLayer):
    """Softmax over the last axis.

    Args:
        axis: The last axis (``-1`` or the input's rank). Defaults to ``-1``.
    """

    def __init__(self, axis: int = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = axis

    def build(self, input_shape):
        if self.axis not in (-1, len(input_shape)):
            raise ValueError(
                f"Softmax supports only the last axis (-1 or {len(input_shape)}) of inputs of shape "
                f"{(None, *input_shape)}. Received: axis={self.axis}"
            )

    def fn(self):
        return activations.softmax

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class PReLU(Layer):
    """``x`` for ``x >= 0`` else ``alpha * x`` with a learned ``alpha`` per input element.

    Args:
        alpha_initializer: Initializer of ``alpha``. Defaults to ``'zeros'``.
        alpha_regularizer, alpha_constraint: Must be ``None``. Default to ``None``.
        shared_axes: Must be ``None`` (one ``alpha`` per element). Defaults to ``None``.
    """

    def __init__(self, alpha_initializer: Any = "zeros", alpha_regularizer: Any = None,
                 alpha_constraint: Any = None, shared_axes: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if shared_axes is not None:
            raise ValueError("PReLU supports only shared_axes=None (one alpha per input element).")
        if alpha_regularizer is not None or alpha_constraint is not None:
            raise ValueError("PReLU supports no alpha_regularizer or alpha_constraint.")
        self.alpha_initializer = resolve("initializer", alpha_initializer)

    def build(self, input_shape):
        self.alpha = self.add_weight("alpha", tuple(input_shape), self.alpha_initializer)

    def emit(self, program: ProgramBuilder, slot: int) -> int:
        out = program.new_slot(self.output_shape)
        program.op("prelu", slot, out, alpha=self.alpha.offset)
        return out

    def get_config(self):
        from .. import initializers

        return {**super().get_config(), "alpha_initializer": initializers.serialize(self.alpha_initializer),
                "alpha_regularizer": None, "alpha_constraint": None, "shared_axes": None}
