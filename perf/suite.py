"""The perf suite: every workload with jitnet and NumPy side by side, and the peers, to JSON.

    python perf/suite.py                      # full run, perf/results/latest.json
    python perf/suite.py --quick              # a few seconds per workload (CI)
    python perf/suite.py --peers-python PY    # also PyTorch (eager) and Keras 3, run by interpreter PY
    python perf/suite.py --jax-python PY      # also JAX (jit of a lax.scan epoch, and jit per step), and its
                                              # compile time beside jitnet's
    python perf/compare.py BASE.json NEW.json # the regression gate

A run is ``--rounds`` rounds (default 3); each round trains every workload
with jitnet, then with the NumPy reference (the same maths, ``reference.py``),
then runs the peers (``peers.py``) in their own interpreters, so the
contenders alternate. Each contender times ``--repeats`` epochs inside one
``fit`` or loop, after a warm-up that compiles; a figure is the median over
all its epochs, with min and max, and each ratio (jitnet's speed-up over
NumPy, jitnet's time over a peer's or over the GEMM floor) is the median of
the rounds' ratios. Every implementation runs with the same thread count,
set explicitly: ``--threads``, or jitnet's usable cores.

Beside the epochs: the GEMM floor of (a) (its forward and backward products
for one epoch, timed alone with NumPy's BLAS); for (b), which jitnet reads as
CSR rows, the conversion's seconds and jitnet's epoch on dense rows; the
latencies (``predict`` on 1 and 32 samples and ``model(x)`` on 1, model (a);
``train_on_batch`` of (d)); start-up, memory and, in full runs, compile times.
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

import harness  # puts the checkout's jitnet first on the path
import numba
import numpy as np
import workloads as wl

import jitnet as keras


def stats(values: list[float]) -> dict:
    """Median, min, max and the runs."""
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "runs": values}


def pin_threads(n: int) -> dict:
    """``n`` threads for jitnet's kernels and for scipy's and numpy's BLAS, fixed; what each reports."""
    from jitnet import _blas

    keras.config.set_num_threads(n)
    return {"jitnet": keras.config.get_num_threads(), "numpy_blas": _blas.numpy_threads()}


PEER_WORKLOADS = ("a_mnist_mlp", "b_imdb_multihot", "c_mnist_adam_b32", "d_tiny_adam_fit")
FLOOR_WORKLOADS = ("a_mnist_mlp",)
LATENCY = {"predict_1": "predict on 1 sample, model (a)", "predict_32": "predict on 32 samples, model (a)",
           "call_1": "model(x) on 1 sample, model (a)", "d_tiny_train_on_batch": "8-16-16-1 adam, one train_on_batch call"}


def selected(args) -> list:
    return [w for w in wl.WORKLOADS if not args.only or w.name in args.only]


def wanted(args, name: str) -> bool:
    return not args.only or name in args.only


def load_data(args) -> dict:
    """Inputs and targets of every workload the run needs (the latency models' too)."""
    needed = selected(args)
    if wanted(args, "latency"):
        needed += [w for w in (wl.LATENCY_MODEL, wl.TRAIN_ON_BATCH_MODEL) if w not in needed]
    return {w.name: wl.data(w) for w in needed}


def run_round(args, data: dict, sparse: dict) -> dict:
    """One round of jitnet and NumPy: ``{figure: {'description', 'unit', contender: [values]}}``."""
    results = {}
    for w in selected(args):
        x, y = data[w.name]
        rows = w.rows(args.quick)
        pin_threads(args.threads)
        entry = {"description": w.description, "unit": w.unit,
                 "jitnet": wl.time_jitnet(w, x, y, args.repeats, rows)}
        pin_threads(args.threads)  # the NumPy reference gets the same threads, whatever jitnet did
        entry["numpy"] = wl.time_numpy(w, x, y, args.repeats, rows)
        if w.name in FLOOR_WORKLOADS:
            entry["gemm_floor"] = [wl.gemm_floor(w)]
        if w.name in sparse:
            with wl.dense_inputs():
                entry["jitnet_dense"] = wl.time_jitnet(w, x, y, args.repeats, rows)
        results[w.name] = entry
        _progress(w.name, entry)
    if wanted(args, "latency"):
        pin_threads(args.threads)
        calls = 200 if args.quick else 2000
        figures = wl.time_latency(data[wl.LATENCY_MODEL.name][0], *data[wl.TRAIN_ON_BATCH_MODEL.name], calls,
                                  args.repeats)
        for name, values in figures.items():
            results[name] = {"description": LATENCY[name], "unit": "us/call", "jitnet": values}
            _progress(name, results[name])
    if wanted(args, "predict"):
        x, _ = data.get(wl.WORKLOADS[0].name) or wl.data(wl.WORKLOADS[0])
        results["predict_10k"] = {"description": "predict 10,000 samples, model (a), batch 32", "unit": "s",
                                  "jitnet": wl.time_predict(x, args.repeats)}
        _progress("predict_10k", results["predict_10k"])
    return results


