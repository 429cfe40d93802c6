"""Noise layers, active only in training: Dropout and its Gaussian and alpha variants."""

from __future__ import annotations

from typing import Any

from .. import random
from .._validate import real
from ..kernels import dropout as kd
from .base import Layer, ProgramBuilder


class _Noise(Layer):
    mode = kd.DROPOUT
    argument = "rate"

    def __init__(self, value: float, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        high = 1.0 if self.argument == "rate" else None
        value = real(self.argument, value, 0.0, high, high_open=True, error=TypeError)
        setattr(self, self.argument, value)
        self.seed = seed
        self._seed = random.draw_seed(seed)

    def emit(self, program: ProgramBuilder, slot: int) -> int:
        value = getattr(self, self.argument)
        if value == 0.0:
            out = program.alias(slot, self.output_shape)
        else:
            out = program.new_slot(self.output_shape)
            program.op("noise", slot, out, mode=self.mode, seed=self._seed, rate=value)
        program.pass_mask(slot, out)
        return out

    def get_config(self):
        return {**super().get_config(), self.argument: getattr(self, self.argument), "seed": self.seed}


class Dropout(_Noise):
    """Inverted dropout: zero each input with probability ``rate``, scale the rest by ``1 / (1 - rate)``.

    The mask is a pure function of ``(seed, step, element)``, so a seed gives
    the same masks whatever the thread count.

    Args:
        rate: Float in [0, 1), the share of inputs dropped in training.
        noise_shape: Must be ``None`` (one independent mask entry per element). Defaults to ``None``.
        seed: Int seed of the masks. Defaults to ``None`` (drawn from the global seed).
    """

    def __init__(self, rate: float, noise_shape: Any = None, seed: int | None = None, **kwargs: Any) -> None:
        if noise_shape is not None:
            raise ValueError("Dropout supports only noise_shape=None (an independent mask per element).")
        super().__init__(rate, seed, **kwargs)
        self.noise_shape = None

    def get_config(self):
        return {**super().get_config(), "noise_shape": None}


class GaussianNoise(_Noise):
    """Adds ``stddev * N(0, 1)`` noise in training.

    Args:
        stddev: Float >= 0, the standard deviation of the noise.
        seed: Int seed of the noise. Defaults to ``None`` (drawn from the global seed).
    """

    mode = kd.GAUSSIAN_NOISE
    argument = "stddev"

    def __init__(self, stddev: float, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(stddev, seed, **kwargs)


class GaussianDropout(_Noise):
    """Multiplies by ``1 + sqrt(rate / (1 - rate)) * N(0, 1)`` in training.

    Args:
        rate: Float in [0, 1), the drop probability the noise stands for.
        seed: Int seed of the noise. Defaults to ``None`` (drawn from the global seed).
    """

    mode = kd.GAUSSIAN_DROPOUT

    def __init__(self, rate: float, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(rate, seed, **kwargs)


class AlphaDropout(_Noise):
    """Dropout that keeps SELU's self-normalising mean and variance.

    Args:
        rate: Float in [0, 1), the share of inputs dropped in training.
        noise_shape: Must be ``None`` (one independent mask entry per element). Defaults to ``None``.
        seed: Int seed of the masks. Defaults to ``None`` (drawn from the global seed).
    """

    mode = kd.ALPHA_DROPOUT

    def __init__(self, rate: float, noise_shape: Any = None, seed: int | None = None, **kwargs: Any) -> None:
        if noise_shape is not None:
            raise ValueError("AlphaDropout supports only noise_shape=None.")
        super().__init__(rate, seed, **kwargs)
