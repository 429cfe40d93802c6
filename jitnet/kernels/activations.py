"""Activation functions and their derivatives.

Each elementwise activation is a scalar pair ``f(z, a, b, c)`` and
``d_f(z, y, a, b, c)`` (named in ``SCALAR`` by code), which the activation
op loops over; softmax and the plain ReLU have row kernels of their own.
``activation_forward`` dispatches by code for NumPy callers. Derivatives
are written in terms of both the input ``z`` and the output ``y``
(``y = f(z)``), whichever is cheaper. ``a``, ``b`` and ``c``
carry the parameters of the parametric activations:

=============  =======================================  ==================
code           f(z)                                     a, b, c
=============  =======================================  ==================
LINEAR         z
RELU           z if c < z < b; b if z >= b;             slope, max, thresh
               a * (z - c) if z <= c
ELU            z if z > 0 else a * (exp(z) - 1)         alpha
SELU           SCALE * elu(z, ALPHA)
GELU           z * Phi(z), Phi the normal CDF;          approximate
               with ``a != 0`` its tanh approximation
SIGMOID        1 / (1 + exp(-z))
HARD_SIGMOID   clip(z / 6 + 1/2, 0, 1)
TANH           tanh(z)
SOFTMAX        exp(z_i) / sum_j exp(z_j), per row
SOFTPLUS       log(1 + exp(z))
SOFTSIGN       z / (1 + |z|)
SWISH          z * sigmoid(z)
EXPONENTIAL    exp(z)
=============  =======================================  ==================
"""

from __future__ import annotations

import math

from ._jit import entry_kernel, kernel

LINEAR, RELU, ELU, SELU, GELU, SIGMOID, HARD_SIGMOID, TANH = 0, 1, 2, 3, 4, 5, 6, 7
SOFTMAX, SOFTPLUS, SOFTSIGN, SWISH, EXPONENTIAL = 8, 9, 10, 11, 12

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
_SQRT_2 = math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_GELU_C = math.sqrt(2.0 / math.pi)


@kernel
def sigmoid(z):
    """Numerically stable logistic function of a scalar."""
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


@kernel
def softplus(z):
    """Numerically stable ``log(1 + exp(z))`` of a scalar."""
    return max(z, 0.0) + math.log1p(math.exp(-abs(z)))


@kernel
def relu(z, a, b, c):
    """``z`` between ``c`` and ``b``; ``b`` above; ``a * (z - c)`` at or below ``c``."""
    if z >= b:
        return b
    if z > c:
        return z
    return a * (z - c) if a != 0.0 else 0.0


@kernel
def d_relu(z, y, a, b, c):
    if z >= b:
        return 0.0
    if z > c:
        return 1.0
    return a


@kernel
def elu(z, a, b, c):
    return z if z > 0 else a * math.expm1(z)


@kernel
def d_elu(z, y, a, b, c):
    return 1.0 if z > 0 else y + a


@kernel
def selu(z, a, b, c):
    return SELU_SCALE * (z if z > 0 else SELU_ALPHA * math.expm1(z))


@kernel
def d_selu(z, y, a, b, c):
    return SELU_SCALE if z > 0 else y + SELU_SCALE * SELU_ALPHA


@kernel
def gelu(z, a, b, c):
    if a != 0.0:
        return 0.5 * z * (1.0 + math.tanh(_GELU_C * (z + 0.044715 * z * z * z)))
    return 0.5 * z * (1.0 + math.erf(z / _SQRT_2))


@kernel
def d_gelu(z, y, a, b, c):
    if a != 0.0:
        t = math.tanh(_GELU_C * (z + 0.044715 * z * z * z))
        return 0.5 * (1.0 + t) + 0.5 * z * (1.0 - t * t) * _GELU_C * (1.0 + 3 * 0.044715 * z * z)
    return 0.5 * (1.0 + math.erf(z / _SQRT_2)) + z * _INV_SQRT_2PI * math.exp(-0.5 * z * z)


@kernel
def logistic(z, a, b, c):
    return sigmoid(z)


@kernel
def d_logistic(z, y, a, b, c):
    return y * (1.0 - y)


@kernel
def hard_sigmoid(z, a, b, c):
    return min(max(z / 6.0 + 0.5, 0.0), 1.0)


@kernel
def d_hard_sigmoid(z, y, a, b, c):
    return 1.0 / 6.0 if -3.0 < z < 3.0 else 0.0


@kernel
def tanh(z, a, b, c):
    return math.tanh(z)


@kernel
def d_tanh(z, y, a, b, c):
    return 1.0 - y * y


@kernel
def soft_plus(z, a, b, c):
    return softplus(z)


@kernel
def d_soft_plus(z, y, a, b, c):
    return sigmoid(z)


