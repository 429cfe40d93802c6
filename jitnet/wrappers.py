"""``keras.wrappers``: jitnet models as scikit-learn estimators (needs scikit-learn: ``jitnet[sklearn]``).

``SKLearnClassifier`` and ``SKLearnRegressor`` take Keras 3's arguments
(``model``, ``warm_start``, ``model_kwargs``, ``fit_kwargs``), and more:
every keyword of the model-building function and every ``fit`` argument
(``epochs``, ``batch_size``, ``verbose``, ``validation_split``,
``callbacks``, ``shuffle``) is a parameter of its own, so that searches
reach them by name::

    def mlp(hidden=100, dropout=0.0, learning_rate=1e-3):
        model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(hidden, activation="relu"),
                                  keras.layers.Dropout(dropout), keras.layers.Dense(10, activation="softmax")])
        model.compile(keras.optimizers.Adam(learning_rate), "sparse_categorical_crossentropy")
        return model

    search = GridSearchCV(SKLearnClassifier(mlp, epochs=5, random_state=0),
                          {"hidden": [50, 100], "dropout": [0.0, 0.3]}, cv=3)

A building function may also take ``X`` and ``y`` (as Keras 3's do) to size
the model from the data. ``random_state`` seeds the weights, shuffling and
dropout of each fit, so a search gives the same scores on any number of
workers. Unlike Keras 3, ``verbose`` defaults to 0 (searches run quietly).
Estimators pickle, fitted or not: a fitted model travels as a ``.keras``
file's bytes.
"""

from __future__ import annotations

import inspect
import os
import tempfile
from typing import Any

import numpy as np

try:
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
    from sklearn.utils.multiclass import check_classification_targets
    from sklearn.utils.validation import check_array, check_is_fitted
except ImportError as err:  # pragma: no cover - the error names the extra to install
    raise ImportError('keras.wrappers needs scikit-learn. Install it with: pip install "jitnet[sklearn]"') from err

try:
    from sklearn.utils.validation import validate_data as _validate_data
except ImportError:  # scikit-learn < 1.6
    def _validate_data(estimator, *args, **kwargs):
        return estimator._validate_data(*args, **kwargs)

# jitnet's fit and predict refuse NaN and infinities themselves (a ValueError naming them), so scikit-learn's
# own pass over X is skipped: 9 ms of a fit on 48,000 Fashion-MNIST images, 2 ms of a predict on 12,000.
_NO_FINITE_CHECK = {"ensure_all_finite" if "ensure_all_finite" in inspect.signature(check_array).parameters
                    else "force_all_finite": False}


def _validate(estimator, *args, **kwargs):
    return _validate_data(estimator, *args, **_NO_FINITE_CHECK, **kwargs)

FIT_ARGUMENTS = ("epochs", "batch_size", "verbose", "validation_split", "callbacks", "shuffle")


def _model_bytes(model: Any) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.keras")
        model.save(path)
        with open(path, "rb") as f:
            return f.read()


def _model_from_bytes(data: bytes) -> Any:
    from .saving import load_model

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.keras")
        with open(path, "wb") as f:
            f.write(data)
        return load_model(path)


