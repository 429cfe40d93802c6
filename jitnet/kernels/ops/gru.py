"""GRU with ``reset_after`` (Keras's default): gates ``z, r, h`` (Keras's order).

``z = ract(xz + hz)``, ``r = ract(xr + hr)``, ``g = act(xh + r * hh)``,
``h = z * h' + (1 - z) * g``, where ``x* = x @ kernel + bias[0]`` and ``h* = h' @
recurrent + bias[1]``. Fields: ``recurrence.INTS`` and ``FLOATS``; ``aux``
(steps, 3 * units) holds ``hh`` and, in its gradient space, the gradients
of the recurrent products. Recurrent dropout masks ``h'`` in the recurrent
product only, as in Keras.
"""

from __future__ import annotations

from .._jit import kernel
from ..buffers import grad, value
from .recurrence import (
    ACTIVATION,
    AUX,
    BIAS,
    BUFFERS,
    DC,
    DH,
    FLOATS,
    GATES,
    HDROP,
    INTS,
    RECURRENT_ACTIVATION,
    RESET_AFTER,
    RMASK,
    STATES,
    STEPS,
    UNITS,
    USE_BIAS,
    act,
    carry_back,
    check_row,
    d_act,
    draw_recurrent_mask,
    dropped_state,
    finish_grads,
    kept,
    output_grad,
    product_block,
    project,
    recurrent_product,
    step_rows,
    work_block,
    write_output,
)
from .recurrence import (
    arena_fields as _arena_fields,
)

__all__ = ["BUFFERS", "FLOATS", "INTS", "arena_fields", "backward", "check", "forward"]
GATES_PER_UNIT = 3


def check(row: dict, slots) -> None:
    """Refuse sizes that do not fit the buffers, and ``reset_after=0``."""
    check_row(row, slots, GATES_PER_UNIT, GATES_PER_UNIT)
    if not row["reset_after"]:
        raise ValueError("The gru op computes reset_after=True only.")


def arena_fields(row: dict, slots) -> list[tuple[str, int]]:
    """The arena ranges of the weights."""
    return _arena_fields(row, slots, GATES_PER_UNIT)


@kernel
def forward(iv, fv, bufs, arena, nb, training, step):
    """The steps in processing order; a masked step keeps ``h``."""
    units, steps = iv[UNITS], iv[STEPS]
    n = GATES_PER_UNIT * units
    project(iv, bufs, arena, nb, n)
    g, h, hh = value(bufs, iv[GATES], nb), value(bufs, iv[STATES], nb), value(bufs, iv[AUX], nb)
    prod = product_block(iv, bufs, nb, n)
    draw_recurrent_mask(iv, fv, bufs, nb, training, step)
    fa, ra, params = iv[ACTIVATION], iv[RECURRENT_ACTIVATION], arena[0]
    rb = iv[BIAS] + n if iv[USE_BIAS] and iv[RESET_AFTER] else -1
    for k in range(steps):
        if k > 0:
            hd = dropped_state(iv, fv, bufs, nb, step_rows(h, k - 1, nb), training, step)
            recurrent_product(iv, bufs, arena, nb, hd, n, prod)
        for i in range(nb):
            r, p = k * nb + i, (k - 1) * nb + i
            keep = kept(iv, bufs, nb, i, k)
            for u in range(units):
                hz, hr, hn = 0.0, 0.0, 0.0
                if k > 0:
                    hz, hr, hn = prod[i, u], prod[i, units + u], prod[i, 2 * units + u]
                if rb >= 0:
                    hz += params[rb + u]
                    hr += params[rb + units + u]
                    hn += params[rb + 2 * units + u]
                zg = act(ra, g[r, u] + hz)
                rg = act(ra, g[r, units + u] + hr)
                cg = act(fa, g[r, 2 * units + u] + rg * hn)
                g[r, u], g[r, units + u], g[r, 2 * units + u] = zg, rg, cg
                hh[r, 2 * units + u] = hn
                if keep:
                    h[r, u] = zg * (h[p, u] if k > 0 else 0.0) + (1.0 - zg) * cg
                else:
                    h[r, u] = h[p, u] if k > 0 else 0.0
    write_output(iv, bufs, nb)


@kernel
def backward(iv, fv, bufs, arena, nb, step):
    """Backpropagation through time, then the weight gradients and ``dx`` in one GEMM each."""
    units, steps = iv[UNITS], iv[STEPS]
    n = GATES_PER_UNIT * units
    g, h, hh = value(bufs, iv[GATES], nb), value(bufs, iv[STATES], nb), value(bufs, iv[AUX], nb)
    dg, di = grad(bufs, iv[GATES], nb), grad(bufs, iv[AUX], nb)
    dh, direct, carry = work_block(iv, bufs, nb, DH), work_block(iv, bufs, nb, DC), work_block(iv, bufs, nb, HDROP)
    mask = work_block(iv, bufs, nb, RMASK)
    dropout = fv[0] > 0.0
    dh[:] = 0.0
    fa, ra = iv[ACTIVATION], iv[RECURRENT_ACTIVATION]
    for k in range(steps - 1, -1, -1):
        output_grad(iv, bufs, nb, k, dh)
        for i in range(nb):
            r, p = k * nb + i, (k - 1) * nb + i
            if not kept(iv, bufs, nb, i, k):
                for j in range(n):
                    dg[r, j] = 0.0
                    di[r, j] = 0.0
                continue
            for u in range(units):
                zg, rg, cg = g[r, u], g[r, units + u], g[r, 2 * units + u]
                hpv = h[p, u] if k > 0 else 0.0
                dhv = dh[i, u]
                dah = dhv * (1.0 - zg) * d_act(fa, cg)
                daz = dhv * (hpv - cg) * d_act(ra, zg)
                dar = dah * hh[r, 2 * units + u] * d_act(ra, rg)
                dg[r, u], dg[r, units + u], dg[r, 2 * units + u] = daz, dar, dah
                di[r, u], di[r, units + u], di[r, 2 * units + u] = daz, dar, dah * rg
                direct[i, u] = dhv * zg
        if k > 0:
            carry_back(iv, bufs, arena, nb, step_rows(di, k, nb), n, False, fv, carry)
            for i in range(nb):
                if kept(iv, bufs, nb, i, k):
                    for u in range(units):
                        dh[i, u] = (carry[i, u] * mask[i, u] if dropout else carry[i, u]) + direct[i, u]
    finish_grads(iv, fv, bufs, arena, nb, n, di, n if iv[RESET_AFTER] else 0, step)
