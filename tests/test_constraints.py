"""Constraints: Keras's projections, applied after every update; freezing with ``trainable = False``."""

import json

import numpy as np
import pytest

import jitnet as keras
from jitnet import constraints as C

L = keras.layers
EPS = 1e-7  # Keras's backend.epsilon() in the norm projections


def col_norms(w):
    return np.sqrt(np.sum(np.asarray(w, np.float64) ** 2, axis=0))


# ----------------------------------------------------------------------------- formulas
def ref(constraint, w):
    """Keras 3's formulas (norms over axis 0)."""
    norms = col_norms(w)
    if isinstance(constraint, C.NonNeg):
        return w * (w >= 0)
    if isinstance(constraint, C.UnitNorm):
        return w / (EPS + norms)
    if isinstance(constraint, C.MaxNorm):
        desired = np.clip(norms, 0, constraint.max_value)
    else:
        desired = constraint.rate * np.clip(norms, constraint.min_value, constraint.max_value) + (
            1 - constraint.rate) * norms
    return w * (desired / (EPS + norms))


@pytest.mark.parametrize("constraint", [C.MaxNorm(1.0), C.MinMaxNorm(0.8, 1.2), C.MinMaxNorm(0.8, 1.2, rate=0.5),
                                        C.NonNeg(), C.UnitNorm()], ids=lambda c: type(c).__name__)
def test_projection_matches_keras_formula(constraint):
    w = np.random.default_rng(0).normal(scale=[0.1, 0.5, 1.0, 3.0], size=(6, 4))
    np.testing.assert_allclose(constraint(w), ref(constraint, w), rtol=1e-14, atol=1e-15)
    # A 1-D weight (a bias) is one vector: its norm is taken over all of it.
    b = np.array([3.0, -4.0])
    np.testing.assert_allclose(constraint(b), ref(constraint, b[:, None])[:, 0], rtol=1e-14, atol=1e-15)


def test_calling_a_constraint_does_not_change_its_argument():
    w = np.full((2, 2), 5.0)
    out = C.MaxNorm(1.0)(w)
    np.testing.assert_array_equal(w, 5.0)
    np.testing.assert_allclose(col_norms(out), 1.0, rtol=1e-6)


def test_keras_defaults():
    assert (C.MaxNorm().max_value, C.MaxNorm().axis) == (2.0, 0)
    m = C.MinMaxNorm()
    assert (m.min_value, m.max_value, m.rate, m.axis) == (0.0, 1.0, 1.0, 0)
    assert C.UnitNorm().axis == 0


# ----------------------------------------------------------------------------- after fit
def data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(scale=3.0, size=(n, 5)).astype("float32")
    return x, (x @ rng.normal(scale=3.0, size=(5, 3))).astype("float32")


def fit_with(**kwargs):
    x, y = data()
    model = keras.Sequential([keras.Input(shape=(5,)), L.Dense(3, **kwargs)])
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    before = model.get_weights()
    model.fit(x, y, epochs=3, batch_size=16, verbose=0)
    return before, model.get_weights()


def test_max_norm_bounds_every_column_norm_after_fit():
    # The unconstrained solution has column norms ~6, well above 1.
    _, (w, b) = fit_with(kernel_constraint=C.MaxNorm(1.0), bias_constraint="max_norm")
    assert np.all(col_norms(w) <= 1.0 + 1e-6)
    assert np.any(col_norms(w) > 0.999)  # the bound is active
    assert col_norms(b[:, None])[0] <= 2.0 + 1e-6


def test_non_neg_leaves_no_negative_weight_after_fit():
    before, (w, b) = fit_with(kernel_constraint="non_neg", bias_constraint=C.NonNeg())
    assert np.all(w >= 0) and np.all(b >= 0)
    assert np.any(before[0] < 0) and np.any(w == 0)


def test_unit_norm_makes_every_column_a_unit_vector_after_fit():
    _, (w, _) = fit_with(kernel_constraint=C.UnitNorm())
    np.testing.assert_allclose(col_norms(w), 1.0, rtol=1e-5)


def test_min_max_norm_keeps_column_norms_in_range_after_fit():
    _, (w, _) = fit_with(kernel_constraint=C.MinMaxNorm(0.5, 0.8))
    norms = col_norms(w)
    assert np.all(norms >= 0.5 - 1e-5) and np.all(norms <= 0.8 + 1e-5)


