"""Initializers: Keras's formulas checked on large draws, seeds, registry, config round trips."""

import json
import math

import numpy as np
import pytest

import jitnet as keras
from jitnet import initializers as I

SIGMAS = 5.0
SHAPE = (300, 400)  # fan_in 300, fan_out 400: 120,000 draws
N = SHAPE[0] * SHAPE[1]
TRUNC_STD = 0.87962566103423978  # std of a standard normal truncated to [-2, 2]


def test_keras_truncation_constant_is_the_std_of_a_normal_truncated_at_two():
    phi2 = math.exp(-2.0) / math.sqrt(2 * math.pi)
    mass = math.erf(2 / math.sqrt(2))
    assert math.sqrt(1 - 2 * 2 * phi2 / mass) == pytest.approx(TRUNC_STD, rel=1e-15)


def check_uniform(w, limit):
    w = w.astype(np.float64)
    assert w.min() >= -limit and w.max() <= limit
    assert w.min() < -0.999 * limit and w.max() > 0.999 * limit  # the whole range is used
    std = limit / math.sqrt(3)
    assert abs(w.mean()) < SIGMAS * std / math.sqrt(N)
    # var of U(-l, l) is l^2/3; the sample variance has standard error sqrt((mu4 - s^4) / n) = s^2 * sqrt(0.8 / n)
    assert abs(w.var() - std ** 2) < SIGMAS * std ** 2 * math.sqrt(0.8 / N)


def check_truncated(w, std, mean=0.0):
    """A normal of std ``std / TRUNC_STD`` (or ``std`` before truncation, for TruncatedNormal) cut at 2 of its stds."""
    w = w.astype(np.float64)
    bound = 2.0 * std / TRUNC_STD
    assert np.all(np.abs(w - mean) <= bound * (1 + 1e-6))
    assert np.max(np.abs(w - mean)) > 0.99 * bound
    assert abs(w.mean() - mean) < SIGMAS * std / math.sqrt(N)
    # The truncated normal's kurtosis is ~2.37, so the variance's standard error is s^2 * sqrt(1.37 / n).
    assert abs(w.var() - std ** 2) < SIGMAS * std ** 2 * math.sqrt(1.37 / N)


@pytest.mark.parametrize("name, limit", [
    ("glorot_uniform", math.sqrt(6 / (300 + 400))),
    ("he_uniform", math.sqrt(6 / 300)),
    ("lecun_uniform", math.sqrt(3 / 300)),
])
def test_uniform_variance_scaling_presets(name, limit):
    w = I.get(name)(SHAPE)
    assert w.shape == SHAPE and w.dtype == np.float32
    check_uniform(w, limit)


@pytest.mark.parametrize("name, std", [
    ("glorot_normal", math.sqrt(2 / (300 + 400))),
    ("he_normal", math.sqrt(2 / 300)),
    ("lecun_normal", math.sqrt(1 / 300)),
])
def test_truncated_normal_variance_scaling_presets(name, std):
    # Keras draws a normal of std sqrt(scale / n) / 0.8796..., truncated at two of those stds,
    # so that the draws' std is sqrt(scale / n).
    check_truncated(I.get(name)(SHAPE), std)


@pytest.mark.parametrize("mode, n", [("fan_in", 300), ("fan_out", 400), ("fan_avg", 350)])
@pytest.mark.parametrize("distribution", ["truncated_normal", "untruncated_normal", "uniform"])
def test_variance_scaling_modes_and_distributions(mode, n, distribution):
    scale = 3.0
    w = I.VarianceScaling(scale=scale, mode=mode, distribution=distribution, seed=1)(SHAPE)
    std = math.sqrt(scale / n)
    if distribution == "uniform":
        check_uniform(w, math.sqrt(3 * scale / n))
    elif distribution == "truncated_normal":
        check_truncated(w, std)
    else:
        w = w.astype(np.float64)
        assert abs(w.mean()) < SIGMAS * std / math.sqrt(N)
        assert abs(w.var() - std ** 2) < SIGMAS * std ** 2 * math.sqrt(2 / N)
        assert np.max(np.abs(w)) > 3.5 * std  # not truncated


def test_variance_scaling_normal_means_truncated_normal():
    assert I.VarianceScaling(distribution="normal").distribution == "truncated_normal"


def test_fans_of_higher_rank_shapes_include_the_receptive_field():
    # (3, 3, 16, 32): fan_in = 3*3*16 = 144, fan_out = 3*3*32 = 288.
    w = I.HeUniform(seed=0)((3, 3, 16, 32))
    assert w.shape == (3, 3, 16, 32)
    limit = math.sqrt(6 / 144)
    assert np.abs(w).max() <= limit and np.abs(w).max() > 0.99 * limit
    w = I.VarianceScaling(mode="fan_out", distribution="uniform", seed=0)((3, 3, 16, 32))
    assert np.abs(w).max() <= math.sqrt(3 / 288) and np.abs(w).max() > 0.99 * math.sqrt(3 / 288)
    # A 1-D shape: fan_in = fan_out = its length.
    assert np.abs(I.LecunUniform(seed=0)((10000,))).max() <= math.sqrt(3 / 10000)


