"""The Adam family: Adam (optionally AMSGrad), AdamW, Adamax and Nadam."""

from __future__ import annotations

from typing import Any

from .._validate import boolean, real
from ..kernels import optimizers as kernels
from .base import OPTIMIZERS, Optimizer


class _Moments(Optimizer):
    """Shared arguments: learning rate, ``beta_1``, ``beta_2``, ``epsilon``."""

    hyperparameters = _config_keys = kernels.HYPER[kernels.ADAMAX]  # Adamax and Nadam; Adam adds amsgrad

    def __init__(
        self,
        learning_rate: Any = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate, **kwargs)
        self.beta_1 = real("beta_1", beta_1, 0.0, 1.0, high_open=True)
        self.beta_2 = real("beta_2", beta_2, 0.0, 1.0, high_open=True)
        self.epsilon = real("epsilon", epsilon, 0.0, low_open=True)

    def slot_names(self) -> tuple[str, ...]:
        return ("momentum", "velocity")


@OPTIMIZERS.register("adam", "Adam")
class Adam(_Moments):
    """Adam, as Keras 3 ``Adam``.

    ``m += (g-m)*(1-beta_1)``; ``v += (g**2-v)*(1-beta_2)``;
    ``alpha = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)``;
    ``p -= alpha * m / (sqrt(v) + epsilon)`` (AMSGrad: ``v`` replaced by
    its running maximum).

    Args:
        learning_rate: Float, schedule or callable. Defaults to 0.001.
        beta_1: Float in [0, 1), decay of the first moment. Defaults to 0.9.
        beta_2: Float in [0, 1), decay of the second moment. Defaults to 0.999.
        epsilon: Float > 0 ("epsilon hat"). Defaults to 1e-7.
        amsgrad: Bool, use the AMSGrad variant. Defaults to False.
        **kwargs: The common arguments of ``Optimizer``.

    Kernel code ``ADAM``; hyper ``[4] beta_1, [5] beta_2, [6] epsilon,
    [7] amsgrad``; slot rows ``momentum``, ``velocity`` [, ``velocity_hat``].
    """

    code = kernels.ADAM
    hyperparameters = _config_keys = kernels.HYPER[kernels.ADAM]
    _default_name = "adam"

    def __init__(
        self,
        learning_rate: Any = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate, beta_1, beta_2, epsilon, **kwargs)
        self.amsgrad = boolean("amsgrad", amsgrad)

    def slot_names(self) -> tuple[str, ...]:
        return super().slot_names() + (("velocity_hat",) if self.amsgrad else ())


@OPTIMIZERS.register("adamw", "AdamW")
class AdamW(Adam):
    """AdamW, as Keras 3 ``AdamW``: Adam with decoupled weight decay.

    Args:
        learning_rate: Float, schedule or callable. Defaults to 0.001.
        weight_decay: Float >= 0, ``p -= p * weight_decay * lr`` each step.
            Defaults to 0.004.
        beta_1, beta_2, epsilon, amsgrad: As ``Adam``; defaults 0.9, 0.999,
            1e-7, False.
        **kwargs: The common arguments of ``Optimizer``.
    """

    _default_name = "adamw"

    def __init__(
        self,
        learning_rate: Any = 0.001,
        weight_decay: float = 0.004,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
        **kwargs: Any,
    ) -> None:
        if weight_decay is None:
            raise ValueError("Argument `weight_decay` must be a float. Received: weight_decay=None")
        super().__init__(learning_rate, beta_1, beta_2, epsilon, amsgrad, weight_decay=weight_decay, **kwargs)


@OPTIMIZERS.register("adamax", "Adamax")
class Adamax(_Moments):
    """Adamax, as Keras 3 ``Adamax`` (Adam with the infinity norm).

    ``m += (g-m)*(1-beta_1)``; ``u = max(beta_2*u, |g|)``;
    ``p -= lr * m / ((1 - beta_1**t) * (u + epsilon))``.

    Args:
        learning_rate: Float, schedule or callable. Defaults to 0.001.
        beta_1, beta_2, epsilon: As ``Adam``; defaults 0.9, 0.999, 1e-7.
        **kwargs: The common arguments of ``Optimizer``.

    Kernel code ``ADAMAX``; hyper ``[4] beta_1, [5] beta_2, [6] epsilon``;
    slot rows ``momentum``, ``norm``.
    """

    code = kernels.ADAMAX
    _default_name = "adamax"

    def slot_names(self) -> tuple[str, ...]:
        return ("momentum", "norm")


@OPTIMIZERS.register("nadam", "Nadam")
class Nadam(_Moments):
    """Nadam, as Keras 3 ``Nadam`` (Adam with Nesterov momentum).

    ``u_t = beta_1 * (1 - 0.5 * 0.96**t)``, ``u_product *= u_t``;
    ``m_hat = u_{t+1} m / (1 - u_product u_{t+1}) + (1 - u_t) g / (1 - u_product)``;
    ``p -= lr * m_hat / (sqrt(v / (1 - beta_2**t)) + epsilon)``.

    Args:
        learning_rate: Float, schedule or callable. Defaults to 0.001.
        beta_1, beta_2, epsilon: As ``Adam``; defaults 0.9, 0.999, 1e-7.
        **kwargs: The common arguments of ``Optimizer``.

    Kernel code ``NADAM``; hyper ``[4] beta_1, [5] beta_2, [6] epsilon``;
    slot rows ``momentum``, ``velocity``; scalar ``u_product`` (starts at 1).
    """

    code = kernels.NADAM
    _default_name = "nadam"
    scalar_names = ("u_product",)
    scalar_initial = (1.0,)
