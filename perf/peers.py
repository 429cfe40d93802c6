"""Peers mode: the suite's workloads with PyTorch (eager) and Keras 3, where installed.

Run by ``suite.py --peers-python PY`` in interpreter PY, which needs only numpy
plus torch and/or keras; it reads the workloads' data from .npy files the
suite wrote, and prints one JSON line ``{workload: {peer: median}}``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import time
from pathlib import Path

import numpy as np

# name, sizes, output, optimizer, batch, unit (kept in step with workloads.py)
SPECS = {
    "a_mnist_mlp": ([784, 512, 10], "softmax", "rmsprop", 128, "s/epoch"),
    "b_imdb_multihot": ([10_000, 16, 16, 1], "sigmoid", "rmsprop", 512, "s/epoch"),
    "c_mnist_adam_b32": ([784, 100, 10], "softmax", "adam", 32, "s/epoch"),
    "d_tiny_adam_fit": ([8, 16, 16, 1], "sigmoid", "adam", 32, "us/step"),
}


def _unit(seconds: float, n: int, batch: int, unit: str, full_n: int) -> float:
    return seconds / -(-n // batch) * 1e6 if unit == "us/step" else seconds * full_n / n


def torch_times(x, y, sizes, output, optimizer, batch, unit, repeats, n, threads):
    import torch

    torch.set_num_threads(threads)
    torch.set_flush_denormal(True)
    layers = []
    for i, (a, b) in enumerate(itertools.pairwise(sizes)):
        layers.append(torch.nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    net = torch.nn.Sequential(*layers)
    if optimizer == "rmsprop":
        opt = torch.optim.RMSprop(net.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
    else:
        opt = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = torch.nn.CrossEntropyLoss() if output == "softmax" else torch.nn.BCEWithLogitsLoss()
    xt = torch.from_numpy(x[:n])
    yt = torch.from_numpy(y[:n]) if output == "softmax" else torch.from_numpy(y[:n].astype(np.float32)).reshape(-1, 1)
    out = []
    for r in range(repeats + 1):
        start = time.perf_counter()
        order = torch.randperm(n)
        for s in range(0, n, batch):
            idx = order[s:s + batch]
            opt.zero_grad()
            loss = loss_fn(net(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
        if r:
            out.append(_unit(time.perf_counter() - start, n, batch, unit, len(x)))
    return statistics.median(out)


def keras_times(x, y, sizes, output, optimizer, batch, unit, repeats, n):
    import keras

    model = keras.Sequential([keras.Input(shape=(sizes[0],))] + [
        keras.layers.Dense(s, activation="relu") for s in sizes[1:-1]] + [
        keras.layers.Dense(sizes[-1], activation=output)])
    loss = "sparse_categorical_crossentropy" if output == "softmax" else "binary_crossentropy"
    model.compile(optimizer=optimizer, loss=loss, metrics=["accuracy"])
    model.fit(x[:batch * 4], y[:batch * 4], batch_size=batch, verbose=0)
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        model.fit(x[:n], y[:n], batch_size=batch, epochs=1, verbose=0)
        out.append(_unit(time.perf_counter() - start, n, batch, unit, len(x)))
    return statistics.median(out)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True, help="folder with <workload>_x.npy / _y.npy")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    results = {}
    for name, (sizes, output, optimizer, batch, unit) in SPECS.items():
        xf = Path(args.data) / f"{name}_x.npy"
        if not xf.exists():
            continue
        x = np.load(xf)
        y = np.load(Path(args.data) / f"{name}_y.npy")
        n = len(x)
        if args.quick:
            n = batch * (100 if unit == "us/step" else max(20, len(x) // batch // 10))
        results[name] = {}
        for peer, fn in (("pytorch", torch_times), ("keras", keras_times)):
            try:
                extra = (args.threads,) if peer == "pytorch" else ()
                results[name][peer] = fn(x, y, sizes, output, optimizer, batch, unit, args.repeats, n, *extra)
            except ImportError:
                pass
    print(json.dumps(results))


if __name__ == "__main__":
    main()