def _ratio(values: list[float], over: list[float]) -> float:
    return statistics.median(values) / statistics.median(over)


def merge(rounds: list[dict], sparse: dict) -> dict:
    """The rounds' figures as one: stats over every value, each ratio the median of the rounds' ratios."""
    out = {}
    for name, first in rounds[0].items():
        per = [r[name] for r in rounds]
        entry = {key: stats([v for r in per for v in r[key]]) if isinstance(value, list) else value
                 for key, value in first.items()}
        ratios = {"speedup_vs_numpy": ("numpy", "jitnet"), "vs_gemm_floor": ("jitnet", "gemm_floor"),
                  "sparse_vs_dense": ("jitnet", "jitnet_dense")}
        for ratio, (top, bottom) in ratios.items():
            if top in first and bottom in first:
                entry[f"{ratio}_rounds"] = [_ratio(r[top], r[bottom]) for r in per]
                entry[ratio] = statistics.median(entry[f"{ratio}_rounds"])
        if name in sparse:
            entry["input_path"] = "CSR rows (jitnet's sparse path for multi-hot inputs)"
            entry["conversion_s"] = sparse[name]
        out[name] = entry
    return out


def write_peer_data(folder: str, data: dict, args) -> None:
    """What ``peers.py`` reads: ``spec.json`` and each workload's rows as .npy files."""
    train = [w.name for w in selected(args) if w.name in PEER_WORKLOADS]
    spec = {"workloads": {}, "train": train, "latency": None}
    for w in wl.WORKLOADS:
        if w.name in data and (w.name in train or w in (wl.LATENCY_MODEL, wl.TRAIN_ON_BATCH_MODEL)):
            x, y = data[w.name]
            rows = w.rows(args.quick)
            np.save(Path(folder) / f"{w.name}_x.npy", x[:rows])
            np.save(Path(folder) / f"{w.name}_y.npy", y[:rows])
            spec["workloads"][w.name] = w.spec(args.quick)
    if wanted(args, "latency"):
        spec["latency"] = {"model": wl.LATENCY_MODEL.name, "train_on_batch": wl.TRAIN_ON_BATCH_MODEL.name,
                           "calls": 200 if args.quick else 2000, "repeats": args.repeats}
    (Path(folder) / "spec.json").write_text(json.dumps(spec))


def run_peers(args, folder: str) -> dict:
    """One round of the peers, each interpreter in its own process: ``{'results': {figure: {peer: value}}, ...}``."""
    out = {"results": {}, "threads": {}, "errors": {}}
    for python, peers in ((args.peers_python, ["pytorch", "keras"]), (args.jax_python, ["jax"])):
        if not python:
            continue
        cmd = [python, str(HERE / "peers.py"), "--data", folder, "--repeats", str(args.repeats),
               "--threads", str(args.threads), "--peers", *peers]
        env = {**os.environ, **harness.thread_env(args.threads),
               "KERAS_BACKEND": os.environ.get("KERAS_BACKEND", "torch")}
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
        if proc.returncode:
            print(proc.stderr, file=sys.stderr)
            out["errors"][python] = (proc.stderr.strip().splitlines() or ["failed"])[-1]
            continue
        found = json.loads(proc.stdout.strip().splitlines()[-1])
        for name, figures in found["results"].items():
            out["results"].setdefault(name, {}).update(figures)
        out["threads"].update(found["threads"])
    return out


def merge_peers(peer_rounds: list[dict], rounds: list[dict]) -> dict:
    """Each peer's figure: the median of the rounds, and jitnet's time over it (the median of the rounds' ratios)."""
    out: dict = {}
    for name in {name for p in peer_rounds for name in p["results"]}:
        for peer in {peer for p in peer_rounds for peer in p["results"].get(name, {})}:
            pairs = [(r, p["results"][name][peer]) for r, p in zip(rounds, peer_rounds)
                     if peer in p["results"].get(name, {})]  # the rounds in which the peer ran
            entry = {"median": statistics.median(v for _, v in pairs), "rounds": [v for _, v in pairs]}
            if name in rounds[0]:
                entry["jitnet_over_peer"] = statistics.median(statistics.median(r[name]["jitnet"]) / v for r, v in pairs)
            out.setdefault(name, {})[peer] = entry
    return out


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
        print(f"{name:24s} {entry['jitnet']['median']:10.4f} {entry['unit']}", flush=True)
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
          f"{result['params_mb']:.2f} MB, peak rise during fit {result['peak_rise_during_fit_mb']:.1f} MB "
          f"({result['peak_method']}), growth epoch 1 -> 50 {result['growth_epoch_1_to_last_mb']:.2f} MB", flush=True)
    return result


