"""The benchmark workloads: data, a jitnet model and its NumPy twin for each, the GEMM floor and the latencies."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass

import harness
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
    dropout: float | None = None  # the NumPy twin's hidden layers: Dense-BatchNorm-ReLU-Dropout(rate)

    def rows(self, quick: bool) -> int:
        """The samples an epoch trains on: all, or a slice of a few seconds' work with ``quick``."""
        if not quick:
            return self.n
        return min(self.n, self.batch_size * (100 if self.unit == "us/step" else max(20, self.n // self.batch_size // 10)))

    def spec(self, quick: bool) -> dict:
        """What a peer needs to train the same model (``peers.py``)."""
        return {"sizes": self.sizes, "output": self.output, "optimizer": self.optimizer,
                "batch_size": self.batch_size, "n": self.n, "rows": self.rows(quick), "unit": self.unit}


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
             extra_layers=lambda: [keras.layers.BatchNormalization(), keras.layers.ReLU(), keras.layers.Dropout(0.3)],
             dropout=0.3),
]
LATENCY_MODEL, TRAIN_ON_BATCH_MODEL = WORKLOADS[0], WORKLOADS[3]


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


def time_jitnet(w: Workload, x: np.ndarray, y: np.ndarray, repeats: int, rows: int) -> list[float]:
    """Seconds per epoch (or microseconds per step) of ``fit`` on ``rows`` samples, one value per epoch of one
    ``fit(epochs=repeats)``."""
    model = jitnet_model(w)
    model.fit(x[:w.batch_size * 4], y[:w.batch_size * 4], batch_size=w.batch_size, verbose=0)  # compile / warm
    timer = EpochTimer()
    model.fit(x[:rows], y[:rows], batch_size=w.batch_size, epochs=repeats, verbose=0, callbacks=[timer])
    return [_per_unit(w, t, rows) for t in timer.times]


def time_numpy(w: Workload, x: np.ndarray, y: np.ndarray, repeats: int, rows: int) -> list[float]:
    """The NumPy reference on the same data, same unit, ``repeats`` epochs of one loop."""
    net = NumpyMLP(w.sizes, w.output, w.optimizer, dropout=w.dropout)
    rng = np.random.default_rng(0)
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        net.fit_epoch(x[:rows], y[:rows], w.batch_size, rng)
        out.append(_per_unit(w, time.perf_counter() - start, rows))
    return out


def gemm_floor(w: Workload) -> float:
    """Seconds of the GEMMs of one epoch of ``w`` alone (forward and backward products, NumPy's BLAS)."""
    return harness.gemm_seconds(harness.dense_products(w.batch_size, w.sizes)) * -(-w.n // w.batch_size)


def sparse_conversion(x: np.ndarray) -> float | None:
    """Seconds jitnet's first ``fit`` on ``x`` spends turning it into CSR rows (None: ``x`` goes dense).

    Timed on a copy, so nothing is cached: later calls on the same unchanged array reuse the rows.
    """
    from jitnet.models import csr

    copy = np.array(x)
    start = time.perf_counter()
    rows = csr.rows_of(copy)
    return time.perf_counter() - start if rows is not None else None


@contextlib.contextmanager
def dense_inputs():
    """jitnet reads every input as dense rows inside this block (its sparse path off)."""
    from jitnet.models import csr

    saved, csr.SPARSE_DENSITY = csr.SPARSE_DENSITY, -1.0
    try:
        yield
    finally:
        csr.SPARSE_DENSITY = saved


def time_latency(x_model: np.ndarray, x_tob: np.ndarray, y_tob: np.ndarray, calls: int,
                 repeats: int) -> dict[str, list[float]]:
    """Microseconds per call: ``predict`` on 1 and on 32 samples and ``model(x)`` on 1 (model (a)), and
    ``train_on_batch`` on a batch of (d)."""
    model = jitnet_model(LATENCY_MODEL)
    x1, x32 = x_model[:1], x_model[:32]
    w = TRAIN_ON_BATCH_MODEL
    tiny, xb, yb = jitnet_model(w), x_tob[:w.batch_size], y_tob[:w.batch_size]
    return {"predict_1": harness.time_calls(lambda: model.predict(x1, verbose=0), calls, repeats),
            "predict_32": harness.time_calls(lambda: model.predict(x32, batch_size=32, verbose=0), calls, repeats),
            "call_1": harness.time_calls(lambda: model(x1), calls, repeats),
            "d_tiny_train_on_batch": harness.time_calls(lambda: tiny.train_on_batch(xb, yb), calls, repeats)}


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


def _per_unit(w: Workload, seconds: float, rows: int) -> float:
    return harness.per_unit(seconds, rows, w.batch_size, w.unit, w.n)
