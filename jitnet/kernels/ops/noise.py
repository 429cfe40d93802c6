"""Noise: Dropout, GaussianNoise, GaussianDropout, AlphaDropout, in training only.

Fields (ints): ``src``, ``dsrc``, ``dst``, ``mode`` and ``seed`` (see
``jitnet.kernels.dropout``), ``share`` (rows per noise draw: a sequence's
steps share one mask; 0 or 1: one draw per row); (floats): ``rate`` (or the stddev). Outside
training ``dst = src``. The backward pass regenerates the forward noise
from ``(seed, step, element)``.
"""

from __future__ import annotations

from .._jit import kernel
from ..buffers import copy, grad, value
from ..dropout import noise_apply

INTS = ("src", "dsrc", "dst", "mode", "seed", "share")
FLOATS = ("rate",)
SRC, DSRC, DST, MODE, SEED, SHARE = range(len(INTS))


@kernel
def forward(iv, fv, bufs, arena, nb, training, step):
    """``dst = noise(src)`` in training, else a copy."""
    x = value(bufs, iv[SRC], nb)
    y = value(bufs, iv[DST], nb)
    if training:
        noise_apply(iv[MODE], x, y, fv[0], iv[SEED], step, False, max(iv[SHARE], 1))
    else:
        copy(x, y)


@kernel
def backward(iv, fv, bufs, arena, nb, step):
    """``dsrc = dst'`` through the same noise."""
    if iv[DSRC] >= 0:
        noise_apply(iv[MODE], grad(bufs, iv[DST], nb), grad(bufs, iv[DSRC], nb), fv[0], iv[SEED], step, True,
                    max(iv[SHARE], 1))
