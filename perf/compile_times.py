"""Time to the end of the first epoch in a fresh process: compile cost, jitnet beside JAX.

    python perf/compile_times.py [--jax-python PY] [--output FILE]

Each figure is one fresh process, from its start to the end of the first
epoch on 60,000 MNIST rows (the README model: 784-512-10, RMSprop, batch
128), loading the same .npy files:

- ``cold``: jitnet with empty caches (kernels and programs compile);
- ``warm``: the same again, everything loaded from the caches;
- ``second_kind``: 784-100-BatchNorm-ReLU-Dropout(0.3)-10 with Adam, after
  ``cold`` (only what that model adds compiles);
- ``jax``/``jax_second_kind``: the same models in JAX with interpreter PY
  (``jax.jit`` of the step, the epoch fused through ``lax.scan``, optax),
  which compiles them with XLA in each process.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent

JITNET = """
import sys, numpy as np
import jitnet as keras
x, y = np.load(sys.argv[1]), np.load(sys.argv[2])
L = keras.layers
if sys.argv[3] == "first":
    hidden = [L.Dense(512, activation="relu")]
    optimizer = "rmsprop"
else:
    hidden = [L.Dense(100), L.BatchNormalization(), L.ReLU(), L.Dropout(0.3)]
    optimizer = "adam"
model = keras.Sequential([keras.Input(shape=(784,)), *hidden, L.Dense(10, activation="softmax")])
model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(x, y, epochs=1, batch_size=128, verbose=0)
"""


def _timed(args: list[str], env: dict) -> float:
    start = time.perf_counter()
    subprocess.run(args, check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jax-python", help="an interpreter with jax and optax")
    parser.add_argument("--output", default=str(HERE / "results" / "compile_times.json"))
    args = parser.parse_args(argv)
    sys.path.insert(0, str(HERE))
    import workloads as wl

    x, y = wl.data(wl.WORKLOADS[0])
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        xf, yf = os.path.join(tmp, "x.npy"), os.path.join(tmp, "y.npy")
        np.save(xf, x)
        np.save(yf, y)
        env = {**os.environ, "NUMBA_CACHE_DIR": os.path.join(tmp, "numba"),
               "JITNET_CACHE_DIR": os.path.join(tmp, "programs")}
        run = [sys.executable, "-c", JITNET, xf, yf]
        results["cold"] = _timed([*run, "first"], env)
        results["warm"] = _timed([*run, "first"], env)
        results["second_kind"] = _timed([*run, "second"], env)
        if args.jax_python:
            jax = [args.jax_python, str(HERE / "jax_peer.py"), xf, yf]
            results["jax"] = _timed([*jax, "first"], dict(os.environ))
            results["jax_second_kind"] = _timed([*jax, "second"], dict(os.environ))
    for name, seconds in results.items():
        print(f"{name:18s} {seconds:6.2f} s")
    if "jax" in results:
        print(f"cold / jax         {results['cold'] / results['jax']:6.2f}")
    print(f"second / cold      {results['second_kind'] / results['cold']:6.2f}")
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
