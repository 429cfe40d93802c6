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


def _loss_class(name: str, code: int, keywords: tuple[str, ...] = (), sparse: bool = False,
                default_name: str | None = None) -> type:
    def __init__(self, *args: Any, name: str | None = None, reduction: str = "sum_over_batch_size", **kwargs: Any):
        for key, value in zip(keywords, args):
            kwargs[key] = value
        unknown = set(kwargs) - set(keywords)
        if unknown:
            raise TypeError(f"{type(self).__name__} got unexpected keyword arguments: {sorted(unknown)}")
        Loss.__init__(self, name=name, reduction=reduction, **kwargs)

    doc = f"Keras's ``{name}`` loss." + (f" Keyword arguments: {', '.join(keywords)}." if keywords else "")
    return type(name, (Loss,), {"__init__": __init__, "code": code, "sparse": sparse, "__doc__": doc,
                                "default_name": default_name})


_CE = ("from_logits", "label_smoothing")
BinaryCrossentropy = _loss_class("BinaryCrossentropy", kl.BCE, _CE)
CategoricalCrossentropy = _loss_class("CategoricalCrossentropy", kl.CCE, _CE)
SparseCategoricalCrossentropy = _loss_class("SparseCategoricalCrossentropy", kl.SCCE, ("from_logits",), sparse=True)
MeanSquaredError = _loss_class("MeanSquaredError", kl.MSE)
MeanAbsoluteError = _loss_class("MeanAbsoluteError", kl.MAE)
MeanAbsolutePercentageError = _loss_class("MeanAbsolutePercentageError", kl.MAPE)
MeanSquaredLogarithmicError = _loss_class("MeanSquaredLogarithmicError", kl.MSLE)
Huber = _loss_class("Huber", kl.HUBER, ("delta",), default_name="huber_loss")
LogCosh = _loss_class("LogCosh", kl.LOG_COSH)
Hinge = _loss_class("Hinge", kl.HINGE)
SquaredHinge = _loss_class("SquaredHinge", kl.SQUARED_HINGE)
CategoricalHinge = _loss_class("CategoricalHinge", kl.CATEGORICAL_HINGE)
KLDivergence = _loss_class("KLDivergence", kl.KLD)
Poisson = _loss_class("Poisson", kl.POISSON)

_CLASSES = (BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy, MeanSquaredError,
            MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError, Huber, LogCosh, Hinge,
            SquaredHinge, CategoricalHinge, KLDivergence, Poisson)
_ALIASES = {
    "mse": MeanSquaredError, "mae": MeanAbsoluteError, "mape": MeanAbsolutePercentageError,
    "msle": MeanSquaredLogarithmicError, "kld": KLDivergence, "kl_divergence": KLDivergence,
    "kullback_leibler_divergence": KLDivergence, "huber_loss": Huber, "log_cosh": LogCosh, "logcosh": LogCosh,
    "huber": Huber,
}


def _function(cls: type, name: str):
    def fn(y_true: Any, y_pred: Any, **kwargs: Any) -> np.ndarray:
        return cls(**kwargs).per_sample(y_true, y_pred)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Per-sample {name} (see ``{cls.__name__}``)."
    fn.loss_class = cls
    return fn


LOSSES = Registry("loss", base=Loss)
for _cls in _CLASSES:
    LOSSES.add(_cls.__name__, _cls)
    _fn = _function(_cls, to_snake_case(_cls.__name__))
    globals()[_fn.__name__] = _fn
    LOSSES.add(_fn.__name__, _cls)
for _alias, _cls in _ALIASES.items():
    LOSSES.add(_alias, _cls)
    globals().setdefault(_alias, _function(_cls, _alias))
del _cls, _fn, _alias


def get(identifier: Any) -> Loss:
    """Resolve a loss name, class, instance, loss function or config dict."""
    if callable(identifier) and hasattr(identifier, "loss_class"):
        return identifier.loss_class()
    loss = LOSSES.get(identifier)
    if loss is not None and not isinstance(loss, Loss):
        raise TypeError(
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
