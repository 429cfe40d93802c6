"""LayerNormalization over the last axis of each sample.

Fields (ints): ``src``, ``dsrc``, ``dst``, ``xhat`` (buffer of the
normalised input), ``inv`` (buffer of one ``1 / std`` per row), ``gamma``,
``beta`` (arena offsets); (floats): ``epsilon``.
"""

from __future__ import annotations

from .._jit import kernel
from ..buffers import grad, value
from ..normalization import layernorm_backward, layernorm_forward

INTS = ("src", "dsrc", "dst", "xhat", "inv", "gamma", "beta")
FLOATS = ("epsilon",)
BUFFERS = ("xhat", "inv")
SRC, DSRC, DST, XHAT, INV, GAMMA, BETA = range(len(INTS))


def arena_fields(row: dict, slots) -> list[tuple[str, int]]:
    """The arena ranges the op touches: ``(field, size)``."""
    n = int(slots[row["src"], 2])
    return [("gamma", n), ("beta", n)]


@kernel
def forward(iv, fv, bufs, arena, nb, training, step):
    """``y = gamma * (x - mean) / std + beta`` per row."""
    x = value(bufs, iv[SRC], nb)
    n = x.shape[1]
    params = arena[0]
    layernorm_forward(x, params[iv[GAMMA]:iv[GAMMA] + n], params[iv[BETA]:iv[BETA] + n], fv[0],
                      value(bufs, iv[XHAT], nb), value(bufs, iv[INV], nb)[:, 0], value(bufs, iv[DST], nb))


@kernel
def backward(iv, fv, bufs, arena, nb, step):
    """Gradients of gamma, beta and the input."""
    dy = grad(bufs, iv[DST], nb)
    n = dy.shape[1]
    params, grads = arena[0], arena[1]
    # Without an input gradient to pass on, dx lands in the unused gradient space of src.
    dx = grad(bufs, iv[DSRC] if iv[DSRC] >= 0 else iv[SRC], nb)
    layernorm_backward(dy, value(bufs, iv[XHAT], nb), value(bufs, iv[INV], nb)[:, 0],
                       params[iv[GAMMA]:iv[GAMMA] + n], grads[iv[GAMMA]:iv[GAMMA] + n],
                       grads[iv[BETA]:iv[BETA] + n], dx)
