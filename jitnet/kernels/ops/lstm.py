"""LSTM: gates ``i, f, c, o`` (Keras's order), ``c = f * c' + i * g``, ``h = o * act(c)``.

Fields: ``recurrence.INTS`` and ``FLOATS``; ``aux`` holds the cell states.
The input projection of every step is one GEMM, the steps one loop with
the gates fused, and backpropagation through time runs the steps back,
keeping the activated gates of the forward pass in ``gates``.
"""

from __future__ import annotations

from .._jit import kernel
from ..buffers import grad, value
from .recurrence import (
    ACTIVATION,
    AUX,
    BUFFERS,
    DC,
    DH,
    FLOATS,
    GATES,
    HDROP,
    INTS,
    RECURRENT_ACTIVATION,
    STATES,
    STEPS,
    UNITS,
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
GATES_PER_UNIT = 4


def check(row: dict, slots) -> None:
    """Refuse sizes that do not fit the buffers."""
    check_row(row, slots, GATES_PER_UNIT, 1)


def arena_fields(row: dict, slots) -> list[tuple[str, int]]:
    """The arena ranges of the weights."""
    return _arena_fields(row, slots, GATES_PER_UNIT)


@kernel
def forward(iv, fv, bufs, arena, nb, training, step):
    """The steps in processing order; a masked step keeps ``h`` and ``c``."""
    units, steps = iv[UNITS], iv[STEPS]
    n = GATES_PER_UNIT * units
    project(iv, bufs, arena, nb, n)
    g, h, c = value(bufs, iv[GATES], nb), value(bufs, iv[STATES], nb), value(bufs, iv[AUX], nb)
    prod = product_block(iv, bufs, nb, n)
    draw_recurrent_mask(iv, fv, bufs, nb, training, step)
    fa, ra = iv[ACTIVATION], iv[RECURRENT_ACTIVATION]
    for k in range(steps):
        if k > 0:
            hp = step_rows(h, k - 1, nb)
            recurrent_product(iv, bufs, arena, nb, dropped_state(iv, fv, bufs, nb, hp, training, step), n, prod)
        for i in range(nb):
            r, p = k * nb + i, (k - 1) * nb + i
            keep = kept(iv, bufs, nb, i, k)
            for u in range(units):
                zi, zf, zc, zo = g[r, u], g[r, units + u], g[r, 2 * units + u], g[r, 3 * units + u]
                cp, hpv = 0.0, 0.0
                if k > 0:
                    zi += prod[i, u]
                    zf += prod[i, units + u]
                    zc += prod[i, 2 * units + u]
                    zo += prod[i, 3 * units + u]
                    cp, hpv = c[p, u], h[p, u]
                ig, fg, cg, og = act(ra, zi), act(ra, zf), act(fa, zc), act(ra, zo)
                g[r, u], g[r, units + u], g[r, 2 * units + u], g[r, 3 * units + u] = ig, fg, cg, og
                if keep:
                    cn = fg * cp + ig * cg
                    c[r, u] = cn
                    h[r, u] = og * act(fa, cn)
                else:
                    c[r, u] = cp
                    h[r, u] = hpv
    write_output(iv, bufs, nb)


@kernel
def backward(iv, fv, bufs, arena, nb, step):
    """Backpropagation through time, then the weight gradients and ``dx`` in one GEMM each."""
    units, steps = iv[UNITS], iv[STEPS]
    n = GATES_PER_UNIT * units
    g, c, dg = value(bufs, iv[GATES], nb), value(bufs, iv[AUX], nb), grad(bufs, iv[GATES], nb)
    dh, dc, carry = work_block(iv, bufs, nb, DH), work_block(iv, bufs, nb, DC), work_block(iv, bufs, nb, HDROP)
    dh[:] = 0.0
    dc[:] = 0.0
    fa, ra = iv[ACTIVATION], iv[RECURRENT_ACTIVATION]
    for k in range(steps - 1, -1, -1):
        output_grad(iv, bufs, nb, k, dh)
        for i in range(nb):
            r, p = k * nb + i, (k - 1) * nb + i
            if not kept(iv, bufs, nb, i, k):
                for j in range(n):
                    dg[r, j] = 0.0
                continue
            for u in range(units):
                ig, fg, cg, og = g[r, u], g[r, units + u], g[r, 2 * units + u], g[r, 3 * units + u]
                cp = c[p, u] if k > 0 else 0.0
                tc = act(fa, c[r, u])
                dhv = dh[i, u]
                dcv = dc[i, u] + dhv * og * d_act(fa, tc)
                dg[r, u] = dcv * cg * d_act(ra, ig)
                dg[r, units + u] = dcv * cp * d_act(ra, fg)
                dg[r, 2 * units + u] = dcv * ig * d_act(fa, cg)
                dg[r, 3 * units + u] = dhv * tc * d_act(ra, og)
                dc[i, u] = dcv * fg
        if k > 0:
            carry_back(iv, bufs, arena, nb, step_rows(dg, k, nb), n, True, fv, carry)
            for i in range(nb):
                if kept(iv, bufs, nb, i, k):
                    for u in range(units):
                        dh[i, u] = carry[i, u]
    finish_grads(iv, fv, bufs, arena, nb, n, dg, 0, step)
