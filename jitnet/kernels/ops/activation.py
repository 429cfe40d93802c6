"""Activation: ``dst = f(src)`` elementwise (softmax: per row).

Fields (ints): ``src``, ``dsrc``, ``dst``; (floats): ``a``, ``b``, ``c``, the
parameters of ``jitnet.kernels.activations``. Each activation is a variant:
a program holds loops for the activations it uses only, written by
``source`` around the scalar pair ``f`` / ``d_f`` of that module.
"""

from __future__ import annotations

from .. import activations as ka

INTS = ("src", "dsrc", "dst")
FLOATS = ("a", "b", "c")

_HEAD = '''
@kernel
def {p}forward(iv, fv, bufs, arena, nb, training, step):
    x = value(bufs, iv[0], nb)
    y = value(bufs, iv[2], nb)
    a, b, c = fv[0], fv[1], fv[2]
{forward}

@kernel
def {p}backward(iv, fv, bufs, arena, nb, step):
    if iv[1] < 0:
        return
    x = value(bufs, iv[0], nb)
    y = value(bufs, iv[2], nb)
    dy = grad(bufs, iv[2], nb)
    dx = grad(bufs, iv[1], nb)
    a, b, c = fv[0], fv[1], fv[2]
{backward}
'''
_ROWS = {
    "softmax": ("    ka.softmax_rows(x, y)", "    ka.softmax_backward(y, dy, dx)"),
    "relu_rows": ("    ka.relu_rows(x, y)", "    ka.relu_rows_backward(x, dy, dx)"),
}
_LOOP = '''    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            {}'''


def variant(code: int, a: float, b: float, c: float) -> str:
    """The name of the kernels that compute activation ``code`` with these parameters."""
    if code == ka.SOFTMAX:
        return "softmax"
    if ka.is_plain_relu(code, a, b, c):
        return "relu_rows"
    if code not in ka.SCALAR:
        raise ValueError(f"No activation kernel for code {code}.")
    return ka.SCALAR[code]


def source(name: str, prefix: str) -> str:
    """Source of ``{prefix}forward`` and ``{prefix}backward`` for variant ``name``."""
    if name in _ROWS:
        forward, backward = _ROWS[name]
    else:
        forward = _LOOP.format(f"y[i, j] = ka.{name}(x[i, j], a, b, c)")
        backward = _LOOP.format(f"dx[i, j] = dy[i, j] * ka.d_{name}(x[i, j], y[i, j], a, b, c)")
    return _HEAD.format(p=prefix, forward=forward, backward=backward)
