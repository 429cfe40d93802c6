"""Dropout, GaussianNoise, GaussianDropout and AlphaDropout.

Masks come from a counter-based generator keyed by ``(seed, step, element)``;
the tests re-implement it in plain Python (SplitMix64), check that masks do
not depend on the thread count, and check each layer's statistics on large
draws with 5-sigma bounds.
"""

import math

import numpy as np
import pytest

import jitnet as keras
from jitnet import config
from jitnet.kernels import dropout as kd
from jitnet.kernels import random as kr

L = keras.layers
SIGMAS = 5.0

# ----------------------------------------------------------------------------- reference generator
_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15


def _mix64(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def uniform_ref(seed, step, index):
    """SplitMix64 of ``(seed, step, index)`` to a float64 in [0, 1), in plain Python integers."""
    key = _mix64((seed + _GOLDEN * (step + 1)) & _MASK)
    bits = _mix64((key + _GOLDEN * (index + 1)) & _MASK)
    return (bits >> 11) * 2.0 ** -53


def keep_ref(shape, rate, seed, step):
    rows, cols = shape
    return np.array([[uniform_ref(seed, step, i * cols + j) >= rate for j in range(cols)] for i in range(rows)])


def with_threads(n, fn):
    old, fixed = config.get_num_threads(), config._FIXED
    config.set_num_threads(n)
    try:
        return fn()
    finally:
        config.set_num_threads(old)
        config._FIXED = fixed


def noise(mode, x, param, seed=7, step=0, backward=False):
    out = np.empty_like(x)
    kd.apply_noise(mode, x, out, param, seed, step, backward)
    return out


# ----------------------------------------------------------------------------- the generator
@pytest.mark.parametrize("seed, step, index", [(0, 0, 0), (7, 3, 11), (2**63 - 1, 10**6, 2**40), (123, 0, 1)])
def test_uniform_is_splitmix64_of_seed_step_and_index(seed, step, index):
    assert kr.uniform(seed, step, index) == uniform_ref(seed, step, index)


def test_dropout_mask_matches_the_reference_generator():
    x = np.ones((12, 7))
    out = noise(kd.DROPOUT, x, 0.4, seed=5, step=2)
    keep = keep_ref((12, 7), 0.4, 5, 2)
    np.testing.assert_array_equal(out != 0, keep)
    np.testing.assert_array_equal(out[keep], 1.0 / 0.6)


# ----------------------------------------------------------------------------- thread independence
def _big(cols=64):
    """A large array: its noise must not depend on the thread count."""
    rows = 2000
    return np.random.default_rng(0).normal(size=(rows, cols))


@pytest.mark.parametrize("mode, param", [(kd.DROPOUT, 0.3), (kd.GAUSSIAN_NOISE, 0.5), (kd.GAUSSIAN_DROPOUT, 0.3),
                                         (kd.ALPHA_DROPOUT, 0.2)])
def test_noise_kernel_is_identical_with_one_and_two_threads(mode, param):
    x = _big()
    one = with_threads(1, lambda: noise(mode, x, param, seed=11, step=4))
    two = with_threads(2, lambda: noise(mode, x, param, seed=11, step=4))
    np.testing.assert_array_equal(one, two)
    back1 = with_threads(1, lambda: noise(mode, x, param, seed=11, step=4, backward=True))
    back2 = with_threads(2, lambda: noise(mode, x, param, seed=11, step=4, backward=True))
    np.testing.assert_array_equal(back1, back2)


def test_large_and_small_arrays_draw_the_same_noise_per_element():
    # Element e's noise depends on e only, not on the array size or the code path.
    x = _big()
    big = noise(kd.GAUSSIAN_NOISE, x, 1.0, seed=2, step=1)
    small = noise(kd.GAUSSIAN_NOISE, np.ascontiguousarray(x[:10]), 1.0, seed=2, step=1)
    np.testing.assert_array_equal(big[:10], small)


def test_model_dropout_masks_are_identical_with_one_and_two_threads():
    def first_call():  # a fresh model's first training-mode call draws its masks at step -1
        return keras.Sequential([keras.Input(shape=(64,)), L.Dropout(0.25, seed=9)])(x, training=True)

    x = _big().astype("float32")
    one = with_threads(1, first_call)
    two = with_threads(2, first_call)
    np.testing.assert_array_equal(one, two)
    keep = keep_ref((4, 64), 0.25, 9, -1)
    np.testing.assert_array_equal(one[:4] != 0, keep)


def test_each_training_call_draws_fresh_masks_for_monte_carlo_dropout():
    model = keras.Sequential([keras.Input(shape=(64,)), L.Dropout(0.5, seed=3)])
    x = np.ones((8, 64), "float32")
    a, b = model(x, training=True), model(x, training=True)
    assert not np.array_equal(a != 0, b != 0)
    np.testing.assert_array_equal(model(x), x)


# ----------------------------------------------------------------------------- Dropout statistics
@pytest.mark.parametrize("rate", [0.1, 0.5, 0.8])
def test_dropout_keeps_the_expected_fraction_and_scales_by_one_over_keep(rate):
    x = np.ones((500, 200))
    out = noise(kd.DROPOUT, x, rate, seed=3, step=0)
    n = x.size
    kept = out != 0
    p = 1.0 - rate
    assert abs(kept.mean() - p) < SIGMAS * math.sqrt(p * (1 - p) / n)
    np.testing.assert_array_equal(out[kept], 1.0 / (1.0 - rate))
    # Inverted dropout keeps the expectation: E[out] = x.
    assert abs(out.mean() - 1.0) < SIGMAS * math.sqrt(p * (1 - p) / n) / p


def test_dropout_masks_change_with_step_and_seed_independently():
    # Two masks of rate 1/2 agree on a fraction 1/2 of elements when independent.
    x = np.ones((400, 250))
    n = x.size
    base = noise(kd.DROPOUT, x, 0.5, seed=3, step=0) != 0
    bound = SIGMAS * math.sqrt(0.25 / n)
    for other in (noise(kd.DROPOUT, x, 0.5, seed=3, step=1), noise(kd.DROPOUT, x, 0.5, seed=4, step=0)):
        assert abs(np.mean(base == (other != 0)) - 0.5) < bound
    # Neighbouring elements are independent too: P(both kept) = 1/4.
    assert abs(np.mean(base[:, :-1] & base[:, 1:]) - 0.25) < SIGMAS * math.sqrt(0.25 * 0.75 / n)
    np.testing.assert_array_equal(base, noise(kd.DROPOUT, x, 0.5, seed=3, step=0) != 0)


def test_dropout_backward_regenerates_the_forward_mask():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(30, 9))
    fwd = noise(kd.DROPOUT, x, 0.4, seed=8, step=6)
    back = noise(kd.DROPOUT, np.ones_like(x), 0.4, seed=8, step=6, backward=True)
    np.testing.assert_array_equal(fwd != 0, back != 0)
    np.testing.assert_allclose(fwd, x * back, rtol=1e-15)


