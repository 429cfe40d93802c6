"""Legacy HDF5 model files: jitnet's own round trip, and files laid out as TF-Keras 2.x writes them (the
Keras 3 direction is in test_keras_interop.py)."""

import json

import h5py
import numpy as np
import pytest

import jitnet as keras
from tests.saving.every_layer import ARCHITECTURES, arch_data

GLOROT = {"class_name": "GlorotUniform", "config": {"seed": None}}
ZEROS = {"class_name": "Zeros", "config": {}}
KERNEL = {"kernel_initializer": GLOROT, "bias_initializer": ZEROS, "kernel_regularizer": None,
          "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None}


def _layer(class_name, name, **config):
    return {"class_name": class_name, "config": {"name": name, "trainable": True, "dtype": "float32", **config}}


# A CNN and an LSTM as TF-Keras 2.4-2.10 serialize them (the 혼공머신 book's first edition saved such files)
TF_KERAS_CNN = [
    {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 8, 8, 1], "dtype": "float32",
                                            "sparse": False, "ragged": False, "name": "conv2d_input"}},
    _layer("Conv2D", "conv2d", filters=4, kernel_size=[3, 3], strides=[1, 1], padding="same",
           data_format="channels_last", dilation_rate=[1, 1], groups=1, activation="relu", use_bias=True, **KERNEL),
    _layer("MaxPooling2D", "max_pooling2d", pool_size=[2, 2], padding="valid", strides=[2, 2],
           data_format="channels_last"),
    _layer("Flatten", "flatten", data_format="channels_last"),
    _layer("Dense", "dense", units=5, activation="relu", use_bias=True, **KERNEL),
    _layer("Dropout", "dropout", rate=0.4, noise_shape=None, seed=None),
    _layer("Dense", "dense_1", units=3, activation="softmax", use_bias=True, **KERNEL),
]
TF_KERAS_LSTM = [
    _layer("Embedding", "embedding", batch_input_shape=[None, 6], input_dim=20, output_dim=4,
           embeddings_initializer={"class_name": "RandomUniform", "config": {"minval": -0.05, "maxval": 0.05,
                                                                               "seed": None}},
           embeddings_regularizer=None, activity_regularizer=None, embeddings_constraint=None, mask_zero=False,
           input_length=6),
    _layer("LSTM", "lstm", return_sequences=False, return_state=False, go_backwards=False, stateful=False,
           unroll=False, time_major=False, units=5, activation="tanh", recurrent_activation="sigmoid",
           use_bias=True, kernel_initializer=GLOROT,
           recurrent_initializer={"class_name": "Orthogonal", "config": {"gain": 1.0, "seed": None}},
           bias_initializer=ZEROS, unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
           bias_regularizer=None, activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
           bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, implementation=2),
    _layer("Dense", "dense", units=3, activation="softmax", use_bias=True, **KERNEL),
]
TRAINING = {"loss": "sparse_categorical_crossentropy",
            "metrics": [[{"class_name": "MeanMetricWrapper",
                          "config": {"name": "accuracy", "dtype": "float32", "fn": "sparse_categorical_accuracy"}}]],
            "weighted_metrics": None, "loss_weights": None,
            "optimizer_config": {"class_name": "Custom>Adam", "config": {
                "name": "Adam", "weight_decay": None, "clipnorm": None, "global_clipnorm": None, "clipvalue": None,
                "use_ema": False, "ema_momentum": 0.99, "ema_overwrite_frequency": None, "jit_compile": True,
                "is_legacy_optimizer": False, "learning_rate": 0.0005, "beta_1": 0.9, "beta_2": 0.999,
                "epsilon": 1e-07, "amsgrad": False}}}


def write_tf_keras_file(path, layers, weights):
    """A model file as TF-Keras 2.x writes it: ``weights`` maps layer name -> [(weight name, array)]."""
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = b"2.10.0"
        f.attrs["backend"] = b"tensorflow"
        config = {"class_name": "Sequential", "config": {"name": "sequential", "layers": layers}}
        f.attrs["model_config"] = json.dumps(config).encode()
        f.attrs["training_config"] = json.dumps(TRAINING).encode()
        group = f.create_group("model_weights")
        names = [layer["config"]["name"] for layer in layers if layer["class_name"] != "InputLayer"]
        group.attrs["layer_names"] = [n.encode() for n in names]
        group.attrs["backend"], group.attrs["keras_version"] = b"tensorflow", b"2.10.0"
        for name in names:
            sub = group.create_group(name)
            sub.attrs["weight_names"] = [w.encode() for w, _ in weights.get(name, [])]
            for weight, value in weights.get(name, []):
                sub.create_dataset(weight, data=value)


def _random(shapes, rng):
    return [rng.normal(0, 0.5, s).astype("float32") for s in shapes]


