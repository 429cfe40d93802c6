"""Rescaling: ``inputs * scale + offset``, e.g. ``Rescaling(1 / 255)`` for pixel values."""

from __future__ import annotations

from typing import Any

from .._validate import real
from .base import Layer, ProgramBuilder


def _number(name: str, value: Any) -> float:
    return real(name, value, error=TypeError)  # one value for every channel


class Rescaling(Layer):
    """``inputs * scale + offset``, elementwise.

    Args:
        scale: Float, one factor for every input.
        offset: Float, one shift for every input. Defaults to ``0.0``.
    """

    def __init__(self, scale: float, offset: float = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scale = _number("scale", scale)
        self.offset = _number("offset", offset)

    def emit(self, program: ProgramBuilder, slot: int) -> int:
        out = program.new_slot(self.output_shape)
        program.op("scale", slot, out, scale=self.scale, offset=self.offset)
        return out

    def get_config(self) -> dict:
        return {**super().get_config(), "scale": self.scale, "offset": self.offset}
