"""Batches read in place, and shuffled rows gathered ahead on a helper thread: the same training, bit for bit."""

import numpy as np
import pytest

import jitnet as keras
from jitnet import callbacks
from jitnet.models import prefetch, trainer


def model():
    keras.utils.set_random_seed(7)
    m = keras.Sequential([keras.Input((12,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dropout(0.25),
                          keras.layers.Dense(3, activation="softmax")])
    m.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return m


def data(n=203):
    rng = np.random.default_rng(3)
    return rng.random((n, 12)).astype("float32"), rng.integers(0, 3, n)


class _EveryBatch(callbacks.Callback):
    """Needs every batch: the fit loop then trains one batch per call."""

    def on_train_batch_end(self, batch, logs=None):
        pass


def train(monkeypatch, threads: int, cbs=()):
    """Weights and history after 3 epochs, with ``threads`` as the thread count the trainer sees."""
    monkeypatch.setattr(trainer.config, "get_num_threads", lambda: threads)
    m = model()
    x, y = data()
    history = m.fit(x, y, batch_size=16, epochs=3, verbose=0, callbacks=list(cbs), validation_split=0.2)
    return m.get_weights(), history.history


@pytest.mark.parametrize("every_batch", [False, True])
def test_prefetched_training_is_the_plain_training_bit_for_bit(monkeypatch, every_batch):
    monkeypatch.setattr(trainer, "PREFETCH_BATCH_BYTES", 0)  # batches of 16 x 12 floats are far smaller
    monkeypatch.setattr(prefetch, "PART_BYTES", 3 * 16 * 12 * 4)  # 162 training rows: 3 parts of 3 steps and a short one
    submitted = []
    real_pool = prefetch._pool

    def counting_pool():
        pool = real_pool()
        submitted.append(1)
        return pool

    monkeypatch.setattr(prefetch, "_pool", counting_pool)
    cbs = [_EveryBatch()] if every_batch else []
    plain_w, plain_h = train(monkeypatch, 1, cbs)
    assert not submitted  # one thread: the steps gather their own rows
    ahead_w, ahead_h = train(monkeypatch, 2, cbs)
    assert len(submitted) == 3 * 3  # parts 1-3 of each epoch were gathered ahead
    assert plain_h == ahead_h
    for a, b in zip(plain_w, ahead_w):
        np.testing.assert_array_equal(a, b)
    assert plain_h["loss"][0] != plain_h["loss"][-1]


def test_the_last_epoch_lets_its_data_go(monkeypatch):
    monkeypatch.setattr(trainer.config, "get_num_threads", lambda: 2)
    monkeypatch.setattr(trainer, "PREFETCH_BATCH_BYTES", 0)
    m = model()
    x, y = data()
    m.fit(x, y, batch_size=16, verbose=0)
    p = m.trainer(y.reshape(-1, 1)).prefetch
    assert p._current is None and p._pending is None and p._targets is None


def test_rows_read_in_place_give_the_gathered_results():
    """Prediction reads consecutive rows where they are; through a shuffled order they are gathered."""
    m = model()
    x, _ = data()
    flat = keras.Sequential([keras.Input((3, 4)), keras.layers.Flatten(), *m.layers])  # an alias of the input
    expected = np.maximum(x @ m.layers[0].kernel.numpy() + m.layers[0].bias.numpy(), 0)
    logits = expected @ m.layers[2].kernel.numpy() + m.layers[2].bias.numpy()
    expected = np.exp(logits - logits.max(1, keepdims=True))
    expected /= expected.sum(1, keepdims=True)
    np.testing.assert_allclose(m.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(flat.predict(x.reshape(-1, 3, 4), verbose=0), expected, rtol=1e-5, atol=1e-6)
    t = m.trainer(np.zeros((1, 1)))
    order = np.random.default_rng(0).permutation(x.shape[0])
    out = np.zeros((x.shape[0], 3), np.float32)
    t.predict(trainer.Inputs(x), order, 0, 13, 16, out)
    np.testing.assert_array_equal(out, m.predict(x, verbose=0)[order])
    assert t._xat[0] == -1


def test_a_helper_runs_only_beside_steps_that_leave_the_second_core_free(monkeypatch):
    monkeypatch.setattr(trainer.config, "get_num_threads", lambda: 2)

    def prefetches(layers, batch_size, features=784):
        m = keras.Sequential([keras.Input((features,)), *layers])
        m.compile(optimizer="adam", loss="mse")
        t = m.trainer(np.zeros((1, 1)))
        return t._prefetches(trainer.Inputs(np.zeros((4, features), "float32")), batch_size)

    assert prefetches([keras.layers.Dense(100, activation="relu"), keras.layers.Dense(10)], 32)
    assert not prefetches([keras.layers.Dense(512, activation="relu"), keras.layers.Dense(10)], 128)  # BLAS threads
    assert not prefetches([keras.layers.Dense(16), keras.layers.Dense(1)], 32, features=8)  # 1 KB batches
    assert not prefetches([keras.layers.Reshape((28, 28, 1)), keras.layers.Conv2D(4, 3), keras.layers.Flatten(),
                           keras.layers.Dense(1)], 32)
