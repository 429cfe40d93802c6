"""SimpleRNN: ``h = act(x @ kernel + h' @ recurrent + bias)``.

Fields: ``recurrence.INTS`` and ``FLOATS``; ``states`` may be the
``gates`` buffer itself (each step's activated gates are its output), and
``aux`` is unused. The input projection of every step is one GEMM and the
steps one compiled loop.
"""

from __future__ import annotations

from .._jit import kernel
from ..buffers import grad, value
from . import recurrence as rc
from .recurrence import BUFFERS, FLOATS, INTS

__all__ = ["BUFFERS", "FLOATS", "INTS", "arena_fields", "backward", "check", "forward"]


def check(row: dict, slots) -> None:
    """Refuse sizes that do not fit the buffers."""
    rc.check_row(row, slots, 1, 0)


def arena_fields(row: dict, slots) -> list[tuple[str, int]]:
    """The arena ranges of the weights."""
    return rc.arena_fields(row, slots, 1)


@kernel
def forward(iv, fv, bufs, arena, nb, training, step):
    """The steps in processing order; a masked step keeps ``h``."""
    units, steps = iv[rc.UNITS], iv[rc.STEPS]
    rc.project(iv, bufs, arena, nb, units)
    g, h = value(bufs, iv[rc.GATES], nb), value(bufs, iv[rc.STATES], nb)
    prod = rc.product_block(iv, bufs, nb, units)
    rc.draw_recurrent_mask(iv, fv, bufs, nb, training, step)
    ids = rc.mask_ids(iv, bufs, nb)
    for k in range(steps):
        z = rc.step_rows(g, k, nb)
        if k > 0:
            hd = rc.dropped_state(iv, fv, bufs, nb, rc.step_rows(h, k - 1, nb), training, step)
            rc.recurrent_product(iv, bufs, arena, nb, hd, units, prod)
            rc.add_rows(z, prod, units)
        rc.activate(iv, z, 0, units, 0, units)
        if iv[rc.STATES] != iv[rc.GATES]:
            rc.step_rows(h, k, nb)[:] = z
        rc.carry_masked(iv, ids, nb, k, h, units)
    rc.write_output(iv, bufs, nb, ids)


@kernel
def backward(iv, fv, bufs, arena, nb, step):
    """Backpropagation through time, then the weight gradients and ``dx`` in one GEMM each."""
    ids = rc.mask_ids(iv, bufs, nb)
    units, steps, fa = iv[rc.UNITS], iv[rc.STEPS], iv[rc.ACTIVATION]
    g, dg = value(bufs, iv[rc.GATES], nb), grad(bufs, iv[rc.GATES], nb)
    dh, carry = rc.work_block(iv, bufs, nb, rc.DH), rc.work_block(iv, bufs, nb, rc.HDROP)
    dh[:] = 0.0
    for k in range(steps - 1, -1, -1):
        rc.output_grad(iv, bufs, nb, ids, k, dh)
        for i in range(nb):
            r = k * nb + i
            if not rc.kept(iv, ids, i, k):
                dg[r, :] = 0.0
                continue
            for u in range(units):
                dg[r, u] = dh[i, u] * rc.d_act(fa, g[r, u])
        if k > 0:
            rc.carry_to_previous(iv, ids, bufs, arena, nb, k, rc.step_rows(dg, k, nb), units, fv, carry, dh, dh, False)
    rc.finish_grads(iv, fv, bufs, arena, nb, units, dg, 0, step)
