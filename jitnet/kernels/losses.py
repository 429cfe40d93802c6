"""Losses: per-sample values and gradients, chosen by integer code.

``pred`` and ``y`` are 2-D ``(rows, k)``; sparse codes take ``y`` of shape
``(rows, 1)`` holding class ids. A sample's loss reduces over its ``k``
outputs as Keras does (mean for the regression and binary losses, sum for
the categorical ones). ``hyper = [epsilon, label_smoothing, delta]``.
``*_LOGITS`` codes take pre-activations and fuse the sigmoid/softmax in a
numerically stable way.
"""

from __future__ import annotations

import math

from ._jit import kernel
from .activations import softplus

MSE, MAE, MAPE, MSLE, HUBER, LOG_COSH, HINGE, SQUARED_HINGE = 0, 1, 2, 3, 4, 5, 6, 7
CATEGORICAL_HINGE, KLD, POISSON, BCE, BCE_LOGITS, CCE, CCE_LOGITS = 8, 9, 10, 11, 12, 13, 14
SCCE, SCCE_LOGITS = 15, 16
_LOG2 = math.log(2.0)


@kernel
def _hinge_labels_are_binary(y):
    for i in range(y.shape[0]):
        for j in range(y.shape[1]):
            if y[i, j] != 0.0 and y[i, j] != 1.0:
                return False
    return True


@kernel
def _is_elementwise(code):
    """True for losses that average one term per output."""
    return code == BCE or code == BCE_LOGITS or (code <= POISSON and code != CATEGORICAL_HINGE and code != KLD)


@kernel
def _target(code, y, i, j, k, ls, binary_hinge):
    """Label ``y[i, j]`` after label smoothing / hinge conversion."""
    t = y[i, j]
    if code == BCE or code == BCE_LOGITS:
        return t * (1.0 - ls) + 0.5 * ls
    if code == CCE or code == CCE_LOGITS:
        return t * (1.0 - ls) + ls / k
    if (code == HINGE or code == SQUARED_HINGE) and binary_hinge:
        return 2.0 * t - 1.0
    return t


@kernel
def _elementwise(code, p, t, eps, delta, k, scale):
    """Loss term and gradient for one output of a mean-reduced loss."""
    g = 0.0
    if code == MSE:
        d = p - t
        v = d * d
        g = 2.0 * d
    elif code == MAE:
        d = p - t
        v = abs(d)
        g = 1.0 if d > 0 else (-1.0 if d < 0 else 0.0)
    elif code == MAPE:
        den = max(abs(t), eps)
        d = p - t
        v = 100.0 * abs(d) / den
        g = (100.0 / den) * (1.0 if d > 0 else (-1.0 if d < 0 else 0.0))
    elif code == MSLE:
        pc = max(p, eps)
        d = math.log(pc + 1.0) - math.log(max(t, eps) + 1.0)
        v = d * d
        g = 2.0 * d / (pc + 1.0) if p > eps else 0.0
    elif code == HUBER:
        d = p - t
        if abs(d) <= delta:
            v = 0.5 * d * d
            g = d
        else:
            v = delta * abs(d) - 0.5 * delta * delta
            g = delta if d > 0 else -delta
    elif code == LOG_COSH:
        d = p - t
        v = d + softplus(-2.0 * d) - _LOG2
        g = math.tanh(d)
    elif code == HINGE:
        m = 1.0 - t * p
        v = max(m, 0.0)
        g = -t if m > 0 else 0.0
    elif code == SQUARED_HINGE:
        m = max(1.0 - t * p, 0.0)
        v = m * m
        g = -2.0 * t * m
    elif code == POISSON:
        v = p - t * math.log(p + eps)
        g = 1.0 - t / (p + eps)
    elif code == BCE:
        pc = min(max(p, eps), 1.0 - eps)
        v = -(t * math.log(pc) + (1.0 - t) * math.log(1.0 - pc))
        g = (pc - t) / (pc * (1.0 - pc)) if eps < p < 1.0 - eps else 0.0
    else:
        v, g = _bce_logits(p, t)
    return v / k, g * scale / k


@kernel
def _bce_logits(p, t):
    """Sigmoid crossentropy of logit ``p`` and its derivative, with one exp."""
    e = math.exp(-abs(p))
    return max(p, 0.0) - p * t + math.log1p(e), (1.0 if p >= 0 else e) / (1.0 + e) - t


