"""ReLU, LeakyReLU, PReLU, ELU and Softmax layers: values against NumPy, arguments, and training."""

import numpy as np
import pytest

import jitnet as keras

L = keras.layers


def apply(layer, x):
    x = np.asarray(x, "float32")
    model = keras.Sequential([keras.Input(shape=x.shape[1:]), layer])
    return model.predict(x, verbose=0)


def relu_ref(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Keras: max_value if x >= max_value; x if threshold < x < max_value; negative_slope * (x - threshold) else."""
    top = np.inf if max_value is None else max_value
    return np.where(x >= top, top, np.where(x > threshold, x, negative_slope * (x - threshold)))


# ----------------------------------------------------------------------------- values
@pytest.mark.parametrize("kwargs, x, expected", [
    # Keras's documented examples.
    ({}, [-3.0, -1.0, 0.0, 2.0], [0.0, 0.0, 0.0, 2.0]),
    ({"max_value": 1.0}, [-3.0, -1.0, 0.0, 2.0], [0.0, 0.0, 0.0, 1.0]),
    ({"negative_slope": 1.0}, [-3.0, -1.0, 0.0, 2.0], [-3.0, -1.0, 0.0, 2.0]),
    ({"threshold": 1.5}, [-3.0, -1.0, 1.0, 2.0], [0.0, 0.0, 0.0, 2.0]),
    ({"max_value": 10, "negative_slope": 0.5}, [-10, -5, 0.0, 5, 10], [-5.0, -2.5, 0.0, 5.0, 10.0]),
])
def test_relu_documented_examples(kwargs, x, expected):
    np.testing.assert_array_equal(apply(L.ReLU(**kwargs), [x])[0], expected)


@pytest.mark.parametrize("kwargs", [{}, {"max_value": 1.5}, {"negative_slope": 0.1, "threshold": 0.3},
                                    {"max_value": 2.0, "negative_slope": 0.2, "threshold": 0.5}])
def test_relu_matches_the_formula(kwargs):
    x = np.random.default_rng(0).normal(scale=2.0, size=(20, 7)).astype("float32")
    np.testing.assert_allclose(apply(L.ReLU(**kwargs), x), relu_ref(x.astype(np.float64), **kwargs),
                               rtol=1e-6, atol=1e-7)


def test_leaky_relu_default_slope_and_values():
    assert L.LeakyReLU().negative_slope == 0.3
    x = np.array([[-2.0, -0.5, 0.0, 1.5]])
    np.testing.assert_allclose(apply(L.LeakyReLU(), x), [[-0.6, -0.15, 0.0, 1.5]], rtol=1e-6)
    np.testing.assert_allclose(apply(L.LeakyReLU(negative_slope=0.1), x), [[-0.2, -0.05, 0.0, 1.5]], rtol=1e-6)


def test_leaky_relu_accepts_alpha_with_a_warning():
    with pytest.warns(Warning, match="negative_slope"):
        layer = L.LeakyReLU(alpha=0.2)
    assert layer.negative_slope == 0.2
    assert layer.get_config()["negative_slope"] == 0.2 and "alpha" not in layer.get_config()
    np.testing.assert_allclose(apply(layer, [[-1.0, 1.0]]), [[-0.2, 1.0]], rtol=1e-6)


@pytest.mark.parametrize("alpha", [1.0, 0.5])
def test_elu_matches_the_formula(alpha):
    x = np.random.default_rng(1).normal(scale=2.0, size=(10, 6)).astype("float32")
    xs = x.astype(np.float64)
    layer = L.ELU(alpha) if alpha != 1.0 else L.ELU()
    np.testing.assert_allclose(apply(layer, x), np.where(xs > 0, xs, alpha * np.expm1(xs)), rtol=1e-6, atol=1e-7)


def test_softmax_over_the_last_axis():
    x = np.random.default_rng(2).normal(scale=3.0, size=(4, 3, 5)).astype("float32")
    xs = x.astype(np.float64)
    e = np.exp(xs - xs.max(-1, keepdims=True))
    out = apply(L.Softmax(), x)
    np.testing.assert_allclose(out, e / e.sum(-1, keepdims=True), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(out.sum(-1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(apply(L.Softmax(axis=2), x), out, rtol=0, atol=0)


def test_prelu_has_one_slope_per_input_element():
    layer = L.PReLU(alpha_initializer=keras.initializers.Constant(0.25))
    model = keras.Sequential([keras.Input(shape=(2, 3)), layer])
    (alpha,) = layer.get_weights()
    assert alpha.shape == (2, 3) and layer.weights[0].name == "alpha"
    np.testing.assert_array_equal(alpha, 0.25)
    slopes = np.arange(6, dtype="float32").reshape(2, 3) / 10
    layer.set_weights([slopes])
    x = np.random.default_rng(3).normal(size=(5, 2, 3)).astype("float32")
    np.testing.assert_allclose(model.predict(x, verbose=0), np.where(x >= 0, x, slopes * x), rtol=1e-6)
    assert L.PReLU().get_config()["alpha_initializer"]["class_name"] == "Zeros"


def test_prelu_slopes_are_learned():
    # y = where(x >= 0, x, 0.5 x): a PReLU from alpha = 0 must learn slopes near 0.5.
    rng = np.random.default_rng(4)
    x = rng.normal(size=(256, 3)).astype("float32")
    y = np.where(x >= 0, x, 0.5 * x)
    model = keras.Sequential([keras.Input(shape=(3,)), L.PReLU()])
    model.compile(optimizer=keras.optimizers.SGD(0.5), loss="mse")
    model.fit(x, y, epochs=20, batch_size=32, verbose=0)
    np.testing.assert_allclose(model.get_weights()[0], 0.5, atol=1e-3)


# ----------------------------------------------------------------------------- bad arguments
@pytest.mark.parametrize("kwargs, name", [({"max_value": -1.0}, "max_value"),
                                          ({"negative_slope": -0.1}, "negative_slope"),
                                          ({"negative_slope": None}, "negative_slope"),
                                          ({"threshold": -0.5}, "threshold"), ({"threshold": None}, "threshold")])
def test_relu_rejects_negative_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        L.ReLU(**kwargs)


@pytest.mark.parametrize("value", [-0.1, None])
def test_leaky_relu_rejects_a_negative_slope(value):
    with pytest.raises(ValueError, match="negative_slope"):
        L.LeakyReLU(negative_slope=value)


@pytest.mark.parametrize("axis", [0, 1, 5, -2])
def test_softmax_rejects_an_axis_other_than_the_last_at_build(axis):
    layer = L.Softmax(axis=axis)
    with pytest.raises(ValueError, match="axis"):
        keras.Sequential([keras.Input(shape=(3, 4)), layer])


def test_prelu_rejects_unsupported_options():
    with pytest.raises(ValueError, match="shared_axes"):
        L.PReLU(shared_axes=[1])


# ----------------------------------------------------------------------------- training
def circles(n=600, seed=0):
    """Points in a square labelled by whether they lie inside the unit circle (35% inside): not linearly separable."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.5, 1.5, size=(n, 2)).astype("float32")
    return x, (np.sum(x ** 2, axis=1) < 1.0).astype("float32")


def _train(layers, seed=0):
    keras.utils.set_random_seed(seed)
    x, y = circles()
    model = keras.Sequential([keras.Input(shape=(2,)), *layers, L.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=40, batch_size=32, verbose=0)  # 760 steps: well under a second once compiled
    xt, yt = circles(seed=1)
    return model.evaluate(xt, yt, verbose=0)[1]


def test_dense_batchnorm_relu_learns_circles():
    # momentum=0.9: with Adam the Dense kernel's norm grows (BN makes the loss blind to it), and
    # Keras's default 0.99 lets the moving variance lag ~25% behind (test accuracy ~0.95 then).
    acc = _train([L.Dense(32), L.BatchNormalization(momentum=0.9), L.ReLU()])
    assert acc >= 0.95, acc  # on fresh test points; 0.975 at the time of writing


def test_dense_leaky_relu_learns_circles():
    acc = _train([L.Dense(32), L.LeakyReLU(negative_slope=0.1)])
    assert acc >= 0.95, acc  # 0.98 at the time of writing
