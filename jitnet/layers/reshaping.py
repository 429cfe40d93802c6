"""Flatten and Reshape: new views of the same buffer, no copies."""

from __future__ import annotations

import math
from typing import Any

from .base import Layer, ProgramBuilder


class Flatten(Layer):
    """Flattens each sample to one axis: ``(None, 28, 28) -> (None, 784)``."""

    def __init__(self, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data_format = data_format

    def compute_output_shape(self, input_shape):
        return (math.prod(input_shape),)

    def emit(self, program: ProgramBuilder, slot: int) -> int:
        return program.alias(slot, self.output_shape)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


class Reshape(Layer):
    """Reshapes each sample to ``target_shape`` (one entry may be -1)."""

    def __init__(self, target_shape: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        try:
            target = tuple(int(s) for s in target_shape)
        except (TypeError, ValueError):
            raise TypeError(f"Argument `target_shape` must be a tuple of integers. Received: {target_shape!r}") from None
        if not target or sum(s == -1 for s in target) > 1 or any(s == 0 or s < -1 for s in target):
            raise ValueError(f"Argument `target_shape` must hold positive sizes and at most one -1. Received: {target}")
        self.target_shape = target

    def compute_output_shape(self, input_shape):
        size = math.prod(input_shape)
        known = math.prod(s for s in self.target_shape if s != -1)
        if -1 in self.target_shape:
            if size % known:
                raise ValueError(f"Cannot reshape inputs of shape {(None, *input_shape)} to {self.target_shape}.")
            return tuple(size // known if s == -1 else s for s in self.target_shape)
        if known != size:
            raise ValueError(
                f"Cannot reshape inputs of shape {(None, *input_shape)} ({size} values per sample) to "
                f"target_shape={self.target_shape} ({known} values)."
            )
        return self.target_shape

    def emit(self, program: ProgramBuilder, slot: int) -> int:
        return program.alias(slot, self.output_shape)

    def get_config(self):
        return {**super().get_config(), "target_shape": self.target_shape}
