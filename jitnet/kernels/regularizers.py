"""Weight penalties, constraints and the PReLU activation."""

from __future__ import annotations

import math

from ._jit import entry_kernel, kernel
from .buffers import sample_value, value_block
from .views import view2d

NO_CONSTRAINT, MAX_NORM, MIN_MAX_NORM, NON_NEG, UNIT_NORM = 0, 1, 2, 3, 4


@kernel
def penalty(w, l1, l2):
    """``l1 * sum(|w|) + l2 * sum(w ** 2)`` in float64 (Keras: no 1/2)."""
    s1 = 0.0
    s2 = 0.0
    for i in range(w.shape[0]):
        s1 += abs(w[i])
        s2 += w[i] * w[i]
    return l1 * s1 + l2 * s2


@kernel
def add_penalty_grad(w, dw, l1, l2):
    """``dw += l1 * sign(w) + 2 * l2 * w`` (1-D views, ``dw`` in place)."""
    for i in range(w.shape[0]):
        s = 1.0 if w[i] > 0 else (-1.0 if w[i] < 0 else 0.0)
        dw[i] += l1 * s + 2.0 * l2 * w[i]


@entry_kernel
def apply_constraint(code, w, p0, p1, p2):
    """Project ``w`` (n_in, units) in place; norms are taken over axis 0.

    MAX_NORM (``p0`` = max_value), MIN_MAX_NORM (``p0`` = min, ``p1`` = max,
    ``p2`` = rate), NON_NEG, UNIT_NORM, as Keras (epsilon 1e-7).
    """
    if code == NO_CONSTRAINT:
        return
    rows, cols = w.shape
    if code == NON_NEG:
        for i in range(rows):
            for j in range(cols):
                if w[i, j] < 0:
                    w[i, j] = 0.0
        return
    for j in range(cols):
        s = 0.0
        for i in range(rows):
            s += w[i, j] * w[i, j]
        norm = math.sqrt(s)
        if code == MAX_NORM:
            desired = min(max(norm, 0.0), p0)
        elif code == MIN_MAX_NORM:
            desired = p2 * min(max(norm, p0), p1) + (1.0 - p2) * norm
        else:
            desired = 1.0
        scale = desired / (1e-7 + norm)
        for i in range(rows):
            w[i, j] *= scale


@kernel
def prelu_forward(x, alpha, y):
    """``y = x`` where ``x >= 0`` else ``alpha * x``; ``alpha``: (features,)."""
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            v = x[i, j]
            y[i, j] = v if v >= 0 else alpha[j] * v


@kernel
def prelu_backward(x, alpha, dy, dalpha, dx):
    """Writes ``dalpha = sum(dy * min(x, 0))`` and ``dx = dy * (1 or alpha)``."""
    for j in range(x.shape[1]):
        dalpha[j] = 0.0
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            v = x[i, j]
            if v >= 0:
                dx[i, j] = dy[i, j]
            else:
                dalpha[j] += dy[i, j] * v
                dx[i, j] = alpha[j] * dy[i, j]


# Tables the program builder makes from the model's weights: ``wpen_i`` rows
# ``(offset, size)`` and ``wpen_f`` rows ``(l1, l2)`` for each regularized
# weight; ``cons_i`` rows ``(code, offset, rows, cols)`` and ``cons_f`` rows
# ``(p0, p1, p2)`` for each constrained one.


@kernel
def weight_penalties(wpen_i, wpen_f, params):
    """The sum of every weight penalty."""
    total = 0.0
    for r in range(wpen_i.shape[0]):
        o, n = wpen_i[r, 0], wpen_i[r, 1]
        total += penalty(params[o:o + n], wpen_f[r, 0], wpen_f[r, 1])
    return total


@kernel
def add_weight_penalty_grads(wpen_i, wpen_f, params, grads):
    """``grads += d(weight penalties)/d(params)``."""
    for r in range(wpen_i.shape[0]):
        o, n = wpen_i[r, 0], wpen_i[r, 1]
        add_penalty_grad(params[o:o + n], grads[o:o + n], wpen_f[r, 0], wpen_f[r, 1])


@kernel
def apply_constraints(cons_i, cons_f, params):
    """Project every constrained weight after an update."""
    for r in range(cons_i.shape[0]):
        w = view2d(params, cons_i[r, 1], cons_i[r, 2], cons_i[r, 3])
        apply_constraint(cons_i[r, 0], w, cons_f[r, 0], cons_f[r, 1], cons_f[r, 2])


@kernel
def activity_penalty(bufs, slot, l1, l2, nb):
    """Penalty of buffer ``slot`` averaged over the batch's ``nb`` samples (as Keras 3)."""
    y = sample_value(bufs, slot, nb)
    return penalty(value_block(bufs, slot, 1, y.size)[0], l1, l2) / nb


@kernel
def add_activity_grad(bufs, slot, l1, l2, nb):
    """``grad(slot) += d(activity_penalty)/d(slot)``."""
    y = sample_value(bufs, slot, nb)
    start = bufs[3] * bufs[2][slot, 0]
    add_penalty_grad(value_block(bufs, slot, 1, y.size)[0], view2d(bufs[1], start, 1, y.size)[0], l1 / nb,
                     l2 / nb)
