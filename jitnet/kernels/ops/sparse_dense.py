"""Dense over sparse inputs: the first layer reads the batch as CSR rows.

Multi-hot text (1-2% non-zeros) then costs only its non-zeros. Fields as
``dense`` (``src`` is the input buffer, which stays empty; ``dsrc`` is
always -1): ``z[i] = sum_p val[p] * W[idx[p]] (+ b)``.
"""

from __future__ import annotations

from .._jit import kernel
from ..buffers import grad, matrix, value
from ..products import column_sums
from .dense import BIAS, DST, INTS, KERNEL, SRC, USE_BIAS, add_bias, arena_fields

FLOATS = ()
__all__ = ["FLOATS", "INTS", "arena_fields", "backward", "forward"]


@kernel
def forward(iv, fv, bufs, arena, nb, training, step):
    """``z = x @ W (+ b)`` for CSR rows ``x``."""
    ptr, idx, val = bufs[4], bufs[5], bufs[6]
    z = value(bufs, iv[DST], nb)
    units = z.shape[1]
    w = matrix(arena[0], iv[KERNEL], bufs[2][iv[SRC], 2], units)
    for i in range(nb):
        for j in range(units):
            z[i, j] = 0.0
        for p in range(ptr[i], ptr[i + 1]):
            v = val[p]
            r = idx[p]
            for j in range(units):
                z[i, j] += v * w[r, j]
    if iv[USE_BIAS]:
        add_bias(z, arena[0][iv[BIAS]:iv[BIAS] + units])


@kernel
def backward(iv, fv, bufs, arena, nb, step):
    """``dW = x.T @ dz`` touching only the non-zero inputs; ``db = sum_rows(dz)``."""
    ptr, idx, val = bufs[4], bufs[5], bufs[6]
    dz = grad(bufs, iv[DST], nb)
    units = dz.shape[1]
    dw = matrix(arena[1], iv[KERNEL], bufs[2][iv[SRC], 2], units)
    dw[:] = 0.0
    for i in range(nb):
        for p in range(ptr[i], ptr[i + 1]):
            v = val[p]
            r = idx[p]
            for j in range(units):
                dw[r, j] += v * dz[i, j]
    if iv[USE_BIAS]:
        column_sums(dz, arena[1][iv[BIAS]:iv[BIAS] + units])
