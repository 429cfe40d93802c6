"""get_config -> from_config round trips, configs as Keras 3.15 writes them, and .keras round trips of
every architecture of ``every_layer`` (which together hold every layer class)."""

from __future__ import annotations

import json

import numpy as np
import pytest

import jitnet as keras
from jitnet import callbacks, constraints, initializers, losses, metrics, optimizers, regularizers
from jitnet.optimizers import schedules
from jitnet.saving import layer_from_config
from jitnet.saving.serialization import compile_from_config, layer_to_config
from tests.saving import every_layer

LAYER_CLASSES = {keras.layers.LAYERS.lookup(name).__name__ for name in keras.layers.LAYERS.names()}  # no aliases


def architecture_layers() -> list:
    """The layers of every ``every_layer`` architecture, built by jitnet, and the layers wrappers hold."""
    layers = [layer for builder, _ in every_layer.ARCHITECTURES.values() for layer in builder(keras).layers]
    return layers + [layer.forward_layer for layer in layers if hasattr(layer, "forward_layer")]


def _round_trip(obj):
    config = json.loads(json.dumps(obj.get_config()))
    again = type(obj).from_config(config)
    assert json.dumps(again.get_config()) == json.dumps(config)


def _instances():
    objs = []
    for registry in (optimizers.OPTIMIZERS, losses.LOSSES, metrics.METRICS, initializers.INITIALIZERS,
                     constraints.CONSTRAINTS):
        objs += [registry.lookup(name)() for name in registry.names()]
    objs += [regularizers.L1(0.1), regularizers.L2(0.2), regularizers.L1L2(0.1, 0.2)]
    objs += [
        optimizers.SGD(0.1, momentum=0.9, nesterov=True, clipnorm=1.0, name="s"),
        optimizers.RMSprop(centered=True, momentum=0.2, global_clipnorm=2.0),
        optimizers.AdamW(weight_decay=0.1, amsgrad=True, learning_rate=schedules.CosineDecay(0.1, 100)),
        losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1), losses.Huber(delta=2.0),
        metrics.BinaryAccuracy(threshold=0.3), metrics.TopKCategoricalAccuracy(k=3), metrics.get("mae"),
        initializers.RandomNormal(1.0, 2.0, seed=3), initializers.VarianceScaling(2.0, "fan_out", "uniform", 4),
        schedules.ExponentialDecay(0.1, 10, 0.9, True), schedules.InverseTimeDecay(0.1, 10, 0.5),
        schedules.PiecewiseConstantDecay([10, 20], [0.1, 0.01, 0.001]), schedules.PolynomialDecay(0.1, 100, 0.001),
        callbacks.History(), callbacks.EarlyStopping(monitor="loss", patience=3, restore_best_weights=True),
        callbacks.ReduceLROnPlateau(factor=0.5), callbacks.ModelCheckpoint("m.keras", save_best_only=True),
        callbacks.CSVLogger("log.csv", append=True), callbacks.TerminateOnNaN(),
        callbacks.LearningRateScheduler(json.dumps), callbacks.LambdaCallback(on_epoch_end=json.dumps),
    ]
    L = keras.layers
    objs += [  # the convolutional layers away from the architectures' arguments, then every layer of those
        L.Conv2D(3, (2, 1), strides=(1, 2), padding="same", kernel_initializer=initializers.HeNormal(seed=3),
                 bias_initializer=initializers.Constant(0.5), kernel_regularizer=regularizers.L1L2(0.01, 0.02),
                 bias_regularizer="l2", activity_regularizer="l1", kernel_constraint=constraints.MaxNorm(3.0),
                 bias_constraint="non_neg", name="conv"),
        L.Conv1D(2, 4, dilation_rate=3, padding="same", activation="softplus", trainable=False),
        L.MaxPooling1D(3, strides=1, padding="same"), L.AveragePooling2D((3, 2), strides=(2, 1)),
        L.GlobalMaxPooling1D(keepdims=True), L.ZeroPadding1D(3), L.ZeroPadding2D((2, 1)), L.Rescaling(1 / 255),
        *architecture_layers(),
    ]
    return objs


def test_the_architectures_hold_every_layer_class():
    """So that the round trips below and the Keras interop checks (test_keras_interop.py) see every layer."""
    assert {type(layer).__name__ for layer in architecture_layers()} | {"InputLayer"} == LAYER_CLASSES


@pytest.mark.parametrize("obj", _instances(), ids=lambda o: type(o).__name__)
def test_get_config_from_config_round_trip(obj):
    _round_trip(obj)


# Configs as written by Keras 3.15.1 (keras.saving.serialize_keras_object), trimmed to the parts that matter.
_POLICY = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": None}
_GLOROT = {"module": "keras.initializers", "class_name": "GlorotUniform",
           "config": {"seed": None, "input_axes": None, "output_axes": None}, "registered_name": None}
