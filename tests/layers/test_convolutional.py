"""Conv1D and Conv2D: forward values against NumPy, gradients by finite differences, shapes and bad arguments."""

import numpy as np
import pytest

import jitnet as keras
from tests import reference
from tests.gradcheck import check_layers

L = keras.layers

CONV2D = [  # kernel_size, strides, padding, dilation_rate
    (3, 1, "valid", 1),
    (3, 1, "same", 1),
    ((2, 3), (2, 1), "same", 1),
    ((3, 2), 2, "valid", 1),
    (3, 3, "same", 1),
    ((2, 3), 1, "same", (2, 1)),
    (3, 1, "valid", 2),
    (1, 1, "valid", 1),
]
CONV1D = [(3, 1, "valid", 1), (4, 2, "same", 1), (3, 1, "causal", 2), (2, 3, "causal", 1), (3, 1, "same", 3)]


def _predict(layer, x):
    model = keras.Sequential([keras.Input(shape=x.shape[1:]), layer])
    return model, model.predict(x, verbose=0)


@pytest.mark.parametrize("kernel_size, strides, padding, dilation", CONV2D)
def test_conv2d_matches_numpy(float64, kernel_size, strides, padding, dilation):
    x = np.random.default_rng(0).normal(size=(3, 7, 6, 2))
    layer = L.Conv2D(4, kernel_size, strides=strides, padding=padding, dilation_rate=dilation,
                     bias_initializer="glorot_uniform")
    model, out = _predict(layer, x)
    kernel, bias = layer.get_weights()
    expected = reference.conv(x, kernel, bias, layer.strides, padding, layer.dilation_rate)
    assert model.output_shape == expected.shape[1:]
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kernel_size, strides, padding, dilation", CONV1D)
def test_conv1d_matches_numpy(float64, kernel_size, strides, padding, dilation):
    x = np.random.default_rng(1).normal(size=(2, 9, 3))
    layer = L.Conv1D(2, kernel_size, strides=strides, padding=padding, dilation_rate=dilation, use_bias=False)
    model, out = _predict(layer, x)
    (kernel,) = layer.get_weights()
    expected = reference.conv(x, kernel, None, layer.strides, padding, layer.dilation_rate)
    assert model.output_shape == expected.shape[1:]
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kernel_size, strides, padding, dilation", CONV2D)
def test_conv2d_gradients(float64, kernel_size, strides, padding, dilation):
    check_layers([L.Conv2D(3, kernel_size, strides=strides, padding=padding, dilation_rate=dilation,
                           activation="tanh")], (6, 5, 2), batch=2)


@pytest.mark.parametrize("kernel_size, strides, padding, dilation", CONV1D)
def test_conv1d_gradients(float64, kernel_size, strides, padding, dilation):
    check_layers([L.Conv1D(2, kernel_size, strides=strides, padding=padding, dilation_rate=dilation)], (8, 3),
                 batch=2)


def test_stacked_convolutions_with_batch_normalization_and_dropout(float64):
    check_layers([L.Conv2D(3, 3, padding="same", activation="relu"), L.BatchNormalization(),
                  L.Dropout(0.3, seed=2), L.Conv2D(2, 2, strides=2), L.Flatten(), L.Dense(2)], (5, 5, 1), batch=4)


def test_kernel_layout_and_initializer_fans():
    layer = L.Conv2D(32, kernel_size=3, activation="relu", padding="same")
    model = keras.Sequential([keras.Input(shape=(28, 28, 1)), layer])
    kernel, bias = layer.get_weights()
    assert kernel.shape == (3, 3, 1, 32) and bias.shape == (32,)
    assert model.output_shape == (28, 28, 32)
    assert layer.count_params() == 320
    limit = np.sqrt(6 / (9 * 1 + 9 * 32))  # Glorot: fans count the receptive field, as in Keras
    assert np.abs(kernel).max() <= limit and np.abs(kernel).max() > 0.8 * limit


