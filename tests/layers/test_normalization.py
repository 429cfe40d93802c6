"""BatchNormalization and LayerNormalization against plain NumPy references."""

import numpy as np
import pytest

import jitnet as keras

L = keras.layers
TOL = {"float32": {"rtol": 1e-4, "atol": 1e-5}, "float64": {"rtol": 1e-10, "atol": 1e-12}}


@pytest.fixture(params=["float32", "float64"])
def floatx(request):
    keras.config.set_floatx(request.param)
    return request.param


def bn_train_ref(z, gamma, beta, eps):
    """Batch statistics over every axis but the last; biased variance."""
    axes = tuple(range(z.ndim - 1))
    mean, var = z.mean(axis=axes), z.var(axis=axes)
    xhat = (z - mean) / np.sqrt(var + eps)
    return gamma * xhat + beta, xhat, mean, var


def bn_infer_ref(z, gamma, beta, moving_mean, moving_var, eps):
    return gamma * (z - moving_mean) / np.sqrt(moving_var + eps) + beta


def f64(arrays):
    return [np.asarray(a, np.float64) for a in arrays]


# ----------------------------------------------------------------------------- Dense -> BN trained with SGD
def test_dense_batchnorm_sgd_steps_match_numpy(floatx):
    """Three SGD steps of Dense(3) -> BN on MSE, batch 8, no shuffling, redone in NumPy (float64)."""
    lr, momentum, eps, nb = 0.1, 0.9, 1e-3, 8
    rng = np.random.default_rng(0)
    x = rng.normal(size=(24, 4)).astype(floatx)
    y = rng.normal(size=(24, 3)).astype(floatx)
    model = keras.Sequential([keras.Input(shape=(4,)), L.Dense(3),
                              L.BatchNormalization(momentum=momentum, epsilon=eps,
                                                   gamma_initializer=keras.initializers.RandomUniform(0.5, 1.5,
                                                                                                     seed=1),
                                                   beta_initializer=keras.initializers.RandomNormal(seed=2))])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr), loss="mse")
    w, b, gamma, beta, mm, mv = f64(model.get_weights())
    np.testing.assert_array_equal(mm, 0.0)
    np.testing.assert_array_equal(mv, 1.0)
    xs, ys = x.astype(np.float64), y.astype(np.float64)
    losses = []
    for k in range(3):
        xb, yb = xs[k * nb:(k + 1) * nb], ys[k * nb:(k + 1) * nb]
        z = xb @ w + b
        out, xhat, mean, var = bn_train_ref(z, gamma, beta, eps)
        losses.append(np.mean((out - yb) ** 2))
        dout = 2.0 * (out - yb) / out.size                     # d mean((out - y)^2) / d out
        dgamma, dbeta = (dout * xhat).sum(0), dout.sum(0)
        dz = gamma / np.sqrt(var + eps) / nb * (nb * dout - dbeta - xhat * dgamma)
        dw, db = xb.T @ dz, dz.sum(0)
        mm = mm * momentum + mean * (1 - momentum)           # moving statistics use the biased variance
        mv = mv * momentum + var * (1 - momentum)
        w, b, gamma, beta = w - lr * dw, b - lr * db, gamma - lr * dgamma, beta - lr * dbeta
    history = model.fit(x, y, batch_size=nb, epochs=1, shuffle=False, verbose=0)
    tol = TOL[floatx]
    assert history.history["loss"][0] == pytest.approx(np.mean(losses), rel=tol["rtol"])
    got = model.get_weights()
    for name, g, e in zip(["kernel", "bias", "gamma", "beta", "moving_mean", "moving_variance"], got,
                          [w, b, gamma, beta, mm, mv]):
        assert g.dtype == np.dtype(floatx), name
        np.testing.assert_allclose(g, e, **tol, err_msg=name)

    # Inference: the moving statistics, and nothing changes.
    z = xs @ w + b
    np.testing.assert_allclose(model.predict(x, verbose=0), bn_infer_ref(z, gamma, beta, mm, mv, eps), **tol)
    np.testing.assert_allclose(model(x, training=False), bn_infer_ref(z, gamma, beta, mm, mv, eps), **tol)
    np.testing.assert_allclose(model.get_weights()[4], mm, **tol)

    # model(x, training=True): statistics of this batch (all 24 rows); as in Keras, the call
    # also moves the moving statistics once.
    out, _, mean, var = bn_train_ref(z, gamma, beta, eps)
    np.testing.assert_allclose(model(x, training=True), out, **tol)
    np.testing.assert_allclose(model.get_weights()[4], mm * momentum + mean * (1 - momentum), **tol)
    np.testing.assert_allclose(model.get_weights()[5], mv * momentum + var * (1 - momentum), **tol)


