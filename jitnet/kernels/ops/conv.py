"""Convolution over one or two spatial axes, channels last, as one GEMM per batch.

Fields (ints): ``src``, ``dsrc``, ``dst``, ``cols`` (the buffer of patches:
``oh * ow`` rows of ``kh * kw * c + use_bias`` values per sample), ``kernel``,
``bias`` (arena offsets of the (kh, kw, c, filters) kernel and the
(filters,) bias, which must follow the kernel), ``use_bias``, ``relu`` (1: a plain ReLU is
applied in place, the common case; any other activation is a separate
``activation`` op), then the window geometry of ``window.GEOMETRY``. No
float fields.

With a bias, each patch ends with a 1 and the bias is the last row of the
weight matrix, so the products below add it and give its gradient too.
Forward: patches gathered into ``cols`` (im2col), ``z = cols @ [W; b]``.
Backward: ``[dW; db] = cols.T @ dz`` and, when the input needs its gradient,
``dcols = dz @ [W; b].T`` (in the gradient space of ``cols``) scattered back
onto the input (col2im).
"""

from __future__ import annotations

from .._jit import kernel
from ..activations import relu_rows, relu_rows_mask
from ..buffers import grad, matrix, value
from ..products import matmul
from .window import GEOMETRY, check_geometry, span

INTS = ("src", "dsrc", "dst", "cols", "kernel", "bias", "use_bias", "relu", *GEOMETRY)
FLOATS = ()
BUFFERS = ("cols",)
SRC, DSRC, DST, COLS, KERNEL, BIAS, USE_BIAS, RELU, H, W, C, OH, OW, KH, KW, SH, SW, DH, DW, PH, PW = range(len(INTS))


def check(row: dict, slots) -> None:
    """Refuse a geometry that does not match the buffers, the patch buffer included."""
    check_geometry(row, slots, int(slots[row["dst"], 2]))
    width = _patch(row) + (1 if row["use_bias"] else 0)
    if int(slots[row["cols"], 1]) != int(row["oh"]) * int(row["ow"]) or int(slots[row["cols"], 2]) != width:
        raise ValueError("The patch buffer of a convolution does not match its geometry.")
    if row["use_bias"] and row["bias"] != row["kernel"] + _patch(row) * int(slots[row["dst"], 2]):
        raise ValueError("The bias of a convolution must follow its kernel in the arena.")


def _patch(row: dict) -> int:
    return int(row["kh"]) * int(row["kw"]) * int(row["c"])


def arena_fields(row: dict, slots) -> list[tuple[str, int]]:
    """The arena ranges the op touches: ``(field, size)``."""
    filters = int(slots[row["dst"], 2])
    return [("kernel", _patch(row) * filters)] + ([("bias", filters)] if row["use_bias"] else [])


@kernel
def im2col(iv, x, cols, nb):
    """``cols[(n, oy, ox), (ky, kx, ci)] = x[(n, iy, ix), ci]``, zero where the window leaves the input."""
    if iv[C] == 1:
        im2col_plane(iv, x, cols, nb)
        return
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
                if iv[USE_BIAS]:
                    cols[r, kh * kw * c] = 1.0


@kernel
def im2col_plane(iv, x, cols, nb):
    """``im2col`` of a one-channel input, one tap at a time along an output row (a loop per value is slow)."""
    h, w, oh, ow = iv[H], iv[W], iv[OH], iv[OW]
    kh, kw, sh, sw, dh, dw, ph, pw = iv[KH], iv[KW], iv[SH], iv[SW], iv[DH], iv[DW], iv[PH], iv[PW]
    for n in range(nb):
        for oy in range(oh):
            r0 = (n * oh + oy) * ow
            for ky in range(kh):
                iy = oy * sh - ph + ky * dh
                for kx in range(kw):
                    col, off = ky * kw + kx, kx * dw - pw
                    lo, hi = (0, 0) if not 0 <= iy < h else span(0, 1, -off, sw, ow, w)
                    base = (n * h + iy) * w + off
                    for ox in range(lo):
                        cols[r0 + ox, col] = 0.0
                    for ox in range(lo, hi):
                        cols[r0 + ox, col] = x[base + ox * sw, 0]
                    for ox in range(hi, ow):
                        cols[r0 + ox, col] = 0.0
            if iv[USE_BIAS]:
                for ox in range(ow):
                    cols[r0 + ox, kh * kw] = 1.0


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
    """``z = im2col(x) @ [W; b]``, then ``max(z, 0)`` in place with ``relu``."""
    cols = value(bufs, iv[COLS], nb)
    im2col(iv, value(bufs, iv[SRC], nb), cols, nb)
    z = value(bufs, iv[DST], nb)
    matmul(cols, matrix(arena[0], iv[KERNEL], cols.shape[1], z.shape[1]), z)
    if iv[RELU]:
        relu_rows(z, z)


@kernel
def backward(iv, fv, bufs, arena, nb, step):
    """``[dW; db] = cols.T @ dz``, ``dx = col2im(dz @ [W; b].T)``; with ``relu``, ``dz`` is first
    zeroed in place where the output is 0."""
    cols = value(bufs, iv[COLS], nb)
    dz = grad(bufs, iv[DST], nb)
    if iv[RELU]:
        relu_rows_mask(value(bufs, iv[DST], nb), dz)
    k, filters = cols.shape[1], dz.shape[1]
    params, grads = arena[0], arena[1]
    matmul(cols.T, dz, matrix(grads, iv[KERNEL], k, filters))
    if iv[DSRC] >= 0:
        dcols = grad(bufs, iv[COLS], nb)
        matmul(dz, matrix(params, iv[KERNEL], k, filters).T, dcols)
        col2im(iv, dcols, grad(bufs, iv[DSRC], nb), nb)