def test_flatten_after_conv_keeps_keras_order():
    x = np.random.default_rng(2).normal(size=(2, 4, 4, 3)).astype("float32")
    conv = L.Conv2D(2, 1, use_bias=False, kernel_initializer="ones")
    model = keras.Sequential([keras.Input(shape=(4, 4, 3)), conv, L.Flatten()])
    np.testing.assert_allclose(model.predict(x, verbose=0), np.repeat(x.sum(-1, keepdims=True), 2, -1).reshape(2, -1),
                               rtol=1e-6)


def test_regularizers_and_constraints_reach_the_kernel():
    conv = L.Conv2D(2, 2, kernel_regularizer=keras.regularizers.L2(0.5), kernel_constraint="non_neg",
                    kernel_initializer="ones", bias_initializer="ones")
    model = keras.Sequential([keras.Input(shape=(3, 3, 1)), conv, L.Flatten()])
    model.compile(optimizer=keras.optimizers.SGD(1.0), loss="mse")
    loss = model.evaluate(np.zeros((2, 3, 3, 1)), np.full((2, 8), 1.0), verbose=0)
    assert loss == pytest.approx(0.5 * 8, rel=1e-6)  # the data loss is 0: only the L2 penalty of 8 ones
    model.fit(np.zeros((2, 3, 3, 1)), np.full((2, 8), 1.0), verbose=0)
    np.testing.assert_array_equal(conv.get_weights()[0], 0.0)  # 1 - 1.0 * (0.5 * 2 * 1) = 0, kept >= 0


def test_summary_shapes_and_config_round_trip():
    model = keras.Sequential([keras.Input(shape=(28, 28, 1)), L.Conv2D(8, (3, 5), strides=2, padding="same",
                                                                       dilation_rate=1, name="c")])
    assert model.output_shape == (14, 14, 8)
    config = model.get_layer("c").get_config()
    assert config["kernel_size"] == (3, 5) and config["strides"] == (2, 2) and config["padding"] == "same"
    again = L.Conv2D.from_config(config)
    assert again.kernel_size == (3, 5) and again.strides == (2, 2) and again.activation.name == "linear"


