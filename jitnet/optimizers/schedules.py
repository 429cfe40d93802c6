"""Learning-rate schedules (``keras.optimizers.schedules``), Keras 3 formulas.

Every built-in schedule takes a step (int) or an array of steps and returns
a float or a float64 array, so an optimizer can get the rates of a whole
epoch in one call.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._registry import Registry
from .._validate import real


class LearningRateSchedule:
    """Base class: ``schedule(step)`` is the learning rate at ``step`` (0-based).

    Subclasses implement ``__call__(step)`` and ``get_config()``; a
    subclass's ``__call__`` may be called with plain ints only.
    """

    def __call__(self, step: Any) -> Any:
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `__call__(self, step)`."
        )

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments."""
        raise NotImplementedError(f"Learning rate schedule '{type(self).__name__}' must override `get_config()`.")

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> LearningRateSchedule:
        """Create a schedule from ``get_config()`` output."""
        return cls(**config)

    def __repr__(self) -> str:
        try:
            args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        except NotImplementedError:
            return object.__repr__(self)
        return f"{type(self).__name__}({args})"


SCHEDULES = Registry("learning rate schedule", base=LearningRateSchedule)


def _steps(step: Any) -> np.ndarray:
    return np.asarray(step, dtype=np.float64)


def _result(value: np.ndarray, step: Any) -> float | np.ndarray:
    return float(value) if np.ndim(step) == 0 else np.asarray(value, dtype=np.float64)


def _check_decay_steps(name: str, value: Any) -> None:
    real(name, value, 0.0, low_open=True)


class _RateDecay(LearningRateSchedule):
    """Shared arguments of ``ExponentialDecay`` and ``InverseTimeDecay``."""

    def __init__(
        self, initial_learning_rate: float, decay_steps: int, decay_rate: float, staircase: bool, name: str
    ) -> None:
        _check_decay_steps("decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def _progress(self, step: Any) -> np.ndarray:
        p = _steps(step) / self.decay_steps
        return np.floor(p) if self.staircase else p

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments."""
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }


@SCHEDULES.register("ExponentialDecay")
class ExponentialDecay(_RateDecay):
    """``initial_learning_rate * decay_rate ** (step / decay_steps)``.

    Args:
        initial_learning_rate: Float, the rate at step 0.
        decay_steps: Positive number of steps per factor ``decay_rate``.
        decay_rate: Float, the decay factor.
        staircase: Bool, floor ``step / decay_steps``. Defaults to False.
        name: String. Defaults to "ExponentialDecay".
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        decay_rate: float,
        staircase: bool = False,
        name: str = "ExponentialDecay",
    ) -> None:
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step: Any) -> float | np.ndarray:
        return _result(self.initial_learning_rate * np.power(float(self.decay_rate), self._progress(step)), step)


