"""LSTM: gates ``i, f, c, o`` (Keras's order), ``c = f * c' + i * g``, ``h = o * act(c)``.

Fields: ``recurrence.INTS`` and ``FLOATS``; ``aux`` (steps, 2 * units)
holds two planes: the cell states, then their activations. The input projection of
every step is one GEMM, each step one small product and loops over the
fused gates, and backpropagation through time runs the steps back from the
activated gates the forward pass kept in ``gates``.
"""

from __future__ import annotations

from .._jit import kernel
from ..buffers import grad, value
from . import recurrence as rc
from .recurrence import BUFFERS, FLOATS, INTS

__all__ = ["BUFFERS", "FLOATS", "INTS", "arena_fields", "backward", "check", "forward"]
GATES = 4


def check(row: dict, slots) -> None:
    """Refuse sizes that do not fit the buffers."""
    rc.check_row(row, slots, GATES, 2)


def arena_fields(row: dict, slots) -> list[tuple[str, int]]:
    """The arena ranges of the weights."""
    return rc.arena_fields(row, slots, GATES)


@kernel
def forward(iv, fv, bufs, arena, nb, training, step):
    """The steps in processing order; a masked step keeps ``h`` and ``c``."""
    units, steps = iv[rc.UNITS], iv[rc.STEPS]
    n = GATES * units
    rc.project(iv, bufs, arena, nb, n)
    g, h = value(bufs, iv[rc.GATES], nb), value(bufs, iv[rc.STATES], nb)
    c, tc = rc.plane(iv, bufs, nb, iv[rc.AUX], 0), rc.plane(iv, bufs, nb, iv[rc.AUX], 1)
    prod = rc.product_block(iv, bufs, nb, n)
    rc.draw_recurrent_mask(iv, fv, bufs, nb, training, step)
    ids = rc.mask_ids(iv, bufs, nb)
    for k in range(steps):
        z, ck, tk, hk = rc.step_rows(g, k, nb), rc.step_rows(c, k, nb), rc.step_rows(tc, k, nb), rc.step_rows(h, k, nb)
        if k > 0:
            hd = rc.dropped_state(iv, fv, bufs, nb, rc.step_rows(h, k - 1, nb), training, step)
            rc.recurrent_product(iv, bufs, arena, nb, hd, n, prod)
            rc.add_rows(z, prod, n)
        rc.activate(iv, z, 0, n, 2 * units, 3 * units)
        if k > 0:
            cp = rc.step_rows(c, k - 1, nb)
            for i in range(nb):
                for u in range(units):
                    ck[i, u] = z[i, units + u] * cp[i, u] + z[i, u] * z[i, 2 * units + u]
        else:
            for i in range(nb):
                for u in range(units):
                    ck[i, u] = z[i, u] * z[i, 2 * units + u]
        rc.activate_into(iv[rc.ACTIVATION], ck, tk)
        for i in range(nb):
            for u in range(units):
                hk[i, u] = z[i, 3 * units + u] * tk[i, u]
        rc.carry_masked(iv, ids, nb, k, c, units)
        rc.carry_masked(iv, ids, nb, k, h, units)
    rc.write_output(iv, bufs, nb, ids)


@kernel
def backward(iv, fv, bufs, arena, nb, step):
    """Backpropagation through time, then the weight gradients and ``dx`` in one GEMM each."""
    ids = rc.mask_ids(iv, bufs, nb)
    units, steps = iv[rc.UNITS], iv[rc.STEPS]
    n = GATES * units
    g, dg = value(bufs, iv[rc.GATES], nb), grad(bufs, iv[rc.GATES], nb)
    c, tc = rc.plane(iv, bufs, nb, iv[rc.AUX], 0), rc.plane(iv, bufs, nb, iv[rc.AUX], 1)
    dh, dc = rc.work_block(iv, bufs, nb, rc.DH), rc.work_block(iv, bufs, nb, rc.DC)
    carry = rc.work_block(iv, bufs, nb, rc.HDROP)
    dh[:] = 0.0
    dc[:] = 0.0
    fa, ra = iv[rc.ACTIVATION], iv[rc.RECURRENT_ACTIVATION]
    for k in range(steps - 1, -1, -1):
        rc.output_grad(iv, bufs, nb, ids, k, dh)
        for i in range(nb):
            r = k * nb + i
            if not rc.kept(iv, ids, i, k):
                dg[r, :] = 0.0
                continue
            for u in range(units):
                ig, fg, cg, og = g[r, u], g[r, units + u], g[r, 2 * units + u], g[r, 3 * units + u]
                cp = c[r - nb, u] if k > 0 else rc.ZERO
                t = tc[r, u]
                dcv = dc[i, u] + dh[i, u] * og * rc.d_act(fa, t)
                dg[r, u] = dcv * cg * rc.d_act(ra, ig)
                dg[r, units + u] = dcv * cp * rc.d_act(ra, fg)
                dg[r, 2 * units + u] = dcv * ig * rc.d_act(fa, cg)
                dg[r, 3 * units + u] = dh[i, u] * t * rc.d_act(ra, og)
                dc[i, u] = dcv * fg
        if k > 0:
            rc.carry_to_previous(iv, ids, bufs, arena, nb, k, rc.step_rows(dg, k, nb), n, fv, carry, dh, dh, False)
    rc.finish_grads(iv, fv, bufs, arena, nb, n, dg, 0, step)
