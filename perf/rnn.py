"""The RNN benchmark: the 혼공머신 chapter 9 IMDB models, jitnet beside PyTorch and JAX.

    python perf/rnn.py                       # 20,000 reviews of 100 tokens, batch 64, Adam; 3 epochs each
    python perf/rnn.py --quick               # 2,000 reviews, one epoch (CI)
    python perf/rnn.py --repeats 5 --torch-python PY --jax-python PY

The models: 9-3 ``Embedding(500, 16)-LSTM(8)-Dense(1, sigmoid)`` and 9-2
``Embedding(500, 16)-SimpleRNN(8)-Dense(1, sigmoid)``, binary cross-entropy,
Adam (lr 1e-3, eps 1e-7). The data: ``imdb.load_data(num_words=500)`` from
the dataset cache (``$JITNET_HOME/datasets/imdb.npz``), ``pad_sequences``
to 100; random ids with a fixed seed when the file is missing.

Each contender runs in its own process, one after the other, with 2
threads: jitnet (``fit``, in an empty program cache: its warm-up ``fit`` is
the cold compile); PyTorch eager (``nn.Embedding``, ``nn.LSTM`` or
``nn.RNN`` (tanh) with ``batch_first``, ``nn.Linear``, ``BCEWithLogitsLoss``,
flush-denormal on); JAX (``jit`` of a whole epoch, ``lax.scan`` over the
batches, each step's recurrence a ``lax.scan`` over time, optax Adam; the
last partial batch dropped). Figures are seconds per epoch, the median of
``--repeats`` epochs after the warm-up.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

import harness

BATCH, VOCAB, MAXLEN, EMBED, UNITS = 64, 500, 100, 16, 8
HERE = Path(__file__).resolve()
MODELS = {"lstm": "LSTM(8)", "rnn": "SimpleRNN(8)"}


def write_data(folder: Path, n: int) -> str:
    """IMDB reviews as (n, 100) int32 ids and int64 labels into ``folder``; returns where they came from."""
    import numpy as np

    try:
        import jitnet as keras

        (seqs, y), _ = keras.datasets.imdb.load_data(num_words=VOCAB)
        x, source = keras.utils.pad_sequences(seqs[:n], maxlen=MAXLEN), "IMDB"
    except (ImportError, OSError, ValueError):  # the timing does not depend on the values
        rng = np.random.default_rng(0)
        x, y, source = rng.integers(0, VOCAB, (n, MAXLEN)), rng.integers(0, 2, n), "random ids"
    np.save(folder / "x.npy", np.asarray(x[:n], np.int32))
    np.save(folder / "y.npy", np.asarray(y[:n], np.int64))
    return source


def data(folder: str):
    import numpy as np

    return np.load(Path(folder) / "x.npy"), np.load(Path(folder) / "y.npy")


def jitnet_worker(folder, model, repeats):
    import jitnet as keras

    x, y = data(folder)
    L = keras.layers
    cell = L.LSTM(UNITS) if model == "lstm" else L.SimpleRNN(UNITS)
    net = keras.Sequential([keras.Input((MAXLEN,)), L.Embedding(VOCAB, EMBED), cell, L.Dense(1, activation="sigmoid")])
    net.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return harness.jitnet_epochs(net, x, y, BATCH, repeats)


def torch_worker(folder, model, repeats):
    torch = harness.torch_setup()
    nn = torch.nn
    x, y = data(folder)
    x, y = torch.from_numpy(x).long(), torch.from_numpy(y).float().reshape(-1, 1)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(VOCAB, EMBED)
            rnn = nn.LSTM(EMBED, UNITS, batch_first=True) if model == "lstm" else nn.RNN(
                EMBED, UNITS, nonlinearity="tanh", batch_first=True)
            self.rnn, self.dense = rnn, nn.Linear(UNITS, 1)

        def forward(self, ids):
            out, _ = self.rnn(self.embedding(ids))
            return self.dense(out[:, -1])  # logits: the sigmoid is in the loss

    net = Net()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)
    return {"epochs": harness.torch_epochs(net, opt, nn.BCEWithLogitsLoss(), x, y, BATCH, repeats)}


def jax_worker(folder, model, repeats):
    import jax
    import jax.numpy as jnp
    import jax_peer
    import optax

    x, y = data(folder)
    gates = 4 if model == "lstm" else 1  # Keras's LSTM gate order: input, forget, cell, output
    keys = jax.random.split(jax.random.PRNGKey(0), 4)
    bias = jnp.zeros(gates * UNITS)
    bias = bias.at[UNITS:2 * UNITS].set(1.0) if gates == 4 else bias  # Keras's unit_forget_bias
    params = {"emb": jax.random.uniform(keys[0], (VOCAB, EMBED), jnp.float32, -0.05, 0.05),
              "w": jax_peer.glorot(keys[1], EMBED, gates * UNITS),
              "u": jax.nn.initializers.orthogonal()(keys[2], (UNITS, gates * UNITS)),
              "b": bias,
              "d": jax_peer.glorot(keys[3], UNITS, 1), "db": jnp.zeros(1)}
    opt = optax.adam(1e-3, eps=1e-7)

    def step(p, carry, xw):  # one time step; xw: its input projection
        z = xw + carry[0] @ p["u"]
        if gates == 1:
            return (jnp.tanh(z),)
        i, f, g, o = jnp.split(z, 4, axis=-1)
        c = jax.nn.sigmoid(f) * carry[1] + jax.nn.sigmoid(i) * jnp.tanh(g)
        return jax.nn.sigmoid(o) * jnp.tanh(c), c

    def loss_fn(p, xb, yb, key):
        xw = p["emb"][xb] @ p["w"] + p["b"]  # (batch, time, gates * units): every step's input side at once
        h0 = (jnp.zeros((xb.shape[0], UNITS)),) * (2 if gates == 4 else 1)
        carry, _ = jax.lax.scan(lambda c, xt: (step(p, c, xt), None), h0, xw.swapaxes(0, 1))
        logits = (carry[0] @ p["d"] + p["db"])[:, 0]
        return optax.sigmoid_binary_cross_entropy(logits, yb).mean()

    epoch = jax_peer.scan_epoch(loss_fn, opt)
    _, times = jax_peer.time_epochs(epoch, params, opt.init(params), x, y.astype("float32"), BATCH, repeats)
    return {"epochs": times[1:], "compile_epoch": times[0]}


WORKERS = {"jitnet": jitnet_worker, "torch": torch_worker, "jax": jax_worker}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="2,000 samples, one measured epoch (CI)")
    parser.add_argument("--repeats", type=int, default=3, help="measured epochs per contender")
    parser.add_argument("--n", type=int, default=20000, help="training samples (at most 25,000)")
    parser.add_argument("--models", nargs="+", choices=sorted(MODELS), default=list(MODELS))
    parser.add_argument("--torch-python", default=sys.executable, help="an interpreter with torch")
    parser.add_argument("--jax-python", default=None, help="an interpreter with jax and optax")
    parser.add_argument("--skip-jitnet", action="store_true", help="only the peers")
    parser.add_argument("--output", default=None, help="write the results as JSON here")
    parser.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    parser.add_argument("--model", choices=sorted(MODELS), help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(WORKERS[args.worker](args.data, args.model, args.repeats)))
        return 0
    if args.quick:
        args.n, args.repeats = 2000, 1
    with tempfile.TemporaryDirectory() as folder:
        source = write_data(Path(folder), args.n)
        results = compare(args, folder, source)
    if args.output:
        Path(args.output).write_text(json.dumps(results, indent=1))
    return 0


def compare(args, folder: str, source: str) -> dict:
    """Every contender for every model, one after the other; prints the table and returns the figures."""
    results = {"samples": args.n, "batch": BATCH, "data": source}
    for model in args.models:
        argv = ["--model", model, "--data", folder, "--repeats", str(args.repeats), "--worker"]
        runs = {} if args.skip_jitnet else {"jitnet": harness.run_cold(HERE, [*argv, "jitnet"])}
        runs["torch"] = harness.run(HERE, args.torch_python, [*argv, "torch"])
        if args.jax_python:
            runs["jax"] = harness.run(HERE, args.jax_python, [*argv, "jax"])
        for r in runs.values():
            if "epochs" in r:
                r["epoch_s"] = statistics.median(r["epochs"])
        results[model] = runs
    show(args, results)
    return results


def _cell(value: float | None, width: int) -> str:
    return f"{value:{width}.2f}" if value is not None else f"{'-':>{width}}"


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a and b else None


def show(args, results: dict) -> None:
    print(f"혼공머신 9-2/9-3 RNNs, {args.n} samples x {MAXLEN} tokens ({results['data']}), batch {BATCH}, Adam; "
          f"median of {args.repeats} epoch(s)")
    print(f"{'model':13} {'jitnet s/ep':>11} {'torch s/ep':>10} {'jitnet/torch':>12} {'JAX s/ep':>9} "
          f"{'jitnet/JAX':>10} {'jitnet cold compile s':>22}")
    errors = []
    for model in args.models:
        runs = results[model]
        s = {name: r.get("epoch_s") for name, r in runs.items()}
        errors += [f"{MODELS[model]} {name}: {r['error']}" for name, r in runs.items() if "error" in r]
        mine, torch, jax = s.get("jitnet"), s.get("torch"), s.get("jax")
        print(f"{MODELS[model]:13} {_cell(mine, 11)} {_cell(torch, 10)} {_cell(_ratio(mine, torch), 12)} "
              f"{_cell(jax, 9)} {_cell(_ratio(mine, jax), 10)} {_cell(runs.get('jitnet', {}).get('first_fit'), 22)}")
    for line in errors:
        print(f"  ({line})")


if __name__ == "__main__":
    sys.exit(main())
