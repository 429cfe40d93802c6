"""Max and average pooling, local and global, over one or two spatial axes (channels last)."""

from __future__ import annotations

from typing import Any

from ._windows import check_data_format, check_input_rank, check_padding, geometry, int_tuple, output_spatial
from .base import Layer, ProgramBuilder


def _plane(rank: int, input_shape: tuple[int, ...]) -> tuple[int, int]:
    return (1, input_shape[0]) if rank == 1 else tuple(input_shape[:2])


class _Pooling(Layer):
    """Max or average over sliding windows.

    Args:
        pool_size: Int or tuple, the window. Defaults to ``2``.
        strides: Int or tuple. Defaults to ``None`` (``pool_size``).
        padding: ``'valid'`` or ``'same'``. Defaults to ``'valid'``.
        data_format: ``'channels_last'`` or ``None``. Defaults to ``None``.
    """

    rank = 2
    average = False

    def __init__(self, pool_size: Any = 2, strides: Any = None, padding: str = "valid",
                 data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pool_size = int_tuple("pool_size", pool_size, self.rank)
        self.strides = int_tuple("strides", strides if strides is not None else self.pool_size, self.rank)
        self.padding = check_padding(padding)
        self.data_format = check_data_format(data_format)

    def _geometry(self, input_shape: tuple[int, ...]) -> dict:
        return geometry(self, input_shape, self.rank, self.pool_size, self.strides, (1,) * self.rank, self.padding)

    def compute_output_shape(self, input_shape):
        return (*output_spatial(self._geometry(input_shape), self.rank), input_shape[-1])

    def emit(self, program: ProgramBuilder, slot: int) -> int:
        out = program.new_slot(self.output_shape)
        arg = out if self.average else program.new_slot(self.output_shape)
        relu = not self.average and program.take_relu(slot)
        program.op("pooling", slot, out, arg=arg, average=self.average, relu=relu, **self._geometry(self.input_shape))
        return out

    def get_config(self) -> dict:
        return {**super().get_config(), "pool_size": self.pool_size, "padding": self.padding,
                "strides": self.strides, "data_format": self.data_format}


class MaxPooling2D(_Pooling):
    """The max of each ``pool_size`` window; ``strides`` default to ``pool_size``."""


class AveragePooling2D(_Pooling):
    """The mean of each ``pool_size`` window (padding not counted); ``strides`` default to ``pool_size``."""

    average = True


class MaxPooling1D(_Pooling):
    """The max of each ``pool_size`` window of steps; ``strides`` default to ``pool_size``."""

    rank = 1


class AveragePooling1D(_Pooling):
    """The mean of each ``pool_size`` window of steps (padding not counted)."""

    rank = 1
    average = True


class _GlobalPooling(Layer):
    """Max or average over every step (1-D) or every pixel (2-D), per channel.

    Args:
        data_format: ``'channels_last'`` or ``None``. Defaults to ``None``.
        keepdims: Bool, keep the pooled axes with size 1. Defaults to ``False``.
    """

    rank = 2
    average = False

    def __init__(self, data_format: str | None = None, keepdims: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data_format = check_data_format(data_format)
        self.keepdims = bool(keepdims)

    def compute_output_shape(self, input_shape):
        check_input_rank(self, input_shape, self.rank)
        return (1,) * self.rank + (input_shape[-1],) if self.keepdims else (input_shape[-1],)

    def emit(self, program: ProgramBuilder, slot: int) -> int:
        h, w = _plane(self.rank, self.input_shape)
        out = program.new_slot(self.output_shape)
        arg = out if self.average else program.new_slot(self.output_shape)
        program.op("pooling", slot, out, arg=arg, average=self.average, h=h, w=w, c=self.input_shape[-1], oh=1, ow=1,
                   kh=h, kw=w, sh=1, sw=1, dh=1, dw=1, ph=0, pw=0)
        return out

    def get_config(self) -> dict:
        return {**super().get_config(), "data_format": self.data_format, "keepdims": self.keepdims}


class GlobalAveragePooling2D(_GlobalPooling):
    """The mean over height and width, per channel: ``(None, h, w, c) -> (None, c)``."""

    average = True


class GlobalMaxPooling2D(_GlobalPooling):
    """The max over height and width, per channel."""


class GlobalAveragePooling1D(_GlobalPooling):
    """The mean over steps, per channel: ``(None, steps, c) -> (None, c)``."""

    rank = 1
    average = True


class GlobalMaxPooling1D(_GlobalPooling):
    """The max over steps, per channel."""

    rank = 1
