"""Weight initializers with Keras's names, defaults and formulas."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import config, random
from ._registry import Registry


def _fans(shape: tuple[int, ...]) -> tuple[float, float]:
    if len(shape) == 0:
        return 1.0, 1.0
    if len(shape) == 1:
        return float(shape[0]), float(shape[0])
    if len(shape) == 2:
        return float(shape[0]), float(shape[1])
    receptive = float(np.prod(shape[:-2]))
    return shape[-2] * receptive, shape[-1] * receptive


class Initializer:
    """Base class: ``init(shape, dtype=None)`` returns a new array."""

    def __call__(self, shape: tuple[int, ...], dtype: Any = None) -> np.ndarray:
        raise NotImplementedError

    def get_config(self) -> dict:
        """Constructor arguments, as Keras serializes them."""
        return {}

    @classmethod
    def from_config(cls, config: dict) -> Initializer:
        """Rebuild from ``get_config()``."""
        return cls(**config)


INITIALIZERS = Registry("initializer", base=Initializer)


class _Seeded(Initializer):
    def __init__(self, seed: int | None = None) -> None:
        self.seed = seed

    def _rng(self) -> np.random.Generator:
        return random.generator(self.seed)


@INITIALIZERS.register("Zeros", "zeros", "zero")
class Zeros(Initializer):
    """All zeros."""

    def __call__(self, shape, dtype=None):
        return np.zeros(shape, dtype or config.dtype())


@INITIALIZERS.register("Ones", "ones", "one")
class Ones(Initializer):
    """All ones."""

    def __call__(self, shape, dtype=None):
        return np.ones(shape, dtype or config.dtype())


@INITIALIZERS.register("Constant", "constant")
class Constant(Initializer):
    """Every value equal to ``value``. Defaults to 0."""

    def __init__(self, value: float = 0.0) -> None:
        self.value = value

    def __call__(self, shape, dtype=None):
        return np.full(shape, self.value, dtype or config.dtype())

    def get_config(self):
        return {"value": self.value}


@INITIALIZERS.register("RandomNormal", "random_normal", "normal")
class RandomNormal(_Seeded):
    """Normal draws. Defaults to ``mean=0.0, stddev=0.05``."""

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None) -> None:
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, dtype=None):
        return self._rng().normal(self.mean, self.stddev, shape).astype(dtype or config.dtype())

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


@INITIALIZERS.register("RandomUniform", "random_uniform", "uniform")
class RandomUniform(_Seeded):
    """Uniform draws in ``[minval, maxval)``. Defaults to ``-0.05, 0.05``."""

    def __init__(self, minval: float = -0.05, maxval: float = 0.05, seed: int | None = None) -> None:
        super().__init__(seed)
        self.minval, self.maxval = minval, maxval

    def __call__(self, shape, dtype=None):
        return self._rng().uniform(self.minval, self.maxval, shape).astype(dtype or config.dtype())

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


def _truncated_normal(rng: np.random.Generator, shape, mean: float, stddev: float) -> np.ndarray:
    """Normal draws redrawn until within two standard deviations of the mean."""
    out = rng.normal(0.0, 1.0, shape)
    bad = np.abs(out) > 2.0
    while bad.any():
        out[bad] = rng.normal(0.0, 1.0, int(bad.sum()))
        bad = np.abs(out) > 2.0
    return mean + stddev * out


@INITIALIZERS.register("TruncatedNormal", "truncated_normal")
class TruncatedNormal(_Seeded):
    """Normal draws within two standard deviations. Defaults to ``stddev=0.05``."""

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None) -> None:
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, dtype=None):
        return _truncated_normal(self._rng(), shape, self.mean, self.stddev).astype(dtype or config.dtype())

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


@INITIALIZERS.register("VarianceScaling", "variance_scaling")
class VarianceScaling(_Seeded):
    """Draws with variance ``scale / n``, n chosen by ``mode``.

    ``distribution`` is ``'truncated_normal'`` (std corrected by Keras's
    constant 0.87962566103423978), ``'untruncated_normal'`` or ``'uniform'``
    (limit ``sqrt(3 * scale / n)``). Defaults to ``scale=1.0, mode='fan_in',
    distribution='truncated_normal'``.
    """

    def __init__(self, scale: float = 1.0, mode: str = "fan_in", distribution: str = "truncated_normal",
                 seed: int | None = None) -> None:
        super().__init__(seed)
        if scale <= 0.0:
            raise ValueError(f"Argument `scale` must be positive. Received: scale={scale}")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"Argument `mode` must be 'fan_in', 'fan_out' or 'fan_avg'. Received: mode={mode!r}")
        if distribution not in ("truncated_normal", "untruncated_normal", "uniform", "normal"):
            raise ValueError(
                "Argument `distribution` must be 'truncated_normal', 'untruncated_normal' or 'uniform'. "
                f"Received: distribution={distribution!r}"
            )
        self.scale, self.mode = scale, mode
        self.distribution = "truncated_normal" if distribution == "normal" else distribution

    def __call__(self, shape, dtype=None):
        fan_in, fan_out = _fans(tuple(shape))
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        scale = self.scale / max(1.0, n)
        rng = self._rng()
        if self.distribution == "truncated_normal":
            out = _truncated_normal(rng, shape, 0.0, math.sqrt(scale) / 0.87962566103423978)
        elif self.distribution == "untruncated_normal":
            out = rng.normal(0.0, math.sqrt(scale), shape)
        else:
            limit = math.sqrt(3.0 * scale)
            out = rng.uniform(-limit, limit, shape)
        return out.astype(dtype or config.dtype())

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution, "seed": self.seed}


class _Preset(VarianceScaling):
    """A ``VarianceScaling`` with fixed ``scale``, ``mode`` and ``distribution``; only the seed is an argument."""

    preset: tuple[float, str, str] = (1.0, "fan_in", "truncated_normal")

    def __init__(self, seed: int | None = None) -> None:
        super().__init__(*self.preset, seed)

    def get_config(self):
        return {"seed": self.seed}



@INITIALIZERS.register("GlorotUniform", "glorot_uniform")
class GlorotUniform(_Preset):
    """Uniform in +-sqrt(6 / (fan_in + fan_out))."""

    preset = (1.0, "fan_avg", "uniform")


@INITIALIZERS.register("GlorotNormal", "glorot_normal")
class GlorotNormal(_Preset):
    """Truncated normal, variance 2 / (fan_in + fan_out)."""

    preset = (1.0, "fan_avg", "truncated_normal")


@INITIALIZERS.register("HeUniform", "he_uniform")
class HeUniform(_Preset):
    """Uniform in +-sqrt(6 / fan_in)."""

    preset = (2.0, "fan_in", "uniform")


@INITIALIZERS.register("HeNormal", "he_normal")
class HeNormal(_Preset):
    """Truncated normal, variance 2 / fan_in."""

    preset = (2.0, "fan_in", "truncated_normal")


@INITIALIZERS.register("LecunUniform", "lecun_uniform")
class LecunUniform(_Preset):
    """Uniform in +-sqrt(3 / fan_in)."""

    preset = (1.0, "fan_in", "uniform")


@INITIALIZERS.register("LecunNormal", "lecun_normal")
class LecunNormal(_Preset):
    """Truncated normal, variance 1 / fan_in."""

    preset = (1.0, "fan_in", "truncated_normal")


@INITIALIZERS.register("Orthogonal", "orthogonal")
class Orthogonal(_Seeded):
    """A (semi-)orthogonal matrix times ``gain``. Defaults to ``gain=1.0``."""

    def __init__(self, gain: float = 1.0, seed: int | None = None) -> None:
        super().__init__(seed)
        self.gain = gain

    def __call__(self, shape, dtype=None):
        if len(shape) < 2:
            raise ValueError(f"Orthogonal initializer needs a shape of rank >= 2. Received: shape={tuple(shape)}")
        rows = int(np.prod(shape[:-1]))
        cols = shape[-1]
        a = self._rng().normal(0.0, 1.0, (max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        q *= np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return (self.gain * q[:rows, :cols]).reshape(shape).astype(dtype or config.dtype())

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


@INITIALIZERS.register("Identity", "identity")
class Identity(Initializer):
    """``gain`` times the identity matrix (2-D shapes). Defaults to ``gain=1.0``."""

    def __init__(self, gain: float = 1.0) -> None:
        self.gain = gain

    def __call__(self, shape, dtype=None):
        if len(shape) != 2:
            raise ValueError(f"Identity initializer needs a 2-D shape. Received: shape={tuple(shape)}")
        return (self.gain * np.eye(*shape)).astype(dtype or config.dtype())

    def get_config(self):
        return {"gain": self.gain}



zeros, ones, constant = Zeros, Ones, Constant
random_normal, random_uniform, truncated_normal = RandomNormal, RandomUniform, TruncatedNormal
glorot_uniform, glorot_normal, he_uniform, he_normal = GlorotUniform, GlorotNormal, HeUniform, HeNormal
lecun_uniform, lecun_normal, orthogonal, identity = LecunUniform, LecunNormal, Orthogonal, Identity
variance_scaling = VarianceScaling


def get(identifier: Any) -> Initializer:
    """Resolve an initializer name, instance, class or config dict."""
    return INITIALIZERS.get(identifier)


def serialize(initializer: Initializer) -> dict:
    """Keras layout: ``{'class_name': ..., 'config': ...}``."""
    return {"class_name": type(initializer).__name__, "config": initializer.get_config()}


def deserialize(config: dict) -> Initializer:
    """Inverse of ``serialize``."""
    return INITIALIZERS.get(config)
