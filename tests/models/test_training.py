"""End-to-end: compile, fit, evaluate and predict on learnable problems."""

import os
import signal
import subprocess
import sys
import threading

import numpy as np
import pytest

import jitnet as keras


def blobs(n=600, classes=3, dim=8, seed=0):
    rng = np.random.default_rng(seed)
    centers = rng.normal(scale=3.0, size=(classes, dim))
    y = rng.integers(0, classes, n)
    x = centers[y] + rng.normal(size=(n, dim))
    return x.astype("float32"), y


def mlp(out=3, act="softmax", hidden=16):
    return keras.Sequential([
        keras.Input(shape=(8,)),
        keras.layers.Dense(hidden, activation="relu"),
        keras.layers.Dense(out, activation=act),
    ])


def test_sparse_classifier_learns_and_reports_history():
    x, y = blobs()
    model = mlp()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=8, batch_size=32, validation_split=0.2, verbose=0)
    assert set(history.history) == {"accuracy", "loss", "val_accuracy", "val_loss"}
    assert len(history.history["loss"]) == 8 and history.epoch == list(range(8))
    assert history.history["loss"][-1] < history.history["loss"][0]
    _loss, acc = model.evaluate(x, y, verbose=0)
    assert acc > 0.95
    probs = model.predict(x[:10], verbose=0)
    assert probs.shape == (10, 3) and probs.dtype == np.float32
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)


def test_one_hot_targets_with_rmsprop_and_categorical_accuracy():
    x, y = blobs(seed=1)
    model = mlp()
    model.compile(loss="categorical_crossentropy", metrics="acc")
    model.fit(x, keras.utils.to_categorical(y, 3), epochs=5, verbose=0)
    result = model.evaluate(x, keras.utils.to_categorical(y, 3), return_dict=True, verbose=0)
    assert set(result) == {"acc", "loss"} and result["acc"] > 0.95


def test_binary_classifier_with_sigmoid_output():
    x, y = blobs(classes=2, seed=2)
    model = mlp(out=1, act="sigmoid")
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1, momentum=0.9, nesterov=True),
                  loss=keras.losses.binary_crossentropy, metrics=[keras.metrics.binary_accuracy])
    model.fit(x, y, epochs=5, batch_size=16, verbose=0)
    assert model.evaluate(x, y, verbose=0)[1] > 0.97


def test_regression_with_mse_and_mae_metric():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(512, 8)).astype("float32")
    y = x @ rng.normal(size=(8, 1)) + 0.5
    model = keras.Sequential([keras.layers.Dense(1, input_shape=(8,))])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse", metrics=["mae"])
    model.fit(x, y, epochs=30, batch_size=64, verbose=0)
    assert model.evaluate(x, y, verbose=0)[0] < 1e-3


def test_loss_reported_includes_regularization_penalty():
    x, y = blobs(n=64)
    model = keras.Sequential([keras.Input(shape=(8,)),
                              keras.layers.Dense(3, kernel_regularizer=keras.regularizers.l2(0.5),
                                                 activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy")
    w = model.get_weights()[0]
    probs = model.predict(x, verbose=0)
    ce = -np.log(probs[np.arange(64), y]).mean()
    assert model.evaluate(x, y, verbose=0) == pytest.approx(ce + 0.5 * np.sum(w.astype(np.float64) ** 2), rel=1e-5)


def test_train_on_batch_matches_a_one_step_fit():
    x, y = blobs(n=32)
    a, b = mlp(), mlp()
    b.set_weights(a.get_weights())
    for m in (a, b):
        m.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    a.fit(x, y, batch_size=32, epochs=1, shuffle=False, verbose=0)
    loss, _acc = b.train_on_batch(x, y)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)
    assert a.history.history["loss"][0] == pytest.approx(loss)
    assert b.test_on_batch(x, y)[0] < loss
    np.testing.assert_array_equal(b.predict_on_batch(x), b.predict(x, verbose=0))


def test_sample_and_class_weights_change_the_loss():
    x, y = blobs(n=64)
    model = mlp()
    model.compile(loss="sparse_categorical_crossentropy")
    base = model.evaluate(x, y, verbose=0)
    assert model.evaluate(x, y, sample_weight=np.full(64, 2.0), verbose=0) == pytest.approx(2 * base, rel=1e-5)
    h = model.fit(x, y, class_weight={0: 0.0, 1: 0.0, 2: 0.0}, epochs=1, verbose=0, shuffle=False)
    assert h.history["loss"][0] == 0.0


def test_frozen_layer_is_not_updated_and_counts_as_non_trainable():
    x, y = blobs(n=64)
    model = mlp()
    model.layers[0].trainable = False
    model.compile(loss="sparse_categorical_crossentropy")
    before = model.get_weights()
    model.fit(x, y, epochs=2, verbose=0)
    after = model.get_weights()
    np.testing.assert_array_equal(before[0], after[0])
    np.testing.assert_array_equal(before[1], after[1])
    assert not np.array_equal(before[2], after[2])
    assert sum(w.size for w in model.non_trainable_weights) == 8 * 16 + 16


def test_nan_loss_stops_training_with_a_warning():
    x, y = blobs(n=64)
    model = mlp()
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=1e30), loss="sparse_categorical_crossentropy")
    with pytest.warns(RuntimeWarning, match="training stopped"):
        h = model.fit(x, y, epochs=5, batch_size=8, verbose=0)
    assert len(h.history["loss"]) == 1 and not np.isfinite(h.history["loss"][0])


