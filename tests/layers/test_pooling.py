"""Pooling, zero padding and Rescaling: forward values against NumPy, gradients, shapes and bad arguments."""

import numpy as np
import pytest

import jitnet as keras
from tests import reference
from tests.gradcheck import build, check_layers

L = keras.layers

POOL2D = [((2, 2), None, "valid"), ((2, 2), None, "same"), ((3, 2), (1, 2), "same"), ((3, 3), (2, 2), "valid"),
          (2, 1, "valid"), ((3, 3), (3, 3), "same"), ((2, 1), None, "valid")]  # the last tiles (6, 5)
POOL1D = [(2, None, "valid"), (3, 2, "same"), (2, 1, "same"), (4, 3, "valid")]


def _predict(layers, x):
    model = keras.Sequential([keras.Input(shape=x.shape[1:]), *layers])
    return model, model.predict(x, verbose=0)


POOLS = {(2, False): L.MaxPooling2D, (2, True): L.AveragePooling2D, (1, False): L.MaxPooling1D,
         (1, True): L.AveragePooling1D}
CASES = [(2, *case) for case in POOL2D] + [(1, *case) for case in POOL1D]
SHAPES = {2: ((7, 5, 3), (6, 5, 2)), 1: ((9, 2), (8, 2))}  # rank: (forward test input, gradient test input)


@pytest.mark.parametrize("average", [False, True])
@pytest.mark.parametrize("rank, pool_size, strides, padding", CASES)
def test_pooling_matches_numpy(float64, average, rank, pool_size, strides, padding):
    x = np.random.default_rng(rank).normal(size=(3, *SHAPES[rank][0]))
    layer = POOLS[rank, average](pool_size, strides=strides, padding=padding)
    model, out = _predict([layer], x)
    expected = reference.pool(x, layer.pool_size, layer.strides, padding, average)
    assert model.output_shape == expected.shape[1:]
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("average", [False, True])
@pytest.mark.parametrize("rank, pool_size, strides, padding", CASES)
def test_pooling_gradients(float64, average, rank, pool_size, strides, padding):
    conv = L.Conv2D(2, 2, padding="same") if rank == 2 else L.Conv1D(2, 2, padding="same")
    check_layers([conv, POOLS[rank, average](pool_size, strides=strides, padding=padding)], SHAPES[rank][1], batch=2)


def test_max_pooling_gradient_goes_to_the_first_maximum():
    x = np.array([[1.0, 3.0, 3.0, 0.0], [2.0, 3.0, 1.0, 1.0], [0.0, 0.0, 5.0, 5.0], [0.0, 0.0, 5.0, 5.0]])
    from tests.gradcheck import analytic

    _, trainer = build([L.MaxPooling2D(2)], (4, 4, 1), 1)
    _, dx = analytic(trainer, x.reshape(1, 4, 4, 1), np.array([[1.0, 10.0, 100.0, 1000.0]]))
    expected = np.zeros((4, 4))
    expected[0, 1], expected[0, 2], expected[2, 0], expected[2, 2] = 1.0, 10.0, 100.0, 1000.0
    np.testing.assert_array_equal(dx.reshape(4, 4), expected)


@pytest.mark.parametrize("layer, axes", [(L.GlobalAveragePooling2D, (1, 2)), (L.GlobalMaxPooling2D, (1, 2)),
                                         (L.GlobalAveragePooling1D, (1,)), (L.GlobalMaxPooling1D, (1,))])
@pytest.mark.parametrize("keepdims", [False, True])
def test_global_pooling(float64, layer, axes, keepdims):
    shape = (4, 3, 5) if len(axes) == 2 else (6, 5)
    x = np.random.default_rng(2).normal(size=(3, *shape))
    model, out = _predict([layer(keepdims=keepdims)], x)
    reduce = np.mean if "Average" in layer.__name__ else np.max
    expected = reduce(x, axis=axes, keepdims=keepdims)
    assert model.output_shape == expected.shape[1:]
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    check_layers([L.Dense(5), layer(keepdims=keepdims)], shape[:-1] + (3,), batch=2)


@pytest.mark.parametrize("padding, shape, expected", [
    (1, (3, 4, 2), (5, 6, 2)), ((2, 1), (3, 4, 2), (7, 6, 2)), (((1, 0), (0, 3)), (3, 4, 2), (4, 7, 2)),
])
def test_zero_padding2d(float64, padding, shape, expected):
    x = np.random.default_rng(3).normal(size=(2, *shape))
    model, out = _predict([L.ZeroPadding2D(padding)], x)
    layer = model.layers[0]
    (top, bottom), (left, right) = layer.padding
    assert model.output_shape == expected
    np.testing.assert_array_equal(out, np.pad(x, [(0, 0), (top, bottom), (left, right), (0, 0)]))
    check_layers([L.ZeroPadding2D(padding), L.Conv2D(2, 2)], shape, batch=2)


