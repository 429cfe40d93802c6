"""SimpleRNN: ``h = act(x @ kernel + h' @ recurrent + bias)``.

Fields: ``recurrence.INTS`` and ``FLOATS``; ``aux`` is unused. The input
projection of every step is one GEMM and the steps one compiled loop.
"""

from __future__ import annotations

from .._jit import kernel
from ..buffers import grad, value
from .recurrence import (
    ACTIVATION,
    BUFFERS,
    DH,
    FLOATS,
    GATES,
    HDROP,
    INTS,
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


def check(row: dict, slots) -> None:
    """Refuse sizes that do not fit the buffers."""
    check_row(row, slots, 1, 0)


def arena_fields(row: dict, slots) -> list[tuple[str, int]]:
    """The arena ranges of the weights."""
    return _arena_fields(row, slots, 1)


@kernel
def forward(iv, fv, bufs, arena, nb, training, step):
    """The steps in processing order; a masked step keeps ``h``."""
    units, steps, fa = iv[UNITS], iv[STEPS], iv[ACTIVATION]
    project(iv, bufs, arena, nb, units)
    g, h = value(bufs, iv[GATES], nb), value(bufs, iv[STATES], nb)
    prod = product_block(iv, bufs, nb, units)
    draw_recurrent_mask(iv, fv, bufs, nb, training, step)
    for k in range(steps):
        if k > 0:
            hp = step_rows(h, k - 1, nb)
            recurrent_product(iv, bufs, arena, nb, dropped_state(iv, fv, bufs, nb, hp, training, step), units, prod)
        for i in range(nb):
            r, p = k * nb + i, (k - 1) * nb + i
            keep = kept(iv, bufs, nb, i, k)
            for u in range(units):
                a = g[r, u] + prod[i, u] if k > 0 else g[r, u]
                y = act(fa, a)
                g[r, u] = y
                if keep:
                    h[r, u] = y
                else:
                    h[r, u] = h[p, u] if k > 0 else 0.0
    write_output(iv, bufs, nb)


@kernel
def backward(iv, fv, bufs, arena, nb, step):
    """Backpropagation through time, then the weight gradients and ``dx`` in one GEMM each."""
    units, steps, fa = iv[UNITS], iv[STEPS], iv[ACTIVATION]
    g, dg = value(bufs, iv[GATES], nb), grad(bufs, iv[GATES], nb)
    dh, carry = work_block(iv, bufs, nb, DH), work_block(iv, bufs, nb, HDROP)
    dh[:] = 0.0
    for k in range(steps - 1, -1, -1):
        output_grad(iv, bufs, nb, k, dh)
        for i in range(nb):
            r = k * nb + i
            keep = kept(iv, bufs, nb, i, k)
            for u in range(units):
                dg[r, u] = dh[i, u] * d_act(fa, g[r, u]) if keep else 0.0
        if k > 0:
            carry_back(iv, bufs, arena, nb, step_rows(dg, k, nb), units, True, fv, carry)
            for i in range(nb):
                if kept(iv, bufs, nb, i, k):
                    for u in range(units):
                        dh[i, u] = carry[i, u]
    finish_grads(iv, fv, bufs, arena, nb, units, dg, 0, step)
