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

from ._jit import entry_kernel, kernel
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
def _elementwise_row(code, pred, y, i, hyper, dpred, scale, want_grad, binary_hinge):
    """Mean of one term per output: the regression, hinge, Poisson and binary losses."""
    eps, ls, delta = hyper[0], hyper[1], hyper[2]
    k = pred.shape[1]
    total = 0.0
    for j in range(k):
        t = _target(code, y, i, j, k, ls, binary_hinge)
        v, g = _elementwise(code, pred[i, j], t, eps, delta, k, scale)
        total += v
        if want_grad:
            dpred[i, j] = g
    return total


@kernel
def _kld_row(code, pred, y, i, hyper, dpred, scale, want_grad, binary_hinge):
    eps = hyper[0]
    total = 0.0
    for j in range(pred.shape[1]):
        t = min(max(y[i, j], eps), 1.0)
        p = min(max(pred[i, j], eps), 1.0)
        total += t * math.log(t / p)
        if want_grad:
            dpred[i, j] = -scale * t / p if eps < pred[i, j] < 1.0 else 0.0
    return total


@kernel
def _categorical_hinge_row(code, pred, y, i, hyper, dpred, scale, want_grad, binary_hinge):
    k = pred.shape[1]
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


@kernel
def _class_target(code, y, i, j, k, ls, label):
    """One-hot target of a sparse label, or the smoothed dense one."""
    if code == SCCE or code == SCCE_LOGITS:
        return 1.0 if j == label else 0.0
    return _target(code, y, i, j, k, ls, False)


@kernel
def _crossentropy_logits_row(code, pred, y, i, hyper, dpred, scale, want_grad, binary_hinge):
    """Softmax crossentropy from logits, with one exp per output."""
    ls = hyper[1]
    k = pred.shape[1]
    label = int(y[i, 0]) if code == SCCE_LOGITS else -1
    m = pred[i, 0]
    for j in range(1, k):
        m = max(m, pred[i, j])
    s = 0.0
    for j in range(k):
        e = math.exp(pred[i, j] - m)
        s += e
        if want_grad:
            dpred[i, j] = e  # kept for the gradient
    lse = m + math.log(s)
    total = 0.0
    ysum = 0.0
    for j in range(k):
        t = _class_target(code, y, i, j, k, ls, label)
        total += t * (lse - pred[i, j])
        ysum += t
    if want_grad:
        # d/dz of sum_j t_j (lse - z_j) is softmax(z) * sum(t) - t: (p - y) for one-hot targets.
        for j in range(k):
            dpred[i, j] = scale * (dpred[i, j] / s * ysum - _class_target(code, y, i, j, k, ls, label))
    return total


@kernel
def _crossentropy_row(code, pred, y, i, hyper, dpred, scale, want_grad, binary_hinge):
    """Crossentropy of probabilities: normalise, clip, ``-sum(t * log q)``."""
    eps, ls = hyper[0], hyper[1]
    k = pred.shape[1]
    label = int(y[i, 0]) if code == SCCE else -1
    s = 0.0
    for j in range(k):
        s += pred[i, j]
    total = 0.0
    dot = 0.0
    for j in range(k):
        t = _class_target(code, y, i, j, k, ls, label)
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
def _row_loss(code, pred, y, i, hyper, dpred, scale, want_grad, binary_hinge):
    """Loss of sample ``i``; writes ``scale * dL/dpred[i]`` when ``want_grad``."""
    if _is_elementwise(code):
        return _elementwise_row(code, pred, y, i, hyper, dpred, scale, want_grad, binary_hinge)
    if code == KLD:
        return _kld_row(code, pred, y, i, hyper, dpred, scale, want_grad, binary_hinge)
    if code == CATEGORICAL_HINGE:
        return _categorical_hinge_row(code, pred, y, i, hyper, dpred, scale, want_grad, binary_hinge)
    if code == CCE_LOGITS or code == SCCE_LOGITS:
        return _crossentropy_logits_row(code, pred, y, i, hyper, dpred, scale, want_grad, binary_hinge)
    return _crossentropy_row(code, pred, y, i, hyper, dpred, scale, want_grad, binary_hinge)


@kernel
def _binary_hinge(code, y):
    return (code == HINGE or code == SQUARED_HINGE) and _hinge_labels_are_binary(y)


# Loss kernels by family, as programs call them: each takes
# ``(code, pred, y, sample_weight, dpred, hyper, want_grad)`` and returns
# ``sum_i w_i L_i``, writing ``d(sum_i w_i L_i / n) / dpred`` when asked.


