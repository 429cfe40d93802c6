"""The CNN benchmark: the 혼공머신 8-2 network on Fashion-MNIST, jitnet beside PyTorch, JAX and the GEMM floor.

    python perf/cnn.py                       # 48,000 samples, batch 32, Adam; 3 epochs each
    python perf/cnn.py --quick               # a slice, one epoch (CI)
    python perf/cnn.py --torch-python PY --jax-python PY

Each contender runs in its own process, one after the other, with 2
threads: jitnet; PyTorch eager (``torch.nn``: ``Conv2d(padding='same')``,
``MaxPool2d``, flush-denormal on); JAX (``jit`` with the epoch fused through
``lax.scan``, optax Adam); and the GEMM floor: the products of one
training step (forward, weight gradients, input gradients) timed alone
with NumPy's BLAS, times the number of steps. Figures are seconds per
epoch (median of the epochs after the first) and ``predict`` seconds on
10,000 samples, plus jitnet's cold compile: its warm-up ``fit``, run in an
empty program cache. ``harness.py`` holds the loops and process plumbing ``rnn.py`` shares.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import harness

BATCH = 32
HERE = Path(__file__).resolve()


def write_data(folder: Path, n: int, n_test: int) -> None:
    """Fashion-MNIST scaled to [0, 1] as (n, 28, 28, 1) float32 into ``folder`` (random data without the files)."""
    import numpy as np

    import jitnet as keras

    try:
        (x, y), (xt, _) = keras.datasets.fashion_mnist.load_data()
    except (OSError, ValueError):  # the timing does not depend on the values
        rng = np.random.default_rng(0)
        x, y = rng.integers(0, 256, (60000, 28, 28)), rng.integers(0, 10, 60000)
        xt = rng.integers(0, 256, (10000, 28, 28))
    for name, a in (("x", x[:n]), ("xt", xt[:n_test])):
        np.save(folder / f"{name}.npy", (a.reshape(-1, 28, 28, 1) / 255.0).astype("float32"))
    np.save(folder / "y.npy", y[:n].astype("int64"))


def data(folder: str):
    """``x``, ``y``, ``x_test`` written by ``write_data``."""
    import numpy as np

    return tuple(np.load(Path(folder) / f"{name}.npy") for name in ("x", "y", "xt"))


def jitnet_worker(folder, epochs):
    import jitnet as keras

    x, y, xt = data(folder)
    L = keras.layers
    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        L.Conv2D(32, kernel_size=3, activation="relu", padding="same"), L.MaxPooling2D(2),
        L.Conv2D(64, kernel_size=(3, 3), activation="relu", padding="same"), L.MaxPooling2D(2),
        L.Flatten(), L.Dense(100, activation="relu"), L.Dropout(0.4), L.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    result = harness.jitnet_epochs(model, x, y, BATCH, epochs)
    model.predict(xt[:BATCH], batch_size=BATCH, verbose=0)  # compiles
    start = time.perf_counter()
    model.predict(xt, batch_size=BATCH, verbose=0)
    return {**result, "predict": time.perf_counter() - start}


def torch_worker(folder, epochs):
    torch = harness.torch_setup()
    x, y, xt = data(folder)
    x, y = torch.from_numpy(x).permute(0, 3, 1, 2).contiguous(), torch.from_numpy(y)
    xt = torch.from_numpy(xt).permute(0, 3, 1, 2).contiguous()
    nn = torch.nn
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3, padding="same"), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding="same"), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(3136, 100), nn.ReLU(), nn.Dropout(0.4), nn.Linear(100, 10),
    )
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    times = harness.torch_epochs(model, opt, nn.CrossEntropyLoss(), x, y, BATCH, epochs)
    model.eval()
    start = time.perf_counter()
    with torch.no_grad():
        for i in range(0, len(xt), BATCH):
            model(xt[i:i + BATCH])
    return {"epochs": times, "predict": time.perf_counter() - start}


def jax_worker(folder, epochs):
    import jax
    import jax.numpy as jnp
    import jax_peer
    import numpy as np
    import optax

    x, y, xt = data(folder)
    keys = jax.random.split(jax.random.PRNGKey(0), 4)

    def glorot(key, shape, fan_in, fan_out):
        limit = np.sqrt(6 / (fan_in + fan_out))
        return jax.random.uniform(key, shape, jnp.float32, -limit, limit)

    params = {"c1": glorot(keys[0], (3, 3, 1, 32), 9, 288), "b1": jnp.zeros(32),
              "c2": glorot(keys[1], (3, 3, 32, 64), 288, 576), "b2": jnp.zeros(64),
              "d1": glorot(keys[2], (3136, 100), 3136, 100), "b3": jnp.zeros(100),
              "d2": glorot(keys[3], (100, 10), 100, 10), "b4": jnp.zeros(10)}
    opt = optax.adam(1e-3, eps=1e-7)

    def forward(p, xb, key, training):
        conv = lambda h, w: jax.lax.conv_general_dilated(h, w, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"))
        pool = lambda h: jax.lax.reduce_window(h, -jnp.inf, jax.lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")
        h = pool(jax.nn.relu(conv(xb, p["c1"]) + p["b1"]))
        h = pool(jax.nn.relu(conv(h, p["c2"]) + p["b2"]))
        h = jax.nn.relu(h.reshape(h.shape[0], -1) @ p["d1"] + p["b3"])
        if training:
            h = jnp.where(jax.random.bernoulli(key, 0.6, h.shape), h / 0.6, 0.0)
        return h @ p["d2"] + p["b4"]

    def loss_fn(p, xb, yb, key):
        return optax.softmax_cross_entropy_with_integer_labels(forward(p, xb, key, True), yb).mean()

    epoch = jax_peer.scan_epoch(loss_fn, opt)
    predict = jax.jit(lambda p, xb: forward(p, xb, None, False))
    params, times = jax_peer.time_epochs(epoch, params, opt.init(params), x, y, BATCH, epochs)
    predict(params, jnp.asarray(xt[:BATCH])).block_until_ready()
    start = time.perf_counter()
    for i in range(0, len(xt), BATCH):
        predict(params, jnp.asarray(xt[i:i + BATCH])).block_until_ready()
    return {"epochs": times[1:], "predict": time.perf_counter() - start, "compile_epoch": times[0]}


def floor_worker(folder, epochs):
    """The GEMMs of one step (shapes of the im2col formulation), each timed alone with NumPy's BLAS."""
    n = len(data(folder)[1])
    patches1, patches2 = BATCH * 28 * 28, BATCH * 14 * 14
    products = [  # (m, k, n, transpose a)
        (patches1, 10, 32, False), (10, patches1, 32, True),  # conv1 forward, weight gradient
        (patches2, 289, 64, False), (289, patches2, 64, True), (patches2, 64, 289, False),  # conv2 + input grad
    ] + harness.dense_products(BATCH, [3136, 100, 10], first_input_grad=True)  # the Dense layers
    per_step = harness.gemm_seconds(products)
    return {"epochs": [per_step * -(-n // BATCH)], "step": per_step, "predict": None}


WORKERS = {"jitnet": jitnet_worker, "torch": torch_worker, "jax": jax_worker, "floor": floor_worker}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="4,800 samples, one epoch (CI)")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--n", type=int, default=48000)
    parser.add_argument("--n-test", type=int, default=10000)
    parser.add_argument("--torch-python", default=sys.executable, help="an interpreter with torch")
    parser.add_argument("--jax-python", default=None, help="an interpreter with jax and optax")
    parser.add_argument("--output", default=None, help="write the results as JSON here")
    parser.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(WORKERS[args.worker](args.data, args.epochs)))
        return 0
    if args.quick:
        args.n, args.n_test, args.epochs = 4800, 1000, 1
    with tempfile.TemporaryDirectory() as folder:
        args.data = folder
        write_data(Path(folder), args.n, args.n_test)
        results = compare(args)
    if args.output:
        Path(args.output).write_text(json.dumps(results, indent=1))
    return 0


def compare(args) -> dict:
    """Every contender one after the other; prints the table and returns the figures."""
    argv = lambda worker: ["--worker", worker, "--data", args.data, "--epochs", str(args.epochs)]
    results = {"samples": args.n, "batch": BATCH}
    results["jitnet"] = harness.run_cold(HERE, argv("jitnet"))  # its warm-up fit is the cold compile
    results["cold_compile_s"] = results["jitnet"].get("first_fit")
    results["floor"] = harness.run(HERE, sys.executable, argv("floor"))
    results["torch"] = harness.run(HERE, args.torch_python, argv("torch"))
    if args.jax_python:
        results["jax"] = harness.run(HERE, args.jax_python, argv("jax"))
    base = statistics.median(results["jitnet"]["epochs"]) if "epochs" in results["jitnet"] else float("nan")
    cold = results["cold_compile_s"]
    print(f"CNN 8-2, {args.n} samples, batch {BATCH}, Adam; cold compile "
          + (f"{cold:.1f} s" if cold is not None else "failed"))
    print(f"{'':8} {'s/epoch':>9} {'jitnet / it':>12} {'predict s':>10}")
    for name in ("jitnet", "floor", "torch", "jax"):
        r = results.get(name)
        if r is None:
            continue
        if "error" in r:
            print(f"{name:8} ({r['error']})")
            continue
        epoch = statistics.median(r["epochs"])
        r["epoch_s"] = epoch
        predict = f"{r['predict']:10.2f}" if r.get("predict") is not None else f"{'':10}"
        print(f"{name:8} {epoch:9.2f} {base / epoch:12.2f} {predict}")
    return results


if __name__ == "__main__":
    sys.exit(main())
