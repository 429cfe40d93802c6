"""Fused dense layer: ``y = f(x @ W + b)`` and its backward pass."""

from __future__ import annotations

import numpy as np

from ._jit import kernel
from .activations import LINEAR, activation_backward, bias_activation_forward


@kernel
def dense_forward(x, w, bias, use_bias, code, z, y, a, b, c):
    """``z = x @ w + bias``, ``y = f(z)``.

    ``x``: (rows, n_in), ``w``: (n_in, units), ``bias``: (units,), ``z`` and
    ``y``: (rows, units), written. For LINEAR, ``y`` may alias ``z``.
    """
    np.dot(x, w, z)
    bias_activation_forward(z, bias, use_bias, code, y, a, b, c)


@kernel
def column_sums(a, out):
    """``out[j] = sum_i a[i, j]``, summed in row order (deterministic)."""
    out[:] = 0.0
    for i in range(a.shape[0]):
        for j in range(a.shape[1]):
            out[j] += a[i, j]


@kernel
def dense_backward(x, w, z, y, dy, dz, dw, db, dx, use_bias, code, a, b, c, skip_act, need_dx):
    """Gradients of the dense layer given ``dy = dL/dy``.

    Writes ``dz = dy * f'(z)`` (unless ``skip_act``: ``dz`` already holds
    ``dL/dz``), ``dw = x.T @ dz`` (n_in, units), ``db = sum_rows(dz)`` (units,)
    and, if ``need_dx``, ``dx = dz @ w.T`` (rows, n_in).
    """
    if not skip_act and code != LINEAR:
        activation_backward(code, z, y, dy, dz, a, b, c)
    np.dot(x.T, dz, dw)
    if use_bias:
        column_sums(dz, db)
    if need_dx:
        np.dot(dz, w.T, dx)
