"""Memory during ``fit``: the peak over the data, and growth across 50 epochs.

Run as a script; prints one JSON line. ``--n`` sets the number of samples of
the 784-100-10 model (c). The peak is the process's high-water mark of
resident memory, reset just before the ``fit`` (``/proc/self/clear_refs``), so
the data's making, before it, does not hide it; where the reset is refused,
the lifetime high-water mark is the fallback (``peak_method`` says which).
Both figures are differences as measured: memory returned during ``fit``
gives a negative growth.
"""

from __future__ import annotations

import argparse
import json
import resource

import numpy as np

import jitnet as keras


def rss_mb() -> float:
    """Resident memory now, in MB."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def reset_peak() -> bool:
    """Reset the high-water mark of resident memory to what is resident now (Linux 4.0+); False if refused."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        return False
    return True


def peak_mb() -> float:
    """The high-water mark of resident memory, in MB (since ``reset_peak``)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class RssPerEpoch(keras.callbacks.Callback):
    """Resident memory at the end of every epoch."""

    def __init__(self) -> None:
        super().__init__()
        self.values: list[float] = []

    def on_epoch_end(self, epoch, logs=None):
        self.values.append(rss_mb())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=48_000)
    parser.add_argument("--epochs", type=int, default=50)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    x = rng.random((args.n, 784), dtype=np.float32)
    y = rng.integers(0, 10, args.n)
    model = keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(100, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x[:64], y[:64], verbose=0)  # compile outside the measurement
    reset = reset_peak()
    before = rss_mb()
    per_epoch = RssPerEpoch()
    model.fit(x, y, batch_size=32, epochs=args.epochs, verbose=0, callbacks=[per_epoch])
    peak = peak_mb()
    print(json.dumps({
        "data_mb": (x.nbytes + y.nbytes) / 2**20,
        "params_mb": model.count_params() * 4 / 2**20,
        "rss_before_fit_mb": before,
        "peak_rise_during_fit_mb": peak - before,
        "peak_method": "high-water mark reset before fit" if reset else "lifetime high-water mark",
        "rss_after_epoch_1_mb": per_epoch.values[0],
        "rss_after_last_epoch_mb": per_epoch.values[-1],
        "growth_epoch_1_to_last_mb": per_epoch.values[-1] - per_epoch.values[0],
        "epochs": args.epochs,
    }))


if __name__ == "__main__":
    main()
