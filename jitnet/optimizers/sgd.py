"""Stochastic gradient descent, with optional (Nesterov) momentum."""

from __future__ import annotations

from typing import Any

from .._validate import boolean, real
from ..kernels import optimizers as kernels
from .base import OPTIMIZERS, Optimizer


@OPTIMIZERS.register("sgd", "SGD")
class SGD(Optimizer):
    """Gradient descent (with momentum), as Keras 3 ``SGD``.

    ``p -= lr * g``; with momentum ``m = momentum * m - lr * g; p += m``;
    with Nesterov ``p += momentum * m - lr * g``.

    Args:
        learning_rate: Float, schedule or callable. Defaults to 0.01.
        momentum: Float in [0, 1]. Defaults to 0.0.
        nesterov: Bool, whether to use Nesterov momentum. Defaults to False.
        **kwargs: The common arguments of ``Optimizer`` (weight_decay,
            clipnorm, clipvalue, global_clipnorm, name, ...).

    Kernel code ``SGD``; hyper ``[4] momentum, [5] nesterov``; one slot
    row, ``momentum`` (allocated but unused when momentum is 0).
    """

    code = kernels.SGD
    hyperparameters = _config_keys = kernels.HYPER[kernels.SGD]
    _default_name = "SGD"

    def __init__(
        self, learning_rate: Any = 0.01, momentum: float = 0.0, nesterov: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(learning_rate, **kwargs)
        self.momentum = real("momentum", momentum, 0.0, 1.0)
        self.nesterov = boolean("nesterov", nesterov)

    def slot_names(self) -> tuple[str, ...]:
        return ("momentum",) if self.momentum != 0 else ()