def test_predict_is_unaffected_by_dropout():
    model = keras.Sequential([keras.Input(shape=(40,)), L.Dropout(0.5, seed=1)])
    x = np.random.default_rng(6).normal(size=(50, 40)).astype("float32")
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)
    np.testing.assert_array_equal(model(x, training=False), x)
    trained = model(x, training=True)
    assert 0.4 < np.mean(trained == 0) < 0.6
    kept = trained != 0
    np.testing.assert_allclose(trained[kept], 2.0 * x[kept], rtol=1e-7)


def test_training_steps_use_the_mask_of_seed_step_and_element():
    # Dropout(0.5) -> Dense(1, kernel=1, bias=0): the batch loss of step s is
    # mean((sum_j keep_sj * x_j / 0.5 - y)^2) with keep from (seed, s, element).
    rng = np.random.default_rng(7)
    x = rng.normal(size=(6, 5)).astype("float32")
    y = rng.normal(size=(6, 1)).astype("float32")
    model = keras.Sequential([keras.Input(shape=(5,)), L.Dropout(0.5, seed=21),
                              L.Dense(1, kernel_initializer="ones")])
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
    for step in range(3):
        w, b = (v.astype(np.float64) for v in model.get_weights())
        keep = keep_ref((6, 5), 0.5, 21, step)
        pred = (keep * x / 0.5) @ w + b
        expected = np.mean((pred - y) ** 2)
        assert model.train_on_batch(x, y) == pytest.approx(expected, rel=1e-5)


def test_rate_zero_is_an_alias_and_identity():
    model = keras.Sequential([keras.Input(shape=(4,)), L.Dropout(0.0), L.GaussianNoise(0.0)])
    t = model.trainer(None)
    assert not t.builder.calls and t.size == 4
    x = np.random.default_rng(8).normal(size=(3, 4)).astype("float32")
    np.testing.assert_array_equal(model(x, training=True), x)


def test_unseeded_layers_are_reproducible_under_set_random_seed_and_differ_from_each_other():
    x = np.ones((20, 50), "float32")

    def masks():
        keras.utils.set_random_seed(42)
        a = keras.Sequential([keras.Input(shape=(50,)), L.Dropout(0.5)])
        b = keras.Sequential([keras.Input(shape=(50,)), L.Dropout(0.5)])
        return a(x, training=True), b(x, training=True)

    a1, b1 = masks()
    a2, b2 = masks()
    np.testing.assert_array_equal(a1, a2)
    np.testing.assert_array_equal(b1, b2)
    assert not np.array_equal(a1, b1)


