"""Peers mode: the suite's workloads with PyTorch (eager), Keras 3 and JAX, where installed.

    PY perf/peers.py --data FOLDER --peers pytorch keras|jax --threads N --repeats R

Run by ``suite.py --peers-python PY`` (PyTorch, Keras) and ``--jax-python PY``
(JAX) in interpreter PY, which needs only numpy and the peer's packages. It
reads what the suite wrote into FOLDER: ``spec.json`` (each workload's model,
optimizer, batch size, the rows to train on, the latency figures) and the
data as ``<workload>_x.npy`` / ``_y.npy``, and prints one JSON line
``{"results": {figure: {peer: value}}, "threads": {...}}``.

Every peer trains the suite's model (relu Dense layers, Glorot-uniform
kernels, zero biases, the output's crossentropy) with Keras's RMSprop or Adam
defaults, on shuffled batches, and times ``R`` epochs inside one loop (one
``fit`` for Keras) after a warm-up that compiles or loads what it needs:

- ``pytorch``: eager ``torch.nn`` (flush-denormal on), the last batch partial;
- ``keras``: Keras 3 on its torch backend, one ``fit(epochs=R)`` timed epoch by
  epoch by a callback, after a warm-up ``fit``;
- ``jax``: ``jax.jit`` of a whole epoch, its steps fused through ``lax.scan``
  (the last partial batch dropped; seconds scaled to the whole epoch), and
  ``jax_step``: a jitted step called batch by batch; both take the data set
  put on the device once and gather each batch's rows inside the jitted
  code, and their first epoch, which compiles, is left out. JAX reads the
  multi-hot rows of (b) dense.

Latency: a forward call on 1 and on 32 samples of model (a) (PyTorch:
``model(x)`` under ``no_grad``; JAX: a jitted forward; NumPy in, NumPy out),
and one training step on a batch of (d). Threads: ``torch.set_num_threads``;
XLA has no thread setting, so its process is bound to N cores.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import time
from pathlib import Path

import harness
import numpy as np


def _loss_and_target(torch, output: str, y):
    if output == "softmax":
        return torch.nn.CrossEntropyLoss(), torch.from_numpy(y)
    return torch.nn.BCEWithLogitsLoss(), torch.from_numpy(y.astype(np.float32)).reshape(-1, 1)


def _torch_net(torch, w: dict):
    layers = []
    for i, (a, b) in enumerate(itertools.pairwise(w["sizes"])):
        layers.append(torch.nn.Linear(a, b))
        if i < len(w["sizes"]) - 2:
            layers.append(torch.nn.ReLU())
    net = torch.nn.Sequential(*layers)
    if w["optimizer"] == "rmsprop":
        return net, torch.optim.RMSprop(net.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
    return net, torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)


def torch_epochs(x, y, w: dict, repeats: int) -> dict:
    import torch

    net, opt = _torch_net(torch, w)
    loss_fn, yt = _loss_and_target(torch, w["output"], y)
    times = harness.torch_epochs(net, opt, loss_fn, torch.from_numpy(x), yt, w["batch_size"], repeats)
    return {"pytorch": [harness.per_unit(t, len(x), w["batch_size"], w["unit"], w["n"]) for t in times]}


def keras_epochs(x, y, w: dict, repeats: int) -> dict:
    import keras

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            times.append(time.perf_counter() - self.start)

    sizes, batch = w["sizes"], w["batch_size"]
    model = keras.Sequential([keras.Input(shape=(sizes[0],))] + [
        keras.layers.Dense(s, activation="relu") for s in sizes[1:-1]] + [
        keras.layers.Dense(sizes[-1], activation=w["output"])])
    loss = "sparse_categorical_crossentropy" if w["output"] == "softmax" else "binary_crossentropy"
    model.compile(optimizer=w["optimizer"], loss=loss, metrics=["accuracy"])
    model.fit(x[:batch * 4], y[:batch * 4], batch_size=batch, verbose=0)
    times: list[float] = []
    model.fit(x, y, batch_size=batch, epochs=repeats, verbose=0, callbacks=[EpochTimer()])
    return {"keras": [harness.per_unit(t, len(x), batch, w["unit"], w["n"]) for t in times]}


def _targets(w: dict, y):
    return y if w["output"] == "softmax" else y.astype(np.float32)


def _jax_model(w: dict):
    import jax
    import jax_peer

    params = jax_peer.dense_params(jax.random.PRNGKey(0), w["sizes"])
    return params, jax_peer.dense_loss(w["output"]), jax_peer.optimizer(w["optimizer"])


def jax_epochs(x, y, w: dict, repeats: int) -> dict:
    import jax_peer

    batch, y = w["batch_size"], _targets(w, y)
    params, loss_fn, opt = _jax_model(w)
    epoch = jax_peer.scan_epoch(loss_fn, opt, gather_batch=batch)
    _, scan = jax_peer.time_epochs(epoch, params, opt.init(params), x, y, batch, repeats, on_device=True)
    params, loss_fn, opt = _jax_model(w)
    step = jax_peer.jit_step(loss_fn, opt, gather=True)
    _, step = jax_peer.time_steps(step, params, opt.init(params), x, y, batch, repeats)
    rows = len(x) // batch * batch  # the scan form drops the last partial batch
    return {"jax": [harness.per_unit(t, rows, batch, w["unit"], w["n"]) for t in scan[1:]],
            "jax_step": [harness.per_unit(t, len(x), batch, w["unit"], w["n"]) for t in step[1:]]}


def _latency_models(data: dict, spec: dict):
    """``(calls, repeats)``, then ``(x, workload)`` of the forward model and of the ``train_on_batch`` one."""
    lat = spec["latency"]
    forward, train = lat["model"], lat["train_on_batch"]
    return ((lat["calls"], lat["repeats"]), (data[forward][0], spec["workloads"][forward]),
            (*data[train], spec["workloads"][train]))


def torch_latency(data: dict, spec: dict) -> dict:
    import torch

    (calls, repeats), (x, w), (xt, yt, wt) = _latency_models(data, spec)
    net, _ = _torch_net(torch, w)
    net.eval()
    out = {}
    with torch.no_grad():
        for rows in (1, 32):
            xb = x[:rows]
            out[rows] = harness.time_calls(lambda xb=xb: net(torch.from_numpy(xb)).numpy(), calls, repeats)
    net, opt = _torch_net(torch, wt)
    loss_fn, yb = _loss_and_target(torch, wt["output"], yt[:wt["batch_size"]])
    xb = torch.from_numpy(xt[:wt["batch_size"]])

    def step():
        opt.zero_grad()
        loss = loss_fn(net(xb), yb)
        loss.backward()
        opt.step()
        return loss.item()

    return {"predict_1": out[1], "call_1": out[1], "predict_32": out[32],
            "d_tiny_train_on_batch": harness.time_calls(step, calls, repeats)}


def jax_latency(data: dict, spec: dict) -> dict:
    import jax
    import jax_peer

    (calls, repeats), (x, w), (xt, yt, wt) = _latency_models(data, spec)
    params, _, _ = _jax_model(w)
    act = jax.nn.softmax if w["output"] == "softmax" else jax.nn.sigmoid
    forward = jax.jit(lambda p, xb: act(jax_peer.dense_logits(p, xb)))
    out = {rows: harness.time_calls(lambda xb=x[:rows]: np.asarray(forward(params, xb)), calls, repeats)
           for rows in (1, 32)}
    state = {}
    state["p"], loss_fn, opt = _jax_model(wt)
    state["s"] = opt.init(state["p"])
    step = jax_peer.jit_step(loss_fn, opt)
    batch = wt["batch_size"]
    xb, yb, key = xt[:batch], _targets(wt, yt[:batch]), jax.random.PRNGKey(0)

    def train():
        state["p"], state["s"], loss = step(state["p"], state["s"], xb, yb, key)
        return float(loss)

    return {"predict_1": out[1], "call_1": out[1], "predict_32": out[32],
            "d_tiny_train_on_batch": harness.time_calls(train, calls, repeats)}


EPOCHS = {"pytorch": torch_epochs, "keras": keras_epochs, "jax": jax_epochs}
LATENCY = {"pytorch": torch_latency, "jax": jax_latency}


def pin_threads(peers: list[str], n: int) -> dict:
    """``n`` threads for each peer: PyTorch's setting; for JAX, this process bound to ``n`` cores."""
    out = {}
    if "jax" in peers:
        cores = sorted(os.sched_getaffinity(0))[:n]
        os.sched_setaffinity(0, cores)
        out["jax_cores"] = len(cores)
    if "pytorch" in peers or "keras" in peers:
        try:
            import torch
        except ImportError:
            return out
        torch.set_num_threads(n)
        torch.set_flush_denormal(True)
        out["torch"] = torch.get_num_threads()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True, help="folder with spec.json and <workload>_x.npy / _y.npy")
    parser.add_argument("--peers", nargs="+", choices=sorted(EPOCHS), required=True)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    threads = pin_threads(args.peers, args.threads)
    folder = Path(args.data)
    spec = json.loads((folder / "spec.json").read_text())
    data = {name: (np.load(folder / f"{name}_x.npy"), np.load(folder / f"{name}_y.npy")) for name in spec["workloads"]}
    results: dict = {}
    for peer in args.peers:
        for name, w in spec["workloads"].items():
            if name in spec["train"]:
                try:
                    times = EPOCHS[peer](*data[name], w, args.repeats)
                except ImportError:
                    break
                for label, values in times.items():
                    results.setdefault(name, {})[label] = statistics.median(values)
        if peer in LATENCY and spec.get("latency"):
            try:
                figures = LATENCY[peer](data, spec)
            except ImportError:
                continue
            for name, values in figures.items():
                results.setdefault(name, {})[peer] = statistics.median(values)
    print(json.dumps({"results": results, "threads": threads}))


if __name__ == "__main__":
    main()
