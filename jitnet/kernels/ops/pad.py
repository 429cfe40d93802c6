"""Zero padding of one or two spatial axes, channels last.

Fields (ints): ``src``, ``dsrc``, ``dst``, ``h``, ``w``, ``c`` (input rows,
columns and channels per sample), ``top``, ``left`` (rows and columns of
zeros before the input), ``oh``, ``ow`` (the padded size). No float fields.
"""

from __future__ import annotations

from .._jit import kernel
from ..buffers import grad, value

INTS = ("src", "dsrc", "dst", "h", "w", "c", "top", "left", "oh", "ow")
FLOATS = ()
SRC, DSRC, DST, H, W, C, TOP, LEFT, OH, OW = range(len(INTS))


def check(row: dict, slots) -> None:
    """Refuse sizes that do not match the buffers."""
    h, w, c, top, left, oh, ow = (int(row[k]) for k in INTS[3:])
    src, dst = slots[row["src"]], slots[row["dst"]]
    if (min(h, w, c) < 1 or min(top, left) < 0 or top + h > oh or left + w > ow or int(src[1]) != h * w
            or int(src[2]) != c or int(dst[1]) != oh * ow or int(dst[2]) != c):
        raise ValueError(f"Padding sizes {dict(zip(INTS[3:], (h, w, c, top, left, oh, ow)))} do not match the buffers.")


@kernel
def forward(iv, fv, bufs, arena, nb, training, step):
    """``y = 0`` around a copy of ``x``."""
    x, y = value(bufs, iv[SRC], nb), value(bufs, iv[DST], nb)
    h, w, oh, ow = iv[H], iv[W], iv[OH], iv[OW]
    y[:] = 0.0
    for n in range(nb):
        for i in range(h):
            for j in range(w):
                y[(n * oh + i + iv[TOP]) * ow + j + iv[LEFT], :] = x[(n * h + i) * w + j, :]


@kernel
def backward(iv, fv, bufs, arena, nb, step):
    """``dx`` = the inner part of ``dy``."""
    if iv[DSRC] < 0:
        return
    dy, dx = grad(bufs, iv[DST], nb), grad(bufs, iv[DSRC], nb)
    h, w, oh, ow = iv[H], iv[W], iv[OH], iv[OW]
    for n in range(nb):
        for i in range(h):
            for j in range(w):
                dx[(n * h + i) * w + j, :] = dy[(n * oh + i + iv[TOP]) * ow + j + iv[LEFT], :]
