"""Losses by Keras name, as functions and classes, backed by compiled kernels.

Functions (``losses.binary_crossentropy(y_true, y_pred)``) return one value
per sample, as Keras does; ``Loss`` objects reduce with sample weights to
``sum(w_i * L_i) / n`` (Keras's ``sum_over_batch_size``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import config
from ._registry import Registry, to_snake_case
from .kernels import losses as kl


class Loss:
    """A compiled loss: kernel ``code`` plus ``hyper = [epsilon, label_smoothing, delta]``."""

    code: int = kl.MSE
    sparse = False
    default_name: str | None = None  # Keras's name where it is not the snake-case class name

    def __init__(self, name: str | None = None, reduction: str = "sum_over_batch_size", **settings: Any) -> None:
        if reduction not in ("sum_over_batch_size", "sum", "none", "mean", None):
            raise ValueError(f"Argument `reduction` must be 'sum_over_batch_size', 'sum' or 'none'. Received: reduction={reduction!r}")
        self.name = name or self.default_name or to_snake_case(type(self).__name__)
        self.reduction = reduction
        self.from_logits = bool(settings.get("from_logits", False))
        self.label_smoothing = float(settings.get("label_smoothing", 0.0))
        self.delta = float(settings.get("delta", 1.0))
        if not 0.0 <= self.label_smoothing <= 1.0:
            raise ValueError(f"Argument `label_smoothing` must be in [0, 1]. Received: label_smoothing={self.label_smoothing}")
        if self.delta <= 0:
            raise ValueError(f"Argument `delta` must be positive. Received: delta={self.delta}")
        self._settings = settings

    @property
    def kernel_code(self) -> int:
        """The kernel code, switched to the logits variant when ``from_logits``."""
        return self.code + 1 if self.from_logits and self.code in (kl.BCE, kl.CCE, kl.SCCE) else self.code

    def hyper(self) -> np.ndarray:
        """``[epsilon, label_smoothing, delta]`` as float64."""
        return np.array([config.epsilon(), self.label_smoothing, self.delta], dtype=np.float64)

    def per_sample(self, y_true: Any, y_pred: Any) -> np.ndarray:
        """Per-sample loss values (float64), Keras's unreduced output."""
        true2, pred2, shape = rows(y_true, y_pred, self.sparse)
        out = np.empty(pred2.shape[0])
        kl.loss_per_sample(self.kernel_code, pred2, true2, self.hyper(), out)
        return out.reshape(shape)

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> float:
        values = self.per_sample(y_true, y_pred)
        if sample_weight is not None:
            values = values * np.broadcast_to(np.asarray(sample_weight, dtype=np.float64), values.shape)
        if self.reduction == "none":
            return values
        if self.reduction == "sum":
            return float(values.sum())
        return float(values.sum() / max(values.size, 1))

    def get_config(self) -> dict:
        """Constructor arguments, as Keras serializes them."""
        return {"name": self.name, "reduction": self.reduction, **self._settings}

    @classmethod
    def from_config(cls, config: dict) -> Loss:
        """Rebuild from ``get_config()``."""
        return cls(**config)


def rows(y_true: Any, y_pred: Any, sparse: bool) -> tuple[np.ndarray, np.ndarray, tuple[int, ...]]:
    """``y_true`` and ``y_pred`` as the (n, k) float64 rows the kernels take, and the per-sample shape.

    Refused with a ``ValueError`` naming the argument: predictions that are
    empty or not numbers, targets of another size (one class id per row for
    ``sparse``, else one value per prediction), and class ids that are not
    integers in ``[0, k)``: the kernels index with them.
    """
    try:
        pred = np.asarray(y_pred, dtype=np.float64)
        true = np.asarray(y_true, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ValueError(f"Arguments `y_true` and `y_pred` must be numeric arrays ({err}).") from None
    if pred.size == 0:
        raise ValueError(f"Argument `y_pred` is empty. Received: shape={pred.shape}")
    shape = pred.shape[:-1] if pred.ndim > 1 else pred.shape
    pred2 = np.ascontiguousarray(pred.reshape(-1, pred.shape[-1] if pred.ndim > 1 else 1))
    n, k = pred2.shape
    if true.size != (n if sparse else n * k):
        expected = f"{n} class ids, one per row of `y_pred`" if sparse else f"{n * k} values, one per prediction"
        raise ValueError(f"Argument `y_true` must hold {expected} for `y_pred` of shape {pred.shape}. "
                         f"Received: shape={true.shape}")
    true2 = np.ascontiguousarray(true.reshape(n, -1))
    if sparse and not (np.all(np.isfinite(true2)) and np.all(true2 == np.floor(true2))
                       and true2.min() >= 0 and true2.max() < k):
        raise ValueError(f"Argument `y_true` must hold integer class ids in [0, {k}). "
                         f"Received values in [{true2.min():g}, {true2.max():g}]")
    return true2, pred2, shape


LOSSES = Registry("loss", base=Loss)
_REDUCTION = "sum_over_batch_size"


def _settings(**given: Any) -> dict:
    """The keyword arguments that differ from their defaults: what ``get_config`` reports beside the name."""
    defaults = {"from_logits": False, "label_smoothing": 0.0, "delta": 1.0}
    return {k: v for k, v in given.items() if v != defaults[k]}


@LOSSES.register("BinaryCrossentropy", "binary_crossentropy")
class BinaryCrossentropy(Loss):
    """Keras's binary crossentropy. Defaults to ``from_logits=False``, ``label_smoothing=0``."""

    code = kl.BCE

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0, name: str | None = None,
                 reduction: str = _REDUCTION) -> None:
        super().__init__(name, reduction, **_settings(from_logits=from_logits, label_smoothing=label_smoothing))


