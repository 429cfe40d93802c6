"""GRU: gates ``z, r, h`` (Keras's order), ``h = z * h' + (1 - z) * g``.

With ``reset_after`` (Keras's default): ``z = ract(xz + hz)``, ``r = ract(xr +
hr)``, ``g = act(xh + r * hh)``, where ``x* = x @ kernel + bias[0]`` and ``h* = h'
@ recurrent + bias[1]``. Without it (the bias is ``(3 * units,)``, on the
input side only): ``g = act(xh + (r * h') @ recurrent[:, 2 * units:])``.
Fields: ``recurrence.INTS`` and ``FLOATS``; ``aux`` (steps, 3 * units)
holds ``hh`` in its last third (without ``reset_after``, ``r * h'`` in its
first) and, in its gradient space, the gradients of the recurrent products.
Recurrent dropout masks ``h'`` in the recurrent products only, as in Keras.
"""

from __future__ import annotations

from .._jit import kernel
from ..buffers import grad, value
from . import recurrence as rc
from .recurrence import BUFFERS, FLOATS, INTS

__all__ = ["BUFFERS", "FLOATS", "INTS", "arena_fields", "backward", "check", "forward"]
GATES = 3


def check(row: dict, slots) -> None:
    """Refuse sizes that do not fit the buffers."""
    rc.check_row(row, slots, GATES, GATES)


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
    params, rb, after = arena[0], iv[rc.BIAS] + n, iv[rc.RESET_AFTER]
    for k in range(steps):
        z, hh, hk = rc.step_rows(g, k, nb), rc.step_rows(aux, k, nb), rc.step_rows(h, k, nb)
        hh[:] = 0.0
        hd = hk  # the previous (dropped) state, from step 1 on
        if k > 0:
            hd = rc.dropped_state(iv, fv, bufs, nb, rc.step_rows(h, k - 1, nb), training, step)
            rc.recurrent_product(iv, bufs, arena, nb, hd, n, prod)
            rc.add_rows(z, prod, u2)
            if after:
                hh[:, u2:] = prod[:, u2:]
        if iv[rc.USE_BIAS] and after:
            for i in range(nb):
                for j in range(u2):
                    z[i, j] += params[rb + j]
                for j in range(u2, n):
                    hh[i, j] += params[rb + j]
        rc.activate(iv, z, 0, u2, 0, 0)
        if after:
            for i in range(nb):
                for j in range(u2, n):
                    z[i, j] += z[i, j - units] * hh[i, j]
        elif k > 0:
            for i in range(nb):
                for u in range(units):
                    hh[i, u] = z[i, units + u] * hd[i, u]
            candidate_product(iv, arena, hh, 0, hh, u2, False)
            rc.add_rows(z[:, u2:], hh[:, u2:], units)
        rc.activate(iv, z, u2, n, u2, n)
        for i in range(nb):
            for u in range(units):
                hp = h[(k - 1) * nb + i, u] if k > 0 else rc.ZERO
                hk[i, u] = z[i, u] * hp + (rc.ONE - z[i, u]) * z[i, u2 + u]
        rc.carry_masked(iv, ids, nb, k, h, units)
    rc.write_output(iv, bufs, nb, ids)


@kernel
def candidate_product(iv, arena, a, a0, out, o0, transpose):
    """``out[:, o0:o0 + u] = a[:, a0:a0 + u] @ Rh`` (``Rh.T`` with ``transpose``), ``Rh = recurrent[:, 2u:]``:
    the candidate's recurrent product without ``reset_after``, and its gradient."""
    units, params = iv[rc.UNITS], arena[0]
    base, stride = iv[rc.RECURRENT] + 2 * units, GATES * units
    for i in range(a.shape[0]):
        for p in range(units):
            acc = rc.ZERO * a[i, a0]
            for q in range(units):
                acc += a[i, a0 + q] * (params[base + p * stride + q] if transpose else params[base + q * stride + p])
            out[i, o0 + p] = acc


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
    spare, mask = rc.work_block(iv, bufs, nb, rc.SPARE), rc.work_block(iv, bufs, nb, rc.RMASK)
    dh[:] = 0.0
    fa, ra, after, dropout = iv[rc.ACTIVATION], iv[rc.RECURRENT_ACTIVATION], iv[rc.RESET_AFTER], fv[0] > 0.0
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
                dar = dah * hh[r, u2 + u] * rc.d_act(ra, rg) if after else rc.ZERO
                dg[r, u], dg[r, units + u], dg[r, u2 + u] = daz, dar, dah
                di[r, u], di[r, units + u], di[r, u2 + u] = daz, dar, dah * rg if after else rc.ZERO
                direct[i, u] = dh[i, u] * zg
        if not after and k > 0:  # the reset gate acts through (r * h') @ recurrent[:, 2u:]
            candidate_product(iv, arena, rc.step_rows(dg, k, nb), u2, spare, 0, True)
            for i in range(nb):
                r = k * nb + i
                if rc.kept(iv, ids, i, k):
                    for u in range(units):
                        hd = h[r - nb, u] * mask[i, u] if dropout else h[r - nb, u]
                        dar = spare[i, u] * hd * rc.d_act(ra, g[r, units + u])
                        dg[r, units + u], di[r, units + u] = dar, dar
                        direct[i, u] += spare[i, u] * (g[r, units + u] * mask[i, u] if dropout else g[r, units + u])
        if k > 0:
            rc.carry_to_previous(iv, ids, bufs, arena, nb, k, rc.step_rows(di, k, nb), n, fv, carry, dh, direct, True)
    rc.finish_grads(iv, fv, bufs, arena, nb, n, di, n if after else 0, step)
    if not after:
        grads, base = arena[1], iv[rc.RECURRENT] + u2
        for r in range(nb, steps * nb):
            for u in range(units):
                a = hh[r, u]
                for j in range(units):
                    grads[base + u * n + j] += a * dg[r, u2 + j]
