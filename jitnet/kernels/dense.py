"""Fused dense layer: ``y = f(x @ W + b)`` and its backward pass.

Products go to BLAS (``np.dot``), which wins even at 32x8x16, except for a
single output column or a single inner index, where a plain loop does. A first layer fed by sparse
rows (multi-hot text) reads them in CSR form: ``ptr`` (rows + 1,), ``idx``
and ``val`` (nnz,), touching only the non-zero inputs.
"""

from __future__ import annotations

import numpy as np

from ._jit import kernel
from .activations import LINEAR, activation_backward, bias_activation_forward


@kernel
def matmul(a, b, out):
    """``out = a @ b``; ``a`` (m, k) may be a transposed view, ``out`` (m, n) is written.

    Measured per call (float32): 32x16 @ 16x1 takes 0.17 us as dot products
    against 0.5 us in BLAS; 32x8 @ 8x16 takes 0.5-0.7 us either way, and
    BLAS pulls ahead from there (32x100 @ 100x10: 1.8 us against 11 us).
    """
    m, k = a.shape
    n = b.shape[1]
    if n == 1:
        for i in range(m):
            acc = 0.0
            for p in range(k):
                acc += a[i, p] * b[p, 0]
            out[i, 0] = acc
    elif k == 1:
        for i in range(m):
            ai = a[i, 0]
            for j in range(n):
                out[i, j] = ai * b[0, j]
    else:
        np.dot(a, b, out)


@kernel
def dense_forward(x, w, bias, use_bias, code, z, y, a, b, c):
    """``z = x @ w + bias``, ``y = f(z)``.

    ``x``: (rows, n_in), ``w``: (n_in, units), ``bias``: (units,), ``z`` and
    ``y``: (rows, units), written. For LINEAR, ``y`` may alias ``z``.
    """
    matmul(x, w, z)
    bias_activation_forward(z, bias, use_bias, code, y, a, b, c)


@kernel
def sparse_dense_forward(ptr, idx, val, w, bias, use_bias, code, z, y, a, b, c):
    """``dense_forward`` for CSR rows: ``z[i] = sum_p val[p] * w[idx[p]] + bias``."""
    units = w.shape[1]
    for i in range(z.shape[0]):
        for j in range(units):
            z[i, j] = 0.0
        for p in range(ptr[i], ptr[i + 1]):
            v = val[p]
            r = idx[p]
            for j in range(units):
                z[i, j] += v * w[r, j]
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
    matmul(x.T, dz, dw)
    if use_bias:
        column_sums(dz, db)
    if need_dx:
        matmul(dz, w.T, dx)


@kernel
def sparse_dense_backward(ptr, idx, val, z, y, dy, dz, dw, db, use_bias, code, a, b, c, skip_act):
    """``dense_backward`` for CSR input rows: ``dw = x.T @ dz`` touches only non-zero inputs."""
    if not skip_act and code != LINEAR:
        activation_backward(code, z, y, dy, dz, a, b, c)
    dw[:] = 0.0
    units = dw.shape[1]
    for i in range(dz.shape[0]):
        for p in range(ptr[i], ptr[i + 1]):
            v = val[p]
            r = idx[p]
            for j in range(units):
                dw[r, j] += v * dz[i, j]
    if use_bias:
        column_sums(dz, db)
