"""Weight penalties, constraints and the PReLU activation."""

from __future__ import annotations

import math

from ._jit import kernel

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


@kernel
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
