"""Plain NumPy references: Keras 3's formulas written out, one function per kernel family.

Tests compare the compiled kernels and programs against these in float64.
"""

import math

import numpy as np

from jitnet.kernels import activations as ka
from jitnet.kernels import dropout as kd
from jitnet.kernels import losses as kl
from jitnet.kernels import random as kr

EPS = 1e-7


# -- activations ----------------------------------------------------------------------

def _gelu(z, approximate):
    if approximate:
        return 0.5 * z * (1 + np.tanh(np.sqrt(2 / np.pi) * (z + 0.044715 * z**3)))
    erf = np.vectorize(math.erf)
    return 0.5 * z * (1 + erf(z / np.sqrt(2)))


def activation(code, z, a=0.0, b=math.inf, c=0.0):
    """``f(z)`` of activation ``code`` with parameters ``a, b, c`` (see ``jitnet.kernels.activations``)."""
    sig = 1 / (1 + np.exp(-z))
    if code == ka.LINEAR:
        return z
    if code == ka.RELU:
        return np.where(z >= b, b, np.where(z > c, z, a * (z - c)))
    if code == ka.ELU:
        return np.where(z > 0, z, a * np.expm1(z))
    if code == ka.SELU:
        return ka.SELU_SCALE * np.where(z > 0, z, ka.SELU_ALPHA * np.expm1(z))
    if code == ka.GELU:
        return _gelu(z, a != 0)
    if code == ka.SIGMOID:
        return sig
    if code == ka.HARD_SIGMOID:
        return np.clip(z / 6 + 0.5, 0, 1)
    if code == ka.TANH:
        return np.tanh(z)
    if code == ka.SOFTMAX:
        return _softmax(z)
    if code == ka.SOFTPLUS:
        return np.log1p(np.exp(z))
    if code == ka.SOFTSIGN:
        return z / (1 + np.abs(z))
    if code == ka.SWISH:
        return z * sig
    if code == ka.EXPONENTIAL:
        return np.exp(z)
    raise ValueError(code)


# Keras's activation names that are not a code's name, with their parameters (a, b, c) as Keras defaults them
_NAMED = {"relu6": (ka.RELU, 0.0, 6.0), "leaky_relu": (ka.RELU, 0.2), "elu": (ka.ELU, 1.0), "silu": (ka.SWISH,)}


def named_activation(name, z):
    """Keras's activation ``name`` (``'relu'``, ``'relu6'``, ``'gelu'`` ...) with its default parameters."""
    code, *params = _NAMED.get(name) or (getattr(ka, name.upper()),)
    return activation(code, z, *params)


# -- layers ---------------------------------------------------------------------------

def batchnorm_train(x, gamma, beta, moving_mean, moving_var, momentum, eps):
    """Training-mode batch normalisation; returns ``y`` and the new moving statistics."""
    mean, var = x.mean(axis=0), x.var(axis=0)
    y = gamma * (x - mean) / np.sqrt(var + eps) + beta
    return y, moving_mean * momentum + mean * (1 - momentum), moving_var * momentum + var * (1 - momentum)


def layernorm(x, gamma, beta, eps):
    """Per-row normalisation over the last axis."""
    mean, var = x.mean(axis=-1, keepdims=True), x.var(axis=-1, keepdims=True)
    return gamma * (x - mean) / np.sqrt(var + eps) + beta


def prelu(x, alpha):
    return np.where(x >= 0, x, alpha * x)


def _draws(fn, seed, step, shape):
    n = int(np.prod(shape))
    return np.array([fn(seed, step, e) for e in range(n)]).reshape(shape)


def noise(mode, x, rate, seed, step):
    """A noise layer in training, with the counter-based draws of ``(seed, step, element)``."""
    if mode == kd.DROPOUT:
        return np.where(_draws(kr.uniform, seed, step, x.shape) >= rate, x / (1 - rate), 0.0)
    if mode == kd.GAUSSIAN_NOISE:
        return x + rate * _draws(kr.normal, seed, step, x.shape)
    if mode == kd.GAUSSIAN_DROPOUT:
        return x * (1 + np.sqrt(rate / (1 - rate)) * _draws(kr.normal, seed, step, x.shape))
    alpha_p = -ka.SELU_ALPHA * ka.SELU_SCALE
    keep = _draws(kr.uniform, seed, step, x.shape) >= rate
    a = 1 / np.sqrt((1 - rate) * (1 + rate * alpha_p**2))
    return a * np.where(keep, x, alpha_p) - a * alpha_p * rate


