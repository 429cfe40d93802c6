"""Fused optimizer updates: one call updates every parameter of the model.

A program's ``optimizer_step`` (written by ``step_source``) clips the
gradients, applies decoupled weight decay and the update rule of its
optimizer, in one pass over the parameter arena (two when a norm must be
computed first), as Keras 3's
``Optimizer.apply`` does: clip, then ``p -= p * weight_decay * lr``, then
the rule. Coefficients are computed in float64 and cast to the storage
dtype, in which the elements are updated (as Keras does); norms are
accumulated in float64.

``hyper`` layout: the common entries first, then the optimizer's own, from
``hyper[4]`` on (a value ``<= 0`` or NaN switches a common entry off)::

    0 clipnorm  1 clipvalue  2 global_clipnorm  3 weight_decay
    SGD       4 momentum  5 nesterov (0/1)
    RMSPROP   4 rho  5 momentum  6 epsilon  7 centered (0/1)
    ADAM      4 beta_1  5 beta_2  6 epsilon  7 amsgrad (0/1)
    ADAGRAD   4 epsilon
    ADADELTA  4 rho  5 epsilon
    ADAMAX    4 beta_1  5 beta_2  6 epsilon
    NADAM     4 beta_1  5 beta_2  6 epsilon

``slots`` rows, in order (k >= 1 always; unused rows are never touched)::

    SGD       momentum
    RMSPROP   velocity, [momentum if momentum > 0], [average_gradient if centered]
    ADAM      momentum, velocity, [velocity_hat if amsgrad]
    ADAGRAD   accumulator
    ADADELTA  accumulated_grad, accumulated_delta_var
    ADAMAX    momentum, norm
    NADAM     momentum, velocity            (scalars[0] = u_product, starts at 1)
"""

from __future__ import annotations

import numpy as np

from ._jit import estimate_kernel, kernel

SGD, RMSPROP, ADAM, ADAGRAD, ADADELTA, ADAMAX, NADAM = range(7)
CLIPNORM, CLIPVALUE, GLOBAL_CLIPNORM, WEIGHT_DECAY = range(4)
N_COMMON = 4
# The layout above as data: each rule's own hyperparameters, ``hyper[4]`` on. The optimizer
# classes take their ``hyperparameters`` from here, so the two cannot drift apart.
HYPER = {
    SGD: ("momentum", "nesterov"),
    RMSPROP: ("rho", "momentum", "epsilon", "centered"),
    ADAM: ("beta_1", "beta_2", "epsilon", "amsgrad"),
    ADAGRAD: ("epsilon",),
    ADADELTA: ("rho", "epsilon"),
    ADAMAX: ("beta_1", "beta_2", "epsilon"),
    NADAM: ("beta_1", "beta_2", "epsilon"),
}

# Serial on purpose. Measured on this 2-core machine, Adam, float32,
# n = 407,050 (784-512-10 MLP): a prange version (parts of 8192 elements)
# takes 58 us alone against 101 us serial, but run right after BLAS calls,
# as in training (3 x (128x784 @ 784x512) before each step), its step takes
# 2.6-5.5 ms (median) against 0.2 ms serial and the GEMMs slow from 1.6 to
# 5.5 ms: Numba's and BLAS's threads spin against each other.


@kernel
def sum_squares(x):
    """Sum of ``x ** 2`` accumulated in float64.

    Parameters
    ----------
    x : (n,) float32 or float64 array, not changed.

    Returns
    -------
    float : ``sum(float64(x[i]) ** 2)``, four interleaved partial sums added
    at the end (a fixed order: the result never depends on the machine).
    """
    s0 = s1 = s2 = s3 = 0.0
    n = x.shape[0]
    i = 0
    while i + 4 <= n:
        a, b = np.float64(x[i]), np.float64(x[i + 1])
        c, d = np.float64(x[i + 2]), np.float64(x[i + 3])
        s0 += a * a
        s1 += b * b
        s2 += c * c
        s3 += d * d
        i += 4
    while i < n:
        a = np.float64(x[i])
        s0 += a * a
        i += 1
    return (s0 + s1) + (s2 + s3)