def test_zero_padding1d(float64):
    x = np.random.default_rng(4).normal(size=(2, 5, 3))
    model, out = _predict([L.ZeroPadding1D((2, 1))], x)
    np.testing.assert_array_equal(out, np.pad(x, [(0, 0), (2, 1), (0, 0)]))
    assert model.layers[0].get_config()["padding"] == (2, 1)
    check_layers([L.ZeroPadding1D(1), L.Conv1D(2, 2)], (5, 3), batch=2)


def test_rescaling(float64):
    x = np.random.default_rng(5).integers(0, 256, size=(2, 4, 4, 1)).astype("float64")
    _, out = _predict([L.Rescaling(1 / 255)], x)
    np.testing.assert_allclose(out, x / 255, rtol=1e-15)
    _, out = _predict([L.Rescaling(2.0, offset=-1.0)], x)
    np.testing.assert_allclose(out, x * 2 - 1)
    check_layers([L.Dense(3), L.Rescaling(0.5, offset=0.2), L.Dense(2)], (3,))


@pytest.mark.parametrize("make, message", [
    (lambda: L.MaxPooling2D(0), "pool_size"),
    (lambda: L.MaxPooling2D((2, -1)), "pool_size"),
    (lambda: L.AveragePooling2D(2, strides=0), "strides"),
    (lambda: L.MaxPooling1D(2, padding="causal"), "padding"),
    (lambda: L.MaxPooling2D(2, data_format="channels_first"), "channels_first"),
    (lambda: L.GlobalAveragePooling2D(data_format="channels_first"), "channels_first"),
    (lambda: L.ZeroPadding2D(-1), "padding"),
    (lambda: L.ZeroPadding2D((1, 2, 3)), "padding"),
    (lambda: L.Rescaling("x"), "scale"),
    (lambda: L.Rescaling(1.0, offset=float("nan")), "offset"),
])
def test_bad_arguments(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make()


def test_pool_larger_than_its_input_and_wrong_ranks():
    with pytest.raises(ValueError, match="larger than its input"):
        keras.Sequential([keras.Input(shape=(3, 3, 1)), L.MaxPooling2D(4)])
    keras.Sequential([keras.Input(shape=(3, 3, 1)), L.MaxPooling2D(4, padding="same")])
    with pytest.raises(ValueError, match="expected ndim=4, found ndim=3"):
        keras.Sequential([keras.Input(shape=(8, 3)), L.MaxPooling2D(2)])
    with pytest.raises(ValueError, match="expected ndim=3, found ndim=4"):
        keras.Sequential([keras.Input(shape=(8, 8, 3)), L.GlobalMaxPooling1D()])


@pytest.mark.parametrize("pool", [L.MaxPooling2D, L.AveragePooling2D])
def test_a_relu_before_max_pooling_moves_to_its_outputs(float64, pool):
    x = np.random.default_rng(6).normal(size=(3, 6, 6, 2))
    conv = L.Conv2D(3, 3, padding="same", activation="relu")
    _, out = _predict([conv, pool(2, padding="same")], x)
    kernel, bias = conv.get_weights()
    z = np.maximum(reference.conv(x, kernel, bias, (1, 1), "same", (1, 1)), 0)
    np.testing.assert_allclose(out, reference.pool(z, (2, 2), (2, 2), "same", pool is L.AveragePooling2D),
                               rtol=1e-12, atol=1e-12)
    _, trainer = build([L.Conv2D(3, 3, padding="same", activation="relu"), pool(2)], (6, 6, 2), 2)
    conv_call, pool_call = trainer.builder.calls[:2]
    moved = pool is L.MaxPooling2D
    assert (conv_call.ints["relu"], pool_call.ints["relu"]) == ((0, 1) if moved else (1, 0))
    check_layers([L.Conv2D(3, 3, padding="same", activation="relu"), pool(2)], (6, 6, 2), batch=2)


def test_a_relu_under_an_activity_penalty_stays_with_its_layer():
    conv = L.Conv2D(2, 3, padding="same", activation="relu", activity_regularizer=keras.regularizers.L1(1.0),
                    kernel_initializer="ones")
    model = keras.Sequential([keras.Input(shape=(4, 4, 1)), conv, L.MaxPooling2D(2), L.Flatten(),
                              L.Dense(1, kernel_initializer="zeros")])
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.default_rng(8).normal(size=(2, 4, 4, 1)).astype("float32")
    z = np.maximum(reference.conv(x.astype("float64"), np.ones((3, 3, 1, 2)), np.zeros(2), (1, 1), "same", (1, 1)), 0)
    # the data loss is 0 (zero outputs, zero targets): what is left is the L1 of the ReLU's output per sample
    assert model.evaluate(x, np.zeros((2, 1)), verbose=0) == pytest.approx(np.abs(z).sum() / 2, rel=1e-5)
