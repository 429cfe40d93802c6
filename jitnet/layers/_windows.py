"""Arguments and output sizes of sliding-window layers (convolutions, pooling), as Keras computes them."""

from __future__ import annotations

from typing import Any

from .._validate import integer, is_integer
from .base import Layer


def int_tuple(name: str, value: Any, rank: int) -> tuple[int, ...]:
    """``value`` (an int or a tuple of ``rank`` ints) as a tuple of positive ints."""
    expected = f"an int or a tuple of {rank} positive ints"
    items = (value,) * rank if is_integer(value) else value
    try:
        items = tuple(items)
    except TypeError:
        raise TypeError(f"Argument `{name}` must be {expected}. Received: {name}={value!r}") from None
    if len(items) != rank:
        raise TypeError(f"Argument `{name}` must be {expected}. Received: {name}={value!r}")
    return tuple(integer(name, v, 1, error=TypeError) for v in items)


def check_padding(value: Any, allowed: tuple[str, ...] = ("valid", "same")) -> str:
    """``padding`` lower-cased, if it is one of ``allowed``."""
    padding = value.lower() if isinstance(value, str) else value
    if padding not in allowed:
        raise ValueError(f"Argument `padding` must be one of {list(allowed)}. Received: padding={value!r}")
    return padding


def check_data_format(value: Any) -> str:
    """Only ``channels_last`` (the default) is supported."""
    if value in (None, "channels_last"):
        return "channels_last"
    if value == "channels_first":
        raise ValueError("data_format='channels_first' is not supported: jitnet lays out images channels last "
                         "(batch, height, width, channels). Use data_format='channels_last'.")
    raise ValueError(f"Argument `data_format` must be 'channels_last'. Received: data_format={value!r}")


def check_input_rank(layer: Layer, input_shape: tuple[int, ...], rank: int) -> None:
    """Refuse inputs that are not ``rank`` spatial axes plus channels."""
    if len(input_shape) != rank + 1:
        raise ValueError(
            f"Input 0 of layer {layer.name!r} is incompatible with the layer: expected ndim={rank + 2}, "
            f"found ndim={len(input_shape) + 1}. Full shape received: {(None, *input_shape)}"
        )


def output_size(layer: Layer, size: int, kernel: int, stride: int, dilation: int, padding: str) -> tuple[int, int]:
    """``(output size, padding before)`` of one axis, with TensorFlow's rule for ``'same'``."""
    span = (kernel - 1) * dilation + 1
    if padding == "valid":
        if span > size:
            raise ValueError(
                f"The window of layer {layer.name!r} ({span} wide with dilation) is larger than its input "
                f"({size} along an axis, padding='valid'). Use a smaller kernel or pool size, or padding='same'."
            )
        return (size - span) // stride + 1, 0
    if padding == "causal":
        return (size - 1) // stride + 1, span - 1
    out = (size + stride - 1) // stride
    return out, max((out - 1) * stride + span - size, 0) // 2


def geometry(layer: Layer, input_shape: tuple[int, ...], rank: int, size: tuple[int, ...], strides: tuple[int, ...],
             dilation: tuple[int, ...], padding: str) -> dict:
    """The window op fields (``jitnet.kernels.ops.window.GEOMETRY``) for inputs of ``input_shape``.

    A 1-D layer is a 2-D one with a single row (``h = kh = 1``).
    """
    check_input_rank(layer, input_shape, rank)
    lift = (lambda t: (1, *t)) if rank == 1 else tuple
    spatial, k, s, d = lift(input_shape[:-1]), lift(size), lift(strides), lift(dilation)
    (oh, ph), (ow, pw) = (output_size(layer, *axis, padding) for axis in zip(spatial, k, s, d))
    return {"h": spatial[0], "w": spatial[1], "c": input_shape[-1], "oh": oh, "ow": ow, "kh": k[0], "kw": k[1],
            "sh": s[0], "sw": s[1], "dh": d[0], "dw": d[1], "ph": ph, "pw": pw}


def output_spatial(g: dict, rank: int) -> tuple[int, ...]:
    """The output's spatial shape from a ``geometry`` dict."""
    return (g["ow"],) if rank == 1 else (g["oh"], g["ow"])
