"""get_config -> from_config round trips, and configs as Keras 3.15 writes them."""

from __future__ import annotations

import json

import pytest

import jitnet as keras
from jitnet import callbacks, constraints, initializers, losses, metrics, optimizers, regularizers
from jitnet.optimizers import schedules
from jitnet.saving import layer_from_config
from jitnet.saving.serialization import compile_from_config


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
    return objs


@pytest.mark.parametrize("obj", _instances(), ids=lambda o: type(o).__name__)
def test_get_config_from_config_round_trip(obj):
    _round_trip(obj)


# Configs as written by Keras 3.15.1 (keras.saving.serialize_keras_object), trimmed to the parts that matter.
_POLICY = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": None}
_GLOROT = {"module": "keras.initializers", "class_name": "GlorotUniform",
           "config": {"seed": None, "input_axes": None, "output_axes": None}, "registered_name": None}
_ZEROS = {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": None}
_ONES = {"module": "keras.initializers", "class_name": "Ones", "config": {}, "registered_name": None}
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
}


@pytest.mark.parametrize("class_name", sorted(KERAS_LAYERS))
def test_keras_layer_configs_load(class_name):
    config = {"module": "keras.layers", "class_name": class_name, "config": KERAS_LAYERS[class_name],
              "registered_name": None}
    layer = layer_from_config(config)
    assert type(layer).__name__ == class_name


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
