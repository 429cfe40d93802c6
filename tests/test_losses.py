"""Loss kernels: finite-difference gradients (float64) and Keras's formulas."""

import numpy as np
import pytest

from jitnet import losses
from jitnet.kernels import losses as kl
from tests import reference

EPS = 1e-7
rng = np.random.default_rng(0)


def _data(code, n=4, k=3):
    if code in (kl.SCCE, kl.SCCE_LOGITS):
        y = rng.integers(0, k, size=(n, 1)).astype(float)
    elif code in (kl.CCE, kl.CCE_LOGITS, kl.CATEGORICAL_HINGE, kl.KLD):
        y = np.eye(k)[rng.integers(0, k, n)]
    elif code in (kl.BCE, kl.BCE_LOGITS, kl.HINGE, kl.SQUARED_HINGE):
        y = rng.integers(0, 2, size=(n, k)).astype(float)
    else:
        y = rng.uniform(0.1, 2.0, size=(n, k))
    if code in (kl.BCE, kl.CCE, kl.SCCE, kl.KLD):
        pred = rng.uniform(0.05, 0.95, size=(n, k))
    elif code in (kl.POISSON, kl.MSLE, kl.MAPE):
        pred = rng.uniform(0.2, 3.0, size=(n, k))
    else:
        pred = rng.normal(size=(n, k)) * 2
    return np.ascontiguousarray(pred), np.ascontiguousarray(y)


ALL_CODES = list(range(kl.SCCE_LOGITS + 1))


@pytest.mark.parametrize("code", ALL_CODES)
@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_gradient_matches_central_differences(code, smoothing):
    pred, y = _data(code)
    sw = np.array([1.0, 0.5, 2.0, 0.0])
    hyper = np.array([EPS, smoothing, 1.0])
    grad = np.zeros_like(pred)
    kl.loss_forward_backward(code, pred, y, sw, grad, hyper, True)
    num = np.zeros_like(pred)
    h = 1e-6
    for idx in np.ndindex(pred.shape):
        p = pred.copy()
        p[idx] += h
        up = kl.loss_forward_backward(code, p, y, sw, np.zeros_like(p), hyper, False)
        p[idx] -= 2 * h
        down = kl.loss_forward_backward(code, p, y, sw, np.zeros_like(p), hyper, False)
        num[idx] = (up - down) / (2 * h) / pred.shape[0]
    np.testing.assert_allclose(grad, num, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("code", ALL_CODES)
def test_values_match_keras_formulas(code):
    pred, y = _data(code)
    ls = 0.1 if code in (kl.BCE, kl.BCE_LOGITS, kl.CCE, kl.CCE_LOGITS) else 0.0
    out = np.empty(pred.shape[0])
    kl.loss_per_sample(code, pred, y, np.array([EPS, ls, 1.0]), out)
    np.testing.assert_allclose(out, reference.loss(code, pred, y, ls), rtol=1e-10, atol=1e-12)


def test_logits_path_is_stable_for_large_logits():
    z = np.array([[1000.0, -1000.0, 0.0]])
    out = np.empty(1)
    kl.loss_per_sample(kl.CCE_LOGITS, z, np.array([[0.0, 1.0, 0.0]]), np.array([EPS, 0.0, 1.0]), out)
    assert out[0] == pytest.approx(2000.0)
    kl.loss_per_sample(kl.BCE_LOGITS, np.array([[-800.0]]), np.array([[1.0]]), np.array([EPS, 0.0, 1.0]), out)
    assert out[0] == pytest.approx(800.0)


def test_loss_objects_reduce_with_sample_weights():
    y = np.array([[1.0], [0.0]])
    p = np.array([[0.8], [0.4]])
    per = -np.log([0.8, 0.6])
    assert losses.BinaryCrossentropy()(y, p) == pytest.approx(per.mean())
    assert losses.BinaryCrossentropy()(y, p, sample_weight=[2.0, 0.0]) == pytest.approx(per[0])
    assert losses.BinaryCrossentropy(reduction="sum")(y, p) == pytest.approx(per.sum())
    np.testing.assert_allclose(losses.binary_crossentropy(y, p), per)


def test_hinge_keeps_signed_labels():
    y = np.array([[-1.0], [1.0]])
    p = np.array([[0.3], [0.2]])
    np.testing.assert_allclose(losses.hinge(y, p), [1.3, 0.8])


_Y = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
_P = np.array([[0.2, 0.5, 0.3], [0.6, 0.1, 0.3]])
# Keras's string -> (class it names, its value on (_Y, _P) by the textbook formula)
_STRINGS = {
    "mse": ("MeanSquaredError", np.mean((_Y - _P) ** 2)),
    "mae": ("MeanAbsoluteError", np.mean(np.abs(_Y - _P))),
    "mape": ("MeanAbsolutePercentageError", np.mean(100 * np.abs(_Y - _P) / np.maximum(np.abs(_Y), 1e-7))),
    "msle": ("MeanSquaredLogarithmicError", np.mean((np.log1p(_Y) - np.log1p(_P)) ** 2)),
    "kld": ("KLDivergence", np.mean(np.sum(np.clip(_Y, 1e-7, 1) * np.log(np.clip(_Y, 1e-7, 1) /
                                                                          np.clip(_P, 1e-7, 1)), 1))),
    "huber": ("Huber", np.mean(np.where(np.abs(_Y - _P) <= 1, 0.5 * (_Y - _P) ** 2, np.abs(_Y - _P) - 0.5))),
    "log_cosh": ("LogCosh", np.mean(np.log(np.cosh(_P - _Y)))),
    "poisson": ("Poisson", np.mean(_P - _Y * np.log(_P + 1e-7))),
    "hinge": ("Hinge", np.mean(np.maximum(1 - (2 * _Y - 1) * _P, 0))),
    "squared_hinge": ("SquaredHinge", np.mean(np.maximum(1 - (2 * _Y - 1) * _P, 0) ** 2)),
    "categorical_hinge": ("CategoricalHinge", np.mean(np.maximum(
        0, 1 + np.max((1 - _Y) * _P, 1) - np.sum(_Y * _P, 1)))),
    "binary_crossentropy": ("BinaryCrossentropy", np.mean(-(_Y * np.log(_P) + (1 - _Y) * np.log(1 - _P)))),
    "categorical_crossentropy": ("CategoricalCrossentropy", np.mean(-np.sum(_Y * np.log(_P), 1))),
    "sparse_categorical_crossentropy": ("SparseCategoricalCrossentropy", np.mean(-np.log(_P[[0, 1], [1, 0]]))),
}


@pytest.mark.parametrize("name", sorted(_STRINGS))
def test_every_keras_string_names_its_loss(name):
    cls, expected = _STRINGS[name]
    loss = losses.get(name)
    assert type(loss).__name__ == cls
    y = np.array([1, 0]) if name.startswith("sparse") else _Y
    np.testing.assert_allclose(loss(y, _P), expected, rtol=1e-6)


def test_unknown_loss_lists_close_matches():
    with pytest.raises(ValueError, match="binary_crossentropy"):
        losses.get("binary_crossentropi")
