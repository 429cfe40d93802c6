"""Every registered activation's forward values against its formula, written out with its constants here
(not taken from jitnet), in float64: a wrong constant or a name mapped to the wrong kernel fails."""

import math

import numpy as np
import pytest

import jitnet as keras

Z = np.concatenate([np.linspace(-6.0, 6.0, 49), [-30.0, -1e-3, 0.0, 1e-3, 30.0]]).reshape(-1, 6)
_erf = np.vectorize(math.erf)


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


FORMULAS = {  # Keras 3's definitions and defaults
    "linear": lambda z: z,
    "relu": lambda z: np.maximum(z, 0.0),
    "relu6": lambda z: np.clip(z, 0.0, 6.0),
    "leaky_relu": lambda z: np.where(z > 0, z, 0.2 * z),
    "elu": lambda z: np.where(z > 0, z, np.expm1(z)),
    "selu": lambda z: 1.0507009873554804934193349852946 * np.where(
        z > 0, z, 1.6732632423543772848170429916717 * np.expm1(z)),
    "gelu": lambda z: 0.5 * z * (1.0 + _erf(z / math.sqrt(2.0))),  # Keras 3: approximate=False
    "sigmoid": _sigmoid,
    "hard_sigmoid": lambda z: np.clip(z / 6.0 + 0.5, 0.0, 1.0),
    "tanh": np.tanh,
    "softmax": lambda z: np.exp(z - z.max(1, keepdims=True)) / np.exp(z - z.max(1, keepdims=True)).sum(1, keepdims=True),
    "softplus": lambda z: np.logaddexp(0.0, z),
    "softsign": lambda z: z / (1.0 + np.abs(z)),
    "swish": lambda z: z * _sigmoid(z),
    "silu": lambda z: z * _sigmoid(z),
    "exponential": np.exp,
}


def test_every_registered_activation_has_a_formula_here():
    assert sorted(FORMULAS) == sorted(keras.activations.ACTIVATIONS.names())


@pytest.mark.parametrize("name", sorted(FORMULAS))
def test_forward_values_match_the_formula(name):
    np.testing.assert_allclose(keras.activations.get(name)(Z), FORMULAS[name](Z), rtol=1e-12, atol=1e-14)


def test_parameters_of_the_configurable_activations():
    act = keras.activations
    np.testing.assert_allclose(act.relu(Z, negative_slope=0.1, max_value=2.0, threshold=0.5),
                               np.where(Z >= 2.0, 2.0, np.where(Z > 0.5, Z, 0.1 * (Z - 0.5))), rtol=1e-12)
    np.testing.assert_allclose(act.elu(Z, alpha=0.3), np.where(Z > 0, Z, 0.3 * np.expm1(Z)), rtol=1e-12)
    np.testing.assert_allclose(act.leaky_relu(Z, negative_slope=0.05), np.where(Z > 0, Z, 0.05 * Z), rtol=1e-12)
    np.testing.assert_allclose(act.gelu(Z, approximate=True),
                               0.5 * Z * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (Z + 0.044715 * Z**3))),
                               rtol=1e-12, atol=1e-14)
