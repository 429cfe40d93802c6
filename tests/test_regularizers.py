"""Regularizers: formulas, names, errors, penalties in the reported loss and in the gradient."""

import json

import numpy as np
import pytest

import jitnet as keras
from jitnet import regularizers as R

L = keras.layers


# ----------------------------------------------------------------------------- formulas and defaults
def test_penalty_formulas_have_no_one_half():
    w = np.array([[1.0, -2.0], [0.5, 0.0]])
    assert R.L1(0.1)(w) == pytest.approx(0.1 * 3.5, rel=1e-15)
    assert R.L2(0.1)(w) == pytest.approx(0.1 * 5.25, rel=1e-15)
    assert R.L1L2(l1=0.1, l2=0.2)(w) == pytest.approx(0.1 * 3.5 + 0.2 * 5.25, rel=1e-15)


def test_keras_defaults():
    assert (R.L1().l1, R.L1().l2) == (0.01, 0.0)
    assert (R.L2().l1, R.L2().l2) == (0.0, 0.01)
    assert (R.L1L2().l1, R.L1L2().l2) == (0.0, 0.0)
    assert (R.l1_l2().l1, R.l1_l2().l2) == (0.01, 0.01)  # the tf.keras function's defaults
    assert R.l1(0.3).l1 == 0.3 and R.l2(0.4).l2 == 0.4


@pytest.mark.parametrize("name, l1, l2", [("l1", 0.01, 0.0), ("L1", 0.01, 0.0), ("l2", 0.0, 0.01), ("L2", 0.0, 0.01),
                                          ("l1_l2", 0.01, 0.01), ("L1L2", 0.0, 0.0)])
def test_get_resolves_strings(name, l1, l2):
    reg = R.get(name)
    assert (reg.l1, reg.l2) == (l1, l2)


def test_get_passes_instances_and_none_and_reads_configs():
    reg = R.L2(0.3)
    assert R.get(reg) is reg
    assert R.get(None) is None
    assert R.get({"class_name": "L1L2", "config": {"l1": 0.1, "l2": 0.2}}).l2 == 0.2
    assert type(R.get(R.L1)) is R.L1


# ----------------------------------------------------------------------------- errors
@pytest.mark.parametrize("make, name", [(lambda: R.L1(-0.1), "l1"), (lambda: R.L2(-1.0), "l2"),
                                        (lambda: R.L1L2(l1=0.1, l2=-0.2), "l2"), (lambda: R.l1_l2(l1=-1), "l1"),
                                        (lambda: R.L2(float("nan")), "l2"), (lambda: R.L1(float("inf")), "l1")])
def test_negative_or_non_finite_factor_raises_naming_the_argument(make, name):
    with pytest.raises(ValueError, match=f"`{name}`"):
        make()


def test_non_number_factor_raises():
    with pytest.raises(TypeError, match="l2"):
        R.L2("big")


def test_negative_factor_in_a_layer_config_raises_when_the_layer_is_made():
    with pytest.raises(ValueError, match="`l2`"):
        L.Dense(3, kernel_regularizer={"class_name": "L2", "config": {"l2": -0.5}})


def test_unknown_name_lists_close_matches():
    with pytest.raises(ValueError, match="Unknown regularizer: 'l1l2'. Did you mean: .*'l1_l2'"):
        R.get("l1l2")
    with pytest.raises(ValueError, match="Did you mean: .*'l2'"):
        L.Dense(3, bias_regularizer="l2_")
    # Too far from every name for a suggestion (difflib's cutoff), but the valid names are listed.
    with pytest.raises(ValueError, match="Unknown regularizer: 'l3'.* Valid names: L1, L1L2, L2, l1, l1_l2, l2"):
        R.get("l3")


def test_other_callables_are_rejected():
    with pytest.raises(ValueError, match="L1, L2 or L1L2"):
        R.get(lambda w: 0.0)


# ----------------------------------------------------------------------------- penalties in training
def data(n=32, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 4)).astype("float32"), rng.normal(size=(n, 2)).astype("float32")