@kernel
def clip_scale(sumsq, clip):
    """Factor that brings a gradient of squared norm ``sumsq`` to norm ``clip``.

    ``clip / norm`` when ``norm > clip``, else 1; NaN when the norm is not
    finite (Keras 3 ``clip_by_global_norm`` turns such gradients into NaN).
    """
    norm = np.sqrt(sumsq)
    if not np.isfinite(norm):
        return np.nan
    if norm > clip:
        return clip / norm
    return 1.0


@kernel
def _grad(g, scale, clipvalue):
    """Gradient entry times ``scale``, then clipped to ``[-clipvalue, clipvalue]``."""
    g = g * scale
    if g > clipvalue:
        return clipvalue
    if g < -clipvalue:
        return -clipvalue
    return g


# The rules below take coefficients already cast to the storage dtype and
# use no float literal in their loops, so float32 arrays are updated in
# float32 arithmetic as in Keras (Adam: 2.3x faster than through float64).


@kernel
def _sgd(p, g, m, scale, cv, decay, lr, momentum, nesterov):
    """``m = momentum*m - lr*g``; ``p += m``, nesterov: ``p += momentum*m - lr*g``.

    Without momentum: ``p -= lr * g`` and ``m`` is not touched.
    """
    if momentum == 0:
        for i in range(p.shape[0]):
            p[i] = p[i] - p[i] * decay - lr * _grad(g[i], scale, cv)
        return
    for i in range(p.shape[0]):
        gi = _grad(g[i], scale, cv)
        mi = momentum * m[i] - lr * gi
        m[i] = mi
        p[i] = p[i] - p[i] * decay + (momentum * mi - lr * gi if nesterov else mi)


@kernel
def _rmsprop(p, g, v, mo, avg, scale, cv, decay, lr, rho, one_rho, momentum, eps, centered):
    """``v = rho*v + (1-rho)*g**2``; centered: ``avg = rho*avg + (1-rho)*g``;
    ``inc = lr * g / sqrt(v - avg**2 + eps)`` (no ``avg`` term if not centered);
    momentum > 0: ``mo = momentum*mo + inc; p -= mo``, else ``p -= inc``.
    """
    with_momentum = momentum > 0
    for i in range(p.shape[0]):
        gi = _grad(g[i], scale, cv)
        vi = rho * v[i] + one_rho * (gi * gi)
        v[i] = vi
        denominator = vi + eps
        if centered:
            ai = rho * avg[i] + one_rho * gi
            avg[i] = ai
            denominator = vi - ai * ai + eps
        inc = lr * gi / np.sqrt(denominator)
        if with_momentum:
            inc = momentum * mo[i] + inc
            mo[i] = inc
        p[i] = p[i] - p[i] * decay - inc


@estimate_kernel
def _plain_rmsprop(p, g, v, one_rho, rho, lr, eps):
    """``_rmsprop`` without clipping, decay, momentum or centring, as RMSprop runs by default: 13.5
    instead of 26.5 us over 79,510 float32 parameters (in the cache, where the division is the cost)."""
    for i in range(p.shape[0]):
        gi = g[i]
        vi = rho * v[i] + one_rho * (gi * gi)
        v[i] = vi
        p[i] = p[i] - lr * gi / np.sqrt(vi + eps)


@estimate_kernel
def _plain_adam(p, g, m, v, one_b1, one_b2, eps, a):
    """``_adam`` without clipping, decay or amsgrad, as Adam runs by default."""
    for i in range(p.shape[0]):
        gi = g[i]
        mi = m[i] + (gi - m[i]) * one_b1
        vi = v[i] + (gi * gi - v[i]) * one_b2
        m[i] = mi
        v[i] = vi
        p[i] = p[i] - a * mi / (np.sqrt(vi) + eps)