# -- losses ---------------------------------------------------------------------------

def _softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def loss(code, pred, y, ls=0.0, delta=1.0):
    """Keras 3's formulas, written out in NumPy."""
    k = pred.shape[1]
    if code == kl.MSE:
        return np.mean((y - pred) ** 2, axis=1)
    if code == kl.MAE:
        return np.mean(np.abs(y - pred), axis=1)
    if code == kl.MAPE:
        return 100 * np.mean(np.abs((y - pred) / np.maximum(np.abs(y), EPS)), axis=1)
    if code == kl.MSLE:
        return np.mean((np.log(np.maximum(pred, EPS) + 1) - np.log(np.maximum(y, EPS) + 1)) ** 2, axis=1)
    if code == kl.HUBER:
        e = pred - y
        return np.mean(np.where(np.abs(e) <= delta, 0.5 * e ** 2, delta * np.abs(e) - 0.5 * delta ** 2), axis=1)
    if code == kl.LOG_COSH:
        return np.mean(np.log(np.cosh(pred - y)), axis=1)
    if code == kl.HINGE:
        t = 2 * y - 1
        return np.mean(np.maximum(1 - t * pred, 0), axis=1)
    if code == kl.SQUARED_HINGE:
        t = 2 * y - 1
        return np.mean(np.maximum(1 - t * pred, 0) ** 2, axis=1)
    if code == kl.CATEGORICAL_HINGE:
        pos = np.sum(y * pred, axis=1)
        neg = np.max((1 - y) * pred, axis=1)
        return np.maximum(neg - pos + 1, 0)
    if code == kl.KLD:
        t, p = np.clip(y, EPS, 1), np.clip(pred, EPS, 1)
        return np.sum(t * np.log(t / p), axis=1)
    if code == kl.POISSON:
        return np.mean(pred - y * np.log(pred + EPS), axis=1)
    if code in (kl.BCE, kl.BCE_LOGITS):
        t = y * (1 - ls) + 0.5 * ls
        p = np.clip(pred if code == kl.BCE else _sigmoid(pred), EPS, 1 - EPS)
        return np.mean(-(t * np.log(p) + (1 - t) * np.log(1 - p)), axis=1)
    if code in (kl.SCCE, kl.SCCE_LOGITS):
        y = np.eye(k)[y[:, 0].astype(int)]
        code = kl.CCE if code == kl.SCCE else kl.CCE_LOGITS
    t = y * (1 - ls) + ls / k
    p = pred / pred.sum(axis=1, keepdims=True) if code == kl.CCE else _softmax(pred)
    return -np.sum(t * np.log(np.clip(p, EPS, 1 - EPS)), axis=1)

# -- metrics --------------------------------------------------------------------------

def _in_top_k(pred, target, k):
    """1.0 where fewer than ``k`` predictions beat the target's (Keras ``in_top_k`` without ties)."""
    return ((pred > np.take_along_axis(pred, target[:, None], axis=1)).sum(axis=1) < k).astype(float)


def _ids(y):
    return y.reshape(-1).astype(int)


def _crossentropy(plain, logits):
    """Per-sample crossentropy of loss code ``plain`` (``logits`` with ``from_logits=True``)."""
    def per_sample(y, p, from_logits=False, label_smoothing=0.0):
        return loss(logits if from_logits else plain, p, y.reshape(len(p), -1), label_smoothing)
    return per_sample


