"""Model searches: 5-fold ``cross_validate`` of the chapter 7 Fashion-MNIST model, jitnet beside Keras 3.

    python perf/search.py                      # jitnet with 1 and 2 workers
    python perf/search.py --keras-python PY    # also Keras 3's SKLearnClassifier (torch backend) in PY
    python perf/search.py --quick              # 6,000 images, 1 epoch (CI)

784-100-10 (ReLU, softmax), Adam, batch 32, 5 epochs per fold, the 60,000
training images scaled to [0, 1]. Each contender runs in its own process
with 2 threads in all (``n_jobs=2`` gives each worker one); the seconds are
the whole ``cross_validate`` call, start-up of the workers included, after
one warm-up fit that compiles (jitnet) or initialises (torch).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import harness

EPOCHS, BATCH, FOLDS = 5, 32, 5


def _data(quick: bool):
    import numpy as np

    import jitnet

    (x, y), _ = jitnet.datasets.fashion_mnist.load_data()
    x = (x.reshape(-1, 784) / 255.0).astype(np.float32)
    return (x[:6000], y[:6000]) if quick else (x, y)


def jitnet_model(hidden=100):
    import jitnet as keras

    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(hidden, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def keras_model(X, y, hidden=100):
    import keras

    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(hidden, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def worker(name: str, jobs: int, quick: bool) -> dict:
    from sklearn.model_selection import cross_validate

    x, y = _data(quick)
    epochs = 1 if quick else EPOCHS
    if name == "jitnet":
        from jitnet.wrappers import SKLearnClassifier

        estimator = SKLearnClassifier(jitnet_model, epochs=epochs, batch_size=BATCH, random_state=0)
    else:
        import keras

        keras.utils.set_random_seed(0)
        estimator = keras.wrappers.SKLearnClassifier(keras_model, fit_kwargs={"epochs": epochs,
                                                                              "batch_size": BATCH, "verbose": 0})
    estimator.fit(x[:512], y[:512])  # warm-up: compiles jitnet's program, starts torch
    start = time.perf_counter()
    scores = cross_validate(estimator, x, y, cv=FOLDS, n_jobs=jobs)["test_score"]
    return {"seconds": time.perf_counter() - start, "mean_accuracy": float(scores.mean())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--keras-python", default=None, help="a Python with Keras 3, torch and scikit-learn")
    parser.add_argument("--worker", nargs=3, metavar=("NAME", "JOBS", "QUICK"))
    args = parser.parse_args()
    if args.worker:
        name, jobs, quick = args.worker
        print(json.dumps(worker(name, int(jobs), quick == "1")))
        return
    quick = "1" if args.quick else "0"
    runs = {"jitnet, 1 worker": (sys.executable, "jitnet", 1), "jitnet, 2 workers": (sys.executable, "jitnet", 2)}
    if args.keras_python:
        runs["Keras 3 (torch), 1 worker"] = (args.keras_python, "keras", 1)
    results = {label: harness.run(Path(__file__), python, ["--worker", name, str(jobs), quick],
                                  {"KERAS_BACKEND": "torch", "JITNET_NUM_THREADS": ""})  # the pool's share
               for label, (python, name, jobs) in runs.items()}
    base = results["jitnet, 1 worker"].get("seconds")
    epochs = 1 if args.quick else EPOCHS
    print(f"{FOLDS}-fold cross_validate, 784-100-10 Adam, batch {BATCH}, {epochs} epoch(s) per fold")
    print(f"{'contender':28s} {'seconds':>8s} {'vs jitnet':>10s} {'mean accuracy':>14s}")
    harness.print_rows(results, 28, lambda r: f"{r['seconds']:8.1f} {r['seconds'] / base:9.2f}x "
                                              f"{r['mean_accuracy']:14.4f}")
    keras = results.get("Keras 3 (torch), 1 worker", {}).get("seconds")
    if keras and base:
        print(f"jitnet's time over Keras's, 1 worker each: {base / keras:.2f} (issue 15's target: at most 0.25)")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
