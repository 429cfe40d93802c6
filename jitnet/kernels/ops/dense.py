"""Dense: ``dst = src @ kernel + bias``, over the last axis.

Fields (ints): ``src``, ``dsrc`` (where dL/dsrc goes; -1: not needed),
``dst``, ``kernel`` and ``bias`` (arena offsets of the (n_in, units) kernel
and the (units,) bias), ``use_bias`` (0/1). No float fields. The layer's
activation is a separate ``activation`` op.
"""

from __future__ import annotations

from .._jit import kernel
from ..buffers import grad, matrix, value
from ..products import column_sums, matmul

INTS = ("src", "dsrc", "dst", "kernel", "bias", "use_bias")
FLOATS = ()
SRC, DSRC, DST, KERNEL, BIAS, USE_BIAS = range(len(INTS))


def arena_fields(row: dict, slots) -> list[tuple[str, int]]:
    """The arena ranges the op touches: ``(field, size)``."""
    n_in, units = int(slots[row["src"], 2]), int(slots[row["dst"], 2])
    return [("kernel", n_in * units)] + ([("bias", units)] if row["use_bias"] else [])


@kernel
def add_bias(z, bias):
    """``z[i] += bias`` for every row."""
    for i in range(z.shape[0]):
        for j in range(z.shape[1]):
            z[i, j] += bias[j]


@kernel
def forward(iv, fv, bufs, arena, nb, training, step):
    """``z = x @ W (+ b)``."""
    x = value(bufs, iv[SRC], nb)
    z = value(bufs, iv[DST], nb)
    units = z.shape[1]
    matmul(x, matrix(arena[0], iv[KERNEL], x.shape[1], units), z)
    if iv[USE_BIAS]:
        add_bias(z, arena[0][iv[BIAS]:iv[BIAS] + units])


@kernel
def backward(iv, fv, bufs, arena, nb, step):
    """``dW = x.T @ dz``, ``db = sum_rows(dz)``, ``dx = dz @ W.T``."""
    x = value(bufs, iv[SRC], nb)
    dz = grad(bufs, iv[DST], nb)
    rows, units = x.shape[1], dz.shape[1]
    params, grads = arena[0], arena[1]
    matmul(x.T, dz, matrix(grads, iv[KERNEL], rows, units))
    if iv[USE_BIAS]:
        column_sums(dz, grads[iv[BIAS]:iv[BIAS] + units])
    if iv[DSRC] >= 0:
        matmul(dz, matrix(params, iv[KERNEL], rows, units).T, grad(bufs, iv[DSRC], nb))
