"""Embedding: ``dst[(n, i)] = table[ids[n, i]]``, the ids read from ``src`` as numbers.

Fields (ints): ``src``, ``dsrc`` (never written: ids have no gradient),
``dst``, ``table`` (arena offset of the (input_dim, output_dim) table),
``input_dim``, ``fused`` (1: the recurrent op reading ``dst`` writes the
table's gradient, see ``ProgramBuilder.take_embedding``) and ``width`` (that
op's gates: when ``input_dim * width`` values fit in ``dst``, it projects the
table itself and this op does nothing). No float fields. An id outside ``[0, input_dim)`` (refused
before any data reaches a kernel) gives a row of zeros, never a read
outside the table. The gradient is sparse: the table's gradient is zeroed
and only the rows of the batch's ids are added to.
"""

from __future__ import annotations

from .._jit import kernel
from ..buffers import grad, matrix, sample_value, value

INTS = ("src", "dsrc", "dst", "table", "input_dim", "fused", "width")
FLOATS = ()
SRC, DSRC, DST, TABLE, INPUT_DIM, FUSED, WIDTH = range(len(INTS))


def check(row: dict, slots) -> None:
    """Refuse an output buffer that does not hold one table row per id."""
    src, dst = slots[row["src"]], slots[row["dst"]]
    if int(src[1]) * int(src[2]) != int(dst[1]) or row["input_dim"] < 1:
        raise ValueError("The output buffer of an embedding does not hold one row per id.")


def arena_fields(row: dict, slots) -> list[tuple[str, int]]:
    """The table's arena range."""
    return [("table", int(row["input_dim"]) * int(slots[row["dst"], 2]))]


@kernel
def forward(iv, fv, bufs, arena, nb, training, step):
    """One table row per id (nothing when the recurrent op reading ``dst`` projects the table itself)."""
    slots = bufs[2]
    if iv[FUSED] and iv[INPUT_DIM] * iv[WIDTH] <= bufs[3] * slots[iv[DST], 1] * slots[iv[DST], 2]:
        return
    ids, y = sample_value(bufs, iv[SRC], nb), value(bufs, iv[DST], nb)
    rows, dim, per = iv[INPUT_DIM], y.shape[1], ids.shape[1]
    table = matrix(arena[0], iv[TABLE], rows, dim)
    for n in range(nb):
        for i in range(per):
            k, r = int(ids[n, i]), n * per + i
            if 0 <= k < rows:
                for j in range(dim):
                    y[r, j] = table[k, j]
            else:
                for j in range(dim):
                    y[r, j] = 0.0


@kernel
def backward(iv, fv, bufs, arena, nb, step):
    """``dtable = 0``, then each output row's gradient added to its id's row (unless ``fused``)."""
    if iv[FUSED]:
        return
    ids, dy = sample_value(bufs, iv[SRC], nb), grad(bufs, iv[DST], nb)
    rows, dim, per = iv[INPUT_DIM], dy.shape[1], ids.shape[1]
    dtable = matrix(arena[1], iv[TABLE], rows, dim)
    dtable[:] = 0.0
    for n in range(nb):
        for i in range(per):
            k, r = int(ids[n, i]), n * per + i
            if 0 <= k < rows:
                for j in range(dim):
                    dtable[k, j] += dy[r, j]
