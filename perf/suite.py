"""The perf suite: every workload with jitnet and NumPy side by side, to JSON.

    python perf/suite.py                      # full run, perf/results/latest.json
    python perf/suite.py --quick              # a few seconds per workload (CI)
    python perf/suite.py --peers-python PY    # also PyTorch / Keras, run by interpreter PY
    python perf/suite.py --jax-python PY      # also JAX's compile time beside jitnet's
    python perf/compare.py BASE.json NEW.json # regression check

Each figure is the median of ``--repeats`` runs, with min and max. Speed
is also given as a ratio to the NumPy reference run in the same process, so
results from different machines can be compared.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import numba
import numpy as np
import workloads as wl

import jitnet as keras


def stats(values: list[float]) -> dict:
    """Median, min, max and the runs."""
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "runs": values}


def run_workloads(args) -> dict:
    results = {}
    limit = None
    for w in wl.WORKLOADS:
        if args.only and w.name not in args.only:
            continue
        x, y = wl.data(w)
        if args.quick:
            limit = w.batch_size * (100 if w.unit == "us/step" else max(20, w.n // w.batch_size // 10))
        jit = wl.time_jitnet(w, x, y, args.repeats, limit)
        ref = wl.time_numpy(w, x, y, args.repeats, limit)
        entry = {"description": w.description, "unit": w.unit, "jitnet": stats(jit), "numpy": stats(ref),
                 "speedup_vs_numpy": statistics.median(ref) / statistics.median(jit)}
        results[w.name] = entry
        _show(w.name, entry)
        if w.unit == "us/step":
            tob = wl.time_train_on_batch(w, x, y, 200 if args.quick else 2000, args.repeats)
            results["d_tiny_train_on_batch"] = {"description": "8-16-16-1 adam, one train_on_batch call",
                                                "unit": "us/call", "jitnet": stats(tob)}
            _show("d_tiny_train_on_batch", results["d_tiny_train_on_batch"])
    if not args.only or "predict" in args.only:
        x, _ = wl.data(wl.WORKLOADS[0])
        results["predict_10k"] = {"description": "predict 10,000 samples, model (a), batch 32", "unit": "s",
                                  "jitnet": stats(wl.time_predict(x, args.repeats))}
        _show("predict_10k", results["predict_10k"])
    return results


PEER_WORKLOADS = ("a_mnist_mlp", "b_imdb_multihot", "c_mnist_adam_b32", "d_tiny_adam_fit")

STARTUP_FIT = (
    "import numpy as np, jitnet as keras\n"
    "m = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(16, activation='relu'),"
    " keras.layers.Dense(1, activation='sigmoid')])\n"
    "m.compile(optimizer='adam', loss='binary_crossentropy', metrics=['accuracy'])\n"
    "m.fit(np.zeros((64, 8), 'float32'), np.zeros(64), verbose=0)\n"
)


def _time_process(code: str, env: dict | None = None) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, env=env, capture_output=True)
    return time.perf_counter() - start


def run_startup(args) -> dict:
    repeats = max(3, args.repeats)
    _time_process(STARTUP_FIT)  # make sure the cache is warm
    out = {
        "import": {"description": "python -c 'import jitnet'", "unit": "s",
                   "jitnet": stats([_time_process("import jitnet") for _ in range(repeats)])},
        "python": {"description": "python -c 'pass' (interpreter start, for scale)", "unit": "s",
                   "jitnet": stats([_time_process("pass") for _ in range(repeats)])},
        "first_fit_warm": {"description": "import + first fit, warm caches", "unit": "s",
                           "jitnet": stats([_time_process(STARTUP_FIT) for _ in range(repeats)])},
    }
    if not args.quick:
        with tempfile.TemporaryDirectory() as cache:
            env = {**os.environ, "NUMBA_CACHE_DIR": cache, "JITNET_CACHE_DIR": os.path.join(cache, "programs")}
            out["first_fit_cold"] = {"description": "import + first fit, empty kernel and program caches", "unit": "s",
                                     "jitnet": stats([_time_process(STARTUP_FIT, env)])}
    for name, entry in out.items():
        _show(name, entry)
    return out


def run_compile(args) -> dict:
    """Fresh processes to the end of a first epoch: cold, warm, second kind (and JAX): see compile_times.py."""
    import compile_times

    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "compile.json")
        compile_times.main(["--output", out] + (["--jax-python", args.jax_python] if args.jax_python else []))
        return json.loads(Path(out).read_text())


def run_memory(args) -> dict:
    n = 4_800 if args.quick else 48_000
    proc = subprocess.run([sys.executable, str(HERE / "memory.py"), "--n", str(n)], capture_output=True, text=True,
                          check=True)
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"memory (784-100-10, {n} samples, 50 epochs): data {result['data_mb']:.1f} MB, params "
          f"{result['params_mb']:.2f} MB, peak rise during fit {result['peak_rise_during_fit_mb']:.1f} MB, "
          f"growth epoch 1 -> 50 {result['growth_epoch_1_to_last_mb']:.2f} MB", flush=True)
    return result


def run_peers(args) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        for w in wl.WORKLOADS:
            if w.name in PEER_WORKLOADS and (not args.only or w.name in args.only):
                x, y = wl.data(w)
                np.save(Path(folder) / f"{w.name}_x.npy", x)
                np.save(Path(folder) / f"{w.name}_y.npy", y)
        cmd = [args.peers_python, str(HERE / "peers.py"), "--data", folder, "--repeats", str(args.repeats),
               "--threads", str(keras.config.get_num_threads())] + (["--quick"] if args.quick else [])
        env = {**os.environ, "KERAS_BACKEND": os.environ.get("KERAS_BACKEND", "torch")}
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if proc.returncode:
        print(proc.stderr, file=sys.stderr)
        raise SystemExit(f"peers run failed ({args.peers_python})")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _show(name: str, entry: dict) -> None:
    j = entry["jitnet"]
    line = f"{name:24s} {j['median']:10.4f} {entry['unit']:8s} (min {j['min']:.4f}, max {j['max']:.4f})"
    if "numpy" in entry:
        line += f"   numpy {entry['numpy']['median']:.4f}   x{entry['speedup_vs_numpy']:.2f}"
    print(line, flush=True)


def machine() -> dict:
    """What ran the suite."""
    try:
        from threadpoolctl import threadpool_info

        blas = sorted({f"{i['internal_api']} {i.get('version')} {i.get('architecture')}" for i in threadpool_info()})
    except ImportError:
        blas = ["(install threadpoolctl to report the BLAS)"]
    return {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
            "cpus": os.cpu_count(), "python": platform.python_version(), "numpy": np.__version__,
            "numba": numba.__version__, "jitnet": keras.__version__,
            "blas": blas}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="short runs (CI): a few seconds per workload")
    parser.add_argument("--repeats", type=int, default=None, help="runs per figure (default 5, quick 2)")
    parser.add_argument("--threads", type=int, default=None, help="threads for jitnet and NumPy's BLAS")
    parser.add_argument("--only", nargs="*", help="workload names to run")
    parser.add_argument("--no-startup", action="store_true", help="skip the start-up timings")
    parser.add_argument("--peers-python", help="an interpreter with torch and/or keras for the peers mode")
    parser.add_argument("--jax-python", help="an interpreter with jax and optax, for the compile-time peer")
    parser.add_argument("--output", default=str(HERE / "results" / "latest.json"))
    args = parser.parse_args(argv)
    args.repeats = args.repeats or (2 if args.quick else 5)
    if args.threads:
        keras.config.set_num_threads(args.threads)
    keras.utils.set_random_seed(0)
    result = {"machine": machine(), "threads": keras.config.get_num_threads(), "quick": args.quick,
              "date": time.strftime("%Y-%m-%d %H:%M:%S"), "results": run_workloads(args)}
    if not args.no_startup:
        result["results"].update(run_startup(args))
        result["memory"] = run_memory(args)
        if not args.quick:
            result["compile"] = run_compile(args)
    if args.peers_python:
        result["peers"] = run_peers(args)
        for name, peers in result["peers"].items():
            ours = result["results"].get(name, {}).get("jitnet", {}).get("median")
            for peer, value in peers.items():
                if ours:
                    print(f"{name:24s} {peer:10s} {value:10.4f}   jitnet is x{value / ours:.2f} faster")
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