@kernel
def softsign(z, a, b, c):
    return z / (1.0 + abs(z))


@kernel
def d_softsign(z, y, a, b, c):
    d = 1.0 + abs(z)
    return 1.0 / (d * d)


@kernel
def swish(z, a, b, c):
    return z * sigmoid(z)


@kernel
def d_swish(z, y, a, b, c):
    s = sigmoid(z)
    return s + z * s * (1.0 - s)


@kernel
def exponential(z, a, b, c):
    return math.exp(z)


@kernel
def d_exponential(z, y, a, b, c):
    return y


# The scalar pair ``NAME`` and ``d_NAME`` of each elementwise code: programs
# call them by name, so a model compiles only the activations it uses.
SCALAR = {RELU: "relu", ELU: "elu", SELU: "selu", GELU: "gelu", SIGMOID: "logistic",
          HARD_SIGMOID: "hard_sigmoid", TANH: "tanh", SOFTPLUS: "soft_plus", SOFTSIGN: "softsign",
          SWISH: "swish", EXPONENTIAL: "exponential"}


@kernel
def _scalar_forward(code, z, a, b, c):
    if code == RELU:
        return relu(z, a, b, c)
    if code == ELU:
        return elu(z, a, b, c)
    if code == SELU:
        return selu(z, a, b, c)
    if code == GELU:
        return gelu(z, a, b, c)
    if code == SIGMOID:
        return sigmoid(z)
    if code == HARD_SIGMOID:
        return hard_sigmoid(z, a, b, c)
    if code == TANH:
        return math.tanh(z)
    if code == SOFTPLUS:
        return softplus(z)
    if code == SOFTSIGN:
        return softsign(z, a, b, c)
    if code == SWISH:
        return swish(z, a, b, c)
    if code == EXPONENTIAL:
        return math.exp(z)
    return z


@kernel
def softmax_rows(z, y):
    """Row-wise softmax ``y = exp(z - max) / sum(exp(z - max))``.

    ``z``, ``y``: (rows, features); ``y`` is written (it may alias ``z``).
    """
    for i in range(z.shape[0]):
        m = z[i, 0]
        for j in range(1, z.shape[1]):
            m = max(m, z[i, j])
        s = 0.0
        for j in range(z.shape[1]):
            e = math.exp(z[i, j] - m)
            y[i, j] = e
            s += e
        inv = 1.0 / s
        for j in range(z.shape[1]):
            y[i, j] *= inv


@kernel
def softmax_backward(y, dy, dz):
    """``dz = y * (dy - sum(dy * y))`` per row; ``dz`` may alias ``dy``."""
    for i in range(y.shape[0]):
        s = 0.0
        for j in range(y.shape[1]):
            s += dy[i, j] * y[i, j]
        for j in range(y.shape[1]):
            dz[i, j] = y[i, j] * (dy[i, j] - s)


@kernel
def relu_rows(z, y):
    """``y = max(z, 0)``, the default ReLU, in a loop LLVM vectorises."""
    for i in range(z.shape[0]):
        for j in range(z.shape[1]):
            y[i, j] = max(z[i, j], 0.0)


@kernel
def relu_rows_backward(z, dy, dz):
    """``dz = dy`` where ``z > 0``, else 0."""
    for i in range(z.shape[0]):
        for j in range(z.shape[1]):
            dz[i, j] = dy[i, j] if z[i, j] > 0.0 else 0.0


@kernel
def relu_rows_mask(y, d):
    """``d = 0`` where ``y <= 0``, in place: ReLU's backward pass from its output (selects, no branches)."""
    for i in range(y.shape[0]):
        for j in range(y.shape[1]):
            g = d[i, j]
            d[i, j] = g if y[i, j] > 0.0 else 0.0


def is_plain_relu(code: int, a: float, b: float, c: float) -> bool:
    """True for ``max(z, 0)``: no slope, no ceiling, no threshold."""
    return code == RELU and a == 0.0 and c == 0.0 and b == math.inf


@entry_kernel
def activation_forward(code, z, y, a, b, c):
    """``y = f(z)`` elementwise (softmax: per row).

    ``z``, ``y``: (rows, features), same dtype; ``y`` is written and may
    alias ``z``. ``a``, ``b``, ``c``: the parameters in the module table.
    Programs call the named kernels directly; this dispatch serves NumPy
    callers (``keras.activations.relu(x)``).
    """
    if code == LINEAR:
        y[:] = z
    elif code == SOFTMAX:
        softmax_rows(z, y)
    elif code == RELU and a == 0.0 and c == 0.0 and b == math.inf:
        relu_rows(z, y)
    else:
        for i in range(z.shape[0]):
            for j in range(z.shape[1]):
                y[i, j] = _scalar_forward(code, z[i, j], a, b, c)
