"""The compile-time peer: the models of ``compile_times.py`` in JAX, one epoch in a fresh process.

    PY perf/jax_peer.py X.npy Y.npy first|second

``jax.jit`` of the training step with the epoch fused through ``lax.scan``
(the strongest form a user writes), optax RMSprop/Adam with Keras's
defaults, Glorot-uniform weights; the last partial batch is dropped.
``scan_epoch`` and ``time_epochs`` also serve the JAX workers of ``cnn.py`` and ``rnn.py``;
``dense_params``, ``dense_loss``, ``optimizer``, ``jit_step`` and ``time_steps`` the JAX peer of
``suite.py`` (``peers.py``): the scan form and the per-step ``jit`` form, both with the data set put on
the device once and each batch gathered inside the jitted code.
"""

from __future__ import annotations

import itertools
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np
import optax


def glorot(key, n_in, n_out):
    limit = np.sqrt(6 / (n_in + n_out))
    return jax.random.uniform(key, (n_in, n_out), jnp.float32, -limit, limit)


def dense_params(key, sizes: list[int]) -> dict:
    """Kernels and biases of Dense layers ``sizes[0] -> sizes[1] -> ...`` as Keras makes them (Glorot, zeros)."""
    keys = jax.random.split(key, len(sizes) - 1)
    params = {}
    for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
        params[f"w{i}"], params[f"b{i}"] = glorot(keys[i], n_in, n_out), jnp.zeros(n_out)
    return params


def dense_logits(p: dict, x):
    """The logits of the relu MLP ``p``."""
    layers = len(p) // 2
    for i in range(layers):
        x = x @ p[f"w{i}"] + p[f"b{i}"]
        if i < layers - 1:
            x = jax.nn.relu(x)
    return x


def dense_loss(output: str):
    """``loss(p, xb, yb, key)`` of the MLP: softmax crossentropy on class ids, or sigmoid crossentropy on 0/1."""

    def loss(p, xb, yb, key):
        logits = dense_logits(p, xb)
        if output == "softmax":
            return optax.softmax_cross_entropy_with_integer_labels(logits, yb).mean()
        return optax.sigmoid_binary_cross_entropy(logits[:, 0], yb).mean()

    return loss


def optimizer(name: str):
    """optax's RMSprop or Adam with Keras's defaults (lr 1e-3, rho 0.9, epsilon 1e-7)."""
    if name == "rmsprop":
        return optax.rmsprop(1e-3, decay=0.9, eps=1e-7)
    return optax.adam(1e-3, eps=1e-7)


def _update(loss_fn, opt):
    """``update(params, opt_state, xb, yb, key)``: one training step on a batch, to be jitted."""

    def update(p, state, xb, yb, key):
        loss, g = jax.value_and_grad(loss_fn)(p, xb, yb, key)
        updates, state = opt.update(g, state, p)
        return optax.apply_updates(p, updates), state, loss

    return update


def jit_step(loss_fn, opt, gather: bool = False):
    """``step(params, opt_state, xb, yb, key)``: one jitted training step, params and state donated.

    With ``gather``, ``step(params, opt_state, x, y, idx, key)`` takes the whole data set (on the device)
    and gathers the batch's rows ``idx`` itself.
    """
    update = _update(loss_fn, opt)
    if gather:
        return jax.jit(lambda p, state, x, y, idx, key: update(p, state, x[idx], y[idx], key), donate_argnums=(0, 1))
    return jax.jit(update, donate_argnums=(0, 1))


def time_steps(step, params, state, x, y, batch: int, epochs: int):
    """Params after ``epochs + 1`` shuffled epochs of ``step`` (from ``jit_step(gather=True)``), one call per
    batch, and the seconds of each; the data is put on the device once, before the clock; the last partial
    batch is kept.

    The first epoch compiles (both batch shapes): the caller keeps ``times[0]`` apart.
    """
    key, x, y = jax.random.PRNGKey(0), jnp.asarray(x), jnp.asarray(y)
    times = []
    for e in range(epochs + 1):
        start = time.perf_counter()
        order = np.random.default_rng(e).permutation(len(x))
        for i in range(0, len(x), batch):
            params, state, loss = step(params, state, x, y, order[i:i + batch], key)
        loss.block_until_ready()
        times.append(time.perf_counter() - start)
    return params, times