# Per-sample values of each Keras metric class, ``fn(y_true, y_pred, **arguments)`` on (n, k) rows (class ids
# (n,) or (n, 1)); a metric's result is their mean over every sample seen.
METRICS = {
    "Accuracy": lambda y, p: np.mean(p == y, axis=1),
    "BinaryAccuracy": lambda y, p, threshold=0.5: np.mean((p > threshold) == y, axis=1),
    "CategoricalAccuracy": lambda y, p: (y.argmax(1) == p.argmax(1)).astype(float),
    "SparseCategoricalAccuracy": lambda y, p: (_ids(y) == p.argmax(1)).astype(float),
    "TopKCategoricalAccuracy": lambda y, p, k=5: _in_top_k(p, y.argmax(1), k),
    "SparseTopKCategoricalAccuracy": lambda y, p, k=5: _in_top_k(p, _ids(y), k),
    "MeanSquaredError": lambda y, p: loss(kl.MSE, p, y),
    "MeanAbsoluteError": lambda y, p: loss(kl.MAE, p, y),
    "MeanAbsolutePercentageError": lambda y, p: loss(kl.MAPE, p, y),
    "MeanSquaredLogarithmicError": lambda y, p: loss(kl.MSLE, p, y),
    "BinaryCrossentropy": _crossentropy(kl.BCE, kl.BCE_LOGITS),
    "CategoricalCrossentropy": _crossentropy(kl.CCE, kl.CCE_LOGITS),
    "SparseCategoricalCrossentropy": _crossentropy(kl.SCCE, kl.SCCE_LOGITS),
    "KLDivergence": lambda y, p: loss(kl.KLD, p, y),
    "Poisson": lambda y, p: loss(kl.POISSON, p, y),
    "LogCoshError": lambda y, p: loss(kl.LOG_COSH, p, y),
    "Hinge": lambda y, p: loss(kl.HINGE, p, y),
    "SquaredHinge": lambda y, p: loss(kl.SQUARED_HINGE, p, y),
    "CategoricalHinge": lambda y, p: loss(kl.CATEGORICAL_HINGE, p, y),
}


# -- optimizers -----------------------------------------------------------------------

def ref_clip(grads, c):
    """Keras 3 ``_clip_gradients``."""
    if c.get("clipnorm"):
        return [g * c["clipnorm"] / max(np.sqrt(np.sum(g * g)), c["clipnorm"]) for g in grads]
    if c.get("global_clipnorm"):
        norm = np.sqrt(sum(np.sum(g * g) for g in grads))
        return [g * c["global_clipnorm"] * min(1.0 / norm, 1.0 / c["global_clipnorm"]) for g in grads]
    if c.get("clipvalue"):
        return [np.clip(g, -c["clipvalue"], c["clipvalue"]) for g in grads]
    return grads


def ref_update(kind, c, p, g, s, lr, t, u_product):
    """Keras 3 ``update_step`` of ``kind`` for one variable; ``s`` is its state dict."""
    if kind == "sgd":
        mom = c.get("momentum", 0.0)
        if mom:
            s["m"] = mom * s["m"] - lr * g
            p += mom * s["m"] - lr * g if c.get("nesterov") else s["m"]
        else:
            p -= lr * g
    elif kind == "rmsprop":
        rho, mom, eps = c.get("rho", 0.9), c.get("momentum", 0.0), c.get("epsilon", 1e-7)
        s["v"] = rho * s["v"] + (1 - rho) * g**2
        if c.get("centered"):
            s["a"] = rho * s["a"] + (1 - rho) * g
            inc = lr * g / np.sqrt(s["v"] - s["a"] ** 2 + eps)
        else:
            inc = lr * g / np.sqrt(s["v"] + eps)
        if mom > 0:
            s["mo"] = mom * s["mo"] + inc
            inc = s["mo"]
        p -= inc
    elif kind in ("adam", "adamw"):
        b1, b2, eps = c.get("beta_1", 0.9), c.get("beta_2", 0.999), c.get("epsilon", 1e-7)
        alpha = lr * np.sqrt(1 - b2**t) / (1 - b1**t)
        s["m"] += (g - s["m"]) * (1 - b1)
        s["v"] += (g**2 - s["v"]) * (1 - b2)
        v = s["v"]
        if c.get("amsgrad"):
            s["vh"] = np.maximum(s["vh"], s["v"])
            v = s["vh"]
        p -= alpha * s["m"] / (np.sqrt(v) + eps)
    elif kind == "adagrad":
        s["acc"] += g**2
        p -= lr * g / np.sqrt(s["acc"] + c.get("epsilon", 1e-7))
    elif kind == "adadelta":
        rho, eps = c.get("rho", 0.95), c.get("epsilon", 1e-7)
        s["ag"] = rho * s["ag"] + (1 - rho) * g**2
        delta = -np.sqrt(s["ad"] + eps) * g / np.sqrt(s["ag"] + eps)
        s["ad"] = rho * s["ad"] + (1 - rho) * delta**2
        p += lr * delta
    elif kind == "adamax":
        b1, b2, eps = c.get("beta_1", 0.9), c.get("beta_2", 0.999), c.get("epsilon", 1e-7)
        s["m"] += (g - s["m"]) * (1 - b1)
        s["u"] = np.maximum(b2 * s["u"], np.abs(g))
        p -= lr * s["m"] / ((1 - b1**t) * (s["u"] + eps))
    elif kind == "nadam":
        b1, b2, eps = c.get("beta_1", 0.9), c.get("beta_2", 0.999), c.get("epsilon", 1e-7)
        u_t = b1 * (1 - 0.5 * 0.96**t)
        u_t1 = b1 * (1 - 0.5 * 0.96 ** (t + 1))
        s["m"] += (g - s["m"]) * (1 - b1)
        s["v"] += (g**2 - s["v"]) * (1 - b2)
        m_hat = u_t1 * s["m"] / (1 - u_product * u_t1) + (1 - u_t) * g / (1 - u_product)
        v_hat = s["v"] / (1 - b2**t)
        p -= m_hat * lr / (np.sqrt(v_hat) + eps)


