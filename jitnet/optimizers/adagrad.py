"""Adagrad: per-parameter rates shrinking with the accumulated squares."""

from __future__ import annotations

from typing import Any

from .._validate import real
from ..kernels import optimizers as kernels
from .base import OPTIMIZERS, Optimizer


@OPTIMIZERS.register("adagrad", "Adagrad")
class Adagrad(Optimizer):
    """Adagrad, as Keras 3 ``Adagrad``.

    ``acc += g**2``; ``p -= lr * g / sqrt(acc + epsilon)``.

    Args:
        learning_rate: Float, schedule or callable. Defaults to 0.001.
        initial_accumulator_value: Float >= 0, the starting value of the
            accumulators. Defaults to 0.1.
        epsilon: Float > 0. Defaults to 1e-7.
        **kwargs: The common arguments of ``Optimizer``.

    Kernel code ``ADAGRAD``; hyper ``[4] epsilon``; slot row ``accumulator``.
    """

    code = kernels.ADAGRAD
    hyperparameters = kernels.HYPER[kernels.ADAGRAD]
    _config_keys = ("initial_accumulator_value", "epsilon")
    _default_name = "adagrad"

    def __init__(
        self,
        learning_rate: Any = 0.001,
        initial_accumulator_value: float = 0.1,
        epsilon: float = 1e-7,
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate, **kwargs)
        self.initial_accumulator_value = real("initial_accumulator_value", initial_accumulator_value, 0.0)
        self.epsilon = real("epsilon", epsilon, 0.0, low_open=True)

    def slot_names(self) -> tuple[str, ...]:
        return ("accumulator",)

    def slot_initial(self, name: str) -> float:
        return self.initial_accumulator_value
