"""Metrics by Keras name: running means over the samples seen.

Each metric maps to a compiled accumulator (``code``, ``param``); the
training loop feeds whole batches to the kernel, and standalone use goes
through ``update_state`` / ``result`` / ``reset_state`` as in Keras.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import losses
from ._registry import Registry, to_snake_case
from .kernels import metrics as km


class Metric:
    """A running mean of per-sample values computed by a kernel."""

    code: int = km.LOSS
    sparse = False

    def __init__(self, name: str | None = None, dtype: Any = None) -> None:
        self.name = name or to_snake_case(type(self).__name__)
        self.param = 0.0
        self.loss: losses.Loss | None = None
        self._acc = np.zeros(2)

    def kernel_args(self) -> tuple[int, float, int, np.ndarray]:
        """``(code, param, loss_code, loss_hyper)`` for the metric kernels."""
        loss = self.loss
        return self.code, float(self.param), loss.kernel_code if loss else 0, (
            loss.hyper() if loss else np.zeros(3))

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Add a batch of predictions to the running mean; targets are checked as a loss checks them.

        ``sample_weight`` (one value per sample, or per row of the predictions) weighs each sample's value.
        """
        true, pred, _ = losses.rows(y_true, y_pred, self.sparse)
        code, param, loss_code, hyper = self.kernel_args()
        if sample_weight is None:
            km.metric_update(code, pred, true, param, loss_code, hyper, np.empty(pred.shape[0]), self._acc)
            return
        w = np.asarray(sample_weight, np.float64).reshape(-1)
        if w.size == 0 or pred.shape[0] % w.size or not np.all(np.isfinite(w)):
            raise ValueError(f"Argument `sample_weight` must hold finite values, one per sample ({pred.shape[0]} "
                             f"rows of predictions, or a divisor of it). Received: shape={np.shape(sample_weight)}")
        w = np.repeat(w, pred.shape[0] // w.size)
        km.weighted_metric_update(code, pred, true, param, loss_code, hyper, w, self._acc)

    def result(self) -> float:
        """The mean so far (0.0 before any update)."""
        return float(self._acc[0] / self._acc[1]) if self._acc[1] else 0.0

    def reset_state(self) -> None:
        """Forget every update."""
        self._acc[:] = 0.0

    def get_config(self) -> dict:
        """Constructor arguments, as Keras serializes them."""
        return {"name": self.name}

    @classmethod
    def from_config(cls, config: dict) -> Metric:
        """Rebuild from ``get_config()``."""
        return cls(**config)


METRICS = Registry("metric", base=Metric)


@METRICS.register("BinaryAccuracy", "binary_accuracy")
class BinaryAccuracy(Metric):
    """Share of outputs with ``(y_pred > threshold) == y_true``. Defaults to ``threshold=0.5``."""

    code = km.BINARY_ACCURACY

    def __init__(self, name: str = "binary_accuracy", dtype: Any = None, threshold: float = 0.5) -> None:
        super().__init__(name)
        self.param = self.threshold = float(threshold)

    def get_config(self):
        return {"name": self.name, "threshold": self.threshold}


@METRICS.register("Accuracy", "accuracy")
class Accuracy(Metric):
    """Share of outputs equal to their target (``keras.metrics.Accuracy``); the string ``'accuracy'`` in
    ``compile`` picks binary, categorical or sparse accuracy instead, as in Keras."""

    code = km.ACCURACY

    def __init__(self, name: str = "accuracy", dtype: Any = None) -> None:
        super().__init__(name)


@METRICS.register("CategoricalAccuracy", "categorical_accuracy")
class CategoricalAccuracy(Metric):
    """Share of samples with ``argmax(y_pred) == argmax(y_true)``."""

    code = km.CATEGORICAL_ACCURACY

    def __init__(self, name: str = "categorical_accuracy", dtype: Any = None) -> None:
        super().__init__(name)


@METRICS.register("SparseCategoricalAccuracy", "sparse_categorical_accuracy")
class SparseCategoricalAccuracy(Metric):
    """Share of samples with ``argmax(y_pred) == y_true`` (class ids)."""

    code = km.SPARSE_CATEGORICAL_ACCURACY
    sparse = True

    def __init__(self, name: str = "sparse_categorical_accuracy", dtype: Any = None) -> None:
        super().__init__(name)


@METRICS.register("TopKCategoricalAccuracy", "top_k_categorical_accuracy")
class TopKCategoricalAccuracy(Metric):
    """Share of samples whose true class is among the ``k`` highest scores. Defaults to ``k=5``."""

    code = km.TOP_K

    def __init__(self, k: int = 5, name: str = "top_k_categorical_accuracy", dtype: Any = None) -> None:
        super().__init__(name)
        self.k = int(k)
        self.param = float(self.k)

    def get_config(self):
        return {"name": self.name, "k": self.k}


@METRICS.register("SparseTopKCategoricalAccuracy", "sparse_top_k_categorical_accuracy")
class SparseTopKCategoricalAccuracy(TopKCategoricalAccuracy):
    """``TopKCategoricalAccuracy`` for class-id labels. Defaults to ``k=5``."""

    code = km.SPARSE_TOP_K
    sparse = True

    def __init__(self, k: int = 5, name: str = "sparse_top_k_categorical_accuracy", dtype: Any = None) -> None:
        super().__init__(k, name)


class MeanMetricWrapper(Metric):
    """The running mean of a loss used as a metric (``metrics=['mae']``)."""

    def __init__(self, fn: Any, name: str | None = None, dtype: Any = None, **kwargs: Any) -> None:
        loss = losses.get(fn)
        if kwargs:
            loss = type(loss)(**kwargs)
        super().__init__(name or getattr(fn, "__name__", None) or loss.name)
        self.loss = loss
        self.sparse = loss.sparse


class _LossMetric(MeanMetricWrapper):
    """The running mean of the loss ``loss_class``, named as Keras names the metric."""

    loss_class: type = losses.MeanSquaredError
    default_name: str | None = None

    def __init__(self, name: str | None = None, dtype: Any = None, **kwargs: Any) -> None:
        super().__init__(self.loss_class, name or self.default_name or to_snake_case(type(self).__name__), **kwargs)



@METRICS.register("MeanSquaredError", "mean_squared_error", "mse")
class MeanSquaredError(_LossMetric):
    """The mean MeanSquaredError loss, as a metric."""

    loss_class = losses.MeanSquaredError


@METRICS.register("MeanAbsoluteError", "mean_absolute_error", "mae")
class MeanAbsoluteError(_LossMetric):
    """The mean MeanAbsoluteError loss, as a metric."""

    loss_class = losses.MeanAbsoluteError


@METRICS.register("MeanAbsolutePercentageError", "mean_absolute_percentage_error", "mape")
class MeanAbsolutePercentageError(_LossMetric):
    """The mean MeanAbsolutePercentageError loss, as a metric."""

    loss_class = losses.MeanAbsolutePercentageError


@METRICS.register("MeanSquaredLogarithmicError", "mean_squared_logarithmic_error", "msle")
class MeanSquaredLogarithmicError(_LossMetric):
    """The mean MeanSquaredLogarithmicError loss, as a metric."""

    loss_class = losses.MeanSquaredLogarithmicError


@METRICS.register("BinaryCrossentropy", "binary_crossentropy")
class BinaryCrossentropy(_LossMetric):
    """The mean BinaryCrossentropy loss, as a metric."""

    loss_class = losses.BinaryCrossentropy


@METRICS.register("CategoricalCrossentropy", "categorical_crossentropy")
class CategoricalCrossentropy(_LossMetric):
    """The mean CategoricalCrossentropy loss, as a metric."""

    loss_class = losses.CategoricalCrossentropy


@METRICS.register("SparseCategoricalCrossentropy", "sparse_categorical_crossentropy")
class SparseCategoricalCrossentropy(_LossMetric):
    """The mean SparseCategoricalCrossentropy loss, as a metric."""

    loss_class = losses.SparseCategoricalCrossentropy


@METRICS.register("KLDivergence", "kl_divergence", "kld")
class KLDivergence(_LossMetric):
    """The mean KLDivergence loss, as a metric."""

    loss_class = losses.KLDivergence


@METRICS.register("Poisson", "poisson")
class Poisson(_LossMetric):
    """The mean Poisson loss, as a metric."""

    loss_class = losses.Poisson


@METRICS.register("LogCoshError", "log_cosh_error", "logcosh", "log_cosh")
class LogCoshError(_LossMetric):
    """The mean LogCosh loss, as a metric."""

    loss_class = losses.LogCosh
    default_name = "logcosh"


@METRICS.register("Hinge", "hinge")
class Hinge(_LossMetric):
    """The mean Hinge loss, as a metric."""

    loss_class = losses.Hinge


@METRICS.register("SquaredHinge", "squared_hinge")
class SquaredHinge(_LossMetric):
    """The mean SquaredHinge loss, as a metric."""

    loss_class = losses.SquaredHinge


@METRICS.register("CategoricalHinge", "categorical_hinge")
class CategoricalHinge(_LossMetric):
    """The mean CategoricalHinge loss, as a metric."""

    loss_class = losses.CategoricalHinge


def _labels(y_true: Any) -> np.ndarray:
    y = np.asarray(y_true)
    return (y[..., 0] if y.ndim > 1 and y.shape[-1] == 1 else y).astype(np.int64)


def _in_top_k(y_pred: Any, labels: np.ndarray, k: int) -> np.ndarray:
    pred = np.asarray(y_pred, dtype=np.float64)
    target = np.take_along_axis(pred, labels[..., None], axis=-1)
    return ((pred > target).sum(axis=-1) < k).astype(np.float64)


def binary_accuracy(y_true: Any, y_pred: Any, threshold: float = 0.5) -> np.ndarray:
    """Per-sample share of outputs with ``(y_pred > threshold) == y_true``."""
    return np.mean((np.asarray(y_pred) > threshold) == np.asarray(y_true), axis=-1, dtype=np.float64)


def categorical_accuracy(y_true: Any, y_pred: Any) -> np.ndarray:
    """Per-sample ``argmax(y_true) == argmax(y_pred)``."""
    return (np.argmax(y_true, axis=-1) == np.argmax(y_pred, axis=-1)).astype(np.float64)


def sparse_categorical_accuracy(y_true: Any, y_pred: Any) -> np.ndarray:
    """Per-sample ``y_true == argmax(y_pred)`` for class ids."""
    return (_labels(y_true) == np.argmax(y_pred, axis=-1)).astype(np.float64)


def top_k_categorical_accuracy(y_true: Any, y_pred: Any, k: int = 5) -> np.ndarray:
    """Per-sample: is the true class among the ``k`` highest scores."""
    return _in_top_k(y_pred, np.argmax(y_true, axis=-1), k)


def sparse_top_k_categorical_accuracy(y_true: Any, y_pred: Any, k: int = 5) -> np.ndarray:
    """``top_k_categorical_accuracy`` for class ids."""
    return _in_top_k(y_pred, _labels(y_true), k)


# compile(metrics=[metrics.binary_accuracy]) uses the compiled metric of the function
_FUNCTIONS = {binary_accuracy: BinaryAccuracy, categorical_accuracy: CategoricalAccuracy,
              sparse_categorical_accuracy: SparseCategoricalAccuracy,
              top_k_categorical_accuracy: TopKCategoricalAccuracy,
              sparse_top_k_categorical_accuracy: SparseTopKCategoricalAccuracy}


def class_of(function: Any) -> type | None:
    """The ``Metric`` class behind one of this module's metric functions, or None."""
    try:
        return _FUNCTIONS.get(function)
    except TypeError:  # unhashable
        return None
mean_squared_error = mse = losses.mean_squared_error
mean_absolute_error = mae = losses.mean_absolute_error


def get(identifier: Any) -> Metric:
    """Resolve a metric name, class, instance, metric/loss function or config dict.

    ``'accuracy'`` / ``'acc'`` are resolved by the model, which knows the
    shapes of the targets and outputs.
    """
    if class_of(identifier) is not None:
        return class_of(identifier)(name=identifier.__name__)
    if losses.class_of(identifier) is not None:
        return MeanMetricWrapper(identifier)
    if isinstance(identifier, str):
        metric = METRICS.get(identifier)
        metric.name = identifier
        return metric
    metric = METRICS.get(identifier)
    if isinstance(metric, losses.Loss):
        return MeanMetricWrapper(metric)
    if not isinstance(metric, Metric):
        raise ValueError(  # noqa: TRY004 (Keras raises ValueError here)
            f"Could not interpret metric: {identifier!r}. Expected one of {', '.join(METRICS.names())}, "
            "'accuracy', or a jitnet metric class or function."
        )
    return metric


def serialize(metric: Metric) -> dict:
    """Keras layout: ``{'class_name': ..., 'config': ...}``."""
    return {"class_name": type(metric).__name__, "config": metric.get_config()}
