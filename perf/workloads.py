"""The benchmark workloads: data, a jitnet model and its NumPy twin for each."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from reference import NumpyMLP

import jitnet as keras


@dataclass
class Workload:
    """A training workload; ``unit`` is 's/epoch' or 'us/step'."""

    name: str
    description: str
    sizes: list[int]
    output: str
    optimizer: str
    batch_size: int
    n: int
    unit: str = "s/epoch"
    extra_layers: Callable[[], list] | None = None


WORKLOADS = [
    Workload("a_mnist_mlp", "784-512-10 relu/softmax, rmsprop, batch 128, 60k", [784, 512, 10], "softmax",
             "rmsprop", 128, 60_000),
    Workload("b_imdb_multihot", "10000-16-16-1 multi-hot, rmsprop, batch 512, 15k", [10_000, 16, 16, 1],
             "sigmoid", "rmsprop", 512, 15_000),
    Workload("c_mnist_adam_b32", "784-100-10, adam, batch 32, 48k", [784, 100, 10], "softmax", "adam", 32, 48_000),
    Workload("d_tiny_adam_fit", "8-16-16-1, adam, batch 32, per step inside fit", [8, 16, 16, 1], "sigmoid", "adam",
             32, 32 * 1000, unit="us/step"),
    Workload("e_bn_dropout", "784-100-BN-ReLU-Dropout(0.3)-10, adam, batch 32, 48k", [784, 100, 10], "softmax",
             "adam", 32, 48_000,
             extra_layers=lambda: [keras.layers.BatchNormalization(), keras.layers.ReLU(), keras.layers.Dropout(0.3)]),
]


def _mnist(n: int) -> tuple[np.ndarray, np.ndarray]:
    try:
        (x, y), _ = keras.datasets.mnist.load_data()
        x = (x.reshape(len(x), -1) / 255.0).astype(np.float32)
    except OSError:
        rng = np.random.default_rng(0)
        x = (rng.integers(0, 256, (60_000, 784)) * (rng.random((60_000, 784)) < 0.19) / 255.0).astype(np.float32)
        y = rng.integers(0, 10, 60_000)
    return x[:n], y[:n].astype(np.int64)


def _imdb(n: int) -> tuple[np.ndarray, np.ndarray]:
    try:
        (seqs, y), _ = keras.datasets.imdb.load_data(num_words=10_000)
    except OSError:
        rng = np.random.default_rng(0)
        seqs = [rng.integers(1, 10_000, rng.integers(20, 400)).tolist() for _ in range(n)]
        y = rng.integers(0, 2, n)
    return keras.utils.multi_hot(seqs[:n], 10_000), np.asarray(y[:n], np.int64)


def data(w: Workload) -> tuple[np.ndarray, np.ndarray]:
    """Inputs and targets for ``w`` (real datasets when cached, else synthetic of the same shape)."""
    if w.sizes[0] == 784:
        return _mnist(w.n)
    if w.sizes[0] == 10_000:
        return _imdb(w.n)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(w.n, w.sizes[0])).astype(np.float32)
    return x, (x[:, 0] + x[:, 1] > 0).astype(np.int64)


def jitnet_model(w: Workload) -> keras.Sequential:
    """The workload's model, compiled."""
    layers = [keras.Input(shape=(w.sizes[0],))]
    for i, units in enumerate(w.sizes[1:-1]):
        if w.extra_layers is not None:
            layers += [keras.layers.Dense(units)] + w.extra_layers()
        else:
            layers.append(keras.layers.Dense(units, activation="relu"))
    layers.append(keras.layers.Dense(w.sizes[-1], activation=w.output))
    model = keras.Sequential(layers)
    loss = "sparse_categorical_crossentropy" if w.output == "softmax" else "binary_crossentropy"
    model.compile(optimizer=w.optimizer, loss=loss, metrics=["accuracy"])
    return model


class EpochTimer(keras.callbacks.Callback):
    """Wall time of every epoch of a ``fit`` (data checks before the first epoch excluded)."""

    def __init__(self) -> None:
        super().__init__()
        self.times: list[float] = []

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.times.append(time.perf_counter() - self.start)


def time_jitnet(w: Workload, x: np.ndarray, y: np.ndarray, repeats: int, epochs_limit: int | None = None) -> list[float]:
    """Seconds per epoch (or microseconds per step) of ``fit``, one value per epoch of one ``fit(epochs=repeats)``."""
    model = jitnet_model(w)
    model.fit(x[:w.batch_size * 4], y[:w.batch_size * 4], batch_size=w.batch_size, verbose=0)  # compile / warm
    n = len(x) if epochs_limit is None else min(len(x), epochs_limit)
    timer = EpochTimer()
    model.fit(x[:n], y[:n], batch_size=w.batch_size, epochs=repeats, verbose=0, callbacks=[timer])
    return [_per_unit(w, t, n) for t in timer.times]


def time_train_on_batch(w: Workload, x: np.ndarray, y: np.ndarray, calls: int, repeats: int) -> list[float]:
    """Microseconds per ``train_on_batch`` call."""
    model = jitnet_model(w)
    xb, yb = x[:w.batch_size], y[:w.batch_size]
    model.train_on_batch(xb, yb)
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            model.train_on_batch(xb, yb)
        out.append((time.perf_counter() - start) / calls * 1e6)
    return out


def time_numpy(w: Workload, x: np.ndarray, y: np.ndarray, repeats: int, epochs_limit: int | None = None) -> list[float]:
    """The NumPy reference on the same data, same unit."""
    net = NumpyMLP(w.sizes, w.output, w.optimizer)
    rng = np.random.default_rng(0)
    n = len(x) if epochs_limit is None else min(len(x), epochs_limit)
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        net.fit_epoch(x[:n], y[:n], w.batch_size, rng)
        out.append(_per_unit(w, time.perf_counter() - start, n))
    return out


def time_predict(x: np.ndarray, repeats: int) -> list[float]:
    """Seconds for ``predict`` on 10,000 MNIST-shaped samples with the (a) model."""
    model = jitnet_model(WORKLOADS[0])
    model.predict(x[:64], verbose=0)
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        model.predict(x[:10_000], batch_size=32, verbose=0)
        out.append(time.perf_counter() - start)
    return out


def _per_unit(w: Workload, seconds: float, n: int) -> float:
    if w.unit == "us/step":
        return seconds / -(-n // w.batch_size) * 1e6
    return seconds * w.n / n