@estimate_kernel
def _adam(p, g, m, v, v_hat, scale, cv, decay, one_b1, one_b2, eps, amsgrad, a, b, c):
    """Adam family: ``m += (g-m)*(1-b1)``; ``v += (g**2-v)*(1-b2)``;
    amsgrad: ``v_hat = max(v_hat, v)`` is used for ``v``; then
    ``p -= (a*m + b*g) / (sqrt(c*v) + eps)``. Adam is ``a = alpha, b = 0,
    c = 1``; Nadam puts its momentum schedule into ``a, b, c``.

    Plain Adam (no clipping, decay or amsgrad) runs ``_plain_adam``, the same
    arithmetic without the terms that vanish: 22 instead of 31 us over 79,510
    float32 parameters.
    """
    for i in range(p.shape[0]):
        gi = _grad(g[i], scale, cv)
        mi = m[i] + (gi - m[i]) * one_b1
        vi = v[i] + (gi * gi - v[i]) * one_b2
        m[i] = mi
        v[i] = vi
        if amsgrad:
            vi = max(v_hat[i], vi)
            v_hat[i] = vi
        p[i] = p[i] - p[i] * decay - (a * mi + b * gi) / (np.sqrt(vi * c) + eps)


@kernel
def _adagrad(p, g, acc, scale, cv, decay, lr, eps):
    """``acc += g**2``; ``p -= lr * g / sqrt(acc + eps)``."""
    for i in range(p.shape[0]):
        gi = _grad(g[i], scale, cv)
        ai = acc[i] + gi * gi
        acc[i] = ai
        p[i] = p[i] - p[i] * decay - lr * gi / np.sqrt(ai + eps)


@kernel
def _adadelta(p, g, ag, ad, scale, cv, decay, lr, rho, one_rho, eps):
    """``ag = rho*ag + (1-rho)*g**2``; ``d = -sqrt(ad + eps) * g / sqrt(ag + eps)``;
    ``ad = rho*ad + (1-rho)*d**2``; ``p += lr * d``."""
    for i in range(p.shape[0]):
        gi = _grad(g[i], scale, cv)
        agi = rho * ag[i] + one_rho * (gi * gi)
        ag[i] = agi
        d = -(np.sqrt(ad[i] + eps) * gi) / np.sqrt(agi + eps)
        ad[i] = rho * ad[i] + one_rho * (d * d)
        p[i] = p[i] - p[i] * decay + lr * d


@kernel
def _adamax(p, g, m, u, scale, cv, decay, lr, one_b1, b2, eps, one_b1_power):
    """``m += (g-m)*(1-b1)``; ``u = max(b2*u, |g|)``;
    ``p -= lr * m / ((1 - b1**t) * (u + eps))``."""
    for i in range(p.shape[0]):
        gi = _grad(g[i], scale, cv)
        mi = m[i] + (gi - m[i]) * one_b1
        ui = max(b2 * u[i], abs(gi))
        m[i] = mi
        u[i] = ui
        p[i] = p[i] - p[i] * decay - lr * mi / (one_b1_power * (ui + eps))


# The rules as programs call them, one per optimizer: each updates
# ``params[lo:hi]`` with the coefficients of ``*_coefficients``, given
# ``(params, grads, slots, hyper, lr, t, lo, hi, scale, cv, decay, a, b, c)``.
# Float arguments are float64, cast here to the storage dtype. Slot rows
# follow the module docstring (optional rows last).


@kernel
def _unclipped(scale, cv, decay):
    """True when a step neither clips its gradients nor decays its weights (the plain rules apply)."""
    return scale == 1.0 and not cv < np.inf and decay == 0.0