_ZEROS = {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": None}
_ONES = {"module": "keras.initializers", "class_name": "Ones", "config": {}, "registered_name": None}
_L2 = {"module": "keras.regularizers", "class_name": "L2", "config": {"l2": 0.01}, "registered_name": None}
_BASE = {"trainable": True, "dtype": _POLICY}
_CONV = {**_BASE, "groups": 1, "data_format": "channels_last", "kernel_initializer": _GLOROT, "bias_initializer": _ZEROS,
         "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None}
_ORTHOGONAL = {"module": "keras.initializers", "class_name": "Orthogonal", "config": {"seed": None, "gain": 1.0},
               "registered_name": None}
_RNN = {**_BASE, "return_sequences": False, "return_state": False, "go_backwards": False, "stateful": False,
        "unroll": False, "zero_output_for_mask": False, "kernel_initializer": _GLOROT,
        "recurrent_initializer": _ORTHOGONAL, "bias_initializer": _ZEROS, "kernel_regularizer": None,
        "recurrent_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
        "kernel_constraint": None, "recurrent_constraint": None, "bias_constraint": None, "dropout": 0.0,
        "recurrent_dropout": 0.0}
KERAS_LAYERS = {
    "Dense": {"name": "dense", "trainable": True, "dtype": _POLICY, "units": 3, "activation": "linear",
              "use_bias": True, "kernel_initializer": _GLOROT, "bias_initializer": _ZEROS,
              "kernel_regularizer": {"module": "keras.regularizers", "class_name": "L2", "config": {"l2": 0.01},
                                     "registered_name": None},
              "bias_regularizer": None,
              "kernel_constraint": {"module": "keras.constraints", "class_name": "MaxNorm",
                                    "config": {"max_value": 2, "axis": 0}, "registered_name": None},
              "bias_constraint": None, "quantization_config": None},
    "BatchNormalization": {"name": "batch_normalization", "trainable": True, "dtype": _POLICY, "axis": -1,
                           "momentum": 0.99, "epsilon": 0.001, "center": True, "scale": True,
                           "beta_initializer": _ZEROS, "gamma_initializer": _ONES, "moving_mean_initializer": _ZEROS,
                           "moving_variance_initializer": _ONES, "beta_regularizer": None, "gamma_regularizer": None,
                           "beta_constraint": None, "gamma_constraint": None, "synchronized": False, "renorm": False,
                           "renorm_clipping": None, "renorm_momentum": 0.99},
    "LayerNormalization": {"name": "layer_normalization", "trainable": True, "dtype": _POLICY, "axis": -1,
                           "epsilon": 0.001, "center": True, "scale": True, "rms_scaling": False,
                           "beta_initializer": _ZEROS, "gamma_initializer": _ONES, "beta_regularizer": None,
                           "gamma_regularizer": None, "beta_constraint": None, "gamma_constraint": None},
    "Flatten": {"name": "flatten", "trainable": True, "dtype": _POLICY, "data_format": "channels_last"},
    "Reshape": {"name": "reshape", "trainable": True, "dtype": _POLICY, "target_shape": [2, 2]},
    "ReLU": {"name": "re_lu", "trainable": True, "dtype": _POLICY, "max_value": None, "negative_slope": 0.0,
             "threshold": 0.0},
    "PReLU": {"name": "p_re_lu", "trainable": True, "dtype": _POLICY, "alpha_initializer": _ZEROS,
              "alpha_regularizer": None, "alpha_constraint": None, "shared_axes": None},
    "ELU": {"name": "elu", "alpha": 1.0, "trainable": True, "dtype": _POLICY},
    "AlphaDropout": {"name": "alpha_dropout", "trainable": True, "dtype": _POLICY, "rate": 0.1, "seed": None,
                     "noise_shape": None},
    "InputLayer": {"batch_shape": [None, 4], "dtype": "float32", "sparse": False, "ragged": False,
                   "name": "input_layer", "optional": False},
    "Activation": {"name": "activation", **_BASE, "activation": "softplus"},
    "Dropout": {"name": "dropout", **_BASE, "rate": 0.3, "seed": 4, "noise_shape": None},
    "GaussianNoise": {"name": "gaussian_noise", **_BASE, "stddev": 0.2, "seed": 1},
    "GaussianDropout": {"name": "gaussian_dropout", **_BASE, "rate": 0.4, "seed": None},
    "LeakyReLU": {"name": "leaky_re_lu", **_BASE, "negative_slope": 0.2},
    "Softmax": {"name": "softmax", **_BASE, "axis": -1},
    "Conv1D": {"name": "conv1d", **_CONV, "filters": 4, "kernel_size": [3], "strides": [1], "padding": "causal",
               "dilation_rate": [2], "activation": "relu", "use_bias": False, "kernel_regularizer": None},
    "Conv2D": {"name": "conv2d", **_CONV, "filters": 4, "kernel_size": [3, 2], "strides": [2, 1], "padding": "same",
               "dilation_rate": [1, 1], "activation": "elu", "use_bias": True, "kernel_regularizer": _L2},
    "MaxPooling1D": {"name": "max_pooling1d", **_BASE, "pool_size": [3], "padding": "same", "strides": [2],
                     "data_format": "channels_last"},
    "MaxPooling2D": {"name": "max_pooling2d", **_BASE, "pool_size": [2, 3], "padding": "same", "strides": [1, 1],
                     "data_format": "channels_last"},
    "AveragePooling1D": {"name": "average_pooling1d", **_BASE, "pool_size": [2], "padding": "valid", "strides": [2],
                         "data_format": "channels_last"},
    "AveragePooling2D": {"name": "average_pooling2d", **_BASE, "pool_size": [2, 2], "padding": "valid",
                         "strides": [1, 2], "data_format": "channels_last"},
    "GlobalAveragePooling1D": {"name": "global_average_pooling1d", **_BASE, "data_format": "channels_last",
                               "keepdims": True},
    "GlobalAveragePooling2D": {"name": "global_average_pooling2d", **_BASE, "data_format": "channels_last",
                               "keepdims": False},
    "GlobalMaxPooling1D": {"name": "global_max_pooling1d", **_BASE, "data_format": "channels_last", "keepdims": False},
    "GlobalMaxPooling2D": {"name": "global_max_pooling2d", **_BASE, "data_format": "channels_last", "keepdims": True},
    "ZeroPadding1D": {"name": "zero_padding1d", **_BASE, "padding": [1, 2], "data_format": "channels_last"},
    "ZeroPadding2D": {"name": "zero_padding2d", **_BASE, "padding": [[1, 0], [2, 3]], "data_format": "channels_last"},
    "Rescaling": {"name": "rescaling", **_BASE, "scale": 0.00392156862745098, "offset": -0.5},
    "Embedding": {"name": "embedding", **_BASE, "input_dim": 30, "output_dim": 4,
                  "embeddings_initializer": {"module": "keras.initializers", "class_name": "RandomUniform",
                                             "config": {"seed": None, "minval": -0.05, "maxval": 0.05},
                                             "registered_name": None},
                  "embeddings_regularizer": _L2, "activity_regularizer": None, "embeddings_constraint": None,
                  "mask_zero": True, "quantization_config": None},
    "SimpleRNN": {"name": "simple_rnn", **_RNN, "return_sequences": True, "go_backwards": True, "units": 3,
                  "activation": "relu", "use_bias": True},
    "LSTM": {"name": "lstm", **_RNN, "return_sequences": True, "units": 3, "activation": "tanh",
             "recurrent_activation": "sigmoid", "use_bias": True, "unit_forget_bias": False, "dropout": 0.2,
             "seed": 3},
    "GRU": {"name": "gru", **_RNN, "return_sequences": True, "units": 2, "activation": "tanh",
            "recurrent_activation": "hard_sigmoid", "use_bias": False, "reset_after": True, "seed": None},
    "Bidirectional": {"name": "bidirectional", **_BASE, "merge_mode": "concat",
                      "layer": {"module": "keras.layers", "class_name": "LSTM", "registered_name": None,
                                "config": {"name": "forward_lstm_1", **_RNN, "units": 2, "activation": "tanh",
                                           "recurrent_activation": "sigmoid", "use_bias": True,
                                           "unit_forget_bias": True, "seed": None},
                                "build_config": {"input_shape": [None, 5, 2]}},
                      "backward_layer": {"module": "keras.layers", "class_name": "LSTM", "registered_name": None,
                                         "config": {"name": "backward_lstm_1", **_RNN, "go_backwards": True,
                                                    "units": 2, "activation": "tanh",
                                                    "recurrent_activation": "sigmoid", "use_bias": True,
                                                    "unit_forget_bias": True, "seed": None},
                                         "build_config": {"input_shape": [None, 5, 2]}}},
    # the merging layers, as Keras 3.15 writes them
    **{name: {"name": name.lower(), **_BASE} for name in ("Add", "Subtract", "Multiply", "Average", "Maximum",
                                                           "Minimum")},
    "Concatenate": {"name": "concatenate", **_BASE, "axis": -1},
    "Dot": {"name": "dot_1", **_BASE, "axes": [1, 1], "normalize": True},
}


def test_keras_configs_cover_every_layer_class():
    assert set(KERAS_LAYERS) == LAYER_CLASSES


def test_flatten_data_format_as_keras():
    assert keras.layers.Flatten().get_config()["data_format"] == "channels_last"
    x = np.arange(24, dtype="float32").reshape(2, 2, 3, 2)
    try:
        model = keras.Sequential([keras.Input((2, 3, 2)), keras.layers.Flatten(data_format="channels_first")])
    except ValueError:  # refusing it, as the convolutions do, is fine too
        return
    np.testing.assert_array_equal(model.predict(x, verbose=0), np.moveaxis(x, 1, -1).reshape(2, -1))


def _as_jitnet_writes(value):
    """A Keras-written config value as jitnet writes it: the dtype policy as its name, no neutral initializer axes,
    and no ``build_config`` of a nested layer (jitnet writes it once the layer is built)."""
    if isinstance(value, dict):
        if value.get("class_name") == "DTypePolicy":
            return value["config"]["name"]
        return {k: _as_jitnet_writes(v) for k, v in value.items()
                if not (k in ("input_axes", "output_axes") and v is None) and k != "build_config"}
    return value


@pytest.mark.parametrize("class_name", sorted(KERAS_LAYERS))
def test_keras_layer_configs_load(class_name):
    config = {"module": "keras.layers", "class_name": class_name, "config": KERAS_LAYERS[class_name],
              "registered_name": None}
    layer = layer_from_config(config)
    assert type(layer).__name__ == class_name
    # every option that jitnet writes back holds the value Keras wrote (the rest are neutral, or Keras defaults)
    written = json.loads(json.dumps(layer_to_config(layer)["config"]))
    expected = _as_jitnet_writes(KERAS_LAYERS[class_name])
    assert {k: v for k, v in written.items() if k in expected} == {k: v for k, v in expected.items() if k in written}


def test_keras_compile_config_loads():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    compile_from_config(model, {
        "optimizer": {"module": "keras.src.backend.torch.optimizers.torch_adam", "class_name": "Adam",
                      "config": {"name": "adam", "learning_rate": 0.0010000000474974513, "weight_decay": None,
                                 "clipnorm": None, "global_clipnorm": None, "clipvalue": None, "use_ema": False,
                                 "ema_momentum": 0.99, "ema_overwrite_frequency": None, "loss_scale_factor": None,
                                 "gradient_accumulation_steps": None, "beta_1": 0.9, "beta_2": 0.999,
                                 "epsilon": 1e-07, "amsgrad": False},
                      "registered_name": "Adam"},
        "loss": {"module": "keras.losses", "class_name": "CategoricalCrossentropy",
                 "config": {"name": "categorical_crossentropy", "reduction": "sum_over_batch_size",
                            "from_logits": True, "label_smoothing": 0.0, "axis": -1}, "registered_name": None},
        "loss_weights": None,
        "metrics": ["accuracy", {"module": "keras.metrics", "class_name": "TopKCategoricalAccuracy",
                                 "config": {"name": "top_k_categorical_accuracy", "dtype": "float32", "k": 2},
                                 "registered_name": None}],
        "weighted_metrics": None, "run_eagerly": False, "steps_per_execution": 1, "jit_compile": False,
    })
    assert isinstance(model.optimizer, optimizers.Adam) and model.loss.from_logits
    assert model.get_compile_config()["metrics"][1]["config"]["k"] == 2


def test_unsupported_keras_options_are_named():
    config = dict(KERAS_LAYERS["Dense"], quantization_config={"mode": "int8"})
    with pytest.raises(ValueError, match="quantization_config"):
        layer_from_config({"module": "keras.layers", "class_name": "Dense", "config": config})
    with pytest.raises(ValueError, match="custom registered"):
        layer_from_config({"module": "keras.layers", "class_name": "Dense", "config": KERAS_LAYERS["Dense"],
                           "registered_name": "my_package>Dense"})


@pytest.mark.parametrize("arch", sorted(every_layer.ARCHITECTURES))
def test_keras_file_round_trip_of_every_architecture(tmp_path, arch):
    """Sequential config round trip, then save / load: same config, weights, predictions, and training goes on alike."""
    x, y = every_layer.arch_data(arch)
    model = every_layer.ARCHITECTURES[arch][0](keras)
    config = json.loads(json.dumps(model.get_config()))
    assert json.loads(json.dumps(type(model).from_config(config).get_config())) == config
    model.compile(optimizer=optimizers.Adam(0.01), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert loaded.get_config() == model.get_config()
    assert loaded.get_compile_config() == model.get_compile_config()
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    for m in (model, loaded):
        keras.utils.set_random_seed(7)  # the same shuffling and noise for both
        m.fit(x, y, epochs=1, batch_size=16, verbose=0)
    assert loaded.optimizer.iterations == model.optimizer.iterations == 6
    for a, b in zip(model.get_weights(), loaded.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(loaded.optimizer.slots, model.optimizer.slots)
