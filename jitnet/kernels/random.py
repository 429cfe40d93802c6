"""Counter-based random numbers: a pure function of ``(seed, step, index)``.

The same triple gives the same number in any thread and any order, so
masks are reproducible whatever the thread count, and a backward pass can
regenerate the mask its forward pass used instead of storing it.
"""

from __future__ import annotations

import math

import numpy as np

from ._jit import entry_kernel, kernel

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_INV_2_53 = 1.0 / 9007199254740992.0


@kernel
def mix64(z):
    """SplitMix64 finaliser: a bijective scramble of a uint64."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@entry_kernel
def uniform(seed, step, index):
    """A float64 in [0, 1) determined by ``(seed, step, index)``."""
    key = mix64(np.uint64(seed) + _GOLDEN * np.uint64(step + 1))
    bits = mix64(key + _GOLDEN * np.uint64(index + 1))
    return float(bits >> _S11) * _INV_2_53


@entry_kernel
def normal(seed, step, index):
    """A standard normal draw determined by ``(seed, step, index)`` (Box-Muller)."""
    u1 = uniform(seed, step, 2 * index)
    u2 = uniform(seed, step, 2 * index + 1)
    return math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(2.0 * math.pi * u2)