def scan_epoch(loss_fn, opt, gather_batch: int | None = None):
    """``epoch(params, opt_state, xs, ys, key)``: one jitted epoch, its steps fused through ``lax.scan``.

    With ``gather_batch``, ``epoch(params, opt_state, x, y, order, key)`` takes the whole data set (on the
    device) and a permutation, and each step gathers its ``gather_batch`` rows itself.
    """
    update = _update(loss_fn, opt)

    def run(p, state, seq, key, fetch):
        def step(carry, item):
            p, state, key = carry
            key, sub = jax.random.split(key)
            p, state, loss = update(p, state, *fetch(item), sub)
            return (p, state, key), loss
        (p, state, _), losses = jax.lax.scan(step, (p, state, key), seq)
        return p, state, losses.mean()

    if gather_batch is None:
        return jax.jit(lambda p, state, xs, ys, key: run(p, state, (xs, ys), key, lambda b: b))
    return jax.jit(lambda p, state, x, y, order, key: run(p, state, order.reshape(-1, gather_batch), key,
                                                         lambda idx: (x[idx], y[idx])))


def time_epochs(epoch, params, state, x, y, batch: int, epochs: int, on_device: bool = False):
    """Params after ``epochs + 1`` shuffled epochs of ``epoch`` (from ``scan_epoch``), and the seconds of each.

    Each epoch's batches are gathered with NumPy and given to it; ``on_device`` (an epoch from ``scan_epoch``
    with ``gather_batch``): the data is put on the device once, before the clock, and each epoch is given a
    permutation. The first epoch compiles: the caller keeps ``times[0]`` apart. The last partial batch is
    dropped.
    """
    m = len(x) // batch * batch
    if on_device:
        x, y = jnp.asarray(x), jnp.asarray(y)
    times = []
    for e in range(epochs + 1):
        start = time.perf_counter()
        order = np.random.default_rng(e).permutation(len(x))[:m]
        if on_device:
            params, state, loss = epoch(params, state, x, y, order, jax.random.PRNGKey(e))
        else:
            xs = jnp.asarray(x[order].reshape(-1, batch, *x.shape[1:]))
            ys = jnp.asarray(y[order].reshape(-1, batch, *y.shape[1:]))
            params, state, loss = epoch(params, state, xs, ys, jax.random.PRNGKey(e))
        loss.block_until_ready()
        times.append(time.perf_counter() - start)
    return params, times


def main() -> None:
    x, y = np.load(sys.argv[1]), np.load(sys.argv[2])
    second = sys.argv[3] == "second"
    keys = jax.random.split(jax.random.PRNGKey(0), 4)
    hidden = 100 if second else 512
    params = {"w1": glorot(keys[0], 784, hidden), "b1": jnp.zeros(hidden), "w2": glorot(keys[1], hidden, 10),
              "b2": jnp.zeros(10), "gamma": jnp.ones(hidden), "beta": jnp.zeros(hidden)}
    opt = optimizer("adam" if second else "rmsprop")

    def loss_fn(p, xb, yb, key):
        h = xb @ p["w1"] + p["b1"]
        if second:
            mean, var = h.mean(0), h.var(0)
            h = p["gamma"] * (h - mean) / jnp.sqrt(var + 1e-3) + p["beta"]
            h = jax.nn.relu(h)
            keep = jax.random.bernoulli(key, 0.7, h.shape)
            h = jnp.where(keep, h / 0.7, 0.0)
        else:
            h = jax.nn.relu(h)
        logits = h @ p["w2"] + p["b2"]
        return optax.softmax_cross_entropy_with_integer_labels(logits, yb).mean()

    epoch = scan_epoch(loss_fn, opt)
    batch = 128
    n = len(x) // batch * batch
    order = np.random.default_rng(0).permutation(len(x))[:n]
    xs = jnp.asarray(x[order].reshape(-1, batch, 784))
    ys = jnp.asarray(y[order].reshape(-1, batch))
    _, _, loss = epoch(params, opt.init(params), xs, ys, keys[2])
    loss.block_until_ready()


if __name__ == "__main__":
    main()
