"""Batch and layer normalisation over the last axis of ``(rows, features)``.

Statistics are summed in row order, so results are identical run after
run. Per-row (layer) statistics are summed in float64; per-column (batch)
sums use the array's dtype, as deviations from the first row, so that in
float32 their error scales with a column's spread, not its offset.
``stats`` is a (2, features) float work array holding the batch mean and
``1 / sqrt(var + eps)`` between forward and backward.
"""

from __future__ import annotations

import math

from ._jit import kernel


@kernel
def commit_moving(moving_mean, moving_var, stats, momentum):
    """``moving = moving * momentum + batch * (1 - momentum)`` from the batch ``stats`` of ``batchnorm_forward``."""
    for j in range(moving_mean.shape[0]):
        moving_mean[j] = moving_mean[j] * momentum + stats[0, j] * (1.0 - momentum)
        moving_var[j] = moving_var[j] * momentum + stats[2, j] * (1.0 - momentum)


@kernel
def batchnorm_forward(x, gamma, beta, moving_mean, moving_var, stats, xhat, y,
                      momentum, eps, training):
    """``y = gamma * (x - mean) / sqrt(var + eps) + beta``.

    Training: batch mean and biased variance (``stats[2]``; ``commit_moving``
    folds them into the moving statistics once the batch's step is applied).
    Inference: the moving statistics. Writes ``stats`` (mean, ``1 / std``,
    variance), ``xhat`` (rows, features) and ``y`` (rows, features).
    """
    rows, cols = x.shape
    mean = stats[0]
    inv = stats[1]
    if training:
        for j in range(cols):
            mean[j] = 0.0
            inv[j] = 0.0
        for i in range(rows):
            for j in range(cols):
                mean[j] += x[i, j] - x[0, j]
        for j in range(cols):
            mean[j] = x[0, j] + mean[j] / rows
        for i in range(rows):
            for j in range(cols):
                d = x[i, j] - mean[j]
                inv[j] += d * d
        for j in range(cols):
            var = inv[j] / rows
            stats[2, j] = var
            inv[j] = 1.0 / math.sqrt(var + eps)
    else:
        for j in range(cols):
            mean[j] = moving_mean[j]
            inv[j] = 1.0 / math.sqrt(moving_var[j] + eps)
    for i in range(rows):
        for j in range(cols):
            h = (x[i, j] - mean[j]) * inv[j]
            xhat[i, j] = h
            y[i, j] = gamma[j] * h + beta[j]


@kernel
def batchnorm_backward(dy, xhat, gamma, stats, dgamma, dbeta, dx, training):
    """Gradients of ``batchnorm_forward``.

    Writes ``dgamma = sum(dy * xhat)``, ``dbeta = sum(dy)`` and ``dx``; in
    training ``dx = gamma * inv / n * (n * dy - dbeta - xhat * dgamma)``,
    in inference ``dx = gamma * inv * dy``.
    """
    rows, cols = dy.shape
    inv = stats[1]
    for j in range(cols):
        dgamma[j] = 0.0
        dbeta[j] = 0.0
    for i in range(rows):
        for j in range(cols):
            dgamma[j] += dy[i, j] * xhat[i, j]
            dbeta[j] += dy[i, j]
    for i in range(rows):
        for j in range(cols):
            if training:
                dx[i, j] = gamma[j] * inv[j] / rows * (rows * dy[i, j] - dbeta[j] - xhat[i, j] * dgamma[j])
            else:
                dx[i, j] = gamma[j] * inv[j] * dy[i, j]


@kernel
def layernorm_forward(x, gamma, beta, eps, xhat, inv, y):
    """Per row: ``y = gamma * (x - mean) / sqrt(var + eps) + beta``.

    Writes ``xhat`` (rows, features), ``inv`` (rows,) and ``y``.
    """
    rows, cols = x.shape
    for i in range(rows):
        m = 0.0
        for j in range(cols):
            m += x[i, j]
        m /= cols
        v = 0.0
        for j in range(cols):
            d = x[i, j] - m
            v += d * d
        r = 1.0 / math.sqrt(v / cols + eps)
        inv[i] = r
        for j in range(cols):
            h = (x[i, j] - m) * r
            xhat[i, j] = h
            y[i, j] = gamma[j] * h + beta[j]


@kernel
def layernorm_backward(dy, xhat, inv, gamma, dgamma, dbeta, dx):
    """Gradients of ``layernorm_forward``: writes ``dgamma``, ``dbeta``, ``dx``."""
    rows, cols = dy.shape
    for j in range(cols):
        dgamma[j] = 0.0
        dbeta[j] = 0.0
    for i in range(rows):
        s1 = 0.0
        s2 = 0.0
        for j in range(cols):
            g = dy[i, j] * gamma[j]
            s1 += g
            s2 += g * xhat[i, j]
            dgamma[j] += dy[i, j] * xhat[i, j]
            dbeta[j] += dy[i, j]
        for j in range(cols):
            g = dy[i, j] * gamma[j]
            dx[i, j] = inv[i] / cols * (cols * g - s1 - xhat[i, j] * s2)