def test_random_normal_uniform_and_truncated_normal():
    w = I.RandomNormal(mean=1.0, stddev=2.0, seed=3)(SHAPE).astype(np.float64)
    assert abs(w.mean() - 1.0) < SIGMAS * 2.0 / math.sqrt(N)
    assert abs(w.std() - 2.0) < SIGMAS * 2.0 / math.sqrt(2 * N)
    w = I.RandomUniform(minval=-0.5, maxval=1.5, seed=3)(SHAPE)
    assert w.min() >= -0.5 and w.max() < 1.5
    assert abs(w.astype(np.float64).mean() - 0.5) < SIGMAS * (2 / math.sqrt(12)) / math.sqrt(N)
    # TruncatedNormal's stddev is that of the normal before truncation (at 2 stddev).
    w = I.TruncatedNormal(mean=0.5, stddev=0.1, seed=3)(SHAPE)
    check_truncated(w, 0.1 * TRUNC_STD, mean=0.5)


def test_keras_defaults():
    assert (I.RandomNormal().mean, I.RandomNormal().stddev) == (0.0, 0.05)
    assert (I.RandomUniform().minval, I.RandomUniform().maxval) == (-0.05, 0.05)
    assert I.TruncatedNormal().stddev == 0.05
    assert (I.VarianceScaling().scale, I.VarianceScaling().mode, I.VarianceScaling().distribution) == (
        1.0, "fan_in", "truncated_normal")
    assert I.Constant().value == 0.0 and I.Orthogonal().gain == 1.0 and I.Identity().gain == 1.0
    assert np.abs(I.RandomUniform()((100, 100))).max() <= 0.05


def test_constant_zeros_and_ones():
    np.testing.assert_array_equal(I.Zeros()((2, 3)), np.zeros((2, 3)))
    np.testing.assert_array_equal(I.Ones()((4,)), np.ones(4))
    np.testing.assert_array_equal(I.Constant(2.5)((2, 2)), np.full((2, 2), 2.5))
    assert I.Constant(2.5)((2, 2), "float64").dtype == np.float64


# ----------------------------------------------------------------------------- Orthogonal, Identity
@pytest.mark.parametrize("shape", [(50, 30), (30, 50), (40, 40), (4, 5, 30)])
def test_orthogonal_columns_or_rows_are_orthonormal_times_gain(shape):
    gain = 1.5
    w = I.Orthogonal(gain=gain, seed=2)(shape, "float64")
    assert w.shape == shape
    m = w.reshape(-1, shape[-1]) / gain
    rows, cols = m.shape
    gram = m.T @ m if rows >= cols else m @ m.T
    np.testing.assert_allclose(gram, np.eye(min(rows, cols)), atol=1e-12)


def test_orthogonal_needs_rank_two():
    with pytest.raises(ValueError, match="rank"):
        I.Orthogonal()((5,))


def test_identity():
    np.testing.assert_array_equal(I.Identity()((3, 3)), np.eye(3))
    np.testing.assert_array_equal(I.Identity(gain=2.0)((2, 4)), 2.0 * np.eye(2, 4))
    with pytest.raises(ValueError, match="2-D"):
        I.Identity()((2, 2, 2))


def test_identity_kernel_makes_dense_the_identity():
    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(4, kernel_initializer="identity")])
    x = np.random.default_rng(0).normal(size=(3, 4)).astype("float32")
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)


# ----------------------------------------------------------------------------- seeds
SEEDED = [lambda s: I.RandomNormal(seed=s), lambda s: I.RandomUniform(seed=s), lambda s: I.TruncatedNormal(seed=s),
          lambda s: I.GlorotUniform(seed=s), lambda s: I.GlorotNormal(seed=s), lambda s: I.HeUniform(seed=s),
          lambda s: I.HeNormal(seed=s), lambda s: I.LecunUniform(seed=s), lambda s: I.LecunNormal(seed=s),
          lambda s: I.Orthogonal(seed=s), lambda s: I.VarianceScaling(seed=s)]


@pytest.mark.parametrize("make", SEEDED)
def test_a_seed_fixes_the_values(make):
    a = make(5)((20, 10))
    np.testing.assert_array_equal(a, make(5)((20, 10)))
    np.testing.assert_array_equal(a, make(5)((20, 10)))
    init = make(5)
    np.testing.assert_array_equal(init((20, 10)), init((20, 10)))  # Keras 3: a seeded initializer repeats
    assert not np.array_equal(a, make(6)((20, 10)))