@kernel
def sgd_rule(params, grads, slots, h, lr, t, lo, hi, scale, cv, decay, a, b, c):
    f = params.dtype.type
    _sgd(params[lo:hi], grads[lo:hi], slots[0, lo:hi], f(scale), f(cv), f(decay), f(lr), f(h[4]), h[5] > 0.0)


@kernel
def rmsprop_rule(params, grads, slots, h, lr, t, lo, hi, scale, cv, decay, a, b, c):
    f = params.dtype.type
    k = slots.shape[0]
    if _unclipped(scale, cv, decay) and not h[5] > 0.0 and not h[7] > 0.0:
        _plain_rmsprop(params[lo:hi], grads[lo:hi], slots[0, lo:hi], f(1.0 - h[4]), f(h[4]), f(lr), f(h[6]))
        return
    _rmsprop(params[lo:hi], grads[lo:hi], slots[0, lo:hi], slots[min(1, k - 1), lo:hi], slots[k - 1, lo:hi],
             f(scale), f(cv), f(decay), f(lr), f(h[4]), f(1.0 - h[4]), f(h[5]), f(h[6]), h[7] > 0.0)


@kernel
def _adam_range(params, grads, slots, h, lo, hi, scale, cv, decay, amsgrad, a, b, c):
    f = params.dtype.type
    k = slots.shape[0]
    if _unclipped(scale, cv, decay) and not amsgrad and b == 0.0 and c == 1.0:
        _plain_adam(params[lo:hi], grads[lo:hi], slots[0, lo:hi], slots[1, lo:hi], f(1.0 - h[4]), f(1.0 - h[5]),
                    f(h[6]), f(a))
        return
    _adam(params[lo:hi], grads[lo:hi], slots[0, lo:hi], slots[min(1, k - 1), lo:hi], slots[k - 1, lo:hi],
          f(scale), f(cv), f(decay), f(1.0 - h[4]), f(1.0 - h[5]), f(h[6]), amsgrad, f(a), f(b), f(c))


@kernel
def adam_rule(params, grads, slots, h, lr, t, lo, hi, scale, cv, decay, a, b, c):
    _adam_range(params, grads, slots, h, lo, hi, scale, cv, decay, h[7] > 0.0, a, b, c)


@kernel
def nadam_rule(params, grads, slots, h, lr, t, lo, hi, scale, cv, decay, a, b, c):
    _adam_range(params, grads, slots, h, lo, hi, scale, cv, decay, False, a, b, c)


@kernel
def adagrad_rule(params, grads, slots, h, lr, t, lo, hi, scale, cv, decay, a, b, c):
    f = params.dtype.type
    _adagrad(params[lo:hi], grads[lo:hi], slots[0, lo:hi], f(scale), f(cv), f(decay), f(lr), f(h[4]))


@kernel
def adadelta_rule(params, grads, slots, h, lr, t, lo, hi, scale, cv, decay, a, b, c):
    f = params.dtype.type
    _adadelta(params[lo:hi], grads[lo:hi], slots[0, lo:hi], slots[1, lo:hi], f(scale), f(cv), f(decay), f(lr),
              f(h[4]), f(1.0 - h[4]), f(h[5]))


@kernel
def adamax_rule(params, grads, slots, h, lr, t, lo, hi, scale, cv, decay, a, b, c):
    f = params.dtype.type
    _adamax(params[lo:hi], grads[lo:hi], slots[0, lo:hi], slots[1, lo:hi], f(scale), f(cv), f(decay), f(lr),
            f(1.0 - h[4]), f(h[5]), f(h[6]), f(1.0 - h[4] ** t))


@kernel
def plain_coefficients(scalars, hyper, lr, t):
    """``(a, b, c)`` of the rules that need none."""
    return 0.0, 0.0, 1.0


@kernel
def adam_coefficients(scalars, hyper, lr, t):
    """Adam: ``a = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)``, ``b = 0``, ``c = 1``."""
    b1, b2 = hyper[4], hyper[5]
    return lr * np.sqrt(1.0 - b2**t) / (1.0 - b1**t), 0.0, 1.0


