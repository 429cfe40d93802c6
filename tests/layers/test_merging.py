"""The merging layers: forward values against NumPy, gradients through merges and fan-out (float64, central
differences), configs, the function forms and the errors for inputs that do not fit."""

import json

import numpy as np
import pytest

import jitnet as keras
from jitnet import layers as L
from tests import reference
from tests.gradcheck import check_model

# class name -> (layer factory, per-sample shapes of its inputs)
CASES = {
    "Add": (L.Add, [(3, 4)] * 3),
    "Subtract": (L.Subtract, [(5,)] * 2),
    "Multiply": (L.Multiply, [(2, 3)] * 3),
    "Average": (L.Average, [(5,)] * 3),
    "Maximum": (L.Maximum, [(5,)] * 2),
    "Minimum": (L.Minimum, [(4,)] * 3),
    "Concatenate": (L.Concatenate, [(3, 2), (3, 4)]),
    "Concatenate-axis1": (lambda: L.Concatenate(axis=1), [(2, 3, 2), (1, 3, 2), (4, 3, 2)]),
    "Concatenate-axis2": (lambda: L.Concatenate(axis=-2), [(2, 3, 2), (2, 1, 2)]),
    "Dot": (lambda: L.Dot(axes=1), [(6,)] * 2),
    "Dot-normalize": (lambda: L.Dot(axes=-1, normalize=True), [(6,)] * 2),
}


def graph(key):
    """Inputs -> the merging layer -> output, as a functional model."""
    factory, shapes = CASES[key]
    inputs = [keras.Input(shape) for shape in shapes]
    layer = factory()
    return keras.Model(inputs, layer(inputs)), layer, shapes


def test_every_merging_layer_has_a_case():
    assert {key.split("-")[0] for key in CASES} == set(reference.MERGING)
    assert all(L.LAYERS.lookup(name).takes_many for name in reference.MERGING)


@pytest.mark.parametrize("key", sorted(CASES))
def test_forward_matches_numpy(float64, key, rng):
    model, layer, shapes = graph(key)
    xs = [rng.normal(size=(7, *shape)) for shape in shapes]
    expected = reference.MERGING[key.split("-")[0]](layer.get_config(), xs)
    out = model.predict(xs, verbose=0)
    assert out.shape == expected.shape == (7, *model.output_shape)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("key", sorted(CASES))
def test_gradients_through_the_merge(float64, key, rng):
    model, _, shapes = graph(key)
    x = rng.normal(size=(4, sum(int(np.prod(s)) for s in shapes)))
    check_model(model, x, rng)


def test_gradients_through_fan_out_and_merges(float64, rng):
    """One tensor read by three layers (and by a merge twice): its gradient is the sum of theirs."""
    inp = keras.Input((5,))
    h = L.Dense(4, activation="tanh")(inp)
    a = L.Dense(3, activation="relu")(h)
    b = L.Dense(3)(h)
    c = L.Dense(3, activation="sigmoid")(inp)
    m = L.Multiply()([a, b])
    s = L.Add()([m, c, L.Maximum()([a, c])])
    out = L.Concatenate()([s, h, L.Subtract()([b, b])])
    check_model(keras.Model(inp, out), rng.normal(size=(4, 5)), rng)


def test_gradients_of_two_inputs_and_two_outputs(float64, rng):
    a, b = keras.Input((3,), name="a"), keras.Input((2, 2), name="b")
    h = L.Concatenate()([L.Dense(4)(a), L.Flatten()(b)])
    model = keras.Model([a, b], [L.Dense(2, activation="softmax")(h), L.Dense(1)(h)])
    check_model(model, rng.normal(size=(3, 7)), rng)


@pytest.mark.parametrize("key", sorted(CASES))
def test_config_round_trip(key):
    _, layer, _ = graph(key)
    text = json.dumps(L.serialize(layer), sort_keys=True)
    again = L.deserialize(json.loads(text))
    assert type(again) is type(layer) and json.dumps(L.serialize(again), sort_keys=True) == text


@pytest.mark.parametrize("function, cls", [
    (L.add, L.Add), (L.subtract, L.Subtract), (L.multiply, L.Multiply), (L.average, L.Average),
    (L.maximum, L.Maximum), (L.minimum, L.Minimum), (L.concatenate, L.Concatenate),
])
def test_function_forms(function, cls):
    a, b = keras.Input((3,)), keras.Input((3,))
    out = function([a, b], name=f"merge_{cls.__name__.lower()}")
    assert type(out.layer) is cls and out.layer.name == f"merge_{cls.__name__.lower()}"
    assert L.dot([a, b], axes=1).shape == (None, 1)


@pytest.mark.parametrize("make, shapes, match", [
    (L.Add, [(3,), (4,)], "one shape"),
    (L.Subtract, [(3,)] * 3, "exactly 2"),
    (L.Concatenate, [(3, 2), (4, 3)], "match except on the concatenation axis"),
    (lambda: L.Concatenate(axis=3), [(3,), (3,)], "axis 3"),
    (lambda: L.Dot(axes=1), [(3,), (4,)], "one length"),
])
def test_inputs_that_do_not_fit_name_the_layer(make, shapes, match):
    layer = make()
    with pytest.raises(ValueError, match=match) as err:
        layer([keras.Input(s) for s in shapes])
    assert layer.name in str(err.value)


def test_a_merging_layer_takes_a_list_and_others_do_not():
    a, b = keras.Input((3,)), keras.Input((3,))
    with pytest.raises(ValueError, match="list of at least 2"):
        L.Add()(a)
    with pytest.raises(ValueError, match="one tensor, not a list"):
        L.Dense(2)([a, b])
    with pytest.raises(TypeError, match="symbolic tensor"):
        L.Dense(2)(np.zeros((2, 3)))


def test_dot_on_matrices_is_refused_clearly():
    with pytest.raises(NotImplementedError, match=r"\(None, d\)"):
        L.Dot(axes=2)([keras.Input((2, 3)), keras.Input((2, 3))])