def test_stop_training_from_a_callback():
    x, y = blobs(n=64)
    model = mlp()
    model.compile(loss="sparse_categorical_crossentropy")

    class Stop(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            self.model.stop_training = epoch == 1

    assert len(model.fit(x, y, epochs=10, verbose=0, callbacks=[Stop()]).history["loss"]) == 2


def test_batch_hooks_see_every_batch():
    x, y = blobs(n=100)
    model = mlp()
    model.compile(loss="sparse_categorical_crossentropy")
    seen = []
    cb = keras.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: seen.append((batch, logs["loss"])))
    model.fit(x, y, batch_size=10, epochs=2, verbose=0, callbacks=[cb])
    assert [b for b, _ in seen] == list(range(10)) * 2


def test_same_seed_gives_identical_weights_in_two_processes():
    code = (
        "import numpy as np, jitnet as keras\n"
        "keras.utils.set_random_seed(7)\n"
        "rng = np.random.default_rng(0)\n"
        "x = rng.normal(size=(300, 8)).astype('float32'); y = rng.integers(0, 3, 300)\n"
        "m = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(32, activation='relu'),"
        " keras.layers.Dropout(0.3), keras.layers.BatchNormalization(), keras.layers.Dense(3, activation='softmax')])\n"
        "m.compile(optimizer='adam', loss='sparse_categorical_crossentropy')\n"
        "m.fit(x, y, epochs=3, batch_size=16, verbose=0)\n"
        "print(np.concatenate([w.ravel() for w in m.get_weights()]).tobytes().hex())\n"
    )
    env = {**os.environ, "JITNET_NUM_THREADS": "2"}
    outs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout
            for _ in range(2)]
    assert outs[0] == outs[1] and len(outs[0]) > 100


def test_float64_models_train_like_float32_ones_to_float32_precision():
    x, y = blobs(n=128)
    weights = {}
    try:
        for floatx in ("float32", "float64"):
            keras.config.set_floatx(floatx)
            model = mlp()
            model.set_weights([w.astype(floatx) for w in _SHARED_START])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            history = model.fit(x, y, epochs=2, verbose=0, shuffle=False)
            assert history.history["loss"][1] < history.history["loss"][0]
            weights[floatx] = model.get_weights()
        got = model.predict(x, verbose=0)
    finally:
        keras.config.set_floatx("float32")
    w32, w64 = weights["float32"], weights["float64"]
    assert all(w.dtype == np.float64 for w in w64)
    for a, b in zip(w32, w64):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-4)
    # float64 predictions are the float64 forward pass, far below float32 rounding
    k1, b1, k2, b2 = w64
    z = np.maximum(x.astype(np.float64) @ k1 + b1, 0) @ k2 + b2
    expected = np.exp(z - z.max(1, keepdims=True))
    expected /= expected.sum(1, keepdims=True)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14)


_SHARED_START = [np.random.default_rng(1).normal(scale=0.3, size=s) for s in ((8, 16), (16,), (16, 3), (3,))]


def test_keyboard_interrupt_stops_cleanly_after_the_current_batch():
    x, y = blobs(n=100)
    model = mlp()
    model.compile(loss="sparse_categorical_crossentropy")
    events = []

    class Interrupt(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if self.params and batch == 3 and len(events) == 1:
                events.append("interrupt")
                raise KeyboardInterrupt

        def on_epoch_end(self, epoch, logs=None):
            events.append(f"epoch {epoch}")

        def on_train_end(self, logs=None):
            events.append("end")

    with pytest.raises(KeyboardInterrupt):
        model.fit(x, y, batch_size=10, epochs=3, verbose=0, callbacks=[Interrupt()])
    assert events == ["epoch 0", "interrupt", "end"]
    assert len(model.history.history["loss"]) == 1
    assert model.optimizer.iterations == 14
    assert all(np.isfinite(w).all() for w in model.get_weights())


def _sgd_model():
    keras.utils.set_random_seed(5)
    model = mlp(out=1, act=None)
    model.compile(optimizer="sgd", loss="mse")
    return model


def test_a_real_ctrl_c_during_a_compiled_chunk_leaves_iterations_equal_to_the_updates_applied():
    """SIGINT lands while a chunk of thousands of steps runs in one compiled call: Python raises
    KeyboardInterrupt as soon as the call returns, and the step count must already hold that chunk."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200_000, 8)).astype("float32")
    y = x[:, :1] * 0.5
    model, batch = _sgd_model(), 32
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))

    class StartTheTimer(keras.callbacks.Callback):  # after the compile; no batch hooks, so chunks stay long
        def on_train_begin(self, logs=None):
            timer.start()

    try:
        with pytest.raises(KeyboardInterrupt):
            model.fit(x, y, batch_size=batch, epochs=10**6, shuffle=False, verbose=0, callbacks=[StartTheTimer()])
    finally:
        timer.cancel()
    applied = model.optimizer.iterations
    assert applied > 0
    # the same updates again, stopped exactly there: stateless SGD on unshuffled data
    reference = _sgd_model()
    epochs, rest = divmod(applied, len(x) // batch)
    if epochs:
        reference.fit(x, y, batch_size=batch, epochs=epochs, shuffle=False, verbose=0)
    if rest:
        reference.fit(x[:rest * batch], y[:rest * batch], batch_size=batch, shuffle=False, verbose=0)
    assert reference.optimizer.iterations == applied
    for a, b in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(a, b)
