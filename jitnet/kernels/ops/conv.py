"""Convolution over one or two spatial axes, channels last, as one GEMM per batch.

Fields (ints): ``src``, ``dsrc``, ``dst``, ``cols`` (the buffer of patches:
``oh * ow`` rows of ``kh * kw * c`` values per sample), ``kernel``, ``bias``
(arena offsets of the (kh, kw, c, filters) kernel and the (filters,) bias),
``use_bias``, then the window geometry of ``window.GEOMETRY``. No float
fields. The layer's activation is a separate ``activation`` op.

Forward: patches gathered into ``cols`` (im2col), ``z = cols @ W + b``.
Backward: ``dW = cols.T @ dz``, ``db = sum_rows(dz)``, and, when the input
needs its gradient, ``dcols = dz @ W.T`` (in the gradient space of ``cols``)
scattered back onto the input (col2im).
"""

from __future__ import annotations

from .._jit import kernel
from ..buffers import grad, matrix, value
from ..products import column_sums, matmul
from .dense import add_bias
from .window import GEOMETRY, check_geometry

INTS = ("src", "dsrc", "dst", "cols", "kernel", "bias", "use_bias", *GEOMETRY)
FLOATS = ()
BUFFERS = ("cols",)
SRC, DSRC, DST, COLS, KERNEL, BIAS, USE_BIAS, H, W, C, OH, OW, KH, KW, SH, SW, DH, DW, PH, PW = range(len(INTS))


def check(row: dict, slots) -> None:
    """Refuse a geometry that does not match the buffers, the patch buffer included."""
    check_geometry(row, slots, int(slots[row["dst"], 2]))
    if int(slots[row["cols"], 1]) != int(row["oh"]) * int(row["ow"]) or int(slots[row["cols"], 2]) != _patch(row):
        raise ValueError("The patch buffer of a convolution does not match its geometry.")


def _patch(row: dict) -> int:
    return int(row["kh"]) * int(row["kw"]) * int(row["c"])


def arena_fields(row: dict, slots) -> list[tuple[str, int]]:
    """The arena ranges the op touches: ``(field, size)``."""
    filters = int(slots[row["dst"], 2])
    return [("kernel", _patch(row) * filters)] + ([("bias", filters)] if row["use_bias"] else [])


@kernel
def im2col(iv, x, cols, nb):
    """``cols[(n, oy, ox), (ky, kx, ci)] = x[(n, iy, ix), ci]``, zero where the window leaves the input."""
    h, w, c, oh, ow = iv[H], iv[W], iv[C], iv[OH], iv[OW]
    kh, kw, sh, sw, dh, dw, ph, pw = iv[KH], iv[KW], iv[SH], iv[SW], iv[DH], iv[DW], iv[PH], iv[PW]
    for n in range(nb):
        for oy in range(oh):
            for ox in range(ow):
                r = (n * oh + oy) * ow + ox
                for ky in range(kh):
                    iy = oy * sh - ph + ky * dh
                    for kx in range(kw):
                        ix = ox * sw - pw + kx * dw
                        col = (ky * kw + kx) * c
                        if 0 <= iy < h and 0 <= ix < w:
                            src = (n * h + iy) * w + ix
                            for ci in range(c):
                                cols[r, col + ci] = x[src, ci]
                        else:
                            for ci in range(c):
                                cols[r, col + ci] = 0.0


@kernel
def col2im(iv, dcols, dx, nb):
    """The adjoint of ``im2col``: ``dx = 0``, then every patch value added back where it came from."""
    h, w, c, oh, ow = iv[H], iv[W], iv[C], iv[OH], iv[OW]
    kh, kw, sh, sw, dh, dw, ph, pw = iv[KH], iv[KW], iv[SH], iv[SW], iv[DH], iv[DW], iv[PH], iv[PW]
    for n in range(nb):
        dx[n * h * w:(n + 1) * h * w, :] = 0.0
        for oy in range(oh):
            for ox in range(ow):
                r = (n * oh + oy) * ow + ox
                for ky in range(kh):
                    iy = oy * sh - ph + ky * dh
                    if not 0 <= iy < h:
                        continue
                    for kx in range(kw):
                        ix = ox * sw - pw + kx * dw
                        if 0 <= ix < w:
                            dst = (n * h + iy) * w + ix
                            col = (ky * kw + kx) * c
                            for ci in range(c):
                                dx[dst, ci] += dcols[r, col + ci]


@kernel
def forward(iv, fv, bufs, arena, nb, training, step):
    """``z = im2col(x) @ W (+ b)``."""
    cols = value(bufs, iv[COLS], nb)
    im2col(iv, value(bufs, iv[SRC], nb), cols, nb)
    z = value(bufs, iv[DST], nb)
    filters = z.shape[1]
    matmul(cols, matrix(arena[0], iv[KERNEL], cols.shape[1], filters), z)
    if iv[USE_BIAS]:
        add_bias(z, arena[0][iv[BIAS]:iv[BIAS] + filters])


@kernel
def backward(iv, fv, bufs, arena, nb, step):
    """``dW = cols.T @ dz``, ``db = sum_rows(dz)``, ``dx = col2im(dz @ W.T)``."""
    cols = value(bufs, iv[COLS], nb)
    dz = grad(bufs, iv[DST], nb)
    k, filters = cols.shape[1], dz.shape[1]
    params, grads = arena[0], arena[1]
    matmul(cols.T, dz, matrix(grads, iv[KERNEL], k, filters))
    if iv[USE_BIAS]:
        column_sums(dz, grads[iv[BIAS]:iv[BIAS] + filters])
    if iv[DSRC] >= 0:
        dcols = grad(bufs, iv[COLS], nb)
        matmul(dz, matrix(params, iv[KERNEL], k, filters).T, dcols)
        col2im(iv, dcols, grad(bufs, iv[DSRC], nb), nb)