def test_batchnorm_on_3d_inputs_reduces_over_batch_and_middle_axes():
    model = keras.Sequential([keras.Input(shape=(2, 4)), L.BatchNormalization(momentum=0.5)])
    x = np.random.default_rng(1).normal(loc=3.0, size=(6, 2, 4)).astype("float32")
    expected, _, mean, var = bn_train_ref(x.astype(np.float64), 1.0, 0.0, 1e-3)
    np.testing.assert_allclose(model(x, training=True), expected, rtol=1e-5, atol=1e-5)
    gamma, beta, mm, mv = model.get_weights()
    assert gamma.shape == beta.shape == mm.shape == mv.shape == (4,)
    np.testing.assert_allclose(mm, 0.5 * mean, rtol=1e-5)
    np.testing.assert_allclose(mv, 0.5 + 0.5 * var, rtol=1e-5)
    np.testing.assert_allclose(model.predict(x, verbose=0), bn_infer_ref(x, 1.0, 0.0, mm, mv, 1e-3),
                               rtol=1e-5, atol=1e-6)


def test_float32_batch_statistics_do_not_lose_precision_to_an_offset():
    # 4096 rows of 100 + N(0, 1): a float32 running sum reaches 4e5 (ulp 0.03) and put a 2e-4 error
    # in the mean; summing deviations from the first row keeps it at float32 rounding of the result.
    x = (100.0 + np.random.default_rng(8).normal(size=(4096, 8))).astype("float32")
    model = keras.Sequential([keras.Input(shape=(8,)), L.BatchNormalization(momentum=1e-9)])
    expected, _, mean, var = bn_train_ref(x.astype(np.float64), 1.0, 0.0, 1e-3)
    np.testing.assert_allclose(model(x, training=True), expected, rtol=0, atol=2e-5)
    np.testing.assert_allclose(model.get_weights()[2], mean, rtol=1e-7)
    np.testing.assert_allclose(model.get_weights()[3], var, rtol=1e-5)


def test_inference_uses_the_moving_statistics_set_by_initializers_and_set_weights():
    bn = L.BatchNormalization(moving_mean_initializer=keras.initializers.Constant(0.5),
                              moving_variance_initializer=keras.initializers.Constant(4.0), epsilon=0.01)
    model = keras.Sequential([keras.Input(shape=(3,)), bn])
    x = np.random.default_rng(2).normal(size=(5, 3)).astype("float32")
    np.testing.assert_allclose(model.predict(x, verbose=0), (x - 0.5) / np.sqrt(4.01), rtol=1e-6)
    gamma, beta = np.array([1.0, 2.0, 3.0]), np.array([-1.0, 0.0, 1.0])
    mm, mv = np.array([0.1, 0.2, 0.3]), np.array([1.0, 0.5, 2.0])
    bn.set_weights([gamma, beta, mm, mv])
    np.testing.assert_allclose(model.predict(x, verbose=0), bn_infer_ref(x, gamma, beta, mm, mv, 0.01), rtol=1e-6)


def test_predict_is_deterministic_and_equals_call_in_inference():
    model = keras.Sequential([keras.Input(shape=(5,)), L.Dense(8), L.BatchNormalization(), L.ReLU(),
                              L.Dropout(0.5, seed=3), L.Dense(2)])
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(40, 5)).astype("float32"), rng.normal(size=(40, 2)).astype("float32")
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    first = model.predict(x, verbose=0)
    np.testing.assert_array_equal(first, model.predict(x, verbose=0))
    np.testing.assert_array_equal(first, model.predict(x, batch_size=40, verbose=0))
    np.testing.assert_allclose(first, model(x, training=False), rtol=1e-6, atol=1e-6)