class _SKLearnBase(BaseEstimator):
    """What the classifier and the regressor share: parameters, building, fitting, pickling."""

    def __init__(self, model: Any = None, warm_start: bool = False, model_kwargs: dict | None = None,
                 fit_kwargs: dict | None = None, random_state: int | None = None, **params: Any) -> None:
        self.model = model
        self.warm_start = warm_start
        self.model_kwargs = model_kwargs
        self.fit_kwargs = fit_kwargs
        self.random_state = random_state
        self._params = dict(params)

    # -- parameters ---------------------------------------------------------------
    def __getattr__(self, name: str) -> Any:
        params = self.__dict__.get("_params", {})
        if name in params:
            return params[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def _accepted(self) -> set[str]:
        """The flat parameters this estimator can take: ``fit``'s and the building function's keywords."""
        names = set(FIT_ARGUMENTS)
        if callable(self.model) and not _is_model(self.model):
            names |= {p.name for p in inspect.signature(self.model).parameters.values()
                      if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name not in ("X", "y")}
        return names

    def get_params(self, deep: bool = True) -> dict:
        """Keras 3's parameters, ``random_state`` and every flat parameter given."""
        return {**super().get_params(deep=deep), **self._params}

    def set_params(self, **params: Any) -> _SKLearnBase:
        """Set parameters by name; an unknown name raises ``ValueError``."""
        own = set(super().get_params(deep=False))
        for name, value in params.items():
            if name in own:
                setattr(self, name, value)
            elif name in self._params or name in self._accepted():
                self._params[name] = value
            else:
                raise ValueError(f"Invalid parameter {name!r} for estimator {type(self).__name__}. Valid parameters "
                                 f"are: {sorted(own | self._accepted())}.")
        return self

    # -- building and fitting -------------------------------------------------------
    def _build(self, X: np.ndarray, targets: np.ndarray) -> Any:
        from .models import clone_model

        if self.model is None:
            raise ValueError("Argument `model` must be a compiled jitnet model or a function returning one. "
                             "Received: model=None")
        unknown = set(self._params) - self._accepted()
        if unknown:
            raise ValueError(f"Invalid parameter(s) {sorted(unknown)} for estimator {type(self).__name__}: "
                             f"`model` takes {sorted(self._accepted() - set(FIT_ARGUMENTS))}.")
        if _is_model(self.model):
            if self.warm_start and hasattr(self, "model_"):
                return self.model_
            model = clone_model(self.model)
            if self.model.compiled:
                model.compile_from_config(self.model.get_compile_config())
        elif self.warm_start and hasattr(self, "model_"):
            return self.model_
        else:
            accepted = self._accepted()
            kwargs = {**(self.model_kwargs or {}), **{k: v for k, v in self._params.items()
                                                       if k in accepted and k not in FIT_ARGUMENTS}}
            signature = inspect.signature(self.model).parameters
            takes_any = any(p.kind == p.VAR_KEYWORD for p in signature.values())
            if "X" in signature or takes_any:
                kwargs["X"] = X
            if "y" in signature or takes_any:
                kwargs["y"] = self._shown_targets(targets)
            model = self.model(**kwargs)
        if not _is_model(model) or not model.compiled:
            raise ValueError(f"Argument `model` must give a compiled jitnet model (call `compile()` in the "
                             f"building function). Received: {model!r}")
        return model

    def _fit(self, X: Any, targets: np.ndarray, **kwargs: Any) -> _SKLearnBase:
        from . import config

        if self.random_state is not None:
            config.set_random_seed(int(self.random_state))
        model = self._build(X, targets)
        fit_args = {"verbose": 0, **(self.fit_kwargs or {}),
                    **{k: v for k, v in self._params.items() if k in FIT_ARGUMENTS}, **kwargs}
        self.history_ = model.fit(X, self._model_targets(model, targets), **fit_args).history
        self.model_ = model
        return self

    def _model_targets(self, model: Any, targets: np.ndarray) -> np.ndarray:
        return targets

    def _shown_targets(self, targets: np.ndarray) -> np.ndarray:
        """The ``y`` a building function that takes one is given."""
        return targets

    def _outputs(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "model_")
        X = _validate(self, X, reset=False)
        out = self.model_.predict(X, verbose=0)
        return out.reshape(out.shape[0], -1)

    # -- pickling -------------------------------------------------------------------
    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        for key in ("model_", "model"):
            if _is_model(state.get(key)):
                state[key] = ("jitnet .keras file", _model_bytes(state[key]))
        return state

    def __setstate__(self, state: dict) -> None:
        for key in ("model_", "model"):
            value = state.get(key)
            if isinstance(value, tuple) and len(value) == 2 and value[0] == "jitnet .keras file":
                state[key] = _model_from_bytes(value[1])
        self.__dict__.update(state)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        return tags

    def _more_tags(self) -> dict:  # scikit-learn < 1.6
        return {"non_deterministic": self.random_state is None, "poor_score": True}


def _is_model(value: Any) -> bool:
    from .models import Model

    return isinstance(value, Model)


class SKLearnClassifier(ClassifierMixin, _SKLearnBase):
    """A scikit-learn classifier around a jitnet model (Keras 3's ``keras.wrappers.SKLearnClassifier``).

    Labels may be any hashable values (strings too): ``classes_`` holds
    them sorted. A building function that takes ``y`` gets their one-hot
    rows (as in Keras 3); the model trains on class ids when its loss is
    sparse, on 0/1 for a single sigmoid output, else on the one-hot rows.

    Args:
        model: a compiled model (cloned before each fit) or a function
            returning one, called with its keyword parameters (and ``X``,
            ``y`` if it takes them).
        warm_start: continue from the last fit's weights.
        model_kwargs: keyword arguments for ``model`` (flat parameters win).
        fit_kwargs: keyword arguments for ``fit`` (flat parameters win).
        random_state: seed of weights, shuffling and dropout; None leaves
            the global seed alone.
        **params: flat parameters: the building function's keywords and
            ``fit``'s (``epochs``, ``batch_size``, ``verbose``, ...).
    """

    def fit(self, X: Any, y: Any, **kwargs: Any) -> SKLearnClassifier:
        """Train a fresh model (or continue, with ``warm_start``); ``kwargs`` go to ``model.fit``."""
        X, y = _validate(self, X, y, dtype=("float32", "float64"))
        check_classification_targets(y)
        self.classes_, ids = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(f"Argument `y` holds 1 class only ({self.classes_[0]!r}): a classifier needs at "
                             "least two.")
        return self._fit(X, ids.astype(np.int64), **kwargs)

    def _model_targets(self, model: Any, targets: np.ndarray) -> np.ndarray:
        width = model.output_shape[-1]
        if model.loss.sparse or width == 1:
            return targets
        return np.eye(width, dtype="float32")[targets]

    def _shown_targets(self, targets: np.ndarray) -> np.ndarray:
        return np.eye(len(self.classes_), dtype="float32")[targets]  # one-hot, as Keras 3 gives it

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, one column per class of ``classes_``."""
        out = self._outputs(X)
        if out.shape[1] == 1:
            out = np.hstack([1.0 - out, out])
        return out / np.maximum(out.sum(axis=1, keepdims=True), 1e-12)

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of each sample."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.poor_score = True  # small networks trained for an epoch on the checks' data
        return tags


class SKLearnRegressor(RegressorMixin, _SKLearnBase):
    """A scikit-learn regressor around a jitnet model (Keras 3's ``keras.wrappers.SKLearnRegressor``).

    Args: as ``SKLearnClassifier``'s.
    """

    def fit(self, X: Any, y: Any, **kwargs: Any) -> SKLearnRegressor:
        """Train a fresh model (or continue, with ``warm_start``); ``kwargs`` go to ``model.fit``."""
        X, y = _validate(self, X, y, dtype=("float32", "float64"), y_numeric=True, multi_output=True)
        self._y_1d = np.ndim(y) == 1
        return self._fit(X, np.asarray(y, np.float64).reshape(len(y), -1), **kwargs)

    def predict(self, X: Any) -> np.ndarray:
        """The model's outputs (float64, as scikit-learn expects): one value per sample for a 1-D ``y``."""
        out = self._outputs(X).astype(np.float64)
        return out[:, 0] if self._y_1d and out.shape[1] == 1 else out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.regressor_tags.poor_score = True
        tags.target_tags.multi_output = True  # a model with several output units fits several targets
        return tags


__all__ = ["SKLearnClassifier", "SKLearnRegressor"]
