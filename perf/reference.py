"""The same training maths in plain NumPy, the yardstick every run is compared to.

A dense network (relu hidden layers, sigmoid or softmax output with the
matching crossentropy), Keras's RMSprop or Adam, float32, one batch gathered
by fancy indexing per step: what a careful NumPy user would write. With
``dropout``, each hidden layer is Dense-BatchNormalization-ReLU-Dropout as
in workload (e): batch statistics while training (Keras's epsilon 1e-3 and
momentum 0.99 for the moving ones), inverted dropout.
"""

from __future__ import annotations

import itertools

import numpy as np

BN_EPSILON, BN_MOMENTUM = 1e-3, 0.99


class NumpyMLP:
    """Glorot-initialised MLP trained by mini-batch RMSprop or Adam."""

    def __init__(self, sizes: list[int], output: str, optimizer: str, lr: float = 1e-3, seed: int = 0,
                 dropout: float | None = None) -> None:
        rng = np.random.default_rng(seed)
        self.w = []  # kernel, bias of every layer
        for n_in, n_out in itertools.pairwise(sizes):
            limit = np.sqrt(6.0 / (n_in + n_out))
            self.w.append(rng.uniform(-limit, limit, (n_in, n_out)).astype(np.float32))
            self.w.append(np.zeros(n_out, np.float32))
        hidden = sizes[1:-1] if dropout is not None else []
        self.norm = [[np.ones(n, np.float32), np.zeros(n, np.float32)] for n in hidden]  # gamma, beta
        self.moving = [[np.zeros(n, np.float32), np.ones(n, np.float32)] for n in hidden]  # mean, variance
        self.params = self.w + [p for pair in self.norm for p in pair]
        self.dropout, self.rng = dropout, rng
        self.output, self.optimizer, self.lr, self.t = output, optimizer, lr, 0
        self.s1 = [np.zeros_like(p) for p in self.params]
        self.s2 = [np.zeros_like(p) for p in self.params]

    def _hidden(self, i: int, z: np.ndarray, training: bool) -> tuple[np.ndarray, tuple]:
        """Hidden layer ``i`` after its Dense: its output and what its backward pass needs."""
        if self.dropout is None:
            np.maximum(z, 0, out=z)
            return z, (z,)
        gamma, beta = self.norm[i]
        mean, var = (z.mean(axis=0), z.var(axis=0)) if training else self.moving[i]
        if training:
            for stat, value in zip(self.moving[i], (mean, var)):
                stat *= BN_MOMENTUM
                stat += (1 - BN_MOMENTUM) * value
        inv = 1.0 / np.sqrt(var + BN_EPSILON)
        zhat = (z - mean) * inv
        h = np.maximum(gamma * zhat + beta, 0)
        if not training:
            return h, ()
        keep = (self.rng.random(h.shape, dtype=np.float32) >= self.dropout) / np.float32(1 - self.dropout)
        return h * keep, (zhat, inv, h > 0, keep)

    def _hidden_backward(self, i: int, delta: np.ndarray, cache: tuple, grads: dict) -> np.ndarray:
        """The gradient at hidden layer ``i``'s Dense output from the one at its output."""
        if self.dropout is None:
            return delta * (cache[0] > 0)
        zhat, inv, active, keep = cache
        dh = delta * keep * active
        grads[len(self.w) + 2 * i] = (dh * zhat).sum(axis=0)
        grads[len(self.w) + 2 * i + 1] = dh.sum(axis=0)
        dzhat = dh * self.norm[i][0]
        return inv * (dzhat - dzhat.mean(axis=0) - zhat * (dzhat * zhat).mean(axis=0))

    def _forward(self, x: np.ndarray, training: bool = False) -> tuple[list[np.ndarray], list[tuple]]:
        acts, caches = [x], []
        n_layers = len(self.w) // 2
        for i in range(n_layers):
            z = acts[-1] @ self.w[2 * i] + self.w[2 * i + 1]
            if i < n_layers - 1:
                z, cache = self._hidden(i, z, training)
                caches.append(cache)
            elif self.output == "softmax":
                z -= z.max(axis=1, keepdims=True)
                np.exp(z, out=z)
                z /= z.sum(axis=1, keepdims=True)
            else:
                z = 1.0 / (1.0 + np.exp(-z))
            acts.append(z)
        return acts, caches

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Outputs for ``x``."""
        return self._forward(x)[0][-1]

    def step(self, x: np.ndarray, y: np.ndarray) -> None:
        """One update on a batch (``y``: class ids for softmax, 0/1 for sigmoid)."""
        acts, caches = self._forward(x, training=True)
        delta = acts[-1].copy()
        if self.output == "softmax":
            delta[np.arange(len(y)), y] -= 1.0
        else:
            delta -= y.reshape(delta.shape)
        delta /= len(x)
        grads = {}
        for i in range(len(self.w) // 2 - 1, -1, -1):
            grads[2 * i] = acts[i].T @ delta
            grads[2 * i + 1] = delta.sum(axis=0)
            if i:
                delta = self._hidden_backward(i - 1, delta @ self.w[2 * i].T, caches[i - 1], grads)
        self.t += 1
        for k, (p, s1, s2) in enumerate(zip(self.params, self.s1, self.s2)):
            g = grads[k]
            if self.optimizer == "rmsprop":
                s1 *= 0.9
                s1 += 0.1 * g * g
                p -= self.lr * g / np.sqrt(s1 + 1e-7)
            else:
                s1 += (g - s1) * 0.1
                s2 += (g * g - s2) * 0.001
                alpha = self.lr * np.sqrt(1 - 0.999 ** self.t) / (1 - 0.9 ** self.t)
                p -= alpha * s1 / (np.sqrt(s2) + 1e-7)

    def fit_epoch(self, x: np.ndarray, y: np.ndarray, batch_size: int, rng: np.random.Generator) -> None:
        """One shuffled epoch."""
        order = rng.permutation(len(x))
        for start in range(0, len(x), batch_size):
            idx = order[start:start + batch_size]
            self.step(x[idx], y[idx])
