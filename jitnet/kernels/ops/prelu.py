"""PReLU: ``dst = src`` where ``src >= 0``, else ``alpha * src``, one alpha per input element.

Fields (ints): ``src``, ``dsrc``, ``dst``, ``alpha`` (arena offset of the
per-sample-shaped alpha). Views are per sample: (nb, rows * features).
"""

from __future__ import annotations

from .._jit import kernel
from ..buffers import sample_grad, sample_value
from ..regularizers import prelu_backward, prelu_forward

INTS = ("src", "dsrc", "dst", "alpha")
FLOATS = ()
SRC, DSRC, DST, ALPHA = range(len(INTS))


def arena_fields(row: dict, slots) -> list[tuple[str, int]]:
    """The arena ranges the op touches: ``(field, size)``."""
    return [("alpha", int(slots[row["src"], 1] * slots[row["src"], 2]))]


@kernel
def forward(iv, fv, bufs, arena, nb, training, step):
    """``y = max(x, 0) + alpha * min(x, 0)``."""
    x = sample_value(bufs, iv[SRC], nb)
    n = x.shape[1]
    prelu_forward(x, arena[0][iv[ALPHA]:iv[ALPHA] + n], sample_value(bufs, iv[DST], nb))


@kernel
def backward(iv, fv, bufs, arena, nb, step):
    """``dalpha = sum(dy * min(x, 0))``; ``dx = dy * (1 or alpha)``."""
    x = sample_value(bufs, iv[SRC], nb)
    n = x.shape[1]
    # Without an input gradient to pass on, dx lands in the unused gradient space of src.
    dx = sample_grad(bufs, iv[DSRC] if iv[DSRC] >= 0 else iv[SRC], nb)
    prelu_backward(x, arena[0][iv[ALPHA]:iv[ALPHA] + n], sample_grad(bufs, iv[DST], nb),
                   arena[1][iv[ALPHA]:iv[ALPHA] + n], dx)
