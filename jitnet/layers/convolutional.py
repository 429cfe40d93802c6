"""Conv1D and Conv2D: channels last, kernels of shape ``(*kernel_size, in, filters)`` as in Keras."""

from __future__ import annotations

import math
from typing import Any

from .. import activations
from ..kernels.activations import is_plain_relu
from ._windows import check_data_format, check_padding, geometry, int_tuple, output_spatial
from .base import KernelLayer, ProgramBuilder, positive_int


class _Conv(KernelLayer):
    rank = 2

    def __init__(self, filters: int, kernel_size: Any, strides: Any = 1, padding: str = "valid",
                 data_format: str | None = None, dilation_rate: Any = 1, groups: int = 1, activation: Any = None,
                 use_bias: bool = True, **kwargs: Any) -> None:
        super().__init__(activation=activation, use_bias=use_bias, **kwargs)
        self.filters = positive_int("filters", filters)
        self.kernel_size = int_tuple("kernel_size", kernel_size, self.rank)
        self.strides = int_tuple("strides", strides, self.rank)
        self.dilation_rate = int_tuple("dilation_rate", dilation_rate, self.rank)
        paddings = ("valid", "same", "causal") if self.rank == 1 else ("valid", "same")
        self.padding = check_padding(padding, paddings)
        self.data_format = check_data_format(data_format)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"`strides > 1` is not supported together with `dilation_rate > 1`. Received: "
                             f"strides={self.strides}, dilation_rate={self.dilation_rate}")
        if groups != 1:
            raise ValueError(f"Only groups=1 is supported. Received: groups={groups!r}")

    def _geometry(self, input_shape: tuple[int, ...]) -> dict:
        return geometry(self, input_shape, self.rank, self.kernel_size, self.strides, self.dilation_rate, self.padding)

    def build(self, input_shape):
        self._geometry(input_shape)
        self.make_weights((*self.kernel_size, input_shape[-1], self.filters), self.filters)

    def compute_output_shape(self, input_shape):
        return (*output_spatial(self._geometry(input_shape), self.rank), self.filters)

    def emit(self, program: ProgramBuilder, slot: int) -> int:
        g = self._geometry(self.input_shape)
        cols = program.new_slot((g["oh"] * g["ow"], math.prod(self.kernel_size) * g["c"] + self.use_bias))
        z = program.new_slot(self.output_shape)
        relu = is_plain_relu(self.activation.code, *self.activation.params)
        program.op("conv", slot, z, cols=cols, relu=relu, **self.weight_fields(), **g)
        return self.emit_output(program, z, activations.linear if relu else self.activation)

    def get_config(self) -> dict:
        return {**super().get_config(), "filters": self.filters, "kernel_size": self.kernel_size,
                "strides": self.strides, "padding": self.padding, "data_format": self.data_format,
                "dilation_rate": self.dilation_rate, "groups": 1, **self.kernel_config()}


class Conv2D(_Conv):
    """2-D convolution over ``(batch, height, width, channels)`` inputs.

    The kernel has shape ``(kh, kw, in_channels, filters)``. ``'same'``
    padding follows TensorFlow's rule (the extra row or column goes after).

    Args:
        filters: Positive int, the output channels.
        kernel_size: Int or pair of ints, the window.
        strides: Int or pair. Defaults to ``1``.
        padding: ``'valid'`` or ``'same'``. Defaults to ``'valid'``.
        dilation_rate: Int or pair. Defaults to ``1``.
        activation: Activation name or function. Defaults to ``None`` (linear).
        use_bias: Bool. Defaults to ``True``.
        kernel_initializer, bias_initializer, regularizers and constraints: as ``Dense``'s.
    """

    rank = 2


class Conv1D(_Conv):
    """1-D convolution over ``(batch, steps, channels)`` inputs; ``padding`` may also be ``'causal'``.

    The kernel has shape ``(kernel_size, in_channels, filters)``.
    """

    rank = 1
