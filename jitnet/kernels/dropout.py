"""Noise layers driven by the counter-based generator of ``random.py``.

``mode`` selects the layer: DROPOUT (inverted: keep where ``u >= rate``,
scale by ``1 / (1 - rate)``), GAUSSIAN_NOISE (``x + stddev * n``),
GAUSSIAN_DROPOUT (``x * (1 + sqrt(rate / (1 - rate)) * n)``) and
ALPHA_DROPOUT (dropped units set to SELU's saturation value, then an affine
correction keeps mean and variance). ``param`` is the rate or stddev.
"""

from __future__ import annotations

import math

from ._jit import entry_kernel, kernel
from .activations import SELU_ALPHA, SELU_SCALE
from .random import normal, uniform

DROPOUT, GAUSSIAN_NOISE, GAUSSIAN_DROPOUT, ALPHA_DROPOUT = 0, 1, 2, 3
_ALPHA_P = -SELU_ALPHA * SELU_SCALE
@kernel
def _noise_row(mode, x, out, i, group, param, seed, step, backward, a, shift):
    cols = x.shape[1]
    for j in range(cols):
        e = group * cols + j
        v = x[i, j]
        if mode == DROPOUT:
            out[i, j] = v / (1.0 - param) if uniform(seed, step, e) >= param else 0.0
        elif mode == GAUSSIAN_NOISE:
            out[i, j] = v if backward else v + param * normal(seed, step, e)
        elif mode == GAUSSIAN_DROPOUT:
            out[i, j] = v * (1.0 + math.sqrt(param / (1.0 - param)) * normal(seed, step, e))
        else:
            kept = uniform(seed, step, e) >= param
            if backward:
                out[i, j] = a * v if kept else 0.0
            else:
                out[i, j] = a * (v if kept else _ALPHA_P) + shift


@kernel
def _alpha_coefficients(param):
    a = 1.0 / math.sqrt((1.0 - param) * (1.0 + param * _ALPHA_P * _ALPHA_P))
    return a, -a * _ALPHA_P * param


@kernel
def noise_apply(mode, x, out, param, seed, step, backward, share):
    """Apply the layer's noise to ``x`` (forward) or to its gradient (backward).

    ``x``, ``out``: (rows, features), ``out`` written (may alias ``x``). The
    noise for element ``e`` is drawn from ``(seed, step, e)``, so the
    backward call regenerates exactly the forward mask. Rows ``i`` with one
    ``i // share`` share their noise (a sequence's steps, for recurrent
    input dropout; 1: every row its own). Serial: a parallel
    path paid only above a million elements per batch, and its compile
    (1-2 s) is more than most models ever save.
    """
    a, shift = _alpha_coefficients(param)
    for i in range(x.shape[0]):
        _noise_row(mode, x, out, i, i // share, param, seed, step, backward, a, shift)


@entry_kernel
def apply_noise(mode, x, out, param, seed, step, backward, share=1):
    """``noise_apply`` for callers outside programs."""
    noise_apply(mode, x, out, param, seed, step, backward, share)