@kernel
def nadam_coefficients(scalars, hyper, lr, t):
    """Nadam's momentum schedule as Adam coefficients; updates ``u_product = scalars[0]``."""
    b1, b2 = hyper[4], hyper[5]
    u_t = b1 * (1.0 - 0.5 * 0.96**t)
    u_t1 = b1 * (1.0 - 0.5 * 0.96 ** (t + 1))
    scalars[0] = scalars[0] * b1 * (1.0 - 0.5 * 0.96**t)
    a = lr * u_t1 / (1.0 - scalars[0] * u_t1)
    b = lr * (1.0 - u_t) / (1.0 - scalars[0])
    return a, b, 1.0 / (1.0 - b2**t)


@kernel
def clip_setup(grads, hyper, lr):
    """``(scale, clipvalue, decay, per_variable)`` of a step, from the common hyperparameters."""
    clipnorm, cv = hyper[CLIPNORM], hyper[CLIPVALUE]
    gclip, wd = hyper[GLOBAL_CLIPNORM], hyper[WEIGHT_DECAY]
    if not cv > 0.0:
        cv = np.inf
    decay = lr * wd if wd > 0.0 else 0.0
    per_variable = clipnorm > 0.0
    scale = 1.0
    if not per_variable and gclip > 0.0:
        scale = clip_scale(sum_squares(grads), gclip)
    return scale, cv, decay, per_variable


# (rule, coefficients) of each optimizer code.
RULES = {SGD: ("sgd_rule", "plain_coefficients"), RMSPROP: ("rmsprop_rule", "plain_coefficients"),
         ADAM: ("adam_rule", "adam_coefficients"), ADAGRAD: ("adagrad_rule", "plain_coefficients"),
         ADADELTA: ("adadelta_rule", "plain_coefficients"), ADAMAX: ("adamax_rule", "plain_coefficients"),
         NADAM: ("nadam_rule", "nadam_coefficients")}

# The step of one optimizer, written into programs with its rule and
# coefficients (see ``step_source``).
_STEP = '''
@kernel
def optimizer_step(params, grads, opt, lr, t):
    """One update of ``params`` (n,) from ``grads`` (n,): clip, decay, rule.

    ``opt = (slots, scalars, hyper, segments)``, see ``jitnet.kernels.optimizers``.
    """
    slots, scalars, hyper, segments = opt
    scale, cv, decay, per_variable = ko.clip_setup(grads, hyper, lr)
    a, b, c = ko.{coefficients}(scalars, hyper, lr, t)
    for j in range(segments.shape[0] - 1 if per_variable else 1):
        lo, hi = (segments[j], segments[j + 1]) if per_variable else (0, grads.shape[0])
        if per_variable:
            scale = ko.clip_scale(ko.sum_squares(grads[lo:hi]), hyper[0])
        ko.{rule}(params, grads, slots, hyper, lr, t, lo, hi, scale, cv, decay, a, b, c)


@entry_kernel
def apply(params, grads, opt, lr, t):
    """``optimizer_step`` for callers outside programs (``Optimizer.step``)."""
    optimizer_step(params, grads, opt, lr, t)
'''


def step_source(code: int) -> str:
    """Source of ``optimizer_step(params, grads, opt, lr, t)`` for optimizer ``code``.

    As Keras 3 ``Optimizer.apply``: gradients are clipped first, per
    variable to norm ``clipnorm``, else to global norm ``global_clipnorm``,
    else to ``[-clipvalue, clipvalue]``; then ``p -= p * weight_decay * lr``;
    then the rule. ``t`` is the 1-based step number. Norms are summed
    serially in a fixed order.
    """
    if code not in RULES:
        raise ValueError(f"No update rule for optimizer code {code}. Known codes: {sorted(RULES)}")
    rule, coefficients = RULES[code]
    return _STEP.format(rule=rule, coefficients=coefficients)