def _progress(name: str, entry: dict) -> None:
    line = f"  {name:24s} jitnet {statistics.median(entry['jitnet']):10.4f} {entry['unit']}"
    if "numpy" in entry:
        line += f"   numpy {statistics.median(entry['numpy']):.4f}   x{_ratio(entry['numpy'], entry['jitnet']):.2f}"
    print(line, flush=True)


PEER_COLUMNS = ("pytorch", "keras", "jax", "jax_step")


def show(results: dict, peers: dict) -> None:
    """The table of the run: jitnet, NumPy, the peers, and jitnet's time over JAX's (scan form)."""
    columns = [p for p in PEER_COLUMNS if any(p in figures for figures in peers.values())]
    print(f"{'figure':24s} {'unit':8s} {'jitnet':>10s} {'numpy':>10s} {'x numpy':>8s}"
          + "".join(f" {c:>10s}" for c in columns) + (f" {'jitnet/jax':>10s}" if "jax" in columns else ""))
    for name, entry in results.items():
        line = f"{name:24s} {entry['unit']:8s} {entry['jitnet']['median']:10.4f}"
        line += (f" {entry['numpy']['median']:10.4f} {entry['speedup_vs_numpy']:8.2f}" if "numpy" in entry
                 else f" {'':10s} {'':8s}")
        figures = peers.get(name, {})
        line += "".join(f" {figures[c]['median']:10.4f}" if c in figures else f" {'':10s}" for c in columns)
        if "jax" in figures:
            line += f" {figures['jax']['jitnet_over_peer']:10.2f}"
        print(line)
    for name, entry in results.items():
        if "gemm_floor" in entry:
            print(f"{name}: GEMM floor {entry['gemm_floor']['median']:.4f} {entry['unit']}; "
                  f"jitnet takes x{entry['vs_gemm_floor']:.2f} the floor")
        if "input_path" in entry:
            print(f"{name}: jitnet reads {entry['input_path']}; converting took {entry['conversion_s']:.2f} s "
                  f"(once per array, outside the epochs); on dense rows {entry['jitnet_dense']['median']:.4f} "
                  f"{entry['unit']} (x{entry['sparse_vs_dense']:.2f})")


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
    parser.add_argument("--repeats", type=int, default=None, help="epochs per contender and round (default 5, quick 2)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of every contender, alternating (default 3)")
    parser.add_argument("--threads", type=int, default=None,
                        help="threads for every implementation (default: jitnet's usable cores)")
    parser.add_argument("--only", nargs="*", help="workload names to run (and/or 'latency', 'predict')")
    parser.add_argument("--no-startup", action="store_true", help="skip the start-up and memory figures")
    parser.add_argument("--peers-python", help="an interpreter with torch and/or keras: PyTorch and Keras 3 peers")
    parser.add_argument("--jax-python", help="an interpreter with jax and optax: the JAX peer and compile time")
    parser.add_argument("--output", default=str(HERE / "results" / "latest.json"))
    args = parser.parse_args(argv)
    args.repeats = args.repeats or (2 if args.quick else 5)
    args.threads = args.threads or keras.config.get_num_threads()
    threads = {"requested": args.threads, **pin_threads(args.threads)}
    keras.utils.set_random_seed(0)
    data = load_data(args)
    sparse = {}
    for w in selected(args):
        seconds = wl.sparse_conversion(data[w.name][0][:w.rows(args.quick)])
        if seconds is not None:
            sparse[w.name] = seconds
    rounds, peer_rounds = [], []
    with tempfile.TemporaryDirectory() as folder:
        if args.peers_python or args.jax_python:
            write_peer_data(folder, data, args)
        for r in range(args.rounds):
            print(f"round {r + 1} of {args.rounds}", flush=True)
            rounds.append(run_round(args, data, sparse))
            if args.peers_python or args.jax_python:
                peer_rounds.append(run_peers(args, folder))
    result = {"machine": machine(), "threads": threads, "quick": args.quick, "rounds": args.rounds,
              "repeats": args.repeats, "date": time.strftime("%Y-%m-%d %H:%M:%S"), "results": merge(rounds, sparse)}
    if peer_rounds:
        result["peers"] = merge_peers(peer_rounds, rounds)
        result["peer_threads"] = peer_rounds[0]["threads"]
        result["peer_errors"] = {k: v for p in peer_rounds for k, v in p["errors"].items()}
    show(result["results"], result.get("peers", {}))
    if not args.no_startup:
        result["results"].update(run_startup(args))
        result["memory"] = run_memory(args)
        if not args.quick:
            result["compile"] = run_compile(args)
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
