"""The functional-model benchmark: two Dense branches merged, jitnet beside PyTorch eager.

    python perf/functional.py                   # 60,000 MNIST images, 3 measured epochs each
    python perf/functional.py --quick           # 6,000 images, one epoch (CI)
    python perf/functional.py --repeats 5 --torch-python PY
    python perf/functional.py --rounds 5 --torch-python PY   # 5 alternating rounds, the median ratio

The model: ``Input(784)``, two ``Dense(256, relu)`` branches, ``Concatenate``,
``Dense(10, softmax)``, sparse categorical cross-entropy, Adam (lr 1e-3, eps
1e-7), batch 128. The data: MNIST from the dataset cache scaled to [0, 1]
(random pixels with a fixed seed when the file is missing). Each contender
runs in its own process with 2 threads, one after the other: jitnet
(``fit``, in an empty program cache: its warm-up ``fit`` is the cold
compile) and PyTorch eager (the same graph as an ``nn.Module``,
``torch.cat``, ``CrossEntropyLoss`` on the logits, flush-denormal on).
Figures are seconds per epoch, the median of ``--repeats`` epochs after
the warm-up.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

import harness

BATCH, WIDTH = 128, 256
HERE = Path(__file__).resolve()


def write_data(folder: Path, n: int) -> str:
    """MNIST as (n, 784) float32 pixels and int64 labels into ``folder``; returns where they came from."""
    import numpy as np

    try:
        import jitnet as keras

        (x, y), _ = keras.datasets.mnist.load_data()
        x, source = x.reshape(len(x), -1).astype(np.float32) / 255.0, "MNIST"
    except (ImportError, OSError, ValueError):  # the timing does not depend on the values
        rng = np.random.default_rng(0)
        x, y, source = rng.random((n, 784), dtype=np.float32), rng.integers(0, 10, n), "random pixels"
    np.save(folder / "x.npy", x[:n])
    np.save(folder / "y.npy", np.asarray(y[:n], np.int64))
    return source


def data(folder: str):
    import numpy as np

    return np.load(Path(folder) / "x.npy"), np.load(Path(folder) / "y.npy")


def jitnet_worker(folder, repeats):
    import jitnet as keras

    x, y = data(folder)
    L = keras.layers
    inputs = keras.Input((784,))
    merged = L.Concatenate()([L.Dense(WIDTH, activation="relu")(inputs), L.Dense(WIDTH, activation="relu")(inputs)])
    model = keras.Model(inputs, L.Dense(10, activation="softmax")(merged))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return harness.jitnet_epochs(model, x, y, BATCH, repeats)


def torch_worker(folder, repeats):
    torch = harness.torch_setup()
    nn = torch.nn
    x, y = data(folder)
    x, y = torch.from_numpy(x), torch.from_numpy(y)

    class TwoBranches(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b, self.out = nn.Linear(784, WIDTH), nn.Linear(784, WIDTH), nn.Linear(2 * WIDTH, 10)

        def forward(self, inputs):
            merged = torch.cat([torch.relu(self.a(inputs)), torch.relu(self.b(inputs))], dim=1)
            return self.out(merged)  # logits: the softmax is in the loss

    model = TwoBranches()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    return {"epochs": harness.torch_epochs(model, opt, nn.CrossEntropyLoss(), x, y, BATCH, repeats)}


WORKERS = {"jitnet": jitnet_worker, "torch": torch_worker}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="6,000 samples, one measured epoch (CI)")
    parser.add_argument("--repeats", type=int, default=3, help="measured epochs per contender")
    parser.add_argument("--n", type=int, default=60000, help="training samples (at most 60,000)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="alternating rounds of both contenders; the ratio is the median of the rounds'")
    parser.add_argument("--torch-python", default=sys.executable, help="an interpreter with torch")
    parser.add_argument("--output", default=None, help="write the results as JSON here")
    parser.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(WORKERS[args.worker](args.data, args.repeats)))
        return 0
    if args.quick:
        args.n, args.repeats = 6000, 1
    print(f"Input(784) -> 2 x Dense({WIDTH}, relu) -> Concatenate -> Dense(10, softmax), Adam, batch {BATCH}, "
          f"{args.n} samples; median of {args.repeats} epoch(s)")
    ratios, rounds = [], []
    with tempfile.TemporaryDirectory() as folder:
        source = write_data(Path(folder), args.n)
        argv = ["--data", folder, "--repeats", str(args.repeats), "--worker"]
        for k in range(args.rounds):
            runs = {"jitnet": harness.run_cold(HERE, [*argv, "jitnet"]),
                    "torch": harness.run(HERE, args.torch_python, [*argv, "torch"])}
            for r in runs.values():
                if "epochs" in r:
                    r["epoch_s"] = statistics.median(r["epochs"])
            if args.rounds > 1:
                print(f"round {k + 1} of {args.rounds}")
            harness.print_rows(runs, 8, lambda r: f"{r['epoch_s']:.3f} s/epoch" +
                               (f"  (cold compile {r['first_fit']:.1f} s)" if "first_fit" in r else ""))
            mine, peer = runs["jitnet"].get("epoch_s"), runs["torch"].get("epoch_s")
            if mine and peer:
                ratios.append(mine / peer)
            rounds.append(runs)
    if ratios:
        each = f" (rounds: {', '.join(f'{r:.2f}' for r in ratios)})" if len(ratios) > 1 else ""
        print(f"jitnet / PyTorch eager: {statistics.median(ratios):.2f}{each}; data: {source}")
    if args.output:
        Path(args.output).write_text(json.dumps({"samples": args.n, "data": source, **rounds[-1],
                                                 "rounds": rounds, "ratios": ratios}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