@pytest.mark.parametrize("make", SEEDED)
def test_unseeded_draws_differ_but_follow_the_global_seed(make):
    keras.utils.set_random_seed(3)
    init = make(None)
    a, b = init((20, 10)), init((20, 10))
    assert not np.array_equal(a, b)
    keras.utils.set_random_seed(3)
    init = make(None)
    np.testing.assert_array_equal(a, init((20, 10)))
    np.testing.assert_array_equal(b, init((20, 10)))


def test_dtype_follows_the_argument_and_floatx():
    assert I.HeNormal(seed=0)((3, 3), "float64").dtype == np.float64
    assert I.HeNormal(seed=0)((3, 3)).dtype == np.float32
    keras.config.set_floatx("float64")
    assert I.HeNormal(seed=0)((3, 3)).dtype == np.float64


# ----------------------------------------------------------------------------- registry, errors, config
NAMES = {
    "zeros": I.Zeros, "ones": I.Ones, "constant": I.Constant, "random_normal": I.RandomNormal,
    "random_uniform": I.RandomUniform, "truncated_normal": I.TruncatedNormal, "glorot_uniform": I.GlorotUniform,
    "glorot_normal": I.GlorotNormal, "he_uniform": I.HeUniform, "he_normal": I.HeNormal,
    "lecun_uniform": I.LecunUniform, "lecun_normal": I.LecunNormal, "orthogonal": I.Orthogonal,
    "identity": I.Identity, "variance_scaling": I.VarianceScaling,
}


@pytest.mark.parametrize("name", sorted(NAMES))
def test_get_resolves_keras_names_class_names_classes_and_instances(name):
    cls = NAMES[name]
    assert type(I.get(name)) is cls
    assert type(I.get(cls.__name__)) is cls
    assert type(I.get(cls)) is cls
    inst = cls()
    assert I.get(inst) is inst
    assert type(I.get({"class_name": cls.__name__, "config": {}})) is cls


def test_unknown_name_lists_close_matches():
    with pytest.raises(ValueError, match="Did you mean: 'glorot_uniform'"):
        I.get("glorot_unifrom")
    with pytest.raises(ValueError, match="Unknown initializer: 'he_nromal'.*'he_normal'"):
        keras.layers.Dense(3, kernel_initializer="he_nromal")


def test_get_rejects_non_initializers():
    with pytest.raises(ValueError, match="Could not interpret initializer identifier: 3.5"):
        I.get(3.5)


@pytest.mark.parametrize("kwargs, name", [({"scale": 0.0}, "scale"), ({"scale": -1.0}, "scale"),
                                          ({"mode": "fan_sum"}, "mode"), ({"distribution": "gamma"}, "distribution")])
def test_variance_scaling_rejects_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        I.VarianceScaling(**kwargs)


CONFIGURED = [I.Zeros(), I.Ones(), I.Constant(0.3), I.RandomNormal(0.1, 0.2, seed=1), I.RandomUniform(-1, 2, seed=2),
              I.TruncatedNormal(0.0, 0.3, seed=3), I.GlorotUniform(seed=4), I.GlorotNormal(), I.HeUniform(seed=5),
              I.HeNormal(), I.LecunUniform(), I.LecunNormal(seed=6), I.Orthogonal(gain=2.0, seed=7),
              I.Identity(gain=0.5), I.VarianceScaling(2.0, "fan_avg", "uniform", seed=8)]


@pytest.mark.parametrize("init", CONFIGURED, ids=lambda i: type(i).__name__)
def test_config_round_trip(init):
    text = json.dumps(I.serialize(init), sort_keys=True)
    again = I.deserialize(json.loads(text))
    assert type(again) is type(init)
    assert json.dumps(I.serialize(again), sort_keys=True) == text
    assert json.dumps(type(init).from_config(init.get_config()).get_config(), sort_keys=True) == json.dumps(
        init.get_config(), sort_keys=True)
    if getattr(init, "seed", 0) is not None:  # seeded or deterministic: the same values
        np.testing.assert_array_equal(again((6, 6)), init((6, 6)))


def test_a_custom_initializer_must_return_the_right_shape():
    bad_shape = keras.layers.Dense(3, kernel_initializer=lambda shape, dtype=None: np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"must return finite values of shape \(4, 3\)"):
        keras.Sequential([keras.Input(shape=(4,)), bad_shape])
    returns_none = keras.layers.Dense(3, kernel_initializer=lambda shape, dtype=None: None)
    with pytest.raises(ValueError, match="finite values"):
        keras.Sequential([keras.Input(shape=(4,)), returns_none])
    custom = keras.layers.Dense(3, kernel_initializer=lambda shape, dtype=None: np.full(shape, 0.5))
    model = keras.Sequential([keras.Input(shape=(4,)), custom])
    np.testing.assert_array_equal(model.get_weights()[0], np.full((4, 3), 0.5, "float32"))