def test_constraint_is_applied_after_each_update_and_not_at_build():
    # One SGD step: the constrained layer holds project(w - lr * g), g the plain layer's gradient.
    x, y = data()
    init = keras.initializers.RandomNormal(stddev=2.0, seed=1)
    con = keras.Sequential([keras.Input(shape=(5,)), L.Dense(3, kernel_initializer=init,
                                                             kernel_constraint=C.MaxNorm(1.5))])
    plain = keras.Sequential([keras.Input(shape=(5,)), L.Dense(3, kernel_initializer=init)])
    np.testing.assert_array_equal(con.get_weights()[0], plain.get_weights()[0])  # not projected when built
    assert np.any(col_norms(con.get_weights()[0]) > 1.5)
    for m in (con, plain):
        m.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
        m.train_on_batch(x, y)
    expected = ref(C.MaxNorm(1.5), plain.get_weights()[0].astype(np.float64))
    np.testing.assert_allclose(con.get_weights()[0], expected, rtol=1e-5, atol=1e-7)
    np.testing.assert_array_equal(con.get_weights()[1], plain.get_weights()[1])


# ----------------------------------------------------------------------------- freezing
def test_frozen_layer_is_not_updated_nor_projected():
    # Keras applies constraints with the optimizer's update, to trainable weights only.
    x, y = data()
    model = keras.Sequential([keras.Input(shape=(5,)),
                              L.Dense(4, kernel_initializer=keras.initializers.RandomNormal(stddev=2.0, seed=2),
                                      kernel_constraint=C.MaxNorm(0.1), bias_constraint=C.NonNeg(),
                                      bias_initializer=keras.initializers.Constant(-1.0)),
                              L.Dense(3)])
    model.layers[0].trainable = False
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
    before = model.get_weights()
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    after = model.get_weights()
    np.testing.assert_array_equal(before[0], after[0])
    np.testing.assert_array_equal(before[1], after[1])
    assert not np.array_equal(before[2], after[2])


def test_trainable_flag_moves_weights_between_lists_and_summary_counts():
    model = keras.Sequential([keras.Input(shape=(5,)), L.Dense(4), L.Dense(3)])
    model.layers[0].trainable = False
    assert [w.path for w in model.trainable_weights] == [f"{model.layers[1].name}/kernel",
                                                         f"{model.layers[1].name}/bias"]
    assert sum(w.size for w in model.non_trainable_weights) == 5 * 4 + 4
    lines = []
    model.summary(print_fn=lines.append)
    assert " Trainable params: 15 (60.00 B)" in lines[0] and " Non-trainable params: 24 (96.00 B)" in lines[0]
    model.layers[0].trainable = True
    assert sum(w.size for w in model.trainable_weights) == 39


def test_a_fully_frozen_model_can_be_evaluated_and_fit():
    x, y = data()
    model = keras.Sequential([keras.Input(shape=(5,)), L.Dense(3)])
    model.layers[0].trainable = False
    model.compile(optimizer="sgd", loss="mse")
    before = model.get_weights()
    model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=1, verbose=0)
    np.testing.assert_array_equal(before[0], model.get_weights()[0])


# ----------------------------------------------------------------------------- names, errors, config
@pytest.mark.parametrize("name, cls", [("max_norm", C.MaxNorm), ("MaxNorm", C.MaxNorm), ("min_max_norm", C.MinMaxNorm),
                                       ("non_neg", C.NonNeg), ("NonNeg", C.NonNeg), ("unit_norm", C.UnitNorm)])
def test_get_resolves_names(name, cls):
    assert type(C.get(name)) is cls
    assert C.get(None) is None
    c = cls()
    assert C.get(c) is c


def test_unknown_name_lists_close_matches():
    with pytest.raises(ValueError, match="Unknown constraint: 'max_nrom'. Did you mean: 'max_norm'"):
        C.get("max_nrom")
    with pytest.raises(ValueError, match="Did you mean: .*'non_neg'"):
        L.Dense(2, kernel_constraint="nonneg")


def test_axis_other_than_zero_is_rejected():
    for make in (lambda: C.MaxNorm(axis=1), lambda: C.MinMaxNorm(axis=1), lambda: C.UnitNorm(axis=-1)):
        with pytest.raises(ValueError, match="axis"):
            make()


@pytest.mark.parametrize("constraint", [C.MaxNorm(1.5), C.MinMaxNorm(0.1, 2.0, 0.5), C.NonNeg(), C.UnitNorm()],
                         ids=lambda c: type(c).__name__)
def test_config_round_trip(constraint):
    text = json.dumps(C.serialize(constraint), sort_keys=True)
    again = C.deserialize(json.loads(text))
    assert type(again) is type(constraint) and again.params() == constraint.params()
    assert json.dumps(C.serialize(again), sort_keys=True) == text