@pytest.mark.parametrize("kind", ["cnn", "lstm"])
def test_tf_keras_2_files_load_with_their_weights_and_compile_settings(kind, tmp_path):
    rng = np.random.default_rng(0)
    L = keras.layers
    if kind == "cnn":
        layers, x = TF_KERAS_CNN, rng.normal(size=(10, 8, 8, 1)).astype("float32")
        twin = keras.Sequential([keras.Input((8, 8, 1)), L.Conv2D(4, 3, padding="same", activation="relu"),
                                 L.MaxPooling2D(), L.Flatten(), L.Dense(5, activation="relu"), L.Dropout(0.4),
                                 L.Dense(3, activation="softmax")])
        parts = {"conv2d": ["kernel", "bias"], "dense": ["kernel", "bias"], "dense_1": ["kernel", "bias"]}
    else:
        layers, x = TF_KERAS_LSTM, rng.integers(0, 20, size=(10, 6))
        twin = keras.Sequential([keras.Input((6,)), L.Embedding(20, 4), L.LSTM(5), L.Dense(3, activation="softmax")])
        parts = {"embedding": ["embeddings"], "lstm": ["lstm_cell/kernel", "lstm_cell/recurrent_kernel",
                                                       "lstm_cell/bias"], "dense": ["kernel", "bias"]}
    values = _random([w.shape for w in twin.get_weights()], rng)
    twin.set_weights(values)
    it = iter(values)
    weights = {layer: [(f"{layer}/{w}:0", next(it)) for w in names] for layer, names in parts.items()}
    write_tf_keras_file(tmp_path / "model.h5", layers, weights)
    if kind == "lstm":  # TF-Keras 2 wrote Embedding's input_length; Keras 3 warns on it too
        with pytest.warns(UserWarning, match="input_length"):
            model = keras.models.load_model(tmp_path / "model.h5")
    else:
        model = keras.models.load_model(tmp_path / "model.h5")
    np.testing.assert_array_equal(model.predict(x, verbose=0), twin.predict(x, verbose=0))
    assert isinstance(model.optimizer, keras.optimizers.Adam) and model.optimizer.learning_rate == 0.0005
    assert model.loss.name == "sparse_categorical_crossentropy"
    history = model.fit(x, np.arange(10) % 3, epochs=1, verbose=0)
    assert set(history.history) == {"loss", "accuracy"}
    fresh = keras.models.clone_model(model)
    fresh.load_weights(tmp_path / "model.h5")  # load_weights takes the file too
    np.testing.assert_array_equal(fresh.predict(x, verbose=0), twin.predict(x, verbose=0))


@pytest.mark.parametrize("arch", sorted(ARCHITECTURES))
def test_every_layer_round_trips_through_an_h5_file(arch, tmp_path):
    x, y = arch_data(arch)
    model = ARCHITECTURES[arch][0](keras)
    model.compile(keras.optimizers.RMSprop(0.003), "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=1, verbose=0)
    model.save(tmp_path / "model.h5")
    loaded = keras.models.load_model(tmp_path / "model.h5")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert [type(layer) for layer in loaded.layers] == [type(layer) for layer in model.layers]
    assert isinstance(loaded.optimizer, keras.optimizers.RMSprop) and loaded.optimizer.learning_rate == 0.003


def test_bad_files_are_refused_naming_the_file(tmp_path):
    (tmp_path / "text.h5").write_text("not hdf5")
    with pytest.raises(ValueError, match="text.h5"):
        keras.models.load_model(tmp_path / "text.h5")
    with pytest.raises(FileNotFoundError):
        keras.models.load_model(tmp_path / "missing.h5")
    write_tf_keras_file(tmp_path / "lambda.h5", [_layer("Lambda", "lambda", function="print")], {})
    with pytest.raises(ValueError, match="Unknown layer class 'Lambda'.*Nothing in the file was executed"):
        keras.models.load_model(tmp_path / "lambda.h5")
    rng = np.random.default_rng(0)
    write_tf_keras_file(tmp_path / "short.h5", TF_KERAS_CNN, {"conv2d": [("conv2d/kernel:0", _random([(3, 3, 1, 4)],
                                                                                                    rng)[0])]})
    with pytest.raises(ValueError, match="short.h5: the model has 3 layers with weights; the file has 1"):
        keras.models.load_model(tmp_path / "short.h5")
    with h5py.File(tmp_path / "weights_only.h5", "w") as f:
        f.attrs["layer_names"] = []
    with pytest.raises(ValueError, match="no model config"):
        keras.models.load_model(tmp_path / "weights_only.h5")
    with h5py.File(tmp_path / "linked.h5", "w") as f:  # a weight stored in another file
        f.attrs["model_config"] = json.dumps({"class_name": "Sequential", "config": {"layers": TF_KERAS_CNN}})
        group = f.create_group("model_weights")
        group.attrs["layer_names"] = [b"conv2d"]
        group.create_group("conv2d").attrs["weight_names"] = [b"conv2d/kernel:0"]
        group["conv2d"]["conv2d"] = h5py.ExternalLink("elsewhere.h5", "/kernel")
    with pytest.raises(ValueError, match="ExternalLink; not allowed"):
        keras.models.load_model(tmp_path / "linked.h5")
