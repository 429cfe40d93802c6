"""Add: ``dst = src + src2``, elementwise over buffers of one shape.

Fields (ints): ``src``, ``dsrc``, ``src2``, ``dsrc2``, ``dst``. No float
fields. The backward pass hands ``dL/ddst`` to both inputs.
"""

from __future__ import annotations

from .._jit import kernel
from ..buffers import copy, sample_grad, sample_value

INTS = ("src", "dsrc", "src2", "dsrc2", "dst")
FLOATS = ()
SRC, DSRC, SRC2, DSRC2, DST = range(len(INTS))


@kernel
def forward(iv, fv, bufs, arena, nb, training, step):
    """``y = a + b``."""
    a, b = sample_value(bufs, iv[SRC], nb), sample_value(bufs, iv[SRC2], nb)
    y = sample_value(bufs, iv[DST], nb)
    for i in range(y.shape[0]):
        for j in range(y.shape[1]):
            y[i, j] = a[i, j] + b[i, j]


@kernel
def backward(iv, fv, bufs, arena, nb, step):
    """``da = db = dy``."""
    dy = sample_grad(bufs, iv[DST], nb)
    for field in (DSRC, DSRC2):
        if iv[field] >= 0:
            copy(dy, sample_grad(bufs, iv[field], nb))
