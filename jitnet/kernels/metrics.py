"""Metric accumulators: add per-sample values of a batch to running sums.

``acc`` is a float64 ``[sum, count]`` pair; the logged value is
``sum / count``, a running mean over the samples seen, as in Keras.
"""

from __future__ import annotations

from ._jit import kernel
from .losses import loss_per_sample

BINARY_ACCURACY, CATEGORICAL_ACCURACY, SPARSE_CATEGORICAL_ACCURACY = 0, 1, 2
TOP_K, SPARSE_TOP_K, LOSS, ACCURACY = 3, 4, 5, 6


@kernel
def _argmax(a, i):
    best = 0
    for j in range(1, a.shape[1]):
        if a[i, j] > a[i, best]:
            best = j
    return best


@kernel
def _in_top_k(pred, i, target, k):
    v = pred[i, target]
    above = 0
    for j in range(pred.shape[1]):
        if pred[i, j] > v:
            above += 1
    return 1.0 if above < k else 0.0


@kernel
def metric_update(code, pred, y, param, loss_code, hyper, scratch, acc):
    """Add the batch's per-sample metric values into ``acc``.

    Parameters
    ----------
    code : int, a metric code of this module.
    pred : (n, k) float predictions; y : (n, k) targets or (n, 1) class ids.
    param : float, the threshold (binary accuracy) or k (top-k).
    loss_code, hyper : the loss code and hyper-parameters when ``code == LOSS``.
    scratch : (>= n,) float64 work space.
    acc : float64[2], ``[sum, count]``, updated in place.
    """
    n = pred.shape[0]
    if code == LOSS:
        loss_per_sample(loss_code, pred, y, hyper, scratch)
        s = 0.0
        for i in range(n):
            s += scratch[i]
        acc[0] += s
        acc[1] += n
        return
    k = pred.shape[1]
    s = 0.0
    for i in range(n):
        if code == BINARY_ACCURACY or code == ACCURACY:
            hits = 0.0
            for j in range(k):
                p = (1.0 if pred[i, j] > param else 0.0) if code == BINARY_ACCURACY else pred[i, j]
                hits += 1.0 if p == y[i, j] else 0.0
            s += hits / k
        elif code == CATEGORICAL_ACCURACY:
            s += 1.0 if _argmax(pred, i) == _argmax(y, i) else 0.0
        elif code == SPARSE_CATEGORICAL_ACCURACY:
            s += 1.0 if _argmax(pred, i) == int(y[i, 0]) else 0.0
        elif code == TOP_K:
            s += _in_top_k(pred, i, _argmax(y, i), int(param))
        else:
            s += _in_top_k(pred, i, int(y[i, 0]), int(param))
    acc[0] += s
    acc[1] += n