@kernel
def _row_loss(code, pred, y, i, hyper, dpred, scale, want_grad, binary_hinge):
    """Loss of sample ``i``; writes ``scale * dL/dpred[i]`` when ``want_grad``."""
    eps, ls, delta = hyper[0], hyper[1], hyper[2]
    k = pred.shape[1]
    if _is_elementwise(code):
        total = 0.0
        for j in range(k):
            t = _target(code, y, i, j, k, ls, binary_hinge)
            v, g = _elementwise(code, pred[i, j], t, eps, delta, k, scale)
            total += v
            if want_grad:
                dpred[i, j] = g
        return total
    if code == KLD:
        total = 0.0
        for j in range(k):
            t = min(max(y[i, j], eps), 1.0)
            p = min(max(pred[i, j], eps), 1.0)
            total += t * math.log(t / p)
            if want_grad:
                dpred[i, j] = -scale * t / p if eps < pred[i, j] < 1.0 else 0.0
        return total
    if code == CATEGORICAL_HINGE:
        pos = 0.0
        neg = -math.inf
        arg = 0
        for j in range(k):
            pos += y[i, j] * pred[i, j]
            v = (1.0 - y[i, j]) * pred[i, j]
            if v > neg:
                neg = v
                arg = j
        m = neg - pos + 1.0
        if want_grad:
            for j in range(k):
                g = 0.0
                if m > 0:
                    g = -y[i, j] + ((1.0 - y[i, j]) if j == arg else 0.0)
                dpred[i, j] = scale * g
        return max(m, 0.0)
    sparse = code == SCCE or code == SCCE_LOGITS
    label = int(y[i, 0]) if sparse else -1
    if code == CCE_LOGITS or code == SCCE_LOGITS:
        m = pred[i, 0]
        for j in range(1, k):
            m = max(m, pred[i, j])
        s = 0.0
        for j in range(k):
            e = math.exp(pred[i, j] - m)
            s += e
            if want_grad:
                dpred[i, j] = e  # kept for the gradient: one exp per output
        lse = m + math.log(s)
        total = 0.0
        ysum = 0.0
        for j in range(k):
            t = (1.0 if j == label else 0.0) if sparse else _target(code, y, i, j, k, ls, False)
            total += t * (lse - pred[i, j])
            ysum += t
        if want_grad:
            for j in range(k):
                t = (1.0 if j == label else 0.0) if sparse else _target(code, y, i, j, k, ls, False)
                dpred[i, j] = scale * (dpred[i, j] / s * ysum - t)
        return total
    # CCE / SCCE on probabilities: normalise, clip, -sum(t * log q)
    s = 0.0
    for j in range(k):
        s += pred[i, j]
    total = 0.0
    dot = 0.0
    for j in range(k):
        t = (1.0 if j == label else 0.0) if sparse else _target(code, y, i, j, k, ls, False)
        q = pred[i, j] / s
        qc = min(max(q, eps), 1.0 - eps)
        total -= t * math.log(qc)
        if want_grad:
            gq = -t / q if (eps < q < 1.0 - eps and t != 0.0) else 0.0
            dpred[i, j] = gq
            dot += gq * q
    if want_grad:
        for j in range(k):
            dpred[i, j] = scale * (dpred[i, j] - dot) / s
    return total


@kernel
def loss_forward_backward(code, pred, y, sample_weight, dpred, hyper, want_grad):
    """Weighted loss sum ``sum_i w_i L_i`` and, if ``want_grad``, its gradient.

    Parameters
    ----------
    code : int, a loss code of this module.
    pred : (n, k) float, predictions (or logits for ``*_LOGITS`` codes).
    y : (n, k) float targets, or (n, 1) class ids for sparse codes.
    sample_weight : (n,) float, the weights ``w_i``.
    dpred : (n, k) float, written with ``d(sum_i w_i L_i / n) / dpred``.
    hyper : float64[3], ``[epsilon, label_smoothing, huber_delta]``.

    Returns the float64 sum ``sum_i w_i L_i`` (divide by ``n`` for Keras's
    ``sum_over_batch_size`` reduction).
    """
    n = pred.shape[0]
    total = 0.0
    if code == BCE_LOGITS and hyper[1] == 0.0:  # the common sigmoid output, without per-output dispatch
        k = pred.shape[1]
        for i in range(n):
            for j in range(k):
                v, g = _bce_logits(pred[i, j], y[i, j])
                total += sample_weight[i] * v / k
                if want_grad:
                    dpred[i, j] = g * sample_weight[i] / (n * k)
        return total
    binary_hinge = (code == HINGE or code == SQUARED_HINGE) and _hinge_labels_are_binary(y)
    for i in range(n):
        w = sample_weight[i]
        total += w * _row_loss(code, pred, y, i, hyper, dpred, w / n, want_grad, binary_hinge)
    return total


@kernel
def loss_per_sample(code, pred, y, hyper, out):
    """Per-sample losses ``out[i] = L_i`` (unweighted); ``out``: (n,) float64."""
    binary_hinge = (code == HINGE or code == SQUARED_HINGE) and _hinge_labels_are_binary(y)
    for i in range(pred.shape[0]):
        out[i] = _row_loss(code, pred, y, i, hyper, pred, 0.0, False, binary_hinge)
