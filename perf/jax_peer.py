"""The compile-time peer: the models of ``compile_times.py`` in JAX, one epoch in a fresh process.

    PY perf/jax_peer.py X.npy Y.npy first|second

``jax.jit`` of the training step with the epoch fused through ``lax.scan``
(the strongest form a user writes), optax RMSprop/Adam with Keras's
defaults, Glorot-uniform weights; the last partial batch is dropped.
``scan_epoch`` and ``time_epochs`` also serve the JAX workers of ``cnn.py`` and ``rnn.py``.
"""

from __future__ import annotations

import sys
import time

import jax
import jax.numpy as jnp
import numpy as np
import optax


def glorot(key, n_in, n_out):
    limit = np.sqrt(6 / (n_in + n_out))
    return jax.random.uniform(key, (n_in, n_out), jnp.float32, -limit, limit)


def scan_epoch(loss_fn, opt):
    """``epoch(params, opt_state, xs, ys, key)``: one jitted epoch, its steps fused through ``lax.scan``."""

    @jax.jit
    def epoch(p, state, xs, ys, key):
        def step(carry, batch):
            p, state, key = carry
            key, sub = jax.random.split(key)
            loss, g = jax.value_and_grad(loss_fn)(p, batch[0], batch[1], sub)
            updates, state = opt.update(g, state, p)
            return (optax.apply_updates(p, updates), state, key), loss
        (p, state, _), losses = jax.lax.scan(step, (p, state, key), (xs, ys))
        return p, state, losses.mean()

    return epoch


def time_epochs(epoch, params, state, x, y, batch: int, epochs: int):
    """Params after ``epochs + 1`` shuffled epochs of ``epoch`` (from ``scan_epoch``), and the seconds of each.

    The first epoch compiles: the caller keeps ``times[0]`` apart. The last partial batch is dropped.
    """
    m = len(x) // batch * batch
    times = []
    for e in range(epochs + 1):
        start = time.perf_counter()
        order = np.random.default_rng(e).permutation(len(x))[:m]
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
    opt = optax.adam(1e-3, eps=1e-7) if second else optax.rmsprop(1e-3, decay=0.9, eps=1e-7)

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
