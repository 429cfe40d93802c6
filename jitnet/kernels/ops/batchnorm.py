"""BatchNormalization over the last axis.

Fields (ints): ``src``, ``dsrc``, ``dst``, ``xhat`` (buffer of the
normalised input), ``gamma``, ``beta`` (arena offsets), ``state`` (state
offset of ``moving_mean``, followed by ``moving_variance`` and a (3,
features) scratch of batch mean, ``1 / std`` and variance), ``frozen`` (0/1:
a frozen layer runs in inference mode); (floats): ``momentum``, ``epsilon``.
The moving statistics change in ``commit``, which the program runs once a
training step is applied: a batch skipped for a non-finite loss leaves them.
"""

from __future__ import annotations

from .._jit import kernel
from ..buffers import grad, matrix, value
from ..normalization import batchnorm_backward, batchnorm_forward, commit_moving

INTS = ("src", "dsrc", "dst", "xhat", "gamma", "beta", "state", "frozen")
FLOATS = ("momentum", "epsilon")
BUFFERS = ("xhat",)
SRC, DSRC, DST, XHAT, GAMMA, BETA, STATE, FROZEN = range(len(INTS))


def arena_fields(row: dict, slots) -> list[tuple[str, int]]:
    """The arena ranges the op touches: ``(field, size)``; ``state`` is in the state arena."""
    n = int(slots[row["src"], 2])
    return [("gamma", n), ("beta", n), ("state", 5 * n)]


@kernel
def forward(iv, fv, bufs, arena, nb, training, step):
    """Batch statistics in training, moving statistics otherwise."""
    x = value(bufs, iv[SRC], nb)
    n = x.shape[1]
    params, state = arena[0], arena[2]
    s0 = iv[STATE]
    batchnorm_forward(
        x, params[iv[GAMMA]:iv[GAMMA] + n], params[iv[BETA]:iv[BETA] + n], state[s0:s0 + n],
        state[s0 + n:s0 + 2 * n], matrix(state, s0 + 2 * n, 3, n), value(bufs, iv[XHAT], nb),
        value(bufs, iv[DST], nb), fv[0], fv[1], training and iv[FROZEN] == 0,
    )


@kernel
def commit(iv, fv, bufs, arena, nb):
    """The moving statistics take in the batch's (training, not frozen)."""
    if iv[FROZEN]:
        return
    n, state, s0 = bufs[2][iv[SRC], 2], arena[2], iv[STATE]
    commit_moving(state[s0:s0 + n], state[s0 + n:s0 + 2 * n], matrix(state, s0 + 2 * n, 3, n), fv[0])


@kernel
def backward(iv, fv, bufs, arena, nb, step):
    """Gradients of gamma, beta and the input."""
    dy = grad(bufs, iv[DST], nb)
    n = dy.shape[1]
    params, grads, state = arena[0], arena[1], arena[2]
    s0 = iv[STATE]
    # Without an input gradient to pass on, dx lands in the unused gradient space of src.
    dx = grad(bufs, iv[DSRC] if iv[DSRC] >= 0 else iv[SRC], nb)
    batchnorm_backward(
        dy, value(bufs, iv[XHAT], nb), params[iv[GAMMA]:iv[GAMMA] + n], matrix(state, s0 + 2 * n, 2, n),
        grads[iv[GAMMA]:iv[GAMMA] + n], grads[iv[BETA]:iv[BETA] + n], dx, iv[FROZEN] == 0,
    )