class ReferenceOptimizer:
    """Keras 3 ``apply``, one call per step, for a list of variables."""

    def __init__(self, kind, config, params):
        self.kind, self.c = kind, dict(config)
        if kind == "adamw":
            self.c.setdefault("weight_decay", 0.004)
        init = self.c.get("initial_accumulator_value", 0.1)
        names = {"sgd": "m", "rmsprop": "v a mo", "adam": "m v vh", "adamw": "m v vh", "adagrad": "acc",
                 "adadelta": "ag ad", "adamax": "m u", "nadam": "m v"}[kind].split()
        self.states = [{k: np.full_like(p, init if k == "acc" else 0.0) for k in names} for p in params]
        self.t = 0
        self.u_product = 1.0

    def apply(self, params, grads, lr):
        """Update ``params`` in place with ``grads``."""
        c = self.c
        self.t += 1
        grads = ref_clip(grads, c)
        if c.get("weight_decay") is not None:
            for p in params:
                p -= p * c["weight_decay"] * lr
        self.u_product *= c.get("beta_1", 0.9) * (1 - 0.5 * 0.96**self.t)
        for p, g, s in zip(params, grads, self.states):
            ref_update(self.kind, c, p, g, s, lr, self.t, self.u_product)


def reference_run(kind, config, params, grads_seq, lrs):
    """Final variables after ``len(grads_seq)`` Keras 3 ``apply`` calls."""
    params = [p.copy() for p in params]
    opt = ReferenceOptimizer(kind, config, params)
    for grads, lr in zip(grads_seq, lrs):
        opt.apply(params, grads, lr)
    return params


