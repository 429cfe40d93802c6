"""Every registered metric against its plain NumPy reference (``tests/reference.py``), in float64: standalone
(``update_state`` / ``result``) and compiled into ``evaluate``. A metric registered without a reference fails."""

import numpy as np
import pytest

import jitnet as keras
from jitnet import metrics
from tests import reference

K = 6  # classes or outputs per sample: more than top-k's default k=5
NAMES = metrics.METRICS.names()


def _class_name(name: str) -> str:
    return metrics.METRICS.lookup(name).__name__


# The targets and predictions each metric is fed: 0/1 targets with probabilities, values drawn from a few
# integers (so some are equal), one-hot or class-id targets with softmax rows, or positive values.
KIND = {
    "BinaryAccuracy": "binary", "BinaryCrossentropy": "binary", "Hinge": "binary", "SquaredHinge": "binary",
    "Accuracy": "integers",
    "CategoricalAccuracy": "onehot", "TopKCategoricalAccuracy": "onehot", "CategoricalCrossentropy": "onehot",
    "KLDivergence": "onehot", "CategoricalHinge": "onehot",
    "SparseCategoricalAccuracy": "ids", "SparseTopKCategoricalAccuracy": "ids",
    "SparseCategoricalCrossentropy": "ids",
    "MeanSquaredError": "positive", "MeanAbsoluteError": "positive", "MeanAbsolutePercentageError": "positive",
    "MeanSquaredLogarithmicError": "positive", "Poisson": "positive", "LogCoshError": "positive",
}


def data(kind: str, n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``(y_true, y_pred)`` of ``n`` samples of ``kind``, float64."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, K))
    probs = np.exp(z) / np.exp(z).sum(1, keepdims=True)
    if kind == "binary":
        return rng.integers(0, 2, (n, K)).astype(float), rng.uniform(0.02, 0.98, (n, K))
    if kind == "integers":
        return rng.integers(0, 3, (n, K)).astype(float), rng.integers(0, 3, (n, K)).astype(float)
    if kind == "onehot":
        return np.eye(K)[rng.integers(0, K, n)], probs
    if kind == "ids":
        return rng.integers(0, K, (n, 1)).astype(float), probs
    return rng.uniform(0.1, 2.0, (n, K)), rng.uniform(0.2, 3.0, (n, K))


def test_every_registered_metric_has_a_reference_and_a_kind():
    classes = {_class_name(name) for name in NAMES}
    assert sorted(classes) == sorted(reference.METRICS)
    assert sorted(classes) == sorted(KIND)


CASES = [(name, {}) for name in NAMES] + [  # (registry name, constructor arguments)
    ("BinaryAccuracy", {"threshold": 0.3}),
    ("TopKCategoricalAccuracy", {"k": 2}),
    ("SparseTopKCategoricalAccuracy", {"k": 2}),
    ("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1}),
    ("CategoricalCrossentropy", {"from_logits": True}),
    ("CategoricalCrossentropy", {"label_smoothing": 0.2}),
    ("SparseCategoricalCrossentropy", {"from_logits": True}),
]


@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=[f"{n}-{a}" if a else n for n, a in CASES])
def test_running_mean_matches_the_reference(name, kwargs):
    cls = _class_name(name)
    metric = metrics.METRICS.lookup(name)(**kwargs)
    batches = [data(KIND[cls], n, seed) for seed, n in enumerate((7, 1, 5))]
    for y, p in batches:
        metric.update_state(y, p)
    y, p = (np.concatenate(parts) for parts in zip(*batches))
    expected = np.mean(reference.METRICS[cls](y, p, **kwargs))
    assert metric.result() == pytest.approx(expected, rel=1e-12, abs=1e-14)
    metric.reset_state()
    assert metric.result() == 0.0


@pytest.mark.parametrize("name", NAMES)
def test_sample_weights_weigh_each_sample_as_keras(name):
    cls = _class_name(name)
    metric = metrics.METRICS.lookup(name)()
    y, p = data(KIND[cls], 9, seed=4)
    w = np.random.default_rng(5).uniform(0.0, 2.0, 9)
    w[2] = 0.0
    metric.update_state(y, p, sample_weight=w)
    values = reference.METRICS[cls](y, p)
    assert metric.result() == pytest.approx(np.sum(w * values) / np.sum(w), rel=1e-12, abs=1e-14)


def test_a_zero_weight_leaves_its_sample_out():
    metric = keras.metrics.BinaryAccuracy()
    metric.update_state([[1], [0]], [[0.9], [0.9]], sample_weight=[1, 0])
    assert metric.result() == 1.0  # Keras's value
    with pytest.raises(ValueError, match="sample_weight"):
        metric.update_state([[1], [0]], [[0.9], [0.9]], sample_weight=[1, 0, 1])


@pytest.mark.parametrize("kind", sorted(set(KIND.values())))
def test_compiled_metrics_in_evaluate_match_the_reference(float64, kind):
    """An identity model (``Rescaling(1.0)``) so the predictions are ``x``; batches of 4 over 10 samples."""
    classes = sorted(c for c, k in KIND.items() if k == kind)
    y, p = data(kind, 10, seed=3)
    model = keras.Sequential([keras.layers.InputLayer((K,)), keras.layers.Rescaling(1.0)])
    compiled = [metrics.METRICS.lookup(c)() for c in classes]
    loss = "sparse_categorical_crossentropy" if kind == "ids" else "mse"
    model.compile(optimizer="sgd", loss=loss, metrics=compiled)
    logs = model.evaluate(p, y, batch_size=4, verbose=0, return_dict=True)
    assert sorted(logs) == sorted(["loss", *(m.name for m in compiled)])
    for cls, metric in zip(classes, compiled):
        assert logs[metric.name] == pytest.approx(np.mean(reference.METRICS[cls](y, p)), rel=1e-12, abs=1e-14), cls
