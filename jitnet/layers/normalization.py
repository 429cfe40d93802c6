"""BatchNormalization and LayerNormalization over the last axis."""

from __future__ import annotations

from typing import Any

from .._validate import real
from .base import Layer, ProgramBuilder, resolve


def _check_axis(layer: Layer, axis: Any, input_shape: tuple[int, ...]) -> None:
    rank = len(input_shape) + 1
    axes = axis if isinstance(axis, (list, tuple)) else [axis]
    if len(axes) != 1 or not isinstance(axes[0], int) or not -rank <= axes[0] < rank:
        raise ValueError(
            f"Argument `axis` of {type(layer).__name__} must be an axis of inputs of shape {(None, *input_shape)}. "
            f"Received: axis={axis}"
        )
    if axes[0] % rank != rank - 1:
        raise ValueError(
            f"{type(layer).__name__} supports only the last axis (-1 or {rank - 1}). Received: axis={axis}"
        )


def _positive(name: str, value: float) -> float:
    return real(name, value, 0.0, low_open=True, error=TypeError)


class _Normalization(Layer):
    def __init__(self, axis: int, epsilon: float, center: bool, scale: bool, beta_initializer: Any,
                 gamma_initializer: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis, self.center, self.scale = axis, bool(center), bool(scale)
        self.epsilon = _positive("epsilon", epsilon)
        self.beta_initializer = resolve("initializer", beta_initializer)
        self.gamma_initializer = resolve("initializer", gamma_initializer)

    def build(self, input_shape):
        _check_axis(self, self.axis, input_shape)
        n = (input_shape[-1],)
        # A disabled gamma (beta) is a hidden constant one (zero) the optimizer never sees.
        self.gamma = self.add_weight("gamma", n, self.gamma_initializer if self.scale else "ones", self.scale,
                                     hidden=not self.scale)
        self.beta = self.add_weight("beta", n, self.beta_initializer if self.center else "zeros", self.center,
                                    hidden=not self.center)

    def _config(self) -> dict:
        from .. import initializers

        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon, "center": self.center,
                "scale": self.scale, "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer)}


class BatchNormalization(_Normalization):
    """Normalise with batch statistics in training, moving statistics in inference.

    ``moving = moving * momentum + batch * (1 - momentum)``, batch variance
    biased. Weights: ``[gamma, beta, moving_mean, moving_variance]``. A
    frozen layer (``trainable=False``) runs in inference mode, as in Keras.

    Args:
        axis: The feature axis, the last one. Defaults to ``-1``.
        momentum: Float, the moving statistics' decay. Defaults to ``0.99``.
        epsilon: Float added to the variance. Defaults to ``1e-3``.
        center, scale: Bools, learn ``beta`` and ``gamma``. Default to ``True``.
        beta_initializer, gamma_initializer: Default to ``'zeros'`` and ``'ones'``.
        moving_mean_initializer, moving_variance_initializer: Default to ``'zeros'`` and ``'ones'``.
    """

    def __init__(self, axis: int = -1, momentum: float = 0.99, epsilon: float = 1e-3, center: bool = True,
                 scale: bool = True, beta_initializer: Any = "zeros", gamma_initializer: Any = "ones",
                 moving_mean_initializer: Any = "zeros", moving_variance_initializer: Any = "ones",
                 **kwargs: Any) -> None:
        super().__init__(axis, epsilon, center, scale, beta_initializer, gamma_initializer, **kwargs)
        self.momentum = _positive("momentum", momentum)
        self.moving_mean_initializer = resolve("initializer", moving_mean_initializer)
        self.moving_variance_initializer = resolve("initializer", moving_variance_initializer)

    def build(self, input_shape):
        super().build(input_shape)
        n = (input_shape[-1],)
        self.moving_mean = self.add_weight("moving_mean", n, self.moving_mean_initializer, False, state=True)
        self.moving_variance = self.add_weight("moving_variance", n, self.moving_variance_initializer, False,
                                               state=True)

    def emit(self, program: ProgramBuilder, slot: int) -> int:
        n = self.input_shape[-1]
        out = program.new_slot(self.output_shape)
        xhat = program.new_slot(self.output_shape)
        assert self.moving_variance.offset == self.moving_mean.offset + n
        program.op("batchnorm", slot, out, xhat=xhat, gamma=self.gamma.offset, beta=self.beta.offset,
                   state=self.moving_mean.offset, frozen=not self.trainable, momentum=self.momentum,
                   epsilon=self.epsilon)
        return out

    def state_scratch(self) -> int:
        """Scratch values kept after the moving statistics (batch mean, 1/std, variance)."""
        return 3 * self.input_shape[-1]

    def get_config(self):
        from .. import initializers

        return {**self._config(), "momentum": self.momentum,
                "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
                "moving_variance_initializer": initializers.serialize(self.moving_variance_initializer)}


class LayerNormalization(_Normalization):
    """Normalise each sample over its last axis.

    Args:
        axis: The feature axis, the last one. Defaults to ``-1``.
        epsilon: Float > 0 added to the variance. Defaults to ``1e-3``.
        center, scale: Bools, learn ``beta`` and ``gamma``. Default to ``True``.
        beta_initializer, gamma_initializer: Default to ``'zeros'`` and ``'ones'``.
    """

    def __init__(self, axis: int = -1, epsilon: float = 1e-3, center: bool = True, scale: bool = True,
                 beta_initializer: Any = "zeros", gamma_initializer: Any = "ones", **kwargs: Any) -> None:
        super().__init__(axis, epsilon, center, scale, beta_initializer, gamma_initializer, **kwargs)

    def emit(self, program: ProgramBuilder, slot: int) -> int:
        out = program.new_slot(self.output_shape)
        xhat = program.new_slot(self.output_shape)
        inv = program.new_slot((*self.output_shape[:-1], 1))
        program.op("layernorm", slot, out, xhat=xhat, inv=inv, gamma=self.gamma.offset, beta=self.beta.offset,
                   epsilon=self.epsilon)
        return out

    def get_config(self):
        return self._config()