# ----------------------------------------------------------------------------- weights, summary, freezing
def test_weight_order_names_and_trainability():
    model = keras.Sequential([keras.Input(shape=(3,)), L.Dense(4), L.BatchNormalization()])
    bn = model.layers[1]
    assert [w.name for w in bn.weights] == ["gamma", "beta", "moving_mean", "moving_variance"]
    assert [w.name for w in bn.trainable_weights] == ["gamma", "beta"]
    assert [w.name for w in bn.non_trainable_weights] == ["moving_mean", "moving_variance"]
    gamma, beta, mm, mv = bn.get_weights()
    np.testing.assert_array_equal(gamma, 1.0)
    np.testing.assert_array_equal(beta, 0.0)
    np.testing.assert_array_equal(mm, 0.0)
    np.testing.assert_array_equal(mv, 1.0)


@pytest.mark.parametrize("center, scale, names", [(False, True, ["gamma"]), (True, False, ["beta"]),
                                                  (False, False, [])])
def test_center_and_scale_false_drop_beta_and_gamma(center, scale, names):
    bn = L.BatchNormalization(center=center, scale=scale)
    model = keras.Sequential([keras.Input(shape=(3,)), bn])
    assert [w.name for w in bn.weights] == names + ["moving_mean", "moving_variance"]
    assert model.count_params() == 3 * (len(names) + 2)
    x = np.random.default_rng(4).normal(size=(6, 3)).astype("float32")
    np.testing.assert_allclose(model(x, training=True), bn_train_ref(x, 1.0, 0.0, 1e-3)[0], rtol=1e-5, atol=1e-6)


def _summary(model):
    lines = []
    model.summary(print_fn=lines.append)
    return "\n".join(lines)


def test_summary_counts_moving_statistics_as_non_trainable():
    model = keras.Sequential([keras.Input(shape=(3,)), L.Dense(4), L.BatchNormalization()])
    text = _summary(model)
    # Dense 3*4+4 = 16; BN gamma, beta (trainable) + moving mean, variance (non-trainable): 4 * 4 = 16.
    assert " Total params: 32 (128.00 B)" in text
    assert " Trainable params: 24 (96.00 B)" in text
    assert " Non-trainable params: 8 (32.00 B)" in text
    name = model.layers[1].name
    bn_row = next(line for line in text.splitlines() if f"│ {name} " in line)  # the type wraps to a 2nd line
    assert bn_row.rstrip("│ ").endswith(" 16")


