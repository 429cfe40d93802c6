"""Split: one block of ``src`` along an axis, copied into ``dst`` (a model's inputs, taken from their row).

The inverse of ``concat``, with the same fields and views: ``dst[g, :] =
src[g, offset:offset + inner_dst]``. Fields (ints): ``src``, ``dsrc``,
``dst``, ``outer``, ``offset``. The backward pass writes the block of
``dsrc`` and zeros around it, so several splits of one buffer sum right.
"""

from __future__ import annotations

from .._jit import kernel
from ..buffers import sample_grad, sample_value
from .concat import check as check_block
from .concat import copy_block

INTS = ("src", "dsrc", "dst", "outer", "offset")
FLOATS = ()
SRC, DSRC, DST, OUTER, OFFSET = range(len(INTS))


def check(row: dict, slots) -> None:
    """Refuse a block that does not lie inside the input."""
    check_block({**row, "src": row["dst"], "dst": row["src"]}, slots)


@kernel
def forward(iv, fv, bufs, arena, nb, training, step):
    """``dst = src[block]``."""
    copy_block(sample_value(bufs, iv[DST], nb), sample_value(bufs, iv[SRC], nb), iv[OUTER], iv[OFFSET], False)


@kernel
def backward(iv, fv, bufs, arena, nb, step):
    """``dsrc = 0`` outside the block, ``ddst`` inside."""
    if iv[DSRC] < 0:
        return
    dx = sample_grad(bufs, iv[DSRC], nb)
    for i in range(dx.shape[0]):
        for j in range(dx.shape[1]):
            dx[i, j] = 0.0
    copy_block(sample_grad(bufs, iv[DST], nb), dx, iv[OUTER], iv[OFFSET], True)
