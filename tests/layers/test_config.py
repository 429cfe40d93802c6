"""get_config / from_config round trips of every layer: equal JSON, same behaviour."""

import json

import numpy as np
import pytest

import jitnet as keras
from jitnet import layers as L
from tests import reference

I, R, C = keras.initializers, keras.regularizers, keras.constraints

# Every layer class, with arguments away from their defaults where it has any.
LAYERS = {
    "Dense": lambda: L.Dense(4, activation="tanh", use_bias=True, kernel_initializer=I.HeNormal(seed=3),
                             bias_initializer=I.Constant(0.5), kernel_regularizer=R.L1L2(0.01, 0.02),
                             bias_regularizer=R.L2(0.1), activity_regularizer=R.L1(0.001),
                             kernel_constraint=C.MaxNorm(3.0), bias_constraint=C.NonNeg()),
    "Dense-defaults": lambda: L.Dense(4),
    "Dense-no-bias": lambda: L.Dense(4, use_bias=False, kernel_initializer="orthogonal"),
    "Activation": lambda: L.Activation("softplus"),
    "Dropout": lambda: L.Dropout(0.3, seed=4),
    "Dropout-unseeded": lambda: L.Dropout(0.5),
    "GaussianNoise": lambda: L.GaussianNoise(0.2, seed=1),
    "GaussianDropout": lambda: L.GaussianDropout(0.4, seed=5),
    "AlphaDropout": lambda: L.AlphaDropout(0.1, seed=2),
    "BatchNormalization": lambda: L.BatchNormalization(momentum=0.9, epsilon=1e-4, center=False,
                                                       gamma_initializer=I.RandomUniform(0.5, 1.5, seed=1),
                                                       moving_mean_initializer=I.Constant(0.1),
                                                       moving_variance_initializer=I.Constant(2.0)),
    "BatchNormalization-defaults": lambda: L.BatchNormalization(),
    "LayerNormalization": lambda: L.LayerNormalization(epsilon=1e-5, scale=False, beta_initializer=I.Constant(0.2)),
    "ReLU": lambda: L.ReLU(max_value=6.0, negative_slope=0.1, threshold=0.5),
    "ReLU-defaults": lambda: L.ReLU(),
    "LeakyReLU": lambda: L.LeakyReLU(negative_slope=0.2),
    "PReLU": lambda: L.PReLU(alpha_initializer=I.Constant(0.25)),
    "ELU": lambda: L.ELU(alpha=0.5),
    "Softmax": lambda: L.Softmax(axis=-1),
    "Flatten": lambda: L.Flatten(),
    "Reshape": lambda: L.Reshape((2, -1)),
    "Conv1D": lambda: L.Conv1D(3, 2, strides=2, padding="causal", activation="relu", use_bias=False,
                               kernel_regularizer=R.L2(0.1)),
    "Conv2D": lambda: L.Conv2D(3, (2, 1), padding="same", dilation_rate=(1, 2), activation="relu",
                               bias_initializer=I.Constant(0.1), bias_constraint=C.NonNeg()),
    "Conv2D-defaults": lambda: L.Conv2D(2, 3),
    "MaxPooling1D": lambda: L.MaxPooling1D(3, strides=1, padding="same"),
    "AveragePooling1D": lambda: L.AveragePooling1D(),
    "MaxPooling2D": lambda: L.MaxPooling2D((2, 1), strides=(1, 2), padding="same"),
    "AveragePooling2D": lambda: L.AveragePooling2D(2, padding="same"),
    "GlobalMaxPooling1D": lambda: L.GlobalMaxPooling1D(keepdims=True),
    "GlobalAveragePooling1D": lambda: L.GlobalAveragePooling1D(),
    "GlobalMaxPooling2D": lambda: L.GlobalMaxPooling2D(),
    "GlobalAveragePooling2D": lambda: L.GlobalAveragePooling2D(keepdims=True),
    "ZeroPadding1D": lambda: L.ZeroPadding1D((1, 2)),
    "ZeroPadding2D": lambda: L.ZeroPadding2D(((1, 0), (2, 1))),
    "Rescaling": lambda: L.Rescaling(1 / 255, offset=-0.5),
    "Embedding": lambda: L.Embedding(20, 3, embeddings_initializer=I.RandomNormal(seed=1),
                                     embeddings_regularizer=R.L2(0.01), mask_zero=True),
    "Embedding-defaults": lambda: L.Embedding(20, 3),
    "SimpleRNN": lambda: L.SimpleRNN(3, activation="relu", return_sequences=True, go_backwards=True, dropout=0.1,
                                     seed=2),
    "LSTM": lambda: L.LSTM(3, unit_forget_bias=False, recurrent_regularizer=R.L2(0.1),
                           recurrent_constraint=C.MaxNorm(2.0), recurrent_dropout=0.2, seed=3),
    "LSTM-defaults": lambda: L.LSTM(2),
    "GRU": lambda: L.GRU(3, recurrent_activation="hard_sigmoid", return_sequences=True, use_bias=False, seed=4),
    "GRU-no-reset-after": lambda: L.GRU(2, reset_after=False, go_backwards=True),
    "Bidirectional": lambda: L.Bidirectional(L.LSTM(2, return_sequences=True, dropout=0.2, seed=5)),
}
IMAGE_LAYERS = {"Conv2D", "MaxPooling2D", "AveragePooling2D", "GlobalMaxPooling2D", "GlobalAveragePooling2D",
                "ZeroPadding2D"}