@pytest.mark.parametrize("kwargs, message", [
    ({"filters": 0, "kernel_size": 3}, "filters"),
    ({"filters": -2, "kernel_size": 3}, "filters"),
    ({"filters": 2, "kernel_size": 0}, "kernel_size"),
    ({"filters": 2, "kernel_size": (3, 3, 3)}, "kernel_size"),
    ({"filters": 2, "kernel_size": 3, "strides": 0}, "strides"),
    ({"filters": 2, "kernel_size": 3, "strides": (1, -1)}, "strides"),
    ({"filters": 2, "kernel_size": 3, "padding": "full"}, "padding"),
    ({"filters": 2, "kernel_size": 3, "padding": "causal"}, "padding"),
    ({"filters": 2, "kernel_size": 3, "data_format": "channels_first"}, "channels_first"),
    ({"filters": 2, "kernel_size": 3, "strides": 2, "dilation_rate": 2}, "dilation_rate"),
    ({"filters": 2, "kernel_size": 3, "groups": 2}, "groups"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        L.Conv2D(**kwargs)


def test_kernel_larger_than_the_padded_input():
    with pytest.raises(ValueError, match="larger than its input"):
        keras.Sequential([keras.Input(shape=(4, 4, 1)), L.Conv2D(2, 5)])
    keras.Sequential([keras.Input(shape=(4, 4, 1)), L.Conv2D(2, 5, padding="same")])  # fine with padding


def test_inputs_of_the_wrong_rank_or_channel_count():
    with pytest.raises(ValueError, match="expected ndim=4, found ndim=3"):
        keras.Sequential([keras.Input(shape=(28, 28)), L.Conv2D(2, 3)])
    model = keras.Sequential([keras.Input(shape=(8, 8, 2)), L.Conv2D(2, 3), L.Flatten(), L.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    before = model.get_weights()
    with pytest.raises(ValueError, match=r"`x` must have shape \(n, 8, 8, 2\).*\(4, 8, 8\)"):
        model.fit(np.zeros((4, 8, 8)), np.zeros((4, 1)), verbose=0)
    with pytest.raises(ValueError, match=r"`x` must have shape \(n, 8, 8, 2\).*\(4, 8, 8, 3\)"):
        model.fit(np.zeros((4, 8, 8, 3)), np.zeros((4, 1)), verbose=0)
    with pytest.raises(ValueError, match=r"`x` must have shape"):
        model.predict(np.zeros((4, 8, 8, 3)), verbose=0)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_a_missing_unit_channel_axis_is_added_as_keras_does():
    model = keras.Sequential([keras.Input(shape=(6, 6, 1)), L.Conv2D(2, 3)])
    x = np.random.default_rng(3).normal(size=(2, 6, 6)).astype("float32")
    np.testing.assert_array_equal(model.predict(x, verbose=0), model.predict(x[..., None], verbose=0))


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "relu6"])
def test_activations_after_the_convolution(float64, activation):
    activation = L.ReLU(max_value=0.5) if activation == "relu6" else activation
    x = np.random.default_rng(4).normal(size=(2, 5, 5, 2))
    layer = L.Conv2D(3, 3, padding="same", activation=activation if isinstance(activation, str) else None)
    layers = [layer] if isinstance(activation, str) else [layer, activation]
    model = keras.Sequential([keras.Input(shape=x.shape[1:]), *layers])
    out = model.predict(x, verbose=0)
    kernel, bias = layer.get_weights()
    z = reference.conv(x, kernel, bias, (1, 1), "same", (1, 1))
    expected = {"relu": np.maximum(z, 0), "sigmoid": 1 / (1 + np.exp(-z))}.get(activation, np.clip(z, 0, 0.5))
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)
    check_layers(layers, (5, 5, 2), batch=2)


@pytest.mark.parametrize("channels", [1, 9])  # patches copied in runs (few channels) and tap by tap
@pytest.mark.parametrize("kernel_size, strides, padding, dilation", [(3, 1, "same", 1), ((2, 3), 2, "same", 1),
                                                                    ((3, 2), 1, "valid", (2, 3))])
def test_patch_gathering_for_few_and_many_channels(float64, channels, kernel_size, strides, padding, dilation):
    x = np.random.default_rng(5).normal(size=(2, 5, 6, channels))
    layer = L.Conv2D(3, kernel_size, strides=strides, padding=padding, dilation_rate=dilation)
    _, out = _predict(layer, x)
    kernel, bias = layer.get_weights()
    np.testing.assert_allclose(out, reference.conv(x, kernel, bias, layer.strides, padding, layer.dilation_rate),
                               rtol=1e-12, atol=1e-12)
    check_layers([L.Conv2D(2, kernel_size, strides=strides, padding=padding, dilation_rate=dilation)],
                 (5, 6, channels), batch=2)


@pytest.mark.parametrize("make, shape", [
    (lambda: L.Conv1D(1, 2, padding="causal", dilation_rate=8), (3, 1)),  # left padding wider than the output
    (lambda: L.Conv2D(1, 7, padding="same"), (1, 1, 1)),
    (lambda: L.Conv2D(2, 3, padding="same", dilation_rate=4), (3, 3, 1)),
    (lambda: L.Conv2D(2, 3, padding="same", dilation_rate=4), (3, 3, 9)),
])
def test_windows_much_wider_than_their_input(float64, make, shape):
    x = np.random.default_rng(7).normal(size=(2, *shape))
    layer = make()
    _, out = _predict(layer, x)
    kernel, bias = layer.get_weights()
    np.testing.assert_allclose(out, reference.conv(x, kernel, bias, layer.strides, layer.padding, layer.dilation_rate),
                               rtol=1e-12, atol=1e-12)
    check_layers([make()], shape, batch=2)
