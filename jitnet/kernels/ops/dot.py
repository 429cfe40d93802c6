"""Dot: the dot product of two vectors per sample, ``dst = a . b`` (``Dot(axes=-1)``).

With ``normalize`` the vectors are first scaled to unit length, so ``dst``
is their cosine similarity. Fields (ints): ``src``, ``dsrc``, ``src2``,
``dsrc2``, ``dst``, ``normalize``. No float fields. Backward, with
``c = a . b / (|a| |b|)``: ``da = dy (b / (|a| |b|) - c a / |a|^2)``, and
``da = dy b`` without normalizing; ``db`` likewise.
"""

from __future__ import annotations

import math

from .._jit import kernel
from ..buffers import sample_grad, sample_value

INTS = ("src", "dsrc", "src2", "dsrc2", "dst", "normalize")
FLOATS = ()
SRC, DSRC, SRC2, DSRC2, DST, NORMALIZE = range(len(INTS))
EPSILON = 1e-12  # the smallest norm a vector is divided by, as Keras's l2_normalize


def check(row: dict, slots) -> None:
    """Refuse inputs of different sizes or an output of more than one value per sample."""
    a, b, y = (int(slots[row[f]][1]) * int(slots[row[f]][2]) for f in ("src", "src2", "dst"))
    if a != b or y != 1:
        raise ValueError("A dot op reads two vectors of one size and writes one value per sample.")


@kernel
def norms(a, b, i, normalize):
    """``(|a_i|, |b_i|, a_i . b_i)``, the norms 1 without ``normalize``."""
    ab, aa, bb = 0.0, 0.0, 0.0
    for j in range(a.shape[1]):
        ab += a[i, j] * b[i, j]
        aa += a[i, j] * a[i, j]
        bb += b[i, j] * b[i, j]
    if not normalize:
        return 1.0, 1.0, ab
    return max(math.sqrt(aa), EPSILON), max(math.sqrt(bb), EPSILON), ab


@kernel
def forward(iv, fv, bufs, arena, nb, training, step):
    """``y = a . b / (|a| |b|)``."""
    a, b = sample_value(bufs, iv[SRC], nb), sample_value(bufs, iv[SRC2], nb)
    y = sample_value(bufs, iv[DST], nb)
    for i in range(a.shape[0]):
        na, nb_, ab = norms(a, b, i, iv[NORMALIZE])
        y[i, 0] = ab / (na * nb_)


@kernel
def backward(iv, fv, bufs, arena, nb, step):
    """``da``, ``db`` from ``dy`` (each only when wanted)."""
    a, b = sample_value(bufs, iv[SRC], nb), sample_value(bufs, iv[SRC2], nb)
    dy = sample_grad(bufs, iv[DST], nb)
    for i in range(a.shape[0]):
        na, nb_, ab = norms(a, b, i, iv[NORMALIZE])
        c = ab / (na * nb_)
        for field, x, other, nx in ((DSRC, a, b, na), (DSRC2, b, a, nb_)):
            if iv[field] < 0:
                continue
            d = sample_grad(bufs, iv[field], nb)
            for j in range(x.shape[1]):
                g = other[i, j] / (na * nb_)
                if iv[NORMALIZE]:
                    g -= c * x[i, j] / (nx * nx)
                d[i, j] = dy[i, 0] * g