def input_shape(key):
    """(2, 6) for most layers; the 2-D convolutions and poolings need images."""
    return (4, 3, 2) if key.split("-")[0] in IMAGE_LAYERS else (2, 6)


def test_every_registered_layer_is_covered():
    # The merging layers take lists of tensors: tests/layers/test_merging.py round-trips their configs.
    covered = {key.split("-")[0] for key in LAYERS} | {"InputLayer"} | set(reference.MERGING)
    assert covered == {L.LAYERS.lookup(name).__name__ for name in L.LAYERS.names()}  # aliases name the same classes


def dumps(config):
    return json.dumps(config, sort_keys=True)


@pytest.mark.parametrize("key", sorted(LAYERS))
def test_layer_config_round_trip_gives_equal_json(key):
    layer = LAYERS[key]()
    text = dumps(L.serialize(layer))
    again = L.deserialize(json.loads(text))
    assert type(again) is type(layer)
    assert dumps(L.serialize(again)) == text
    # from_config on get_config directly, as Keras.
    assert dumps(type(layer).from_config(layer.get_config()).get_config()) == dumps(layer.get_config())
    cfg = layer.get_config()
    assert cfg["name"] == layer.name and cfg["trainable"] is True and cfg["dtype"] == "float32"


@pytest.mark.parametrize("key", sorted(LAYERS))
def test_rebuilt_layer_behaves_the_same(key):
    layer = LAYERS[key]()
    again = L.deserialize(json.loads(dumps(L.serialize(layer))))
    models = [keras.Sequential([keras.Input(shape=input_shape(key)), lay]) for lay in (layer, again)]
    models[1].set_weights(models[0].get_weights())
    rng = np.random.default_rng(0)
    x = rng.integers(0, 20, size=(5, *input_shape(key))) if key.startswith("Embedding") else \
        rng.normal(size=(5, *input_shape(key))).astype("float32")
    np.testing.assert_array_equal(models[0].predict(x, verbose=0), models[1].predict(x, verbose=0))
    if getattr(layer, "seed", None) is not None:  # a seeded noise layer draws the same noise
        np.testing.assert_array_equal(models[0](x, training=True), models[1](x, training=True))


def test_frozen_layer_config_round_trip():
    layer = L.BatchNormalization(trainable=False)
    again = L.deserialize(json.loads(dumps(L.serialize(layer))))
    assert again.trainable is False


def test_input_layer_config_round_trip():
    layer = L.InputLayer(shape=(3, 4))
    config = json.loads(dumps(L.serialize(layer)))
    assert config["config"]["batch_shape"] == [None, 3, 4]
    assert dumps(L.serialize(L.deserialize(config))) == dumps(config)


def test_serialized_layout_is_keras():
    config = L.serialize(L.Dropout(0.25, seed=1, name="drop"))
    assert config == {"module": "keras.layers", "class_name": "Dropout", "registered_name": None,
                      "config": {"name": "drop", "trainable": True, "dtype": "float32", "rate": 0.25, "seed": 1,
                                 "noise_shape": None}}
    bn = L.BatchNormalization(name="bn").get_config()
    assert bn["beta_initializer"] == {"class_name": "Zeros", "config": {}}
    assert bn["moving_variance_initializer"] == {"class_name": "Ones", "config": {}}
    assert (bn["axis"], bn["momentum"], bn["epsilon"], bn["center"], bn["scale"]) == (-1, 0.99, 1e-3, True, True)


def test_sequential_with_every_layer_round_trips():
    layers = [L.Flatten(), L.Dense(12, activation="relu"), L.BatchNormalization(), L.Dropout(0.2, seed=1),
              L.Reshape((3, 4)), L.LayerNormalization(), L.PReLU(), L.Flatten(), L.GaussianNoise(0.1, seed=2),
              L.Dense(6), L.ReLU(max_value=4.0), L.LeakyReLU(), L.ELU(), L.GaussianDropout(0.1, seed=3),
              L.AlphaDropout(0.1, seed=4), L.Activation("tanh"), L.Dense(3), L.Softmax()]
    model = keras.Sequential([keras.Input(shape=(2, 6)), *layers])
    text = dumps(model.get_config())
    again = keras.Sequential.from_config(json.loads(text))
    assert dumps(again.get_config()) == text
    again.set_weights(model.get_weights())
    x = np.random.default_rng(1).normal(size=(4, 2, 6)).astype("float32")
    np.testing.assert_array_equal(model.predict(x, verbose=0), again.predict(x, verbose=0))
