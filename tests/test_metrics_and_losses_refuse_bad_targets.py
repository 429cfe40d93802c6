"""Every public metric and loss refuses targets its kernels would index wrongly: out-of-range, non-integer or
NaN class ids, wrong sizes, empty predictions; and a compiled model refuses a metric whose targets are laid out
unlike its loss's. Before these checks, ``update_state([10**9], ...)`` read native memory at that index."""

import numpy as np
import pytest

import jitnet as keras
from jitnet import losses, metrics

PRED = [[0.1, 0.9], [0.7, 0.3]]
SPARSE_METRICS = [metrics.SparseCategoricalAccuracy, metrics.SparseTopKCategoricalAccuracy,
                  lambda: metrics.get("sparse_categorical_crossentropy")]
DENSE_METRICS = [metrics.CategoricalAccuracy, metrics.TopKCategoricalAccuracy, metrics.BinaryAccuracy,
                 lambda: metrics.get("mse"), lambda: metrics.get("categorical_crossentropy")]
SPARSE_LOSSES = [losses.SparseCategoricalCrossentropy(), losses.sparse_categorical_crossentropy]
DENSE_LOSSES = [losses.CategoricalCrossentropy(), losses.categorical_crossentropy, losses.MeanSquaredError(),
                losses.KLDivergence(), losses.Hinge(), losses.BinaryCrossentropy()]
BAD_IDS = [[10**9, 0], [-1, 0], [np.nan, 0], [0.5, 1], [0, 1, 1], [[0], [1], [1]]]


@pytest.mark.parametrize("make", SPARSE_METRICS)
@pytest.mark.parametrize("ids", BAD_IDS)
def test_sparse_metrics_refuse_bad_ids(make, ids):
    metric = make()
    with pytest.raises(ValueError, match="y_true"):
        metric.update_state(ids, PRED)
    metric.update_state([1, 0], PRED)  # nothing was counted before
    assert metric.result() == pytest.approx(1.0) or metric.name == "sparse_categorical_crossentropy"


@pytest.mark.parametrize("make", DENSE_METRICS)
@pytest.mark.parametrize("targets", [[[0, 1, 0], [1, 0, 0]], [[0, 1]], [1, 0]])
def test_dense_metrics_refuse_targets_of_another_size(make, targets):
    with pytest.raises(ValueError, match="y_true"):
        make().update_state(targets, PRED)


@pytest.mark.parametrize("loss", SPARSE_LOSSES)
@pytest.mark.parametrize("ids", BAD_IDS)
def test_sparse_losses_refuse_bad_ids(loss, ids):
    with pytest.raises(ValueError, match="y_true"):
        loss(ids, PRED)


@pytest.mark.parametrize("loss", DENSE_LOSSES)
def test_dense_losses_refuse_targets_of_another_size_and_empty_predictions(loss):
    with pytest.raises(ValueError, match="y_true"):
        loss([[0, 1, 0], [1, 0, 0]], PRED)
    with pytest.raises(ValueError, match="y_pred"):
        loss([], np.zeros((0, 2)))


def test_good_targets_still_give_keras_values():
    assert losses.sparse_categorical_crossentropy([1, 0], PRED).tolist() == pytest.approx(
        [-np.log(0.9), -np.log(0.7)])
    metric = metrics.SparseTopKCategoricalAccuracy(k=1)
    metric.update_state([0, 0], PRED)
    assert metric.result() == pytest.approx(0.5)


@pytest.mark.parametrize("loss, metric", [("categorical_crossentropy", "sparse_top_k_categorical_accuracy"),
                                          ("categorical_crossentropy", "sparse_categorical_accuracy"),
                                          ("sparse_categorical_crossentropy", "mse"),
                                          ("sparse_categorical_crossentropy", "top_k_categorical_accuracy")])
def test_a_model_refuses_a_metric_whose_targets_its_loss_lays_out_otherwise(loss, metric):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    model.compile(loss=loss, metrics=[metric])
    y = np.eye(3)[[0, 1, 2, 0]] if loss.startswith("categorical") else np.array([0, 1, 2, 0])
    before = model.get_weights()
    with pytest.raises(ValueError, match="Metric .* takes"):
        model.fit(np.zeros((4, 4)), y, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    assert model.optimizer.iterations == 0


def _every(registry, get):
    return [pytest.param(get(name), id=name) for name in registry.names()]


@pytest.mark.parametrize("subject", _every(metrics.METRICS, metrics.get) + _every(losses.LOSSES, losses.get))
def test_every_registered_metric_and_loss_refuses_targets_its_kernel_would_misread(subject):
    """Out-of-range or non-integer class ids (sparse), and targets whose count or rank does not fit the
    predictions (mismatched lengths, an extra sample, one target row too few)."""
    call = subject.update_state if isinstance(subject, metrics.Metric) else subject
    bad = BAD_IDS if subject.sparse else [[[0, 1, 0], [1, 0, 0]], [[0, 1]], [1, 0, 1, 0, 1], [[[0, 1]]]]
    for targets in bad:
        with pytest.raises(ValueError, match="y_true"):
            call(targets, PRED)
    with pytest.raises(ValueError, match="y_pred"):
        call([], np.zeros((0, 2)))
