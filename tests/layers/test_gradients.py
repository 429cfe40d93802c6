"""Finite-difference gradient checks, in float64, of every layer and activation."""

import numpy as np
import pytest

import jitnet as keras
from jitnet import activations
from tests.gradcheck import check_layers

ACTIVATIONS = activations.ACTIVATIONS.names()


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_dense_with_each_activation(float64, name):
    check_layers([keras.layers.Dense(4, activation=name)], (3,))


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_layer(float64, name):
    check_layers([keras.layers.Dense(4), keras.layers.Activation(name)], (3,))


def test_dense_without_bias_on_3d_input(float64):
    check_layers([keras.layers.Dense(3, use_bias=False, activation="tanh")], (2, 4))


@pytest.mark.parametrize("layer", [
    lambda: keras.layers.ReLU(max_value=1.5, negative_slope=0.1, threshold=0.2),
    lambda: keras.layers.LeakyReLU(negative_slope=0.3),
    lambda: keras.layers.ELU(alpha=0.7),
    lambda: keras.layers.Softmax(),
    lambda: keras.layers.PReLU(alpha_initializer=keras.initializers.Constant(0.25)),
    lambda: keras.layers.Flatten(),
    lambda: keras.layers.Reshape((2, 3)),
])
def test_activation_and_reshaping_layers(float64, layer):
    check_layers([keras.layers.Dense(6), layer()], (3,))


@pytest.mark.parametrize("layer", [
    lambda: keras.layers.Dropout(0.4, seed=3),
    lambda: keras.layers.GaussianNoise(0.5, seed=3),
    lambda: keras.layers.GaussianDropout(0.3, seed=3),
    lambda: keras.layers.AlphaDropout(0.3, seed=3),
])
def test_noise_layers_with_fixed_masks(float64, layer):
    check_layers([keras.layers.Dense(6), layer(), keras.layers.Dense(2)], (3,))


def test_batch_normalization_training(float64):
    check_layers([keras.layers.Dense(4), keras.layers.BatchNormalization(), keras.layers.Dense(2)], (3,), batch=6)


def test_frozen_batch_normalization_uses_moving_statistics(float64):
    bn = keras.layers.BatchNormalization(
        moving_mean_initializer=keras.initializers.Constant(0.3),
        moving_variance_initializer=keras.initializers.Constant(2.0))
    bn.trainable = False
    check_layers([keras.layers.Dense(4), bn], (3,))


def test_layer_normalization(float64):
    check_layers([keras.layers.Dense(4), keras.layers.LayerNormalization(), keras.layers.Dense(2)], (3,))


@pytest.mark.parametrize("reg", ["kernel_regularizer", "bias_regularizer"])
def test_weight_regularizers_add_their_gradient(float64, reg):
    from tests.gradcheck import analytic, build

    layer = keras.layers.Dense(3, **{reg: keras.regularizers.L1L2(l1=0.1, l2=0.2)},
                               bias_initializer=keras.initializers.Constant(0.5))
    _model, trainer = build([layer], (2,), 4)
    rng = np.random.default_rng(1)
    x, r = rng.normal(size=(4, 2)), rng.normal(size=(4, 3))
    g, _ = analytic(trainer, x, r)
    plain = keras.layers.Dense(3)
    _, trainer2 = build([plain], (2,), 4)
    trainer2.arena.params[:] = trainer.arena.params
    g0, _ = analytic(trainer2, x, r)
    w = trainer.arena.params
    sl = slice(0, 6) if reg == "kernel_regularizer" else slice(6, 9)
    np.testing.assert_allclose(g[sl] - g0[sl], 0.1 * np.sign(w[sl]) + 0.4 * w[sl], rtol=1e-12)


def test_gelu_tanh_approximation(float64):
    approx = keras.activations.gelu.with_params(approximate=True)
    check_layers([keras.layers.Dense(4, activation=approx)], (3,))
    x = np.linspace(-3, 3, 7)
    expected = 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))
    np.testing.assert_allclose(keras.activations.gelu(x, approximate=True), expected, rtol=1e-12)
