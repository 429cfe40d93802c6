"""``tanh`` and ``sigmoid`` for the gates of the recurrent ops.

In float32 they are a rational function that vectorizes: ``tanh(x) = x *
p(x*x) / q(x*x)`` on ``[-9, 9]`` (degrees 12 and 6 in ``x``, fitted to a
minimax error of 6e-9; evaluated in float32 it is within 4e-7 of the
exact value) and ``sigmoid(x) = (1 + tanh(x / 2)) / 2``, as XLA computes
them on CPUs. A recurrence spends most of its time in them, and
``math.tanh`` and ``math.exp`` run one value at a time. In float64 (the
gradient checks) they are the exact functions.
"""

from __future__ import annotations

import math

import numpy as np
from numba import types
from numba.extending import overload

from ._jit import OPTIONS

_JIT = {key: OPTIONS[key] for key in ("fastmath", "error_model")}  # the options that shape the code
_P = tuple(np.float32(c) for c in (0.999999969, 0.130792169, 0.003098713415, 1.110243247e-05,
                                   -2.003198795e-08, 5.19384148e-11, -8.294219416e-14))
_Q = tuple(np.float32(c) for c in (1.0, 0.4641253718, 0.02447399786, 0.000253868668))
_HALF, _ONE, _CLIP = np.float32(0.5), np.float32(1.0), np.float32(9.0)


def tanh(x: float) -> float:
    """``tanh(x)``: see the module docstring."""
    return math.tanh(x)


def sigmoid(x: float) -> float:
    """``1 / (1 + exp(-x))``: see the module docstring."""
    return 1.0 / (1.0 + math.exp(-x))


def _is_float32(x) -> bool:
    return isinstance(x, types.Float) and x.bitwidth == 32


@overload(tanh, jit_options=_JIT)
def _tanh(x):
    if _is_float32(x):
        p0, p1, p2, p3, p4, p5, p6 = _P
        q0, q1, q2, q3 = _Q

        def rational(x):
            x = min(max(x, -_CLIP), _CLIP)
            s = x * x
            p = ((((((p6 * s + p5) * s + p4) * s + p3) * s + p2) * s + p1) * s + p0)
            q = ((q3 * s + q2) * s + q1) * s + q0
            return min(max(x * p / q, -_ONE), _ONE)

        return rational
    return lambda x: math.tanh(x)


@overload(sigmoid, jit_options=_JIT)
def _sigmoid(x):
    if _is_float32(x):
        return lambda x: _HALF + _HALF * tanh(_HALF * x)

    def exact(x):
        if x >= 0:
            return 1.0 / (1.0 + math.exp(-x))
        e = math.exp(x)
        return e / (1.0 + e)

    return exact


def tanh_or_sigmoid(x: float, is_tanh: bool) -> float:
    """``tanh(x)`` or ``sigmoid(x)`` as ``b + a * tanh(a * x)`` (``a = 1, b = 0`` or ``a = b = 1/2``):
    one formula, so a loop over gates of both kinds vectorizes."""
    return math.tanh(x) if is_tanh else sigmoid(x)


@overload(tanh_or_sigmoid, jit_options=_JIT)
def _tanh_or_sigmoid(x, is_tanh):
    one, half = (_ONE, _HALF) if _is_float32(x) else (1.0, 0.5)

    def mixed(x, is_tanh):
        a = one if is_tanh else half
        return (one - a) + a * tanh(a * x)

    return mixed