def window_pads(n, k, s, d, padding):
    """Output size and (before, after) padding of one axis: TensorFlow's rule for 'same'."""
    span = (k - 1) * d + 1
    if padding == "valid":
        return (n - span) // s + 1, (0, 0)
    if padding == "causal":
        return (n - 1) // s + 1, (span - 1, 0)
    out = -(-n // s)
    total = max((out - 1) * s + span - n, 0)
    return out, (total // 2, total - total // 2)


def _windows(x, size, strides, padding, dilation, fill):
    """(N, *out, *size, C) windows of channels-last ``x`` padded with ``fill``."""
    spatial = x.shape[1:-1]
    plan = [window_pads(n, k, s, d, padding) for n, k, s, d in zip(spatial, size, strides, dilation)]
    xp = np.pad(x, [(0, 0), *[p for _, p in plan], (0, 0)], constant_values=fill)
    outs = [o for o, _ in plan]
    idx = [np.arange(o)[:, None] * s + np.arange(k)[None, :] * d for o, k, s, d in zip(outs, size, strides, dilation)]
    if len(spatial) == 1:
        return xp[:, idx[0]]  # (N, O, K, C)
    return xp[:, idx[0][:, None, :, None], idx[1][None, :, None, :]]  # (N, OH, OW, KH, KW, C)


def conv(x, kernel, bias, strides, padding, dilation):
    """Keras's convolution (1-D or 2-D, channels last): windows times the ``(*size, C, F)`` kernel."""
    size = kernel.shape[:-2]
    win = _windows(x, size, strides, padding, dilation, 0.0)
    axes = list(range(win.ndim - 1 - len(size), win.ndim))
    out = np.tensordot(win, kernel, axes=(axes, list(range(len(size) + 1))))
    return out + (bias if bias is not None else 0.0)


def pool(x, size, strides, padding, average):
    """Keras's max or average pooling; padding is left out of both."""
    win = _windows(x, size, strides, padding, (1,) * len(size), np.nan)
    axes = tuple(range(win.ndim - 1 - len(size), win.ndim - 1))
    return np.nanmean(win, axis=axes) if average else np.nanmax(win, axis=axes)


def rnn(kind, x, kernel, recurrent, bias, activation="tanh", recurrent_activation="sigmoid", go_backwards=False,
        return_sequences=False, mask=None, zero_output_for_mask=False, input_mask=None, recurrent_mask=None,
        reset_after=True):
    """Keras's SimpleRNN, LSTM or GRU, one step at a time.

    ``mask`` (N, T) bool hides steps; ``input_mask`` (N, D) and ``recurrent_mask``
    (N, U) are dropout masks (already scaled), fixed over the steps.
    """
    f = {"tanh": np.tanh, "sigmoid": _sigmoid, "relu": lambda z: np.maximum(z, 0), "linear": lambda z: z,
         "hard_sigmoid": lambda z: np.clip(z / 6 + 0.5, 0, 1)}
    act, ract = f[activation], f[recurrent_activation]
    n, steps, _ = x.shape
    units = recurrent.shape[0]
    if input_mask is not None:
        x = x * input_mask[:, None, :]
    if mask is None:
        mask = np.ones((n, steps), bool)
    order = range(steps - 1, -1, -1) if go_backwards else range(steps)
    h, c = np.zeros((n, units)), np.zeros((n, units))
    b_in = bias[0] if kind == "gru" and reset_after else bias
    outputs = []
    for t in order:
        hd = h * recurrent_mask if recurrent_mask is not None else h
        xp = x[:, t] @ kernel + b_in
        if kind == "simple_rnn":
            h_new, c_new = act(xp + hd @ recurrent), c
        elif kind == "lstm":
            z = xp + hd @ recurrent
            i, fg, g, o = (z[:, k * units:(k + 1) * units] for k in range(4))
            c_new = ract(fg) * c + ract(i) * act(g)
            h_new = ract(o) * act(c_new)
        else:
            inner = hd @ recurrent + (bias[1] if reset_after else 0.0)
            xz, xr, xh = (xp[:, k * units:(k + 1) * units] for k in range(3))
            hz, hr, hh = (inner[:, k * units:(k + 1) * units] for k in range(3))
            zg, rg = ract(xz + hz), ract(xr + hr)
            candidate = rg * hh if reset_after else (rg * hd) @ recurrent[:, 2 * units:]
            h_new, c_new = zg * h + (1 - zg) * act(xh + candidate), c
        keep = mask[:, t:t + 1]
        h, c = np.where(keep, h_new, h), np.where(keep, c_new, c)
        outputs.append(np.where(keep, h, 0.0) if zero_output_for_mask else h)
    return np.stack(outputs, axis=1) if return_sequences else outputs[-1]


# -- layer forwards -------------------------------------------------------------------
# ``LAYERS[class_name](config, weights, x, training, step)``: Keras 3's forward of a layer made from its
# ``get_config()`` with ``weights`` in ``get_weights()`` order, on a batch ``x`` (channels last); noise layers
# draw from ``(config['seed'], step, element)``.

def _dense(c, w, x, training, step):
    return named_activation(c["activation"], x @ w[0] + (w[1] if c["use_bias"] else 0.0))


def _conv(c, w, x, training, step):
    z = conv(x, w[0], w[1] if c["use_bias"] else None, c["strides"], c["padding"], c["dilation_rate"])
    return named_activation(c["activation"], z)


def _recurrent(kind):
    def forward(c, w, x, training, step):
        return rnn(kind, x, *w[:2], w[2] if c["use_bias"] else np.zeros(w[0].shape[1]), c["activation"],
                   c.get("recurrent_activation", "sigmoid"), c["go_backwards"], c["return_sequences"],
                   reset_after=c.get("reset_after", True))
    return forward


def _bidirectional(c, w, x, training, step):
    half = len(w) // 2
    fwd, bwd = c["layer"], c["backward_layer"]
    out_f = LAYERS[fwd["class_name"]](fwd["config"], w[:half], x, training, step)
    out_b = LAYERS[bwd["class_name"]](bwd["config"], w[half:], x, training, step)
    return np.concatenate([out_f, out_b[:, ::-1] if bwd["config"]["return_sequences"] else out_b], axis=-1)


def _noise(mode, argument="rate"):
    def forward(c, w, x, training, step):
        return noise(mode, x, c[argument], c["seed"], step) if training and c[argument] else x
    return forward


def _batchnorm(c, w, x, training, step):
    gamma, beta, mean, var = w
    if training:
        return batchnorm_train(x, gamma, beta, mean, var, c["momentum"], c["epsilon"])[0]
    return gamma * (x - mean) / np.sqrt(var + c["epsilon"]) + beta


def _zero_padding(c, w, x, training, step):
    pads = c["padding"] if x.ndim == 4 else (c["padding"],)
    return np.pad(x, [(0, 0), *pads, (0, 0)])


def _global_pool(average):
    def forward(c, w, x, training, step):
        axes = tuple(range(1, x.ndim - 1))
        return (np.mean if average else np.max)(x, axis=axes, keepdims=c["keepdims"])
    return forward


def _pool(average):
    def forward(c, w, x, training, step):
        return pool(x, c["pool_size"], c["strides"], c["padding"], average)
    return forward


LAYERS = {
    "Activation": lambda c, w, x, training, step: named_activation(c["activation"], x),
    "ReLU": lambda c, w, x, training, step: activation(
        ka.RELU, x, c["negative_slope"], math.inf if c["max_value"] is None else c["max_value"], c["threshold"]),
    "LeakyReLU": lambda c, w, x, training, step: activation(ka.RELU, x, c["negative_slope"]),
    "ELU": lambda c, w, x, training, step: activation(ka.ELU, x, c["alpha"]),
    "Softmax": lambda c, w, x, training, step: _softmax(x),
    "PReLU": lambda c, w, x, training, step: prelu(x, w[0]),
    "Dense": _dense,
    "Conv1D": _conv,
    "Conv2D": _conv,
    "Embedding": lambda c, w, x, training, step: w[0][x.astype(int)],
    "SimpleRNN": _recurrent("simple_rnn"),
    "LSTM": _recurrent("lstm"),
    "GRU": _recurrent("gru"),
    "Bidirectional": _bidirectional,
    "Dropout": _noise(kd.DROPOUT),
    "GaussianNoise": _noise(kd.GAUSSIAN_NOISE, "stddev"),
    "GaussianDropout": _noise(kd.GAUSSIAN_DROPOUT),
    "AlphaDropout": _noise(kd.ALPHA_DROPOUT),
    "BatchNormalization": _batchnorm,
    "LayerNormalization": lambda c, w, x, training, step: layernorm(x, w[0], w[1], c["epsilon"]),
    "Flatten": lambda c, w, x, training, step: x.reshape(len(x), -1),
    "Reshape": lambda c, w, x, training, step: x.reshape(len(x), *c["target_shape"]),
    "ZeroPadding1D": _zero_padding,
    "ZeroPadding2D": _zero_padding,
    "Rescaling": lambda c, w, x, training, step: x * c["scale"] + c["offset"],
    "MaxPooling1D": _pool(False),
    "MaxPooling2D": _pool(False),
    "AveragePooling1D": _pool(True),
    "AveragePooling2D": _pool(True),
    "GlobalMaxPooling1D": _global_pool(False),
    "GlobalMaxPooling2D": _global_pool(False),
    "GlobalAveragePooling1D": _global_pool(True),
    "GlobalAveragePooling2D": _global_pool(True),
}


def _dot(c, xs):
    a, b = xs
    if c["normalize"]:
        a = a / np.maximum(np.linalg.norm(a, axis=-1, keepdims=True), 1e-12)
        b = b / np.maximum(np.linalg.norm(b, axis=-1, keepdims=True), 1e-12)
    return np.sum(a * b, axis=-1, keepdims=True)


# Merging layers: config, list of input arrays (with the batch axis) -> output.
MERGING = {
    "Add": lambda c, xs: np.sum(xs, axis=0),
    "Subtract": lambda c, xs: xs[0] - xs[1],
    "Multiply": lambda c, xs: np.prod(xs, axis=0),
    "Average": lambda c, xs: np.mean(xs, axis=0),
    "Maximum": lambda c, xs: np.max(xs, axis=0),
    "Minimum": lambda c, xs: np.min(xs, axis=0),
    "Concatenate": lambda c, xs: np.concatenate(xs, axis=c["axis"]),
    "Dot": _dot,
}
