"""Flatten and Reshape: output shapes, values, and that they alias the buffer they read (no copy, no op)."""

import numpy as np
import pytest

import jitnet as keras

L = keras.layers


def model_of(input_shape, *layers):
    return keras.Sequential([keras.Input(shape=input_shape), *layers])


def test_flatten_output_shape_and_values():
    model = model_of((2, 3, 4), L.Flatten())
    assert model.output_shape == (24,)
    x = np.arange(5 * 24, dtype="float32").reshape(5, 2, 3, 4)
    out = model.predict(x, verbose=0)
    assert out.shape == (5, 24)
    np.testing.assert_array_equal(out, x.reshape(5, 24))


@pytest.mark.parametrize("target, expected", [((4, 6), (4, 6)), ((-1, 3), (8, 3)), ((2, -1, 2), (2, 6, 2)),
                                              ((24,), (24,))])
def test_reshape_output_shape_and_values(target, expected):
    model = model_of((2, 3, 4), L.Reshape(target))
    assert model.output_shape == expected
    x = np.random.default_rng(0).normal(size=(3, 2, 3, 4)).astype("float32")
    out = model.predict(x, verbose=0)
    assert out.shape == (3, *expected)
    np.testing.assert_array_equal(out, x.reshape(3, *expected))


def test_dense_after_reshape_acts_on_the_new_last_axis():
    # (None, 6) -> (None, 2, 3) -> Dense(4): the same (3, 4) kernel for both rows of each sample.
    model = model_of((6,), L.Reshape((2, 3)), L.Dense(4))
    assert model.output_shape == (2, 4)
    w, b = model.get_weights()
    x = np.random.default_rng(1).normal(size=(5, 6)).astype("float32")
    expected = x.reshape(5, 2, 3).astype(np.float64) @ w + b
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)


def _trainer(model):
    return model.trainer(None)


def test_flatten_and_reshape_alias_the_same_buffer_and_add_no_op():
    model = model_of((3,), L.Dense(6), L.Reshape((2, 3)), L.Flatten(), L.Dense(2))
    plain = model_of((3,), L.Dense(6), L.Dense(2))
    t, tp = _trainer(model), _trainer(plain)
    calls = t.builder.calls
    # Two ops (the Dense layers) in both programs: the views add no op.
    assert [c.kind for c in calls] == [c.kind for c in tp.builder.calls] == ["dense", "dense"]
    # Same workspace size per sample: no buffer was added for the views.
    assert t.size == tp.size
    dense_out, second_in = calls[0].output, calls[1].inputs[0]
    assert second_in != dense_out  # a different slot ...
    assert t.slots[second_in, 0] == t.slots[dense_out, 0]  # ... at the same start
    starts = t.slots[:, 0]
    rows_features = [tuple(r) for r in t.slots[:, 1:]]
    # slots: input (1, 3); dense (1, 6) and its linear output; reshape (2, 3); flatten (1, 6); dense (1, 2) twice
    assert rows_features == [(1, 3), (1, 6), (1, 6), (2, 3), (1, 6), (1, 2), (1, 2)]
    assert starts[1] == starts[2] == starts[3] == starts[4]
    # The same weights give the same outputs as the model without the views.
    plain.set_weights(model.get_weights())
    x = np.random.default_rng(2).normal(size=(7, 3)).astype("float32")
    np.testing.assert_array_equal(model.predict(x, verbose=0), plain.predict(x, verbose=0))


def test_flatten_of_the_input_is_the_input_buffer():
    model = model_of((2, 3), L.Flatten(), L.Dense(2))
    t = _trainer(model)
    calls = t.builder.calls
    assert t.slots[calls[0].inputs[0], 0] == 0  # reads the gathered batch itself
    assert len(calls) == 1


def test_views_train_like_the_model_without_them():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(32, 6)).astype("float32")
    y = rng.normal(size=(32, 2)).astype("float32")
    viewed = model_of((6,), L.Reshape((3, 2)), L.Flatten(), L.Dense(2))
    plain = model_of((6,), L.Dense(2))
    plain.set_weights(viewed.get_weights())
    for m in (viewed, plain):
        m.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
        m.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(viewed.get_weights(), plain.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_reshape_to_an_incompatible_size_fails_at_build():
    with pytest.raises(ValueError, match="target_shape"):
        model_of((2, 3, 4), L.Reshape((5, 5)))
    with pytest.raises(ValueError, match="Cannot reshape"):
        model_of((7,), L.Reshape((-1, 2)))


@pytest.mark.parametrize("target", [(2, -1, -1), (0, 3), (-2, 3), ()])
def test_reshape_rejects_bad_target_shapes_when_made(target):
    with pytest.raises(ValueError, match="target_shape"):
        L.Reshape(target)


def test_reshape_rejects_a_non_sequence():
    with pytest.raises(TypeError, match="target_shape"):
        L.Reshape("ab")