@LOSSES.register("CategoricalCrossentropy", "categorical_crossentropy")
class CategoricalCrossentropy(BinaryCrossentropy):
    """Keras's categorical crossentropy (one-hot targets). Defaults to ``from_logits=False``,
    ``label_smoothing=0``."""

    code = kl.CCE


@LOSSES.register("SparseCategoricalCrossentropy", "sparse_categorical_crossentropy")
class SparseCategoricalCrossentropy(Loss):
    """Keras's sparse categorical crossentropy (class-id targets). Defaults to ``from_logits=False``."""

    code = kl.SCCE
    sparse = True

    def __init__(self, from_logits: bool = False, name: str | None = None, reduction: str = _REDUCTION) -> None:
        super().__init__(name, reduction, **_settings(from_logits=from_logits))


@LOSSES.register("Huber", "huber", "huber_loss")
class Huber(Loss):
    """Keras's Huber loss. Defaults to ``delta=1``."""

    code = kl.HUBER
    default_name = "huber_loss"

    def __init__(self, delta: float = 1.0, name: str | None = None, reduction: str = _REDUCTION) -> None:
        super().__init__(name, reduction, **_settings(delta=delta))


class _Plain(Loss):
    """A loss without settings of its own."""

    def __init__(self, name: str | None = None, reduction: str = _REDUCTION) -> None:
        super().__init__(name, reduction)


@LOSSES.register("MeanSquaredError", "mean_squared_error", "mse")
class MeanSquaredError(_Plain):
    """Keras's mean squared error."""

    code = kl.MSE


@LOSSES.register("MeanAbsoluteError", "mean_absolute_error", "mae")
class MeanAbsoluteError(_Plain):
    """Keras's mean absolute error."""

    code = kl.MAE


@LOSSES.register("MeanAbsolutePercentageError", "mean_absolute_percentage_error", "mape")
class MeanAbsolutePercentageError(_Plain):
    """Keras's mean absolute percentage error."""

    code = kl.MAPE


@LOSSES.register("MeanSquaredLogarithmicError", "mean_squared_logarithmic_error", "msle")
class MeanSquaredLogarithmicError(_Plain):
    """Keras's mean squared logarithmic error."""

    code = kl.MSLE


@LOSSES.register("LogCosh", "log_cosh", "logcosh")
class LogCosh(_Plain):
    """Keras's log-cosh loss."""

    code = kl.LOG_COSH


@LOSSES.register("Hinge", "hinge")
class Hinge(_Plain):
    """Keras's hinge loss (labels -1/1, or 0/1 mapped to them)."""

    code = kl.HINGE


@LOSSES.register("SquaredHinge", "squared_hinge")
class SquaredHinge(_Plain):
    """Keras's squared hinge loss."""

    code = kl.SQUARED_HINGE


@LOSSES.register("CategoricalHinge", "categorical_hinge")
class CategoricalHinge(_Plain):
    """Keras's categorical hinge loss."""

    code = kl.CATEGORICAL_HINGE


@LOSSES.register("KLDivergence", "kl_divergence", "kld", "kullback_leibler_divergence")
class KLDivergence(_Plain):
    """Keras's Kullback-Leibler divergence."""

    code = kl.KLD


@LOSSES.register("Poisson", "poisson")
class Poisson(_Plain):
    """Keras's Poisson loss."""

    code = kl.POISSON


def _per_sample(cls: type, y_true: Any, y_pred: Any, **settings: Any) -> np.ndarray:
    return cls(**settings).per_sample(y_true, y_pred)


def binary_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False, label_smoothing: float = 0.0) -> np.ndarray:
    """Per-sample binary crossentropy (see ``BinaryCrossentropy``)."""
    return _per_sample(BinaryCrossentropy, y_true, y_pred, from_logits=from_logits, label_smoothing=label_smoothing)


