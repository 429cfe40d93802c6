"""Merge: ``dst = scale * (src op src2)`` elementwise over buffers of one shape.

The merging layers (``Add``, ``Subtract``, ``Multiply``, ``Average``,
``Maximum``, ``Minimum``) chain one op per extra input; ``Average`` scales
the last sum by ``1 / n``.

Fields (ints): ``src``, ``dsrc``, ``src2``, ``dsrc2``, ``dst``, ``mode``
(``ADD``, ``SUBTRACT``, ``MULTIPLY``, ``MAXIMUM``, ``MINIMUM``); (floats):
``scale``. The backward pass gives each input its share of ``dL/ddst``: both
for a sum, the other input's value for a product, the larger (smaller) one
for a maximum (minimum), the first on ties.
"""

from __future__ import annotations

from .._jit import kernel
from ..buffers import sample_grad, sample_value

INTS = ("src", "dsrc", "src2", "dsrc2", "dst", "mode")
FLOATS = ("scale",)
SRC, DSRC, SRC2, DSRC2, DST, MODE = range(len(INTS))
ADD, SUBTRACT, MULTIPLY, MAXIMUM, MINIMUM = range(5)


def check(row: dict, slots) -> None:
    """Refuse buffers of different sizes or an unknown mode."""
    sizes = {int(slots[row[f]][1]) * int(slots[row[f]][2]) for f in ("src", "src2", "dst")}
    if len(sizes) != 1:
        raise ValueError("A merge op reads and writes buffers of one size.")
    if not 0 <= row["mode"] <= MINIMUM:
        raise ValueError(f"Unknown merge mode {row['mode']}.")


@kernel
def forward(iv, fv, bufs, arena, nb, training, step):
    """``y = scale * (a op b)``."""
    a, b = sample_value(bufs, iv[SRC], nb), sample_value(bufs, iv[SRC2], nb)
    y = sample_value(bufs, iv[DST], nb)
    mode, s = iv[MODE], fv[0]
    for i in range(y.shape[0]):
        for j in range(y.shape[1]):
            u, v = a[i, j], b[i, j]
            if mode == ADD:
                r = u + v
            elif mode == SUBTRACT:
                r = u - v
            elif mode == MULTIPLY:
                r = u * v
            elif mode == MAXIMUM:
                r = max(u, v)
            else:
                r = min(u, v)
            y[i, j] = s * r


@kernel
def backward(iv, fv, bufs, arena, nb, step):
    """``da``, ``db`` from ``dy`` (each only when wanted)."""
    dy = sample_grad(bufs, iv[DST], nb)
    a, b = sample_value(bufs, iv[SRC], nb), sample_value(bufs, iv[SRC2], nb)
    mode, s = iv[MODE], fv[0]
    for field, src, other in ((DSRC, a, b), (DSRC2, b, a)):
        if iv[field] < 0:
            continue
        d = sample_grad(bufs, iv[field], nb)
        first = field == DSRC
        for i in range(dy.shape[0]):
            for j in range(dy.shape[1]):
                g = s * dy[i, j]
                if mode == SUBTRACT and not first:
                    g = -g
                elif mode == MULTIPLY:
                    g *= other[i, j]
                elif mode == MAXIMUM:
                    wins = src[i, j] >= other[i, j] if first else src[i, j] > other[i, j]
                    g = g if wins else 0.0
                elif mode == MINIMUM:
                    wins = src[i, j] <= other[i, j] if first else src[i, j] < other[i, j]
                    g = g if wins else 0.0
                d[i, j] = g
