"""Weight constraints applied after every optimizer update, as in Keras."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._registry import Registry
from .kernels import regularizers as kr


class Constraint:
    """Base class; ``code`` and ``params`` select the compiled projection."""

    code = kr.NO_CONSTRAINT

    def __call__(self, w: Any) -> np.ndarray:
        """The projection of ``w`` (a new array; norms over axis 0), as Keras's ``constraint(w)``."""
        w = np.array(w, dtype=np.float64 if np.asarray(w).dtype == np.float64 else np.float32)
        if w.ndim == 0:
            raise ValueError(f"Expected a weight array of rank >= 1. Received: shape={w.shape}")
        kr.apply_constraint(self.code, w.reshape(w.shape[0], -1), *self.params())
        return w

    def params(self) -> tuple[float, float, float]:
        """The three kernel parameters."""
        return (0.0, 0.0, 0.0)

    def get_config(self) -> dict:
        """Constructor arguments, as Keras serializes them."""
        return {}

    @classmethod
    def from_config(cls, config: dict) -> Constraint:
        """Rebuild from ``get_config()``."""
        return cls(**config)


CONSTRAINTS = Registry("constraint", base=Constraint)


@CONSTRAINTS.register("MaxNorm", "max_norm")
class MaxNorm(Constraint):
    """Scale columns whose norm exceeds ``max_value``. Defaults to ``max_value=2, axis=0``."""

    code = kr.MAX_NORM

    def __init__(self, max_value: float = 2.0, axis: int = 0) -> None:
        if axis != 0:
            raise ValueError(f"Only axis=0 (per unit) is supported. Received: axis={axis}")
        self.max_value, self.axis = float(max_value), axis

    def params(self):
        return (self.max_value, 0.0, 0.0)

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


@CONSTRAINTS.register("MinMaxNorm", "min_max_norm")
class MinMaxNorm(Constraint):
    """Keep column norms in ``[min_value, max_value]``. Defaults to ``0.0, 1.0, rate=1.0``."""

    code = kr.MIN_MAX_NORM

    def __init__(self, min_value: float = 0.0, max_value: float = 1.0, rate: float = 1.0, axis: int = 0) -> None:
        if axis != 0:
            raise ValueError(f"Only axis=0 (per unit) is supported. Received: axis={axis}")
        self.min_value, self.max_value, self.rate, self.axis = float(min_value), float(max_value), float(rate), axis

    def params(self):
        return (self.min_value, self.max_value, self.rate)

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate, "axis": self.axis}


@CONSTRAINTS.register("NonNeg", "non_neg")
class NonNeg(Constraint):
    """Set negative weights to zero."""

    code = kr.NON_NEG


@CONSTRAINTS.register("UnitNorm", "unit_norm")
class UnitNorm(Constraint):
    """Scale every column to unit norm. Defaults to ``axis=0``."""

    code = kr.UNIT_NORM

    def __init__(self, axis: int = 0) -> None:
        if axis != 0:
            raise ValueError(f"Only axis=0 (per unit) is supported. Received: axis={axis}")
        self.axis = axis

    def get_config(self):
        return {"axis": self.axis}


max_norm, min_max_norm, non_neg, unit_norm = MaxNorm, MinMaxNorm, NonNeg, UnitNorm


def get(identifier: Any) -> Constraint | None:
    """Resolve a constraint name, instance, class or config dict (None stays None)."""
    c = CONSTRAINTS.get(identifier)
    if c is not None and not isinstance(c, Constraint):
        raise ValueError(f"Expected a jitnet constraint (MaxNorm, MinMaxNorm, NonNeg, UnitNorm). Received: {identifier!r}")
    return c


def serialize(constraint: Constraint) -> dict:
    """Keras layout: ``{'class_name': ..., 'config': ...}``."""
    return {"class_name": type(constraint).__name__, "config": constraint.get_config()}


def deserialize(config: dict) -> Constraint:
    """Inverse of ``serialize``."""
    return get(config)
