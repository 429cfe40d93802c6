"""Scale and shift: ``dst = src * scale + offset`` elementwise (``Rescaling``).

Fields (ints): ``src``, ``dsrc``, ``dst``; (floats): ``scale``, ``offset``.
"""

from __future__ import annotations

from .._jit import kernel
from ..buffers import sample_grad, sample_value

INTS = ("src", "dsrc", "dst")
FLOATS = ("scale", "offset")
SRC, DSRC, DST = range(len(INTS))


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