@SCHEDULES.register("InverseTimeDecay")
class InverseTimeDecay(_RateDecay):
    """``initial_learning_rate / (1 + decay_rate * step / decay_steps)``.

    Args:
        initial_learning_rate: Float, the rate at step 0.
        decay_steps: Positive number of steps.
        decay_rate: Float, the decay rate.
        staircase: Bool, floor ``step / decay_steps``. Defaults to False.
        name: String. Defaults to "InverseTimeDecay".
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        decay_rate: float,
        staircase: bool = False,
        name: str = "InverseTimeDecay",
    ) -> None:
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step: Any) -> float | np.ndarray:
        return _result(self.initial_learning_rate / (1.0 + self.decay_rate * self._progress(step)), step)


@SCHEDULES.register("PiecewiseConstantDecay")
class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[0]`` while ``step <= boundaries[0]``, ``values[i]`` while
    ``boundaries[i-1] < step <= boundaries[i]``, ``values[-1]`` after.

    Args:
        boundaries: Strictly increasing list of steps.
        values: List of rates, one more than ``boundaries``.
        name: String. Defaults to "PiecewiseConstant".
    """

    def __init__(self, boundaries: list[float], values: list[float], name: str = "PiecewiseConstant") -> None:
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "The length of boundaries should be 1 less than the length of values. "
                f"Received: boundaries={boundaries} of length {len(boundaries)}, "
                f"and values={values} of length {len(values)}."
            )
        if np.any(np.diff(np.asarray(boundaries, dtype=np.float64)) <= 0):
            raise ValueError(f"Argument `boundaries` must be strictly increasing. Received: boundaries={boundaries}")
        self.boundaries = list(boundaries)
        self.values = list(values)
        self.name = name

    def __call__(self, step: Any) -> float | np.ndarray:
        index = np.searchsorted(np.asarray(self.boundaries, dtype=np.float64), _steps(step), side="left")
        return _result(np.asarray(self.values, dtype=np.float64)[index], step)

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments."""
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


@SCHEDULES.register("PolynomialDecay")
class PolynomialDecay(LearningRateSchedule):
    """``(initial - end) * (1 - min(step, decay_steps) / decay_steps) ** power + end``.

    With ``cycle``, ``decay_steps`` is multiplied by ``ceil(step / decay_steps)``
    (1 at step 0) instead of clamping the step.

    Args:
        initial_learning_rate: Float, the rate at step 0.
        decay_steps: Positive number of steps to reach ``end_learning_rate``.
        end_learning_rate: Float. Defaults to 0.0001.
        power: Float. Defaults to 1.0.
        cycle: Bool, restart after ``decay_steps``. Defaults to False.
        name: String. Defaults to "PolynomialDecay".
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        end_learning_rate: float = 0.0001,
        power: float = 1.0,
        cycle: bool = False,
        name: str = "PolynomialDecay",
    ) -> None:
        _check_decay_steps("decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name

    def __call__(self, step: Any) -> float | np.ndarray:
        s = _steps(step)
        decay_steps = float(self.decay_steps)
        if self.cycle:
            decay_steps = decay_steps * np.where(s == 0, 1.0, np.ceil(s / decay_steps))
        else:
            s = np.minimum(s, decay_steps)
        p = s / decay_steps
        span = self.initial_learning_rate - self.end_learning_rate
        return _result(span * np.power(1.0 - p, self.power) + self.end_learning_rate, step)

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments."""
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "end_learning_rate": self.end_learning_rate,
            "power": self.power,
            "cycle": self.cycle,
            "name": self.name,
        }


@SCHEDULES.register("CosineDecay")
class CosineDecay(LearningRateSchedule):
    """Optional linear warmup, then cosine decay.

    Warmup (``step < warmup_steps``, only if ``warmup_target`` is set):
    ``initial + (warmup_target - initial) * step / warmup_steps``. Decay from
    ``lr0`` (``warmup_target``, else ``initial_learning_rate``), with
    ``s = min(step - warmup_steps, decay_steps)``:
    ``lr0 * ((1 - alpha) * 0.5 * (1 + cos(pi * s / decay_steps)) + alpha)``.

    Args:
        initial_learning_rate: Float, the rate at step 0.
        decay_steps: Positive number of decay steps.
        alpha: Float, the final rate as a fraction of ``lr0``. Defaults to 0.0.
        name: String. Defaults to "CosineDecay".
        warmup_target: Float or None, the rate reached after warmup.
            Defaults to None (no warmup).
        warmup_steps: Int >= 0, warmup length. Defaults to 0.
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        alpha: float = 0.0,
        name: str = "CosineDecay",
        warmup_target: float | None = None,
        warmup_steps: int = 0,
    ) -> None:
        _check_decay_steps("decay_steps", decay_steps)
        real("warmup_steps", warmup_steps, 0.0)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_target = warmup_target
        self.warmup_steps = warmup_steps

    def _decay(self, s: np.ndarray, lr0: float) -> np.ndarray:
        cosine = 0.5 * (1.0 + np.cos(np.pi * s / self.decay_steps))
        return lr0 * ((1.0 - self.alpha) * cosine + self.alpha)

    def __call__(self, step: Any) -> float | np.ndarray:
        s = _steps(step)
        if self.warmup_target is None:
            return _result(self._decay(np.minimum(s, self.decay_steps), self.initial_learning_rate), step)
        warmup_steps = float(self.warmup_steps)
        s = np.minimum(s, self.decay_steps + warmup_steps)
        fraction = s / max(warmup_steps, 1.0)  # only used where s < warmup_steps
        warm = (self.warmup_target - self.initial_learning_rate) * fraction + self.initial_learning_rate
        decayed = self._decay(s - warmup_steps, self.warmup_target)
        return _result(np.where(s < warmup_steps, warm, decayed), step)

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments."""
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "alpha": self.alpha,
            "name": self.name,
            "warmup_target": self.warmup_target,
            "warmup_steps": self.warmup_steps,
        }


def serialize(schedule: LearningRateSchedule) -> dict[str, Any]:
    """The Keras 3 serialized form of a schedule."""
    return {
        "module": "keras.optimizers.schedules",
        "class_name": type(schedule).__name__,
        "config": schedule.get_config(),
        "registered_name": None,
    }


def deserialize(config: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> LearningRateSchedule:
    """A schedule from ``serialize`` output; ``custom_objects`` maps names of user classes."""
    name = config.get("class_name") if isinstance(config, dict) else None
    if name is None:
        raise ValueError(f"Expected a dict with 'class_name' and 'config'. Received: {config!r}")
    cls = (custom_objects or {}).get(name) or SCHEDULES.lookup(name)
    return cls.from_config(dict(config.get("config") or {}))