def test_frozen_batchnorm_uses_moving_statistics_and_is_not_updated():
    bn = L.BatchNormalization(moving_mean_initializer=keras.initializers.Constant(0.2),
                              moving_variance_initializer=keras.initializers.Constant(3.0))
    model = keras.Sequential([keras.Input(shape=(4,)), L.Dense(4), bn])
    bn.trainable = False
    assert " Non-trainable params: 16 (64.00 B)" in _summary(model)
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(32, 4)).astype("float32"), rng.normal(size=(32, 4)).astype("float32")
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    before = bn.get_weights()
    dense_before = model.layers[0].get_weights()
    model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    for a, b in zip(before, bn.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(dense_before[0], model.layers[0].get_weights()[0])  # the Dense still trains
    # A frozen BatchNormalization runs in inference mode even when called with training=True (Keras).
    np.testing.assert_array_equal(model(x, training=True), model.predict(x, verbose=0))
    for a, b in zip(before, bn.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_freezing_after_compile_takes_effect_at_the_next_fit():
    rng = np.random.default_rng(6)
    x, y = rng.normal(size=(32, 3)).astype("float32"), rng.normal(size=(32, 2)).astype("float32")
    model = keras.Sequential([keras.Input(shape=(3,)), L.Dense(2), L.BatchNormalization()])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    model.fit(x, y, epochs=1, verbose=0)
    model.layers[1].trainable = False
    frozen = model.layers[1].get_weights()
    model.fit(x, y, epochs=1, verbose=0)
    for a, b in zip(frozen, model.layers[1].get_weights()):
        np.testing.assert_array_equal(a, b)
    model.layers[1].trainable = True
    model.fit(x, y, epochs=1, verbose=0)
    assert not np.array_equal(frozen[2], model.layers[1].get_weights()[2])


# ----------------------------------------------------------------------------- LayerNormalization
def test_layer_normalization_matches_numpy_per_sample():
    ln = L.LayerNormalization(gamma_initializer=keras.initializers.RandomUniform(0.5, 1.5, seed=1),
                              beta_initializer=keras.initializers.RandomNormal(seed=2))
    model = keras.Sequential([keras.Input(shape=(2, 5)), ln])
    gamma, beta = f64(ln.get_weights())
    assert [w.name for w in ln.weights] == ["gamma", "beta"]
    x = np.random.default_rng(7).normal(loc=2.0, size=(4, 2, 5)).astype("float32")
    xs = x.astype(np.float64)
    mean, var = xs.mean(-1, keepdims=True), xs.var(-1, keepdims=True)
    expected = gamma * (xs - mean) / np.sqrt(var + 1e-3) + beta  # Keras's default epsilon 1e-3
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model(x, training=True), expected, rtol=1e-5, atol=1e-6)


# ----------------------------------------------------------------------------- bad arguments
@pytest.mark.parametrize("kwargs, name", [({"momentum": 0.0}, "momentum"), ({"momentum": -0.5}, "momentum"),
                                          ({"epsilon": 0.0}, "epsilon"), ({"epsilon": -1e-3}, "epsilon")])
def test_batchnorm_rejects_non_positive_momentum_and_epsilon(kwargs, name):
    with pytest.raises(ValueError, match=name):
        L.BatchNormalization(**kwargs)


@pytest.mark.parametrize("epsilon", [0.0, -1.0])
def test_layer_normalization_rejects_non_positive_epsilon(epsilon):
    with pytest.raises(ValueError, match="epsilon"):
        L.LayerNormalization(epsilon=epsilon)


@pytest.mark.parametrize("cls", [L.BatchNormalization, L.LayerNormalization])
@pytest.mark.parametrize("axis", [2, -3, 5, "x", [0, 1]])
def test_an_axis_that_does_not_exist_fails_at_build(cls, axis):
    layer = cls(axis=axis)  # the rank is known only when built
    with pytest.raises(ValueError, match="axis"):
        keras.Sequential([keras.Input(shape=(4,)), layer])


@pytest.mark.parametrize("axis", [1, -1, [-1]])
def test_the_last_axis_can_be_named_several_ways(axis):
    model = keras.Sequential([keras.Input(shape=(4,)), L.BatchNormalization(axis=axis)])
    assert model.output_shape == (4,)


def test_a_non_last_axis_is_rejected_as_unsupported():
    with pytest.raises(ValueError, match="last axis"):
        keras.Sequential([keras.Input(shape=(2, 4)), L.BatchNormalization(axis=1)])


def test_a_batch_skipped_for_its_loss_leaves_the_moving_statistics(rng):
    bn = keras.layers.BatchNormalization(momentum=0.5)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4), bn, keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x, y = rng.normal(size=(8, 3)), rng.normal(size=(8, 1))
    model.fit(x, y, batch_size=8, verbose=0)
    mean, var = (w.copy() for w in bn.get_weights()[2:])
    assert not np.allclose(mean, 0.0) and not np.allclose(var, 1.0)  # an applied batch moved them
    with pytest.warns(RuntimeWarning, match="Loss became"):
        model.fit(np.full((8, 3), 3e38), y, batch_size=8, verbose=0)  # the forward pass overflows: skipped
    np.testing.assert_array_equal(bn.get_weights()[2], mean)
    np.testing.assert_array_equal(bn.get_weights()[3], var)
    model(x, training=True)  # as Keras: a training-mode call updates them
    assert not np.array_equal(bn.get_weights()[2], mean)
