"""Data on disk: the 784-512-10 model (RMSprop, batch 128) fit on MNIST tiled into a big file.

    python perf/memmap.py            # a 4 GB float64 memmap, 2 epochs per case
    python perf/memmap.py --quick    # 256 MB, 1 epoch (CI)

Three cases, each in its own process: the data as an in-memory float32 array
(the reference), as a float32 memmap (read in place) and as a float64
memmap (converted chunk by chunk). Each reports its last epoch's seconds
and the anonymous memory it added above the model during ``fit`` (its peak,
sampled every 10 ms: the memmap's own pages are file-backed and not
counted). The files are read once before timing, so they sit in the page
cache. Prints a table and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from pathlib import Path

import harness
import numpy as np

CASES = ("memory_float32", "memmap_float32", "memmap_float64")


def anon_mb() -> float:
    """Anonymous resident memory of this process, in MB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) / 1024
    return 0.0


class PeakAnon:
    """The highest ``anon_mb`` while the block runs, sampled every 10 ms."""

    def __enter__(self) -> PeakAnon:  # noqa: PYI034
        self.base, self.peak, self._stop = anon_mb(), anon_mb(), threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, anon_mb())

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, anon_mb())


def make_file(folder: Path, gigabytes: float, dtype: str) -> tuple[Path, int]:
    """MNIST's training images, scaled to [0, 1], tiled to ``gigabytes`` in a .npy file of ``dtype``."""
    import jitnet as keras

    (x, _), _ = keras.datasets.mnist.load_data()
    x = (x.reshape(len(x), 784) / 255.0).astype(dtype)
    n = int(gigabytes * 2**30 / (784 * np.dtype(dtype).itemsize))
    path = folder / f"x_{dtype}.npy"
    out = np.lib.format.open_memmap(path, mode="w+", dtype=dtype, shape=(n, 784))
    for lo in range(0, n, len(x)):
        out[lo:lo + len(x)] = x[:n - lo]
    out.flush()
    del out
    return path, n


def worker(case: str, path: str, epochs: int) -> dict:
    import jitnet as keras

    x = np.load(path, mmap_mode="r")
    if case == "memory_float32":
        x = np.array(x, np.float32)
    y = np.arange(len(x)) % 10  # labels do not change the work
    np.sum(x, dtype=np.float64)  # into the page cache before timing
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(512, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile("rmsprop", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x[:1024], y[:1024], batch_size=128, verbose=0)  # compiles; the model's buffers exist
    from workloads import EpochTimer

    clock = EpochTimer()
    with PeakAnon() as memory:
        start = time.perf_counter()
        model.fit(x, y, batch_size=128, epochs=epochs, verbose=0, callbacks=[clock])
        total = time.perf_counter() - start
    return {"epoch_s": clock.times[-1], "fit_s": total, "added_anon_mb": memory.peak - memory.base,
            "samples": len(x)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--gigabytes", type=float, default=None, help="size of the float64 file (default 4)")
    parser.add_argument("--worker", nargs=3, metavar=("CASE", "PATH", "EPOCHS"))
    args = parser.parse_args()
    if args.worker:
        case, path, epochs = args.worker
        print(json.dumps(worker(case, path, int(epochs))))
        return
    gigabytes = args.gigabytes or (0.25 if args.quick else 4.0)
    epochs = 1 if args.quick else 2
    with tempfile.TemporaryDirectory(dir=Path(tempfile.gettempdir())) as folder:
        f64, n = make_file(Path(folder), gigabytes, "float64")
        f32, _ = make_file(Path(folder), gigabytes / 2, "float32")
        results = {case: harness.run(Path(__file__), sys.executable,
                                     ["--worker", case, str(f64 if case.endswith("64") else f32), str(epochs)])
                   for case in CASES}
    reference = results["memory_float32"].get("epoch_s")
    print(f"784-512-10 on {n} samples ({gigabytes:g} GB as float64), batch 128, last of {epochs} epoch(s)")
    print(f"{'case':16s} {'s/epoch':>8s} {'vs memory':>10s} {'fit s':>7s} {'added anon MB':>14s}")
    harness.print_rows(results, 16, lambda r: f"{r['epoch_s']:8.2f} {r['epoch_s'] / reference:9.2f}x "
                                              f"{r['fit_s']:7.2f} {r['added_anon_mb']:14.0f}")
    print(json.dumps({"gigabytes": gigabytes, "samples": n, **results}))


if __name__ == "__main__":
    main()
