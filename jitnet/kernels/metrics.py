"""Metric accumulators: add per-sample values of a batch to running sums.

``acc`` is a float64 ``[sum, count]`` pair; the logged value is
``sum / count``, a running mean over the samples seen, as in Keras. Each
metric is its own kernel, named in ``NAMES`` by code.
"""

from __future__ import annotations

import numpy as np

from ._jit import entry_kernel, kernel
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
    if not 0 <= target < pred.shape[1]:  # an id no output has: a miss, never a read outside ``pred``
        return 0.0
    v = pred[i, target]
    above = 0
    for j in range(pred.shape[1]):
        if pred[i, j] > v:
            above += 1
    return 1.0 if above < k else 0.0


# Metric kernels, as programs call them: each takes
# ``(pred, y, param, loss_code, hyper, scratch, acc)``, where ``pred`` is (n, k),
# ``y`` (n, k) targets or (n, 1) class ids, ``param`` the threshold (binary
# accuracy) or k (top-k), ``loss_code`` and ``hyper`` the loss of a loss
# metric, ``scratch`` (>= n,) float64 work space, and ``acc`` the float64
# ``[sum, count]`` pair it adds the batch's per-sample values to.


@kernel
def loss_metric(pred, y, param, loss_code, hyper, scratch, acc):
    """A loss as a metric: the mean of its per-sample values."""
    n = pred.shape[0]
    loss_per_sample(loss_code, pred, y, hyper, scratch)
    s = 0.0
    for i in range(n):
        s += scratch[i]
    acc[0] += s
    acc[1] += n


@kernel
def binary_accuracy(pred, y, param, loss_code, hyper, scratch, acc):
    """Share of outputs where ``pred > param`` matches the 0/1 target."""
    n, k = pred.shape
    s = 0.0
    for i in range(n):
        hits = 0.0
        for j in range(k):
            hits += 1.0 if (1.0 if pred[i, j] > param else 0.0) == y[i, j] else 0.0
        s += hits / k
    acc[0] += s
    acc[1] += n


@kernel
def accuracy(pred, y, param, loss_code, hyper, scratch, acc):
    """Share of outputs equal to their target (``keras.metrics.Accuracy``)."""
    n, k = pred.shape
    s = 0.0
    for i in range(n):
        hits = 0.0
        for j in range(k):
            hits += 1.0 if pred[i, j] == y[i, j] else 0.0
        s += hits / k
    acc[0] += s
    acc[1] += n


@kernel
def categorical_accuracy(pred, y, param, loss_code, hyper, scratch, acc):
    """``argmax(pred) == argmax(y)``."""
    n = pred.shape[0]
    s = 0.0
    for i in range(n):
        s += 1.0 if _argmax(pred, i) == _argmax(y, i) else 0.0
    acc[0] += s
    acc[1] += n


@kernel
def sparse_categorical_accuracy(pred, y, param, loss_code, hyper, scratch, acc):
    """``argmax(pred) == y``."""
    n = pred.shape[0]
    s = 0.0
    for i in range(n):
        s += 1.0 if _argmax(pred, i) == int(y[i, 0]) else 0.0
    acc[0] += s
    acc[1] += n


@kernel
def top_k(pred, y, param, loss_code, hyper, scratch, acc):
    """``argmax(y)`` among the ``param`` largest predictions."""
    n = pred.shape[0]
    s = 0.0
    for i in range(n):
        s += _in_top_k(pred, i, _argmax(y, i), int(param))
    acc[0] += s
    acc[1] += n


@kernel
def sparse_top_k(pred, y, param, loss_code, hyper, scratch, acc):
    """``y`` among the ``param`` largest predictions."""
    n = pred.shape[0]
    s = 0.0
    for i in range(n):
        s += _in_top_k(pred, i, int(y[i, 0]), int(param))
    acc[0] += s
    acc[1] += n


NAMES = {BINARY_ACCURACY: "binary_accuracy", CATEGORICAL_ACCURACY: "categorical_accuracy",
         SPARSE_CATEGORICAL_ACCURACY: "sparse_categorical_accuracy", TOP_K: "top_k", SPARSE_TOP_K: "sparse_top_k",
         LOSS: "loss_metric", ACCURACY: "accuracy"}


@entry_kernel
def metric_update(code, pred, y, param, loss_code, hyper, scratch, acc):
    """The metric kernel of ``code``, for callers outside programs (``Metric.update_state``)."""
    if code == BINARY_ACCURACY:
        binary_accuracy(pred, y, param, loss_code, hyper, scratch, acc)
    elif code == CATEGORICAL_ACCURACY:
        categorical_accuracy(pred, y, param, loss_code, hyper, scratch, acc)
    elif code == SPARSE_CATEGORICAL_ACCURACY:
        sparse_categorical_accuracy(pred, y, param, loss_code, hyper, scratch, acc)
    elif code == TOP_K:
        top_k(pred, y, param, loss_code, hyper, scratch, acc)
    elif code == SPARSE_TOP_K:
        sparse_top_k(pred, y, param, loss_code, hyper, scratch, acc)
    elif code == ACCURACY:
        accuracy(pred, y, param, loss_code, hyper, scratch, acc)
    else:
        loss_metric(pred, y, param, loss_code, hyper, scratch, acc)


@entry_kernel
def weighted_metric_update(code, pred, y, param, loss_code, hyper, weights, acc):
    """``metric_update`` with row ``i`` weighted by ``weights[i]``: ``acc[0] += w * (the row's mean value)``,
    ``acc[1] += w``, as Keras weighs samples."""
    part = np.zeros(2)
    scratch = np.empty(1)
    for i in range(pred.shape[0]):
        part[0] = 0.0
        part[1] = 0.0
        metric_update(code, pred[i:i + 1], y[i:i + 1], param, loss_code, hyper, scratch, part)
        if part[1] > 0:
            acc[0] += weights[i] * part[0] / part[1]
            acc[1] += weights[i]
