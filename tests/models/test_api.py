"""The Keras surface: names, aliases, shapes and printed formats."""

import warnings

import numpy as np
import pytest

import jitnet as keras

SUMMARY = '''Model: "패션 MNIST 모델"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ flatten (Flatten)               │ (None, 784)            │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ 은닉층 (Dense)                  │ (None, 512)            │       401,920 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ batch_normalization             │ (None, 512)            │         2,048 │
│ (BatchNormalization)            │                        │               │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense (Dense)                   │ (None, 10)             │         5,130 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 409,098 (1.56 MB)
 Trainable params: 408,074 (1.56 MB)
 Non-trainable params: 1,024 (4.00 KB)'''


def test_summary_matches_keras_layout():
    keras.layers.base._NAME_COUNTS.clear()
    model = keras.Sequential([
        keras.layers.Flatten(input_shape=(28, 28)),
        keras.layers.Dense(512, activation="relu", name="은닉층"),
        keras.layers.BatchNormalization(),
        keras.layers.Dense(10, activation="softmax"),
    ], name="패션 MNIST 모델")
    lines = []
    model.summary(line_length=76, print_fn=lines.append)
    assert lines[0] == SUMMARY
    assert model.count_params() == 409_098


def test_summary_shows_optimizer_params_after_training():
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(np.ones((4, 3)), np.ones((4, 2)), verbose=0)
    lines = []
    model.summary(line_length=76, print_fn=lines.append)
    assert " Total params: 26 (104.00 B)" in lines[0]
    assert " Optimizer params: 18 (72.00 B)" in lines[0]


def test_unbuilt_model_summary():
    model = keras.Sequential([keras.layers.Dense(2, name="d")])
    lines = []
    model.summary(line_length=76, print_fn=lines.append)
    assert "│ d (Dense)" in lines[0] and "0 (unbuilt)" in lines[0] and "│ ?" in lines[0]


def test_progress_bar_one_line_per_epoch_when_not_a_terminal(capsys):
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(loss="binary_crossentropy", metrics=["accuracy"])
    x = np.random.default_rng(0).normal(size=(100, 3))
    y = (x[:, 0] > 0).astype(int)
    model.fit(x, y, epochs=2, batch_size=10, validation_data=(x, y))
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Epoch 1/2" and out[2] == "Epoch 2/2" and len(out) == 4
    for line in (out[1], out[3]):
        assert line.startswith("10/10 ━━━━━━━━━━━━━━━━━━━━ ")
        keys = [part.split(":")[0] for part in line.split(" - ")[1:]]
        assert keys == ["accuracy", "loss", "val_accuracy", "val_loss"]
    model.fit(x, y, epochs=1, batch_size=10, verbose=2)
    line = capsys.readouterr().out.strip()
    assert line.startswith("10/10 - ") and "/step - accuracy: " in line
    model.fit(x, y, epochs=1, verbose=0)
    assert capsys.readouterr().out == ""


def test_history_params_and_keys():
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy", "sparse_top_k_categorical_accuracy"])
    h = model.fit(np.ones((10, 3)), np.zeros(10), epochs=2, verbose=0)
    assert h.params["epochs"] == 2 and h.params["steps"] == 1
    assert list(h.history) == ["accuracy", "loss", "sparse_top_k_categorical_accuracy"]
    assert h.history["sparse_top_k_categorical_accuracy"] == [1.0, 1.0]


def test_single_layer_and_legacy_idioms():
    model = keras.Sequential(keras.layers.Dense(1, input_dim=3))
    with pytest.warns(DeprecationWarning):
        opt = keras.optimizers.RMSprop(lr=0.01)
    assert opt.learning_rate == pytest.approx(0.01)
    model.compile(optimizer=opt, loss="mse", metrics="mae")
    h = model.fit(np.ones((4, 3)), np.ones(4), verbose=0)
    assert "mae" in h.history
    opt.learning_rate = 0.5
    assert opt.learning_rate == 0.5


def test_weights_in_keras_order_and_shapes():
    model = keras.Sequential([keras.Input(shape=(5,)), keras.layers.Dense(4), keras.layers.Dense(2, use_bias=False)])
    shapes = [w.shape for w in model.get_weights()]
    assert shapes == [(5, 4), (4,), (4, 2)]
    new = [np.full(s, i, dtype="float32") for i, s in enumerate(shapes)]
    model.set_weights(new)
    out = model.predict(np.ones((1, 5)), verbose=0)
    np.testing.assert_allclose(out, (np.ones((1, 5)) @ new[0] + new[1]) @ new[2])
    assert next(w.path for w in model.weights).endswith("/kernel")


def test_add_pop_build_and_count_params():
    model = keras.Sequential()
    model.add(keras.Input(shape=(6,)))
    model.add(keras.layers.Dense(3))
    model.add(keras.layers.Dense(2))
    assert model.count_params() == 6 * 3 + 3 + 3 * 2 + 2
    model.pop()
    assert model.output_shape == (3,) and len(model.layers) == 1
    m2 = keras.Sequential([keras.layers.Dense(2)])
    m2.build((None, 7))
    assert m2.count_params() == 16


@pytest.mark.parametrize("optimizer", ["sgd", "rmsprop", "adam", "adamw", "adagrad", "adadelta", "adamax", "nadam",
                                       keras.optimizers.Adam, keras.optimizers.SGD(0.1)])
def test_compile_accepts_names_classes_and_instances(optimizer):
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(1)])
    model.compile(optimizer=optimizer, loss=keras.losses.MeanSquaredError())
    before = model.get_weights()[0].copy()
    model.fit(np.ones((8, 3)), np.full(8, 3.0), verbose=0)
    assert not np.array_equal(before, model.get_weights()[0])


def test_top_level_namespaces():
    import jitnet.layers.base

    modules = ("layers", "models", "optimizers", "losses", "metrics", "callbacks", "initializers", "regularizers",
               "datasets", "utils", "config", "activations", "backend", "constraints", "preprocessing")
    for name in modules:
        assert getattr(keras, name).__name__ == f"jitnet.{name}", name
    assert keras.models.Sequential is keras.Sequential
    assert keras.Input is keras.layers.Input
    assert issubclass(keras.layers.Dense, jitnet.layers.base.Layer)
    assert issubclass(keras.optimizers.Adam, keras.optimizers.Optimizer)
    assert issubclass(keras.callbacks.EarlyStopping, keras.callbacks.Callback)
    assert callable(keras.optimizers.schedules.ExponentialDecay)


def test_float_type_and_threads_config():
    assert keras.config.floatx() == "float32"
    with pytest.raises(ValueError, match="floatx"):
        keras.config.set_floatx("float16")
    n = keras.config.get_num_threads()
    keras.config.set_num_threads(1)
    assert keras.config.get_num_threads() == 1
    keras.config.set_num_threads(n)
    with pytest.raises(ValueError, match="num_threads"):
        keras.config.set_num_threads(0)


def test_call_in_inference_and_training_mode():
    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dropout(0.5), keras.layers.Dense(2)])
    x = np.ones((3, 4), dtype="float32")
    np.testing.assert_array_equal(model(x), model.predict(x, verbose=0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not np.array_equal(model(x, training=True), model(x))
