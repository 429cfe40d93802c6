"""Keras behaviours beyond the basic loop: argument interplay, freezing, names."""

import numpy as np
import pytest

import jitnet as keras

L = keras.layers
rng = np.random.default_rng(0)
X = rng.normal(size=(100, 4)).astype("float32")
Y = (X[:, 0] > 0).astype("float32")


def binary_model():
    m = keras.Sequential([keras.Input(shape=(4,)), L.Dense(8, activation="relu"), L.Dense(1, activation="sigmoid")])
    m.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"])
    return m


def test_validation_data_wins_over_validation_split():
    m = binary_model()
    h = m.fit(X, Y, batch_size=10, validation_split=0.5, validation_data=(X[:20], Y[:20]), verbose=0)
    assert h.params["steps"] == 10  # all 100 samples trained on


def test_steps_caps_batches():
    m = binary_model()
    assert m.fit(X, Y, batch_size=10, steps_per_epoch=3, verbose=0).params["steps"] == 3
    assert m.optimizer.iterations == 3
    assert m.predict(X, batch_size=10, steps=2, verbose=0).shape == (20, 1)


def test_freezing_a_nested_model_freezes_its_layers():
    base = keras.Sequential([keras.Input(shape=(4,)), L.Dense(8, activation="relu")])
    base.trainable = False
    model = keras.Sequential([base, L.Dense(1, activation="sigmoid")])
    assert len(model.trainable_weights) == 2 and len(model.non_trainable_weights) == 2
    model.compile(loss="binary_crossentropy")
    frozen = base.layers[0].get_weights()
    model.fit(X, Y, verbose=0)
    np.testing.assert_array_equal(frozen[0], base.layers[0].kernel.numpy())
    model.trainable = True
    assert len(model.trainable_weights) == 4 and model.trainable


def test_optimizer_changes_between_fits_take_effect(float64):
    m = binary_model()
    m.fit(X, Y, epochs=1, verbose=0)
    before = m.get_weights()
    m.optimizer.clipvalue = 1e-6
    m.fit(X, Y, epochs=1, batch_size=100, verbose=0)
    step = np.abs(m.get_weights()[0] - before[0]).max()
    assert step <= 0.01 * 1e-6 * 1.0001


def test_one_dimensional_x_for_a_single_input_feature():
    celsius = np.array([-40, -10, 0, 8, 15, 22, 38], dtype=float)
    fahrenheit = celsius * 1.8 + 32
    model = keras.Sequential([L.Dense(1, input_shape=[1])])
    model.compile(loss="mean_squared_error", optimizer=keras.optimizers.Adam(0.1))
    model.fit(celsius, fahrenheit, epochs=500, verbose=0)
    assert model.predict(np.array([100.0]), verbose=0)[0, 0] == pytest.approx(212, abs=2)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"loss": keras.losses.MeanSquaredError(reduction="sum")}, NotImplementedError, "reduction"),
    ({"loss": "mse", "weighted_metrics": ["accuracy"]}, NotImplementedError, "weighted_metrics"),
])
def test_unsupported_compile_arguments_are_refused(kwargs, error, match):
    with pytest.raises(error, match=match):
        binary_model().compile(**kwargs)


@pytest.mark.parametrize("class_weight", [{}, {"a": 1.0}, {-1: 2.0}, [1.0, 2.0]])
def test_bad_class_weight(class_weight):
    with pytest.raises((TypeError, ValueError), match="class_weight"):  # a negative class id: ValueError
        binary_model().fit(X, Y, class_weight=class_weight, verbose=0)


def test_a_layer_that_cannot_be_built_is_not_added():
    model = keras.Sequential([keras.Input(shape=(4,)), L.Dense(6)])
    with pytest.raises(ValueError, match="target_shape"):
        model.add(L.Reshape((4, 4)))
    assert len(model.layers) == 1
    model.add(L.Reshape((2, 3)))
    assert model.output_shape == (2, 3)


def test_bad_x_leaves_an_unbuilt_model_unbuilt():
    model = keras.Sequential([L.Dense(1)])
    model.compile(loss="mse")
    with pytest.raises(ValueError, match="NaN"):
        model.fit(np.full((4, 2), np.nan), np.zeros(4), verbose=0)
    assert not model.built
    model.fit(np.ones((4, 3)), np.zeros(4), verbose=0)
    assert model.input_shape == (3,)


def test_metric_names_follow_keras():
    m = keras.Sequential([keras.Input(shape=(4,)), L.Dense(3, activation="softmax")])
    m.compile(loss="categorical_crossentropy", metrics=[keras.metrics.KLDivergence(), keras.metrics.LogCoshError(),
                                                        keras.losses.CategoricalCrossentropy(label_smoothing=0.1)])
    h = m.fit(X, np.eye(3)[(X[:, 0] > 0).astype(int)], verbose=0)
    assert set(h.history) == {"loss", "kl_divergence", "logcosh", "categorical_crossentropy"}
    # the metric keeps the loss object's label smoothing: it equals the loss with the same settings
    smoothed = keras.metrics.get(keras.losses.CategoricalCrossentropy(label_smoothing=0.1))
    assert smoothed.loss.label_smoothing == 0.1


def test_validation_runs_the_test_hooks():
    seen = []
    cb = keras.callbacks.LambdaCallback(on_test_begin=lambda logs: seen.append("begin"),
                                        on_test_end=lambda logs: seen.append("end"))
    binary_model().fit(X, Y, epochs=2, validation_split=0.2, callbacks=[cb], verbose=0)
    assert seen == ["begin", "end", "begin", "end"]