@kernel
def elementwise_loss(code, pred, y, sample_weight, dpred, hyper, want_grad):
    """The mean-reduced losses (regression, hinge, Poisson, binary crossentropy)."""
    n = pred.shape[0]
    binary_hinge = _binary_hinge(code, y)
    total = 0.0
    for i in range(n):
        w = sample_weight[i]
        total += w * _elementwise_row(code, pred, y, i, hyper, dpred, w / n, want_grad, binary_hinge)
    return total


@kernel
def bce_logits_loss(code, pred, y, sample_weight, dpred, hyper, want_grad):
    """Sigmoid crossentropy on logits; without label smoothing, one exp per output and no dispatch."""
    if hyper[1] != 0.0:
        return elementwise_loss(code, pred, y, sample_weight, dpred, hyper, want_grad)
    n, k = pred.shape
    total = 0.0
    for i in range(n):
        for j in range(k):
            v, g = _bce_logits(pred[i, j], y[i, j])
            total += sample_weight[i] * v / k
            if want_grad:
                dpred[i, j] = g * sample_weight[i] / (n * k)
    return total


@kernel
def kld_loss(code, pred, y, sample_weight, dpred, hyper, want_grad):
    """KL divergence."""
    n = pred.shape[0]
    total = 0.0
    for i in range(n):
        w = sample_weight[i]
        total += w * _kld_row(code, pred, y, i, hyper, dpred, w / n, want_grad, False)
    return total


@kernel
def categorical_hinge_loss(code, pred, y, sample_weight, dpred, hyper, want_grad):
    """Categorical hinge."""
    n = pred.shape[0]
    total = 0.0
    for i in range(n):
        w = sample_weight[i]
        total += w * _categorical_hinge_row(code, pred, y, i, hyper, dpred, w / n, want_grad, False)
    return total


@kernel
def crossentropy_logits_loss(code, pred, y, sample_weight, dpred, hyper, want_grad):
    """Softmax crossentropy on logits, dense or sparse targets."""
    n = pred.shape[0]
    total = 0.0
    for i in range(n):
        w = sample_weight[i]
        total += w * _crossentropy_logits_row(code, pred, y, i, hyper, dpred, w / n, want_grad, False)
    return total


@kernel
def crossentropy_loss(code, pred, y, sample_weight, dpred, hyper, want_grad):
    """Crossentropy of probabilities, dense or sparse targets."""
    n = pred.shape[0]
    total = 0.0
    for i in range(n):
        w = sample_weight[i]
        total += w * _crossentropy_row(code, pred, y, i, hyper, dpred, w / n, want_grad, False)
    return total


FAMILY = {BCE_LOGITS: "bce_logits_loss", KLD: "kld_loss", CATEGORICAL_HINGE: "categorical_hinge_loss",
          CCE_LOGITS: "crossentropy_logits_loss", SCCE_LOGITS: "crossentropy_logits_loss",
          CCE: "crossentropy_loss", SCCE: "crossentropy_loss"}


def family(code: int) -> str:
    """The name of the loss kernel of ``code``."""
    return FAMILY.get(code, "elementwise_loss")


@entry_kernel
def loss_forward_backward(code, pred, y, sample_weight, dpred, hyper, want_grad):
    """The loss kernel of ``code``, for callers outside programs (which call the family directly)."""
    if code == BCE_LOGITS:
        return bce_logits_loss(code, pred, y, sample_weight, dpred, hyper, want_grad)
    if code == KLD:
        return kld_loss(code, pred, y, sample_weight, dpred, hyper, want_grad)
    if code == CATEGORICAL_HINGE:
        return categorical_hinge_loss(code, pred, y, sample_weight, dpred, hyper, want_grad)
    if code == CCE_LOGITS or code == SCCE_LOGITS:
        return crossentropy_logits_loss(code, pred, y, sample_weight, dpred, hyper, want_grad)
    if code == CCE or code == SCCE:
        return crossentropy_loss(code, pred, y, sample_weight, dpred, hyper, want_grad)
    return elementwise_loss(code, pred, y, sample_weight, dpred, hyper, want_grad)


@entry_kernel
def loss_per_sample(code, pred, y, hyper, out):
    """Per-sample losses ``out[i] = L_i`` (unweighted); ``out``: (n,) float64."""
    binary_hinge = _binary_hinge(code, y)
    for i in range(pred.shape[0]):
        out[i] = _row_loss(code, pred, y, i, hyper, pred, 0.0, False, binary_hinge)