# ----------------------------------------------------------------------------- Gaussian and alpha variants
def _mean_var_bounds(sample, mean, var):
    """Assert sample mean and variance within 5 standard errors (normal-theory errors for the variance)."""
    n = sample.size
    assert abs(sample.mean() - mean) < SIGMAS * math.sqrt(var / n)
    assert abs(sample.var() - var) < SIGMAS * var * math.sqrt(2.0 / n)


def test_gaussian_noise_adds_zero_mean_noise_of_the_given_stddev():
    x = np.random.default_rng(9).normal(size=(400, 250))
    out = noise(kd.GAUSSIAN_NOISE, x, 0.5, seed=4, step=1)
    z = (out - x) / 0.5
    _mean_var_bounds(z, 0.0, 1.0)
    n = z.size
    for k, p in ((1.0, 0.682689492137), (2.0, 0.954499736104)):  # normal: P(|z| < k)
        assert abs(np.mean(np.abs(z) < k) - p) < SIGMAS * math.sqrt(p * (1 - p) / n)
    # The noise is additive, so the gradient passes through unchanged.
    np.testing.assert_array_equal(noise(kd.GAUSSIAN_NOISE, x, 0.5, seed=4, step=1, backward=True), x)


def test_gaussian_dropout_keeps_the_mean_with_variance_rate_over_keep():
    rate = 0.3
    out = noise(kd.GAUSSIAN_DROPOUT, np.ones((400, 250)), rate, seed=5, step=2)
    _mean_var_bounds(out, 1.0, rate / (1.0 - rate))
    # The same multiplicative noise scales the gradient.
    x = np.random.default_rng(10).normal(size=(400, 250))
    np.testing.assert_allclose(noise(kd.GAUSSIAN_DROPOUT, x, rate, seed=5, step=2), x * out, rtol=1e-14)
    np.testing.assert_array_equal(noise(kd.GAUSSIAN_DROPOUT, np.ones((400, 250)), rate, seed=5, step=2,
                                        backward=True), out)


def test_alpha_dropout_keeps_zero_mean_and_unit_variance():
    rate = 0.2
    alpha_p = -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946
    a = ((1 - rate) * (1 + rate * alpha_p ** 2)) ** -0.5  # Keras's affine correction
    b = -a * alpha_p * rate
    x = np.random.default_rng(11).normal(size=(400, 250))
    out = noise(kd.ALPHA_DROPOUT, x, rate, seed=6, step=3)
    n = x.size
    assert abs(out.mean()) < SIGMAS / math.sqrt(n)
    assert abs(out.var() - 1.0) < 0.02  # about 8 standard errors of this mixture's variance
    keep = noise(kd.DROPOUT, np.ones_like(x), rate, seed=6, step=3) != 0  # the same uniforms
    np.testing.assert_allclose(out[keep], a * x[keep] + b, rtol=1e-12)
    np.testing.assert_allclose(out[~keep], a * alpha_p + b, rtol=1e-12)
    assert abs(keep.mean() - (1 - rate)) < SIGMAS * math.sqrt(rate * (1 - rate) / n)
    back = noise(kd.ALPHA_DROPOUT, np.ones_like(x), rate, seed=6, step=3, backward=True)
    np.testing.assert_allclose(back, np.where(keep, a, 0.0), rtol=1e-15)


@pytest.mark.parametrize("layer", [lambda: L.GaussianNoise(0.5, seed=1), lambda: L.GaussianDropout(0.4, seed=1),
                                   lambda: L.AlphaDropout(0.3, seed=1)])
def test_noise_layers_are_inactive_in_inference(layer):
    model = keras.Sequential([keras.Input(shape=(10,)), layer()])
    x = np.random.default_rng(12).normal(size=(8, 10)).astype("float32")
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)
    assert not np.allclose(model(x, training=True), x)


# ----------------------------------------------------------------------------- bad arguments
@pytest.mark.parametrize("cls", [L.Dropout, L.GaussianDropout, L.AlphaDropout])
@pytest.mark.parametrize("rate", [-0.1, 1.0, 1.5, float("nan")])
def test_rate_outside_zero_one_is_rejected(cls, rate):
    with pytest.raises(ValueError, match="rate"):
        cls(rate)


@pytest.mark.parametrize("stddev", [-0.5, float("nan")])
def test_negative_stddev_is_rejected(stddev):
    with pytest.raises(ValueError, match="stddev"):
        L.GaussianNoise(stddev)


def test_noise_shape_other_than_none_is_rejected():
    with pytest.raises(ValueError, match="noise_shape"):
        L.Dropout(0.5, noise_shape=(None, 1))
