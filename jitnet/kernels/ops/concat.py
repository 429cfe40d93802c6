"""Concat: ``src`` written into one block of ``dst`` along an axis (``Concatenate``).

One op per input, each filling its own block of the shared output buffer.
A sample of ``src`` is viewed as ``(outer, inner_src)`` and one of ``dst``
as ``(outer, inner_dst)``, ``outer`` being the product of the axes before
the concatenation axis; the op writes ``dst[g, offset:offset + inner_src] =
src[g, :]`` for each ``g``.

Fields (ints): ``src``, ``dsrc``, ``dst``, ``outer``, ``offset``. No float
fields. The backward pass reads the block back into ``dsrc``.
"""

from __future__ import annotations

from .._jit import kernel
from ..buffers import sample_grad, sample_value

INTS = ("src", "dsrc", "dst", "outer", "offset")
FLOATS = ()
SRC, DSRC, DST, OUTER, OFFSET = range(len(INTS))


def check(row: dict, slots) -> None:
    """Refuse a block that does not fit the output."""
    small, big = (int(slots[row[f]][1]) * int(slots[row[f]][2]) for f in ("src", "dst"))
    outer, offset = row["outer"], row["offset"]
    if outer < 1 or small % outer or big % outer or offset < 0 or offset + small // outer > big // outer:
        raise ValueError("A concat op's block must fit its output buffer.")


@kernel
def copy_block(part, whole, outer, offset, into_whole):
    """``whole[i, g, offset + j] = part[i, g, j]`` (or back) for samples viewed as ``(outer, inner)``."""
    inner_part, inner_whole = part.shape[1] // outer, whole.shape[1] // outer
    for i in range(part.shape[0]):
        for g in range(outer):
            p, w = g * inner_part, g * inner_whole + offset
            for j in range(inner_part):
                if into_whole:
                    whole[i, w + j] = part[i, p + j]
                else:
                    part[i, p + j] = whole[i, w + j]


@kernel
def forward(iv, fv, bufs, arena, nb, training, step):
    """``dst[block] = src``."""
    copy_block(sample_value(bufs, iv[SRC], nb), sample_value(bufs, iv[DST], nb), iv[OUTER], iv[OFFSET], True)


@kernel
def backward(iv, fv, bufs, arena, nb, step):
    """``dsrc = ddst[block]``."""
    if iv[DSRC] >= 0:
        copy_block(sample_grad(bufs, iv[DSRC], nb), sample_grad(bufs, iv[DST], nb), iv[OUTER], iv[OFFSET], False)
