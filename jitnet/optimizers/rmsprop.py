"""RMSprop: divide the gradient by a running root mean square."""

from __future__ import annotations

from typing import Any

from .._validate import boolean, real
from ..kernels import optimizers as kernels
from .base import OPTIMIZERS, Optimizer


@OPTIMIZERS.register("rmsprop", "RMSprop")
class RMSprop(Optimizer):
    """RMSprop, as Keras 3 ``RMSprop`` (epsilon inside the square root).

    ``v = rho*v + (1-rho)*g**2``; ``inc = lr * g / sqrt(v + epsilon)``
    (centered: ``a = rho*a + (1-rho)*g``, ``sqrt(v - a**2 + epsilon)``);
    ``p -= inc``, or with momentum ``mo = momentum*mo + inc; p -= mo``.

    Args:
        learning_rate: Float, schedule or callable. Defaults to 0.001.
        rho: Float in [0, 1], discounting factor of the old gradients.
            Defaults to 0.9.
        momentum: Float in [0, 1]. Defaults to 0.0.
        epsilon: Float > 0 added to the mean square. Defaults to 1e-7.
        centered: Bool, normalize by the estimated variance. Defaults to False.
        **kwargs: The common arguments of ``Optimizer``.

    Kernel code ``RMSPROP``; hyper ``[4] rho, [5] momentum, [6] epsilon,
    [7] centered``; slot rows ``velocity`` [, ``momentum``] [, ``average_gradient``].
    """

    code = kernels.RMSPROP
    hyperparameters = _config_keys = kernels.HYPER[kernels.RMSPROP]
    _default_name = "rmsprop"

    def __init__(
        self,
        learning_rate: Any = 0.001,
        rho: float = 0.9,
        momentum: float = 0.0,
        epsilon: float = 1e-7,
        centered: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate, **kwargs)
        self.rho = real("rho", rho, 0.0, 1.0)
        self.momentum = real("momentum", momentum, 0.0, 1.0)
        self.epsilon = real("epsilon", epsilon, 0.0, low_open=True)
        self.centered = boolean("centered", centered)

    def slot_names(self) -> tuple[str, ...]:
        return (
            ("velocity",)
            + (("momentum",) if self.momentum > 0 else ())
            + (("average_gradient",) if self.centered else ())
        )
