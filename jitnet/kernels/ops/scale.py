"""Scale and shift: ``dst = src * scale + offset`` elementwise (``Rescaling``).

Fields (ints): ``src``, ``dsrc``, ``dst``; (floats): ``scale``, ``offset``.
"""

from __future__ import annotations

from .._jit import kernel
from ..buffers import sample_grad, sample_value

INTS = ("src", "dsrc", "dst")
FLOATS = ("scale", "offset")
SRC, DSRC, DST = range(len(INTS))


def check(row: dict, slots) -> None:
    """Refuse buffers of different sizes."""
    src, dst = slots[row["src"]], slots[row["dst"]]
    if int(src[1]) * int(src[2]) != int(dst[1]) * int(dst[2]):
        raise ValueError("A scale op must write a buffer of its input's size.")


@kernel
def forward(iv, fv, bufs, arena, nb, training, step):
    """``y = x * scale + offset``."""
    x, y = sample_value(bufs, iv[SRC], nb), sample_value(bufs, iv[DST], nb)
    for i in range(y.shape[0]):
        for j in range(y.shape[1]):
            y[i, j] = x[i, j] * fv[0] + fv[1]


@kernel
def backward(iv, fv, bufs, arena, nb, step):
    """``dx = dy * scale``."""
    if iv[DSRC] < 0:
        return
    dy, dx = sample_grad(bufs, iv[DST], nb), sample_grad(bufs, iv[DSRC], nb)
    for i in range(dy.shape[0]):
        for j in range(dy.shape[1]):
            dx[i, j] = dy[i, j] * fv[0]
