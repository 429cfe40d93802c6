"""Max and average pooling over one or two spatial axes, channels last.

Fields (ints): ``src``, ``dsrc``, ``dst``, ``arg`` (a buffer shaped like
``dst`` where a max records which tap of its window won; a mean never uses
it), ``average`` (0: max, 1: mean), ``relu`` (1: a max then applies
``max(y, 0)``, the ReLU of the op before, moved here), then the window geometry of
``window.GEOMETRY`` (global pooling is one window over the whole input). No
float fields. Padding is left out of both: a max ignores it and a mean
divides by the positions inside the input, as Keras does. The gradient of a
max goes to the first tap holding it.
"""

from __future__ import annotations

import numpy as np

from .._jit import kernel
from ..activations import relu_rows_mask
from ..buffers import grad, value
from .window import GEOMETRY, check_geometry, span, tap_row

INTS = ("src", "dsrc", "dst", "arg", "average", "relu", *GEOMETRY)
FLOATS = ()
BUFFERS = ("arg",)
SRC, DSRC, DST, ARG, AVERAGE, RELU, H, W, C, OH, OW, KH, KW, SH, SW, DH, DW, PH, PW = range(len(INTS))


def check(row: dict, slots) -> None:
    """Refuse a geometry that does not match the buffers."""
    check_geometry(row, slots)
    if tuple(slots[row["arg"], 1:]) != tuple(slots[row["dst"], 1:]):
        raise ValueError("The tap buffer of a pooling op must have the shape of its output.")


@kernel
def forward(iv, fv, bufs, arena, nb, training, step):
    """``y`` = the max or the mean of each window, per channel; a max records its tap in ``arg``."""
    x, y, arg = value(bufs, iv[SRC], nb), value(bufs, iv[DST], nb), value(bufs, iv[ARG], nb)
    c, oh, ow = iv[C], iv[OH], iv[OW]
    for n in range(nb):
        for oy in range(oh):
            y0, y1 = span(oy, iv[SH], iv[PH], iv[DH], iv[KH], iv[H])
            for ox in range(ow):
                x0, x1 = span(ox, iv[SW], iv[PW], iv[DW], iv[KW], iv[W])
                r = (n * oh + oy) * ow + ox
                count = (y1 - y0) * (x1 - x0)
                for ci in range(c):
                    y[r, ci] = 0.0 if iv[AVERAGE] or count == 0 else -np.inf
                for ky in range(y0, y1):
                    for kx in range(x0, x1):
                        src = tap_row(iv, H, n, oy, ox, ky, kx)
                        if iv[AVERAGE]:
                            for ci in range(c):
                                y[r, ci] += x[src, ci]
                        else:
                            t = ky * iv[KW] + kx
                            for ci in range(c):
                                if x[src, ci] > y[r, ci]:
                                    y[r, ci] = x[src, ci]
                                    arg[r, ci] = t
                if iv[AVERAGE] and count > 0:
                    for ci in range(c):
                        y[r, ci] /= count
                elif iv[RELU]:
                    for ci in range(c):
                        y[r, ci] = max(y[r, ci], 0.0)


@kernel
def backward(iv, fv, bufs, arena, nb, step):
    """The mean's gradient spread over its window; the max's to the tap recorded in ``arg``."""
    if iv[DSRC] < 0:
        return
    dy, dx, arg = grad(bufs, iv[DST], nb), grad(bufs, iv[DSRC], nb), value(bufs, iv[ARG], nb)
    if iv[RELU]:
        relu_rows_mask(value(bufs, iv[DST], nb), dy)
    c, oh, ow = iv[C], iv[OH], iv[OW]
    hw = iv[H] * iv[W]
    # Windows that tile the input (each position in exactly one) write every dx once: no zeroing pass.
    tiled = iv[KH] == iv[SH] and iv[KW] == iv[SW] and oh * iv[SH] == iv[H] and ow * iv[SW] == iv[W] and \
        iv[PH] == 0 and iv[PW] == 0 and iv[DH] == 1 and iv[DW] == 1 and iv[AVERAGE] == 0
    for n in range(nb):
        if not tiled:
            dx[n * hw:(n + 1) * hw, :] = 0.0
        for oy in range(oh):
            y0, y1 = span(oy, iv[SH], iv[PH], iv[DH], iv[KH], iv[H])
            for ox in range(ow):
                x0, x1 = span(ox, iv[SW], iv[PW], iv[DW], iv[KW], iv[W])
                r = (n * oh + oy) * ow + ox
                scale = 1.0 / max(1, (y1 - y0) * (x1 - x0))
                for ky in range(y0, y1):
                    for kx in range(x0, x1):
                        src = tap_row(iv, H, n, oy, ox, ky, kx)
                        t = ky * iv[KW] + kx
                        if iv[AVERAGE]:
                            for ci in range(c):
                                dx[src, ci] += dy[r, ci] * scale
                        elif tiled:
                            for ci in range(c):
                                dx[src, ci] = dy[r, ci] if arg[r, ci] == t else 0.0
                        else:
                            for ci in range(c):
                                if arg[r, ci] == t:
                                    dx[src, ci] += dy[r, ci]