def categorical_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False,
                             label_smoothing: float = 0.0) -> np.ndarray:
    """Per-sample categorical crossentropy (see ``CategoricalCrossentropy``)."""
    return _per_sample(CategoricalCrossentropy, y_true, y_pred, from_logits=from_logits,
                       label_smoothing=label_smoothing)


def sparse_categorical_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False) -> np.ndarray:
    """Per-sample sparse categorical crossentropy (see ``SparseCategoricalCrossentropy``)."""
    return _per_sample(SparseCategoricalCrossentropy, y_true, y_pred, from_logits=from_logits)


def huber(y_true: Any, y_pred: Any, delta: float = 1.0) -> np.ndarray:
    """Per-sample Huber loss (see ``Huber``)."""
    return _per_sample(Huber, y_true, y_pred, delta=delta)


def mean_squared_error(y_true: Any, y_pred: Any) -> np.ndarray:
    """Per-sample mean squared error."""
    return _per_sample(MeanSquaredError, y_true, y_pred)


def mean_absolute_error(y_true: Any, y_pred: Any) -> np.ndarray:
    """Per-sample mean absolute error."""
    return _per_sample(MeanAbsoluteError, y_true, y_pred)


def mean_absolute_percentage_error(y_true: Any, y_pred: Any) -> np.ndarray:
    """Per-sample mean absolute percentage error."""
    return _per_sample(MeanAbsolutePercentageError, y_true, y_pred)


def mean_squared_logarithmic_error(y_true: Any, y_pred: Any) -> np.ndarray:
    """Per-sample mean squared logarithmic error."""
    return _per_sample(MeanSquaredLogarithmicError, y_true, y_pred)


def log_cosh(y_true: Any, y_pred: Any) -> np.ndarray:
    """Per-sample log-cosh."""
    return _per_sample(LogCosh, y_true, y_pred)


def hinge(y_true: Any, y_pred: Any) -> np.ndarray:
    """Per-sample hinge loss."""
    return _per_sample(Hinge, y_true, y_pred)


def squared_hinge(y_true: Any, y_pred: Any) -> np.ndarray:
    """Per-sample squared hinge loss."""
    return _per_sample(SquaredHinge, y_true, y_pred)


def categorical_hinge(y_true: Any, y_pred: Any) -> np.ndarray:
    """Per-sample categorical hinge loss."""
    return _per_sample(CategoricalHinge, y_true, y_pred)


def kl_divergence(y_true: Any, y_pred: Any) -> np.ndarray:
    """Per-sample Kullback-Leibler divergence."""
    return _per_sample(KLDivergence, y_true, y_pred)


def poisson(y_true: Any, y_pred: Any) -> np.ndarray:
    """Per-sample Poisson loss."""
    return _per_sample(Poisson, y_true, y_pred)


# Keras's short names of the functions
mse, mae, mape, msle = mean_squared_error, mean_absolute_error, mean_absolute_percentage_error, \
    mean_squared_logarithmic_error
kld = kullback_leibler_divergence = kl_divergence
logcosh, huber_loss = log_cosh, huber
_FUNCTIONS = {fn: cls for fn, cls in (
    (binary_crossentropy, BinaryCrossentropy), (categorical_crossentropy, CategoricalCrossentropy),
    (sparse_categorical_crossentropy, SparseCategoricalCrossentropy), (huber, Huber),
    (mean_squared_error, MeanSquaredError), (mean_absolute_error, MeanAbsoluteError),
    (mean_absolute_percentage_error, MeanAbsolutePercentageError),
    (mean_squared_logarithmic_error, MeanSquaredLogarithmicError), (log_cosh, LogCosh), (hinge, Hinge),
    (squared_hinge, SquaredHinge), (categorical_hinge, CategoricalHinge), (kl_divergence, KLDivergence),
    (poisson, Poisson))}


def class_of(function: Any) -> type | None:
    """The ``Loss`` class behind one of this module's loss functions, or None."""
    try:
        return _FUNCTIONS.get(function)
    except TypeError:  # unhashable
        return None


def get(identifier: Any) -> Loss:
    """Resolve a loss name, class, instance, loss function or config dict."""
    if class_of(identifier) is not None:
        return class_of(identifier)()
    loss = LOSSES.get(identifier)
    if loss is not None and not isinstance(loss, Loss):
        raise ValueError(
            f"Could not interpret loss: {identifier!r}. Expected one of {', '.join(LOSSES.names())}, a jitnet "
            "loss class or function (custom Python losses cannot run inside compiled kernels)."
        )
    return loss


def serialize(loss: Loss) -> dict:
    """Keras layout: ``{'class_name': ..., 'config': ...}``."""
    return {"class_name": type(loss).__name__, "config": loss.get_config()}


def deserialize(config: dict) -> Loss:
    """Inverse of ``serialize``."""
    return get(config)
