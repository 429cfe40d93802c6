"""GRU with ``reset_after`` (Keras's default): gates ``z, r, h`` (Keras's order).

``z = ract(xz + hz)``, ``r = ract(xr + hr)``, ``g = act(xh + r * hh)``,
``h = z * h' + (1 - z) * g``, where ``x* = x @ kernel + bias[0]`` and ``h* = h' @
recurrent + bias[1]``. Fields: ``recurrence.INTS`` and ``FLOATS``; ``aux``
(steps, 3 * units) holds ``hh`` in its last third and, in its gradient
space, the gradients of the recurrent products. Recurrent dropout masks
``h'`` in the recurrent product only, as in Keras.
"""

from __future__ import annotations

from .._jit import kernel
from ..buffers import grad, value
from . import recurrence as rc
from .recurrence import BUFFERS, FLOATS, INTS

__all__ = ["BUFFERS", "FLOATS", "INTS", "arena_fields", "backward", "check", "forward"]
GATES = 3


def check(row: dict, slots) -> None:
    """Refuse sizes that do not fit the buffers, and ``reset_after=0``."""
    rc.check_row(row, slots, GATES, GATES)
    if not row["reset_after"]:
        raise ValueError("The gru op computes reset_after=True only.")


def arena_fields(row: dict, slots) -> list[tuple[str, int]]:
    """The arena ranges of the weights."""
    return rc.arena_fields(row, slots, GATES)


@kernel
def forward(iv, fv, bufs, arena, nb, training, step):
    """The steps in processing order; a masked step keeps ``h``."""
    units, steps = iv[rc.UNITS], iv[rc.STEPS]
    n, u2 = GATES * units, 2 * units
    rc.project(iv, bufs, arena, nb, n)
    g, h, aux = value(bufs, iv[rc.GATES], nb), value(bufs, iv[rc.STATES], nb), value(bufs, iv[rc.AUX], nb)
    prod = rc.product_block(iv, bufs, nb, n)
    rc.draw_recurrent_mask(iv, fv, bufs, nb, training, step)
    ids = rc.mask_ids(iv, bufs, nb)
    params, rb = arena[0], iv[rc.BIAS] + n
    for k in range(steps):
        z, hh, hk = rc.step_rows(g, k, nb), rc.step_rows(aux, k, nb), rc.step_rows(h, k, nb)
        hh[:, u2:] = 0.0
        if k > 0:
            hd = rc.dropped_state(iv, fv, bufs, nb, rc.step_rows(h, k - 1, nb), training, step)
            rc.recurrent_product(iv, bufs, arena, nb, hd, n, prod)
            rc.add_rows(z, prod, u2)
            hh[:, u2:] = prod[:, u2:]
        if iv[rc.USE_BIAS]:
            for i in range(nb):
                for j in range(u2):
                    z[i, j] += params[rb + j]
                for j in range(u2, n):
                    hh[i, j] += params[rb + j]
        rc.activate(iv, z, 0, u2, 0, 0)
        for i in range(nb):
            for j in range(u2, n):
                z[i, j] += z[i, j - units] * hh[i, j]
        rc.activate(iv, z, u2, n, u2, n)
        for i in range(nb):
            for u in range(units):
                hp = h[(k - 1) * nb + i, u] if k > 0 else rc.ZERO
                hk[i, u] = z[i, u] * hp + (rc.ONE - z[i, u]) * z[i, u2 + u]
        rc.carry_masked(iv, ids, nb, k, h, units)
    rc.write_output(iv, bufs, nb, ids)


@kernel
def backward(iv, fv, bufs, arena, nb, step):
    """Backpropagation through time, then the weight gradients and ``dx`` in one GEMM each."""
    ids = rc.mask_ids(iv, bufs, nb)
    units, steps = iv[rc.UNITS], iv[rc.STEPS]
    n, u2 = GATES * units, 2 * units
    g, h, hh = value(bufs, iv[rc.GATES], nb), value(bufs, iv[rc.STATES], nb), value(bufs, iv[rc.AUX], nb)
    dg, di = grad(bufs, iv[rc.GATES], nb), grad(bufs, iv[rc.AUX], nb)
    dh, direct = rc.work_block(iv, bufs, nb, rc.DH), rc.work_block(iv, bufs, nb, rc.DC)
    carry = rc.work_block(iv, bufs, nb, rc.HDROP)
    dh[:] = 0.0
    fa, ra = iv[rc.ACTIVATION], iv[rc.RECURRENT_ACTIVATION]
    for k in range(steps - 1, -1, -1):
        rc.output_grad(iv, bufs, nb, ids, k, dh)
        for i in range(nb):
            r = k * nb + i
            if not rc.kept(iv, ids, i, k):
                dg[r, :] = 0.0
                di[r, :] = 0.0
                continue
            for u in range(units):
                zg, rg, cg = g[r, u], g[r, units + u], g[r, u2 + u]
                hp = h[r - nb, u] if k > 0 else rc.ZERO
                dah = dh[i, u] * (rc.ONE - zg) * rc.d_act(fa, cg)
                daz = dh[i, u] * (hp - cg) * rc.d_act(ra, zg)
                dar = dah * hh[r, u2 + u] * rc.d_act(ra, rg)
                dg[r, u], dg[r, units + u], dg[r, u2 + u] = daz, dar, dah
                di[r, u], di[r, units + u], di[r, u2 + u] = daz, dar, dah * rg
                direct[i, u] = dh[i, u] * zg
        if k > 0:
            into = carry if iv[rc.MASKED] else dh
            rc.carry_back(iv, bufs, arena, nb, rc.step_rows(di, k, nb), n, True, fv, into)
            for i in range(nb):
                for u in range(units):
                    into[i, u] += direct[i, u]
            rc.keep_carried(iv, ids, nb, k, carry, dh)
    rc.finish_grads(iv, fv, bufs, arena, nb, n, di, n, step)
