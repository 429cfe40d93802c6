"""What the peer benchmarks (``cnn.py``, ``rnn.py``, ``suite.py``) share: each contender in its own process, one
timing loop each.

A worker is the benchmark script run again with ``--worker NAME``; it prints
one JSON line. The clocks leave the warm-up out: jitnet's first ``fit``
(which compiles; its seconds are kept as ``first_fit``) and four PyTorch
steps run before them; JAX's compiling first epoch is split off by
``jax_peer.time_epochs``. ``gemm_seconds`` times the GEMM floor of a
training step; ``time_calls`` the latency of one call. This module imports
only the standard library (and numpy where a function needs it), so every
peer's interpreter can load it.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def thread_env(n: int) -> dict:
    """The variables that set ``n`` threads for jitnet and the BLAS and OpenMP pools of a process about to start."""
    return {name: str(n) for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                                      "JITNET_NUM_THREADS")}


THREADS = thread_env(2)  # XLA uses every core: 2 here
if str(ROOT) not in sys.path:
    sys.path.insert(1, str(ROOT))  # the checkout's jitnet, whatever is installed


def run(script: Path, python: str, argv: list[str], env: dict | None = None) -> dict:
    """The last stdout line of ``python script *argv`` (2 threads) as JSON, or ``{"error": last stderr line}``."""
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": path, **THREADS, **(env or {})}
    result = subprocess.run([python, str(script), *argv], capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0:
        return {"error": (result.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(result.stdout.strip().splitlines()[-1])


def print_rows(results: dict, width: int, row) -> None:
    """One table line per contender: ``row(result)`` after its label, or the error it failed with."""
    for label, result in results.items():
        print(f"{label:{width}s} " + (f"failed: {result['error']}" if "error" in result else row(result)))


def run_cold(script: Path, argv: list[str]) -> dict:
    """``run`` in this interpreter with an empty jitnet program cache: the worker's ``first_fit`` is a cold compile."""
    with tempfile.TemporaryDirectory() as cache:
        return run(script, sys.executable, argv, {"JITNET_CACHE_DIR": cache})


def jitnet_epochs(model, x, y, batch: int, epochs: int) -> dict:
    """Seconds of ``epochs`` one-epoch ``fit`` calls, after a warm-up ``fit`` (``first_fit``).

    The warm-up has four full batches and one as short as the epoch's last, if it is short.
    """
    warm = batch * 4 + len(x) % batch
    start = time.perf_counter()
    model.fit(x[:warm], y[:warm], batch_size=batch, verbose=0)
    first = time.perf_counter() - start
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        model.fit(x, y, batch_size=batch, epochs=1, verbose=0)
        times.append(time.perf_counter() - start)
    return {"epochs": times, "first_fit": first}


def torch_setup():
    """``torch`` with 2 threads, flush-denormal on and seed 0."""
    import torch

    torch.set_num_threads(2)
    torch.set_flush_denormal(True)
    torch.manual_seed(0)
    return torch


def torch_epochs(model, opt, loss_fn, x, y, batch: int, epochs: int) -> list[float]:
    """Seconds of ``epochs`` shuffled eager epochs (the last batch partial), after four untimed steps."""
    import torch

    def steps(order):
        for i in range(0, len(order), batch):
            idx = order[i:i + batch]
            opt.zero_grad()
            loss_fn(model(x[idx]), y[idx]).backward()
            opt.step()

    model.train()
    steps(torch.arange(batch * 4))
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        steps(torch.randperm(len(x)))
        times.append(time.perf_counter() - start)
    return times


def dense_products(batch: int, sizes: list[int], first_input_grad: bool = False) -> list[tuple[int, int, int, bool]]:
    """The GEMMs of one training step of Dense layers ``sizes[0] -> sizes[1] -> ...`` as ``(m, k, n, transposed a)``.

    Per layer: the forward product, the weight gradient and the input gradient (for the first layer only
    with ``first_input_grad``: when a layer before it needs it).
    """
    out = []
    for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
        out += [(batch, n_in, n_out, False), (n_in, batch, n_out, True)]
        if i or first_input_grad:
            out.append((batch, n_out, n_in, False))
    return out


def gemm_seconds(products: list[tuple[int, int, int, bool]]) -> float:
    """Seconds of one pass over ``products`` (``(m, k, n, transposed a)`` each), each GEMM timed alone with
    NumPy's BLAS (float32, its threads as they are set)."""
    import numpy as np

    rng = np.random.default_rng(0)
    total = 0.0
    for m, k, cols, transpose in products:
        a = rng.random((k, m) if transpose else (m, k), dtype=np.float32)
        a = a.T if transpose else a
        b, out = rng.random((k, cols), dtype=np.float32), np.empty((m, cols), np.float32)
        reps = max(20, int(2e8 / (m * k * cols)))
        np.dot(a, b, out)
        start = time.perf_counter()
        for _ in range(reps):
            np.dot(a, b, out)
        total += (time.perf_counter() - start) / reps
    return total


def time_calls(fn, calls: int, repeats: int) -> list[float]:
    """Microseconds per call of ``fn()``: ``repeats`` loops of ``calls`` calls each, after one untimed call."""
    fn()
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        out.append((time.perf_counter() - start) / calls * 1e6)
    return out


def per_unit(seconds: float, rows: int, batch: int, unit: str, full_n: int) -> float:
    """An epoch over ``rows`` samples in ``unit``: microseconds per step ('us/step'), or seconds per epoch of
    ``full_n`` samples ('s/epoch')."""
    return seconds / -(-rows // batch) * 1e6 if unit == "us/step" else seconds * full_n / rows
