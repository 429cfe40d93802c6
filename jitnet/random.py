"""Seeded random streams for initializers, shuffling and layer seeds."""

from __future__ import annotations

import numpy as np

_root = np.random.SeedSequence()
_counter = 0


def reset(seed: int | None) -> None:
    """Restart every stream from ``seed`` (None: fresh entropy)."""
    global _root, _counter
    _root = np.random.SeedSequence(seed)
    _counter = 0


def generator(seed: int | None = None) -> np.random.Generator:
    """A new generator: from ``seed`` if given, else the next global stream."""
    global _counter
    if seed is not None:
        return np.random.default_rng(seed)
    _counter += 1
    return np.random.default_rng([_root.entropy, _counter])


def draw_seed(seed: int | None = None) -> int:
    """A 63-bit integer seed: ``seed`` itself, or one from the global stream."""
    if seed is not None:
        return int(seed) & (2**63 - 1)
    return int(generator().integers(0, 2**63 - 1))