def test_reported_loss_adds_kernel_and_bias_penalties():
    x, y = data()
    layer = L.Dense(2, kernel_regularizer=R.L1L2(l1=0.01, l2=0.02), bias_regularizer=R.L2(0.1),
                    bias_initializer=keras.initializers.Constant(0.3))
    model = keras.Sequential([keras.Input(shape=(4,)), layer])
    model.compile(loss="mse")
    w, b = (v.astype(np.float64) for v in model.get_weights())
    mse = np.mean((x @ w + b - y) ** 2)
    penalty = 0.01 * np.abs(w).sum() + 0.02 * (w ** 2).sum() + 0.1 * (b ** 2).sum()
    assert model.evaluate(x, y, verbose=0) == pytest.approx(mse + penalty, rel=1e-5)
    assert model.evaluate(x, y, batch_size=5, verbose=0) == pytest.approx(mse + penalty, rel=1e-5)


def test_sgd_step_includes_the_penalty_gradient():
    # One step on a regularized Dense and on a plain twin differ by lr * (l1 sign(w) + 2 l2 w).
    x, y = data()
    lr, l1, l2, l2b = 0.1, 0.01, 0.05, 0.2
    reg = keras.Sequential([keras.Input(shape=(4,)), L.Dense(2, kernel_regularizer=R.L1L2(l1, l2),
                                                             bias_regularizer=R.L2(l2b),
                                                             bias_initializer=keras.initializers.Constant(0.5))])
    plain = keras.Sequential([keras.Input(shape=(4,)), L.Dense(2)])
    plain.set_weights(reg.get_weights())
    w0, b0 = (v.astype(np.float64) for v in reg.get_weights())
    for m in (reg, plain):
        m.compile(optimizer=keras.optimizers.SGD(lr), loss="mse")
        m.train_on_batch(x, y)
    (wr, br), (wp, bp) = reg.get_weights(), plain.get_weights()
    np.testing.assert_allclose(wr, wp - lr * (l1 * np.sign(w0) + 2 * l2 * w0), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(br, bp - lr * 2 * l2b * b0, rtol=1e-5, atol=1e-7)


def test_frozen_layer_adds_no_weight_penalty():
    # Keras 3 regularizes trainable weights only.
    x, y = data()
    model = keras.Sequential([keras.Input(shape=(4,)), L.Dense(2, kernel_regularizer=R.L2(0.5)),
                              L.Dense(2, kernel_initializer="identity")])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    w, b, _, _ = (v.astype(np.float64) for v in model.get_weights())
    mse = np.mean((x @ w + b - y) ** 2)
    assert model.evaluate(x, y, verbose=0) == pytest.approx(mse + 0.5 * (w ** 2).sum(), rel=1e-5)
    model.layers[0].trainable = False
    assert model.evaluate(x, y, verbose=0) == pytest.approx(mse, rel=1e-5)
    # Training the rest: the reported loss has no penalty either.
    assert model.train_on_batch(x, y) == pytest.approx(mse, rel=1e-5)


# ----------------------------------------------------------------------------- activity regularizers
def test_activity_regularizer_gradient_matches_finite_differences(float64):
    """d/dtheta of sum(r * y) + penalties, the penalty on the hidden layer's output."""
    from tests.gradcheck import analytic, build, central_difference, forward

    layers = [L.Dense(4, activation="tanh", activity_regularizer=R.L1L2(l1=0.05, l2=0.1)), L.Dense(2)]
    model, trainer = build(layers, (3,), 5)
    rng = np.random.default_rng(0)
    x, r = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    a = trainer.arena
    hidden = model.layers[0]

    def objective():
        y = forward(trainer, x)
        h = np.tanh(x @ hidden.kernel.value + hidden.bias.value)  # the penalised output, in NumPy
        return float(np.sum(r * y)) + (0.05 * np.abs(h).sum() + 0.1 * np.square(h).sum()) / 5

    grads, gx = analytic(trainer, x, r)
    for flat, g in ((a.params[:a.n_trainable], grads[:a.n_trainable]), (x.reshape(-1), gx.reshape(-1))):
        np.testing.assert_allclose(g, central_difference(flat, objective), rtol=1e-6, atol=1e-8)
    # The penalty really contributes: without it the gradient differs.
    plain = [L.Dense(4, activation="tanh"), L.Dense(2)]
    _, t2 = build(plain, (3,), 5)
    t2.arena.params[:] = a.params
    g2, _ = analytic(t2, x, r)
    assert not np.allclose(g2, grads)


def _activity_model():
    return keras.Sequential([keras.Input(shape=(4,)),
                             L.Dense(3, activation="relu", activity_regularizer=R.L2(0.1)), L.Dense(2)])


def test_activity_penalty_is_a_per_sample_mean_independent_of_batch_size():
    x, y = data()
    model = _activity_model()
    model.compile(loss="mse")
    w1, b1, w2, b2 = (v.astype(np.float64) for v in model.get_weights())
    h = np.maximum(x @ w1 + b1, 0.0)
    mse = np.mean((h @ w2 + b2 - y) ** 2)
    expected = mse + 0.1 * np.sum(h ** 2) / len(x)
    assert model.evaluate(x, y, batch_size=32, verbose=0) == pytest.approx(expected, rel=1e-5)
    assert model.evaluate(x, y, batch_size=8, verbose=0) == pytest.approx(expected, rel=1e-5)


# ----------------------------------------------------------------------------- config
@pytest.mark.parametrize("reg", [R.L1(0.3), R.L2(0.2), R.L1L2(0.1, 0.2), R.L1L2(), R.l1_l2()],
                         ids=["L1", "L2", "L1L2", "L1L2-default", "l1_l2"])
def test_config_round_trip(reg):
    text = json.dumps(R.serialize(reg), sort_keys=True)
    again = R.deserialize(json.loads(text))
    assert type(again) is type(reg) and (again.l1, again.l2) == (reg.l1, reg.l2)
    assert json.dumps(R.serialize(again), sort_keys=True) == text


def test_bias_regularizer_and_constraint_without_a_bias_touch_nothing():
    """Penalties and constraints come from the weights that exist: none for a missing bias."""
    x = np.random.default_rng(0).normal(size=(6, 3))
    y = np.ones((6, 2))
    model = keras.Sequential([keras.Input(shape=(3,)), L.Dense(2, use_bias=False, bias_regularizer=R.L2(10.0),
                                                               bias_constraint=keras.constraints.NonNeg())])
    model.compile(optimizer="sgd", loss="mse")
    w = model.get_weights()[0]
    w[0, 0] = -0.5  # a negative kernel value the bias constraint must not clip
    model.set_weights([w])
    mse = float(np.mean((x @ w - y) ** 2))
    assert model.evaluate(x, y, verbose=0) == pytest.approx(mse, rel=1e-5)
    model.train_on_batch(x, y)
    assert model.get_weights()[0][0, 0] < 0


def test_bias_options_without_a_bias_touch_nothing():
    """``Dense(use_bias=False)`` with a bias regularizer and constraint: no penalty, and the kernel is not projected."""

    layer = keras.layers.Dense(2, use_bias=False, bias_regularizer=keras.regularizers.L2(10.0),
                               bias_constraint=keras.constraints.NonNeg(),
                               kernel_initializer=keras.initializers.Constant(-0.5))
    model = keras.Sequential([keras.Input((3,)), layer])
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
    x, y = np.ones((4, 3)), np.zeros((4, 2))
    assert model.evaluate(x, y, verbose=0) == pytest.approx(1.5 ** 2)  # (3 * -0.5)^2, no penalty added
    model.fit(x, y, verbose=0)
    assert np.all(layer.get_weights()[0] < 0)  # NonNeg would have clipped a kernel taken for a bias
