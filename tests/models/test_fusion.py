"""Sibling Dense layers feeding one Concatenate run as one Dense op over side-by-side weights."""

import numpy as np
import pytest

import jitnet as keras
from jitnet import layers as L
from jitnet.models import fusion
from tests import gradcheck


def branches(activations=("relu", "relu"), other_reader=False, output_too=False, **dense):
    keras.backend.clear_session()
    keras.utils.set_random_seed(5)
    x = keras.Input((7,), name="x")
    hs = [L.Dense(u, activation=a, **dense)(x) for u, a in zip((4, 3), activations)]
    c = L.Concatenate()(hs)
    outs = [L.Dense(2, activation="softmax", name="out")(c)]
    if other_reader:
        outs.append(L.Dense(1, name="side")(hs[1]))
    if output_too:
        outs.append(hs[0])
    return keras.Model(x, outs if len(outs) > 1 else outs[0])


def numpy_forward(weights, x):
    k1, b1, k2, b2, k3, b3 = weights
    h = np.concatenate([np.maximum(x @ k1 + b1, 0), np.maximum(x @ k2 + b2, 0)], axis=1)
    z = h @ k3 + b3
    p = np.exp(z - z.max(axis=1, keepdims=True))
    return p / p.sum(axis=1, keepdims=True)


def test_the_two_branches_are_one_group_of_views_with_keras_shapes():
    m = branches()
    (group,) = m.fused_groups()
    assert [layer.name for layer in group] == ["dense", "dense_1"]
    kernels = [layer.kernel.value for layer in group]
    assert [k.shape for k in kernels] == [(7, 4), (7, 3)]
    assert kernels[0].base is kernels[1].base  # columns of one (7, 7) block
    np.testing.assert_array_equal(kernels[1], m.get_weights()[2])
    assert [c.kind for c in m.trainer(None).builder.calls] == ["dense", "activation", "dense", "activation"]


@pytest.mark.parametrize("case", [
    {"activations": ("relu", "tanh")}, {"activations": ("softmax", "softmax")}, {"other_reader": True},
    {"output_too": True}, {"kernel_regularizer": "l2"}, {"bias_constraint": "non_neg"}])
def test_groups_need_one_elementwise_activation_and_outputs_nothing_else_reads(case):
    assert branches(**case).fused_groups() == ()


def test_predictions_and_training_match_numpy_and_the_unfused_model(monkeypatch):
    rng = np.random.default_rng(0)
    x, y = rng.random((40, 7)).astype("float32"), rng.integers(0, 2, 40)
    fused = branches()
    assert fused.fused_groups()
    np.testing.assert_allclose(fused.predict(x, verbose=0), numpy_forward(fused.get_weights(), x), rtol=1e-5)
    monkeypatch.setattr(fusion, "dense_groups", lambda nodes, outputs: [])
    plain = branches()
    assert plain.fused_groups() == ()
    for m in (fused, plain):
        m.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        keras.utils.set_random_seed(9)  # the same shuffles
        m.fit(x, y, epochs=3, batch_size=8, verbose=0)
    for a, b in zip(fused.get_weights(), plain.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert not np.allclose(fused.get_weights()[0], branches().get_weights()[0])  # it trained
    np.testing.assert_allclose(fused.predict(x, verbose=0), numpy_forward(fused.get_weights(), x), rtol=1e-5)


def test_gradients_through_a_fused_group(float64, rng):
    gradcheck.check_model(branches(activations=("tanh", "tanh")), rng.normal(size=(5, 7)), rng)


def test_set_weights_sub_models_freezing_and_clipnorm_see_the_same_weights():
    rng = np.random.default_rng(1)
    x, y = rng.random((32, 7)).astype("float32"), rng.integers(0, 2, 32)
    m = branches()
    new = [rng.normal(size=w.shape).astype("float32") for w in m.get_weights()]
    m.set_weights(new)
    for a, b in zip(m.get_weights(), new):
        np.testing.assert_array_equal(a, b)
    branch = keras.Model(m.inputs[0], m.layers[2].output)  # the second Dense's activations
    np.testing.assert_allclose(branch.predict(x, verbose=0), np.maximum(x @ new[2] + new[3], 0), rtol=1e-5)
    m.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    m.fit(x, y, verbose=0)
    trained = m.get_weights()
    assert not np.array_equal(trained[2], new[2])
    np.testing.assert_allclose(branch.predict(x, verbose=0), np.maximum(x @ trained[2] + trained[3], 0), rtol=1e-5)
    m.layers[1].trainable = False  # frozen and trainable members: laid out apart
    assert m.fused_groups() == ()
    m.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    m.fit(x, y, verbose=0)
    np.testing.assert_array_equal(m.layers[1].kernel.numpy(), trained[0])
    m.layers[1].trainable = True
    m.compile(optimizer=keras.optimizers.SGD(clipnorm=1.0), loss="sparse_categorical_crossentropy")
    assert m.fused_groups() == ()
    before = m.get_weights()
    m.fit(x, y, verbose=0)
    np.testing.assert_allclose(m.predict(x, verbose=0), numpy_forward(m.get_weights(), x), rtol=1e-5)
    assert not np.array_equal(before[0], m.get_weights()[0])
