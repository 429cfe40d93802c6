"""Weight regularizers: L1, L2 and L1L2, with Keras's names and formulas.

The penalty ``l1 * sum(|w|) + l2 * sum(w ** 2)`` (no 1/2, as Keras) is added
to the reported loss, and its gradient is fused into the backward pass.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._registry import Registry


class Regularizer:
    """Base class; jitnet compiles only the L1/L2 family."""

    l1: float = 0.0
    l2: float = 0.0

    def __call__(self, x: np.ndarray) -> float:
        x = np.asarray(x, dtype=np.float64)
        return float(self.l1 * np.abs(x).sum() + self.l2 * np.square(x).sum())

    def get_config(self) -> dict:
        """Constructor arguments, as Keras serializes them."""
        return {}

    @classmethod
    def from_config(cls, config: dict) -> Regularizer:
        """Rebuild from ``get_config()``."""
        return cls(**config)


def _factor(name: str, value: Any) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"Argument `{name}` must be a number. Received: {name}={value!r}") from None
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"Argument `{name}` must be a non-negative finite number. Received: {name}={value}")
    return value


REGULARIZERS = Registry("regularizer", base=Regularizer)


@REGULARIZERS.register("L1L2")
class L1L2(Regularizer):
    """``l1 * sum(|w|) + l2 * sum(w ** 2)``. Defaults to ``l1=0.0, l2=0.0``."""

    def __init__(self, l1: float = 0.0, l2: float = 0.0) -> None:
        self.l1 = _factor("l1", l1)
        self.l2 = _factor("l2", l2)

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


@REGULARIZERS.register("L1", "l1")
class L1(L1L2):
    """``l1 * sum(|w|)``. Defaults to ``l1=0.01``."""

    def __init__(self, l1: float = 0.01) -> None:
        super().__init__(l1=l1)

    def get_config(self):
        return {"l1": self.l1}


@REGULARIZERS.register("L2", "l2")
class L2(L1L2):
    """``l2 * sum(w ** 2)``. Defaults to ``l2=0.01``."""

    def __init__(self, l2: float = 0.01) -> None:
        super().__init__(l2=l2)

    def get_config(self):
        return {"l2": self.l2}


@REGULARIZERS.register("l1_l2")
def l1_l2(l1: float = 0.01, l2: float = 0.01) -> L1L2:
    """An ``L1L2`` regularizer; both factors default to 0.01 as in Keras."""
    return L1L2(l1=l1, l2=l2)


l1, l2 = L1, L2



def get(identifier: Any) -> Regularizer | None:
    """Resolve a regularizer name, instance, class or config dict (None stays None)."""
    reg = REGULARIZERS.get(identifier)
    if reg is l1_l2:  # the name 'l1_l2' resolves to the factory function: call it, as for the class names
        reg = reg()
    if reg is not None and not isinstance(reg, L1L2):
        raise ValueError(
            f"Expected an L1, L2 or L1L2 regularizer (jitnet compiles these). Received: {identifier!r}"
        )
    return reg


def serialize(regularizer: Regularizer) -> dict:
    """Keras layout: ``{'class_name': ..., 'config': ...}``."""
    return {"class_name": type(regularizer).__name__, "config": regularizer.get_config()}


def deserialize(config: dict) -> Regularizer:
    """Inverse of ``serialize``."""
    return get(config)
