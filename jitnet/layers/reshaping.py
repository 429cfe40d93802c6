"""Flatten and Reshape (new views of the same buffer, no copies) and zero padding."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._validate import integer, is_integer
from ._windows import check_data_format, check_input_rank
from .base import Layer, ProgramBuilder


class Flatten(Layer):
    """Flattens each sample to one axis: ``(None, 28, 28) -> (None, 784)``.

    Args:
        data_format: ``'channels_last'`` or ``None``. Defaults to ``None``.
    """

    def __init__(self, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data_format = check_data_format(data_format)

    def compute_output_shape(self, input_shape):
        return (math.prod(input_shape),)

    def emit(self, program: ProgramBuilder, slot: int) -> int:
        return program.alias(slot, self.output_shape)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


class Reshape(Layer):
    """Reshapes each sample to ``target_shape`` (one entry may be -1).

    Args:
        target_shape: Tuple of positive ints, the new shape of one sample (batch axis excluded); at most
            one entry may be ``-1``, inferred from the size.
    """

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


def _pair(value: Any) -> tuple[int, int]:
    if is_integer(value):
        value = (value, value)
    pair = tuple(value)
    if len(pair) != 2:
        raise ValueError
    return integer("padding", pair[0], 0), integer("padding", pair[1], 0)


class _ZeroPadding(Layer):
    rank = 2

    def __init__(self, padding: Any = 1, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data_format = check_data_format(data_format)
        try:
            axes = [padding] * self.rank if isinstance(padding, (int, np.integer)) else list(padding)
            if self.rank == 1 and len(axes) == 2 and all(isinstance(v, (int, np.integer)) for v in axes):
                axes = [axes]
            if len(axes) != self.rank:
                raise ValueError
            self.padding = tuple(_pair(a) for a in axes)
        except (TypeError, ValueError):
            form = "an int, a pair of ints or a pair of (before, after) pairs" if self.rank == 2 else \
                "an int or a (left, right) pair"
            raise ValueError(f"Argument `padding` must be {form} of non-negative ints. Received: padding={padding!r}"
                             ) from None

    def _sizes(self, input_shape: tuple[int, ...]) -> tuple[tuple[int, int], tuple[int, int]]:
        check_input_rank(self, input_shape, self.rank)
        return ((0, 0), *self.padding) if self.rank == 1 else self.padding

    def compute_output_shape(self, input_shape):
        pads = self._sizes(input_shape)
        spatial = input_shape[:-1]
        return tuple(n + a + b for n, (a, b) in zip(spatial, pads[-len(spatial):])) + (input_shape[-1],)

    def emit(self, program: ProgramBuilder, slot: int) -> int:
        (top, bottom), (left, right) = self._sizes(self.input_shape)
        h, w = (1, self.input_shape[0]) if self.rank == 1 else self.input_shape[:2]
        out = program.new_slot(self.output_shape)
        program.op("pad", slot, out, h=h, w=w, c=self.input_shape[-1], top=top, left=left, oh=h + top + bottom,
                   ow=w + left + right)
        return out

    def get_config(self):
        padding = self.padding[0] if self.rank == 1 else self.padding
        return {**super().get_config(), "padding": padding, "data_format": self.data_format}


class ZeroPadding2D(_ZeroPadding):
    """Rows and columns of zeros around each image.

    Args:
        padding: Int, ``(rows, cols)`` or ``((top, bottom), (left, right))`` of ints >= 0. Defaults to ``1``
            (``((1, 1), (1, 1))``).
        data_format: ``'channels_last'`` or ``None``. Defaults to ``None``.
    """


class ZeroPadding1D(_ZeroPadding):
    """Steps of zeros before and after each sequence.

    Args:
        padding: Int or ``(left, right)`` of ints >= 0. Defaults to ``1``.
        data_format: ``'channels_last'`` or ``None``. Defaults to ``None``.
    """

    rank = 1
