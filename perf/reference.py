"""The same training maths in plain NumPy, the yardstick every run is compared to.

A dense network (relu hidden layers, sigmoid or softmax output with the
matching crossentropy), Keras's RMSprop or Adam, float32, one batch gathered
by fancy indexing per step: what a careful NumPy user would write.
"""

from __future__ import annotations

import itertools

import numpy as np


class NumpyMLP:
    """Glorot-initialised MLP trained by mini-batch RMSprop or Adam."""

    def __init__(self, sizes: list[int], output: str, optimizer: str, lr: float = 1e-3, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.w = []
        for n_in, n_out in itertools.pairwise(sizes):
            limit = np.sqrt(6.0 / (n_in + n_out))
            self.w.append(rng.uniform(-limit, limit, (n_in, n_out)).astype(np.float32))
            self.w.append(np.zeros(n_out, np.float32))
        self.output, self.optimizer, self.lr, self.t = output, optimizer, lr, 0
        self.s1 = [np.zeros_like(p) for p in self.w]
        self.s2 = [np.zeros_like(p) for p in self.w]

    def _forward(self, x: np.ndarray) -> list[np.ndarray]:
        acts = [x]
        n_layers = len(self.w) // 2
        for i in range(n_layers):
            z = acts[-1] @ self.w[2 * i] + self.w[2 * i + 1]
            if i < n_layers - 1:
                np.maximum(z, 0, out=z)
            elif self.output == "softmax":
                z -= z.max(axis=1, keepdims=True)
                np.exp(z, out=z)
                z /= z.sum(axis=1, keepdims=True)
            else:
                z = 1.0 / (1.0 + np.exp(-z))
            acts.append(z)
        return acts

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Outputs for ``x``."""
        return self._forward(x)[-1]

    def step(self, x: np.ndarray, y: np.ndarray) -> None:
        """One update on a batch (``y``: class ids for softmax, 0/1 for sigmoid)."""
        acts = self._forward(x)
        delta = acts[-1].copy()
        if self.output == "softmax":
            delta[np.arange(len(y)), y] -= 1.0
        else:
            delta -= y.reshape(delta.shape)
        delta /= len(x)
        grads = [None] * len(self.w)
        for i in range(len(self.w) // 2 - 1, -1, -1):
            grads[2 * i] = acts[i].T @ delta
            grads[2 * i + 1] = delta.sum(axis=0)
            if i:
                delta = (delta @ self.w[2 * i].T) * (acts[i] > 0)
        self.t += 1
        for p, g, s1, s2 in zip(self.w, grads, self.s1, self.s2):
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
