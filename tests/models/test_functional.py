"""Functional models: keras.Input, keras.Model(inputs, outputs), layer outputs, sub-models, several inputs and
outputs, and the errors for graphs and data that do not fit."""

import json

import numpy as np
import pytest

import jitnet as keras
from jitnet import layers as L
from jitnet.models import Functional
from tests import reference


def two_in_two_out():
    """The two-input, two-output model of the tests: a Dense branch and a raw input, concatenated, two heads."""
    keras.backend.clear_session()  # the automatic names start over
    a, b = keras.Input((4,), name="a"), keras.Input((3,), name="b")
    h = L.Dense(5, activation="relu")(a)
    c = L.Concatenate()([h, b])
    return keras.Model([a, b], [L.Dense(2, activation="softmax", name="o1")(c), L.Dense(1, name="o2")(c)], name="m")


def data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    x = [rng.random((n, 4)).astype("float32"), rng.random((n, 3)).astype("float32")]
    return x, [rng.integers(0, 2, n), rng.random((n, 1)).astype("float32")]


def test_keras_model_is_functional_and_sequential_is_a_model():
    model = two_in_two_out()
    assert isinstance(model, Functional) and isinstance(model, keras.Model)
    assert isinstance(keras.Sequential([keras.Input((2,)), L.Dense(1)]), keras.Model)
    assert not isinstance(model, keras.Sequential)


def test_attributes_follow_keras():
    model = two_in_two_out()
    assert [layer.name for layer in model.layers] == ["a", "dense", "b", "concatenate", "o1", "o2"]
    assert [t.name for t in model.inputs] == ["a", "b"] and model.input is model._inputs_struct
    assert [t.shape for t in model.outputs] == [(None, 2), (None, 1)]
    assert model.input_shape == [(4,), (3,)] and model.output_shape == [(2,), (1,)]
    assert model.output_names == ["o1", "o2"]
    dense = model.get_layer("dense")
    assert dense.input is model.inputs[0] and dense.output.shape == (None, 5)
    assert model.get_layer(index=3).input == [dense.output, model.inputs[1]]
    assert model.count_params() == 4 * 5 + 5 + 8 * 2 + 2 + 8 + 1


def test_a_built_sequential_model_exposes_its_graph():
    model = keras.Sequential([keras.Input((3,), name="x"), L.Dense(4, name="h"), L.Dense(2, name="y")])
    assert model.input is model.inputs[0] and model.inputs[0].shape == (None, 3)
    assert model.output is model.layers[-1].output and model.layers[0].input is model.input
    with pytest.raises(AttributeError, match="no defined inputs"):
        _ = keras.Sequential([L.Dense(1)]).inputs


