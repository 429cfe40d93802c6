"""Bad input raises a clear error before any weight changes."""

import numpy as np
import pytest

import jitnet as keras


@pytest.fixture
def model():
    m = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(8, activation="relu"),
                          keras.layers.Dense(3, activation="softmax")])
    m.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return m


X = np.random.default_rng(0).normal(size=(20, 4)).astype("float32")
Y = np.arange(20) % 3


def unchanged(model, call, error, match):
    before = model.get_weights()
    with pytest.raises(error, match=match):
        call()
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"x": X[:, :3]}, ValueError, r"`x` must have shape \(n, 4\)"),
    ({"x": X[:, :, None]}, ValueError, r"`x` must have shape"),
    ({"y": Y[:10]}, ValueError, "same length"),
    ({"y": Y + 1}, ValueError, r"expected ids in \[0, 3\)"),
    ({"y": -Y - 1}, ValueError, "class ids"),
    ({"x": np.where(np.arange(80).reshape(20, 4) == 5, np.nan, X)}, ValueError, "NaN or infinite"),
    ({"y": np.full(20, np.inf)}, ValueError, "NaN or infinite"),
    ({"x": np.array([["a"] * 4] * 20)}, TypeError, "numeric array"),
    ({"x": X[:0], "y": Y[:0]}, ValueError, "empty"),
    ({"batch_size": 0}, ValueError, "`batch_size` must be a positive integer"),
    ({"batch_size": 2.5}, ValueError, "`batch_size`"),
    ({"epochs": -1}, ValueError, "`epochs` must be a positive integer"),
    ({"validation_split": 1.0}, ValueError, r"`validation_split` must be a float in \[0, 1\)"),
    ({"validation_data": (X[:, :2], Y)}, ValueError, "validation_data"),
    ({"validation_data": X}, ValueError, "validation_data"),
    ({"y": np.eye(3)[Y][:, :2]}, ValueError, "class ids"),
])
def test_fit_rejects(model, kwargs, error, match):
    args = {"x": X, "y": Y, "verbose": 0, **kwargs}
    unchanged(model, lambda: model.fit(**args), error, match)


def test_one_hot_loss_with_class_ids_gives_a_hint():
    m = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3, activation="softmax")])
    m.compile(loss="categorical_crossentropy")
    unchanged(m, lambda: m.fit(X, Y, verbose=0), ValueError, "sparse_categorical_crossentropy")


def test_fit_before_compile():
    m = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3)])
    with pytest.raises(RuntimeError, match="compile"):
        m.fit(X, Y, verbose=0)
    with pytest.raises(ValueError, match="compile"):
        m.evaluate(X, Y, verbose=0)


def test_set_weights_checks_count_and_shapes(model):
    w = model.get_weights()
    unchanged(model, lambda: model.set_weights(w[:-1]), ValueError, "expects 4 weight arrays")
    bad = [np.zeros((5, 8))] + w[1:]
    unchanged(model, lambda: model.set_weights(bad), ValueError, r"expects shape \(4, 8\)")
    unchanged(model, lambda: model.set_weights([w[0] * np.nan] + w[1:]), ValueError, "finite")


@pytest.mark.parametrize("make, error, match", [
    (lambda: keras.optimizers.get("adamm"), ValueError, "'adam'"),
    (lambda: keras.losses.get("mean_squared_eror"), ValueError, "mean_squared_error"),
    (lambda: keras.metrics.get("acuracy"), ValueError, "Unknown metric"),
    (lambda: keras.layers.Dense(3, activation="relux"), ValueError, "'relu'"),
    (lambda: keras.layers.Dense(3, kernel_initializer="he_normall"), ValueError, "he_normal"),
    (lambda: keras.layers.Dense(0), ValueError, "`units` must be a positive integer"),
    (lambda: keras.layers.Dense(-2), ValueError, "units"),
    (lambda: keras.layers.Dense("8"), TypeError, "units"),
    (lambda: keras.optimizers.Adam(learning_rate=-0.1), ValueError, "learning_rate"),
    (lambda: keras.optimizers.SGD(learning_rate=-1), ValueError, "learning_rate"),
])
def test_constructors_reject(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_compile_rejects_unknown_names_before_changing_state(model):
    opt = model.optimizer
    with pytest.raises(ValueError, match="Unknown metric"):
        model.compile(optimizer="sgd", loss="mse", metrics=["accuracy", "nope"])
    assert model.optimizer is opt


def test_evaluate_and_predict_check_shapes(model):
    with pytest.raises(ValueError, match="shape"):
        model.predict(X[:, :3], verbose=0)
    with pytest.raises(ValueError, match="same length"):
        model.evaluate(X, Y[:5], verbose=0)
    with pytest.raises(ValueError, match="batch_size"):
        model.predict(X, batch_size=0)


def test_validation_split_leaving_nothing(model):
    unchanged(model, lambda: model.fit(X[:1], Y[:1], validation_split=0.5, verbose=0), ValueError, "leaves no")
