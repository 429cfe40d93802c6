"""Adadelta: Adagrad with a moving window and unit-correcting steps."""

from __future__ import annotations

from typing import Any

from .._validate import real
from ..kernels import optimizers as kernels
from .base import OPTIMIZERS, Optimizer


@OPTIMIZERS.register("adadelta", "Adadelta")
class Adadelta(Optimizer):
    """Adadelta, as Keras 3 ``Adadelta``.

    ``ag = rho*ag + (1-rho)*g**2``; ``d = -sqrt(ad + eps) * g / sqrt(ag + eps)``;
    ``ad = rho*ad + (1-rho)*d**2``; ``p += lr * d``.

    Args:
        learning_rate: Float, schedule or callable. Defaults to 0.001
            (the original paper corresponds to 1.0).
        rho: Float in [0, 1], the decay rate. Defaults to 0.95.
        epsilon: Float > 0. Defaults to 1e-7.
        **kwargs: The common arguments of ``Optimizer``.

    Kernel code ``ADADELTA``; hyper ``[4] rho, [5] epsilon``; slot rows
    ``accumulated_grad``, ``accumulated_delta_var``.
    """

    code = kernels.ADADELTA
    hyperparameters = _config_keys = kernels.HYPER[kernels.ADADELTA]
    _default_name = "adadelta"

    def __init__(self, learning_rate: Any = 0.001, rho: float = 0.95, epsilon: float = 1e-7, **kwargs: Any) -> None:
        super().__init__(learning_rate, **kwargs)
        self.rho = real("rho", rho, 0.0, 1.0)
        self.epsilon = real("epsilon", epsilon, 0.0, low_open=True)

    def slot_names(self) -> tuple[str, ...]:
        return ("accumulated_grad", "accumulated_delta_var")