def test_functional_twin_of_a_sequential_model_trains_bit_for_bit_the_same(rng):
    def stack():
        return [L.Dense(8, activation="relu"), L.BatchNormalization(), L.Dropout(0.3, seed=2),
                L.Dense(3, activation="softmax")]
    seq = keras.Sequential([keras.Input((5,)), *stack()])
    inp = keras.Input((5,))
    t = inp
    for layer in stack():
        t = layer(t)
    fun = keras.Model(inp, t)
    fun.set_weights(seq.get_weights())
    x, y = rng.normal(size=(96, 5)).astype("float32"), rng.integers(0, 3, 96)
    np.testing.assert_array_equal(seq.predict(x, verbose=0), fun.predict(x, verbose=0))
    for model in (seq, fun):
        keras.utils.set_random_seed(7)
        model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
        model.fit(x, y, epochs=3, batch_size=16, verbose=0)
    for a, b in zip(seq.get_weights(), fun.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert seq.history.history == fun.history.history


def test_feature_maps_of_a_trained_model_are_its_first_layer_by_hand(float64, rng):
    """The 8-3 idiom: keras.Model(model.inputs[0], model.layers[0].output) shares the trained weights."""
    model = keras.Sequential([keras.Input((6, 6, 1)), L.Conv2D(3, 3, activation="relu", padding="same"),
                              L.MaxPooling2D(), L.Flatten(), L.Dense(2, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    x = rng.normal(size=(8, 6, 6, 1))
    model.fit(x, rng.integers(0, 2, 8), epochs=2, verbose=0)
    conv_acti = keras.Model(model.inputs[0], model.layers[0].output)
    maps = conv_acti.predict(x[:3], verbose=0)
    kernel, bias = model.layers[0].get_weights()
    expected = np.maximum(reference.conv(x[:3], kernel, bias, (1, 1), "same", (1, 1)), 0)
    np.testing.assert_allclose(maps, expected, rtol=1e-12, atol=1e-12)
    assert conv_acti.layers[1] is model.layers[0]
    model.fit(x, rng.integers(0, 2, 8), epochs=1, verbose=0)  # training the model moves the sub-model's weights
    assert not np.allclose(model.layers[0].get_weights()[0], kernel)
    kernel = model.layers[0].get_weights()[0]
    expected = np.maximum(reference.conv(x[:3], kernel, model.layers[0].get_weights()[1], (1, 1), "same", (1, 1)), 0)
    np.testing.assert_allclose(conv_acti.predict(x[:3], verbose=0), expected, rtol=1e-12, atol=1e-12)


def test_a_model_called_on_a_tensor_nests(rng):
    inner = keras.Sequential([keras.Input((3,)), L.Dense(4, activation="tanh"), L.Dense(2)])
    inp = keras.Input((3,))
    outer = keras.Model(inp, L.Dense(1)(inner(inp)))
    x = rng.normal(size=(5, 3)).astype("float32")
    h = inner.predict(x, verbose=0)
    w, b = outer.layers[-1].get_weights()
    np.testing.assert_allclose(outer.predict(x, verbose=0), h @ w + b, rtol=1e-5, atol=1e-6)


def test_an_unbuilt_sequential_model_called_on_a_tensor_takes_its_shape():
    block = keras.Sequential([L.Dense(4, activation="relu"), L.Dense(4)])
    inp = keras.Input((3,))
    model = keras.Model(inp, L.Dense(1)(block(inp)))
    assert block.input_shape == (3,) and [type(layer).__name__ for layer in model.layers] == \
        ["InputLayer", "Dense", "Dense", "Dense"]


def test_several_inputs_and_outputs_train_with_weighted_losses_and_per_output_metrics():
    model = two_in_two_out()
    model.compile("adam", loss=["sparse_categorical_crossentropy", "mse"], metrics=[["accuracy"], ["mae"]],
                  loss_weights=[1.0, 0.5])
    x, y = data()
    history = model.fit({"a": x[0], "b": x[1]}, y, epochs=2, batch_size=16, verbose=0,
                        validation_data=(x, {"o1": y[0], "o2": y[1]}))
    assert sorted(history.history) == sorted(["loss", "o1_loss", "o2_loss", "o1_accuracy", "o2_mae", "val_loss",
                                              "val_o1_loss", "val_o2_loss", "val_o1_accuracy", "val_o2_mae"])
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    p1, p2 = model.predict(x, verbose=0)
    ce = -np.log(p1[np.arange(64), y[0]]).mean()
    mse = ((p2 - y[1]) ** 2).mean()
    np.testing.assert_allclose([logs["o1_loss"], logs["o2_loss"], logs["loss"]], [ce, mse, ce + 0.5 * mse],
                               rtol=1e-5)
    np.testing.assert_allclose([logs["o1_accuracy"], logs["o2_mae"]],
                               [(p1.argmax(1) == y[0]).mean(), np.abs(p2 - y[1]).mean()], rtol=1e-5)
    assert model.metrics_names == ["loss", "o1_loss", "o2_loss", "o1_accuracy", "o2_mae"]


def test_an_update_of_several_weighted_losses_is_their_gradient(float64):
    """One SGD step (rate 1) moves the weights by minus the finite-difference gradient of the weighted loss."""
    model = two_in_two_out()
    model.compile(keras.optimizers.SGD(1.0), loss={"o2": "mae", "o1": "categorical_crossentropy"},
                  loss_weights={"o1": 0.3, "o2": 2.0})
    x, y = data(12)
    y = [np.eye(2)[y[0]], y[1]]
    start = model.get_weights()

    def loss(values):
        model.set_weights(values)
        return model.evaluate(x, y, batch_size=12, verbose=0)[0]

    expected = []
    for i, w in enumerate(start):
        g = np.zeros(w.size)
        for j in range(w.size):
            up = [v.copy() for v in start]
            down = [v.copy() for v in start]
            up[i].reshape(-1)[j] += 1e-6
            down[i].reshape(-1)[j] -= 1e-6
            g[j] = (loss(up) - loss(down)) / 2e-6
        expected.append(w - g.reshape(w.shape))
    model.set_weights(start)
    model.train_on_batch(x, y)
    for got, want in zip(model.get_weights(), expected):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)


def test_one_loss_applies_to_every_output_and_predict_keeps_the_structure():
    a = keras.Input((3,), name="a")
    model = keras.Model(a, {"p": L.Dense(2, name="p")(a), "q": L.Dense(2, name="q")(a)})
    model.compile("sgd", "mse")
    x = np.ones((4, 3), "float32")
    model.fit(x, {"p": np.zeros((4, 2)), "q": np.ones((4, 2))}, verbose=0)
    out = model.predict(x, verbose=0)
    assert sorted(out) == ["p", "q"] and out["p"].shape == (4, 2)


def test_config_round_trip_gives_the_same_model():
    model = two_in_two_out()
    config = json.loads(json.dumps(model.get_config()))
    assert config["input_layers"] == [["a", 0, 0], ["b", 0, 0]]
    assert config["layers"][3]["inbound_nodes"][0]["args"][0][1]["config"]["keras_history"] == ["b", 0, 0]
    again = Functional.from_config(config)
    assert json.dumps(again.get_config()) == json.dumps(config)
    again.set_weights(model.get_weights())
    x, _ = data(5)
    for p, q in zip(model.predict(x, verbose=0), again.predict(x, verbose=0)):
        np.testing.assert_array_equal(p, q)


def test_save_and_load_keep_graph_weights_and_optimizer(tmp_path):
    model = two_in_two_out()
    model.compile("adam", ["sparse_categorical_crossentropy", "mse"], metrics=[["accuracy"], []])
    x, y = data()
    model.fit(x, y, epochs=1, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert isinstance(loaded, Functional) and loaded.output_names == ["o1", "o2"]
    for p, q in zip(model.predict(x, verbose=0), loaded.predict(x, verbose=0)):
        np.testing.assert_array_equal(p, q)
    model.fit(x, y, epochs=1, verbose=0, shuffle=False)
    loaded.fit(x, y, epochs=1, verbose=0, shuffle=False)
    for p, q in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(p, q)


def test_summary_has_keras_connected_to_column():
    model = two_in_two_out()
    lines = []
    model.summary(line_length=76, print_fn=lines.append)
    text = lines[0].splitlines()
    assert text[0] == 'Model: "m"'
    assert text[2] == "┃ Layer (type)        ┃ Output Shape      ┃    Param # ┃ Connected to      ┃"
    assert text[10] == "│ concatenate         │ (None, 8)         │          0 │ dense[0][0],      │"
    assert text[11] == "│ (Concatenate)       │                   │            │ b[0][0]           │"
    chain = keras.Model(model.inputs[0], model.get_layer("dense").output)
    lines.clear()
    chain.summary(line_length=60, print_fn=lines.append)
    assert "Connected to" not in lines[0]


def test_a_graph_that_needs_an_input_it_was_not_given_names_it():
    a, b = keras.Input((2,), name="first"), keras.Input((2,), name="second")
    out = L.Add()([L.Dense(2)(a), b])
    with pytest.raises(ValueError, match="'second'"):
        keras.Model(a, out)
    other = keras.Sequential([keras.Input((2,), name="elsewhere"), L.Dense(2)])
    with pytest.raises(ValueError, match="'elsewhere'"):
        keras.Model(a, L.Concatenate()([a, other.output]))


def test_an_input_that_reaches_no_output_is_refused():
    a, b = keras.Input((2,), name="used"), keras.Input((2,), name="unused")
    with pytest.raises(ValueError, match="'unused' is not connected"):
        keras.Model([a, b], L.Dense(1)(a))


def test_a_layer_called_twice_in_one_model_is_refused_clearly():
    a = keras.Input((2,))
    dense = L.Dense(2)
    with pytest.raises(NotImplementedError, match="called twice"):
        keras.Model(a, dense(dense(a)))


def test_bad_model_arguments():
    with pytest.raises(TypeError, match="`outputs`"):
        keras.Model(keras.Input((2,)), np.zeros(2))
    with pytest.raises(TypeError, match="Subclassing"):
        keras.Model()


def test_data_that_does_not_fit_the_inputs_or_outputs_is_refused_before_training():
    model = two_in_two_out()
    model.compile("adam", ["sparse_categorical_crossentropy", "mse"])
    x, y = data(8)
    before = model.get_weights()
    for bad_x, match in (([x[0]], "list of 2 arrays"), ({"a": x[0], "c": x[1]}, r"keys \['a', 'b'\]"),
                         (x[0], "list of 2 arrays"), ([x[0], x[1][:4]], "same number of samples"),
                         ([x[1], x[0]], r"x\['a'\]")):
        with pytest.raises(ValueError, match=match):
            model.fit(bad_x, y, verbose=0)
    with pytest.raises(ValueError, match=r"keys \['o1', 'o2'\]"):
        model.fit(x, {"o1": y[0]}, verbose=0)
    with pytest.raises(ValueError, match=r"y\['o1'\]"):
        model.fit(x, [y[0] + 5, y[1]], verbose=0)
    with pytest.raises(ValueError, match="class_weight"):
        model.fit(x, y, class_weight={0: 1.0}, verbose=0)
    with pytest.raises(ValueError, match="one entry per output"):
        model.compile("adam", ["mse"])
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_generators_give_batches_of_several_inputs_and_outputs():
    model = two_in_two_out()
    model.compile("adam", ["sparse_categorical_crossentropy", "mse"])
    x, y = data(32)

    def batches():
        for i in range(0, 32, 8):
            yield (x[0][i:i + 8], x[1][i:i + 8]), (y[0][i:i + 8], y[1][i:i + 8])

    model.fit(batches(), epochs=1, verbose=0)
    on_arrays = model.evaluate(x, y, batch_size=8, verbose=0)
    np.testing.assert_allclose(model.evaluate(batches(), verbose=0), on_arrays, rtol=1e-6)
    predicted = model.predict(((xb,) for xb, _ in batches()), verbose=0)  # (x,): a bare pair would be (x, y)
    for p, q in zip(predicted, model.predict(x, verbose=0)):
        np.testing.assert_allclose(p, q, rtol=1e-6)


def test_every_layer_output_at_once_is_each_layer_by_hand(float64, rng):
    """keras.Model(model.input, [layer.output for layer in model.layers]): a ReLU that a pooling would take over
    stays in the convolution's own output."""
    model = keras.Sequential([keras.Input((6, 6, 1)), L.Conv2D(2, 3, activation="relu"), L.MaxPooling2D(),
                              L.Flatten(), L.Dense(3)])
    activations = keras.Model(model.input, [layer.output for layer in model.layers])
    x = rng.normal(size=(4, 6, 6, 1))
    conv, pool, flat, dense = activations.predict(x, verbose=0)
    kernel, bias = model.layers[0].get_weights()
    np.testing.assert_allclose(conv, np.maximum(reference.conv(x, kernel, bias, (1, 1), "valid", (1, 1)), 0),
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(pool, reference.pool(conv, (2, 2), (2, 2), "valid", False), rtol=1e-12)
    np.testing.assert_allclose(dense, model.predict(x, verbose=0), rtol=1e-12)
    assert flat.shape == (4, 8)
