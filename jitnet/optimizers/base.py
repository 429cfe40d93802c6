"""The optimizer base class: learning rate, iterations, clipping and state.

A subclass declares its kernel ``code``, the names of its own
hyperparameters (``hyperparameters``, packed after the common ones into the
float64 ``hyper`` array the kernel reads) and of its state rows
(``slot_names``). The base class checks arguments, allocates the state in
``build`` and runs its ``optimizer_step`` (``jitnet.program.optimizer_program``).
"""

from __future__ import annotations

import math
import sys
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from .._registry import Registry
from .._validate import real
from . import schedules

# Keras 3 arguments kept in configs (Keras's order). jitnet supports only
# the default of those in _FIXED; the EMA settings are unused without EMA.
_KERAS_ONLY = {
    "use_ema": False,
    "ema_momentum": 0.99,
    "ema_overwrite_frequency": None,
    "loss_scale_factor": None,
    "gradient_accumulation_steps": None,
}
_FIXED = ("use_ema", "loss_scale_factor", "gradient_accumulation_steps")
_IGNORED_CONFIG_KEYS = ("jit_compile", "is_legacy_optimizer")  # tf.keras 2.11+ configs





def _user_stacklevel() -> int:
    """``stacklevel`` for a warning raised in this package that points at the
    first caller outside ``jitnet.optimizers`` (so Python shows a
    DeprecationWarning from a user's script)."""
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_globals.get("__name__", "").startswith(__package__):
        frame, level = frame.f_back, level + 1
    return level


def _off(value: float | None) -> float:
    return math.nan if value is None else float(value)


class Optimizer:
    """Base class of jitnet optimizers (Keras 3 ``keras.optimizers.Optimizer``).

    Args:
        learning_rate: A float >= 0, a ``LearningRateSchedule`` (called with
            ``iterations``) or a callable of no argument returning the rate.
        weight_decay: Float >= 0 or None. If set, every step first does
            ``p -= p * weight_decay * learning_rate``. Defaults to None.
        clipnorm: Float > 0 or None. If set, the gradient of each variable
            is clipped to this norm. Defaults to None.
        clipvalue: Float > 0 or None. If set, gradients are clipped to
            ``[-clipvalue, clipvalue]``. Defaults to None.
        global_clipnorm: Float > 0 or None. If set, all gradients are scaled
            together so that their global norm is at most this value.
            Defaults to None. At most one of the three clip options is set.
        name: String, the optimizer's name. Defaults to the subclass's.
        use_ema, ema_momentum, ema_overwrite_frequency, loss_scale_factor,
            gradient_accumulation_steps: accepted for Keras configs; only
            their defaults are supported.
        lr: Deprecated alias of ``learning_rate`` (Keras 2), warns.

    Attributes set by ``build``: ``slots`` (k, n) state rows, ``scalars``
    float64 scalar state, ``hyper`` float64 hyperparameters, ``segments``.
    """

    code: int = -1
    hyperparameters: tuple[str, ...] = ()
    _config_keys: tuple[str, ...] = ()
    scalar_names: tuple[str, ...] = ()
    scalar_initial: tuple[float, ...] = ()
    _default_name: str = "optimizer"

    def __init__(
        self,
        learning_rate: float | schedules.LearningRateSchedule | Callable[[], float],
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        if "lr" in kwargs:
            warnings.warn(
                "The `lr` argument is deprecated, use `learning_rate` instead.",
                DeprecationWarning,
                stacklevel=_user_stacklevel(),
            )
            learning_rate = kwargs.pop("lr")
        if kwargs.pop("decay", None) is not None:
            warnings.warn("Argument `decay` is no longer supported and will be ignored.", stacklevel=_user_stacklevel())
        for key, default in _KERAS_ONLY.items():
            setattr(self, key, kwargs.pop(key, default))
            if key in _FIXED and getattr(self, key) not in (default, 0):
                raise NotImplementedError(
                    f"jitnet optimizers do not support `{key}`. Received: {key}={getattr(self, key)!r}"
                )
        if kwargs:
            raise ValueError(f"Argument(s) not recognized: {kwargs}")
        self.name = name if name is not None else self._default_name
        self.weight_decay = real("weight_decay", weight_decay, 0.0, none=True)
        self.clipnorm = real("clipnorm", clipnorm, 0.0, low_open=True, none=True)
        self.clipvalue = real("clipvalue", clipvalue, 0.0, low_open=True, none=True)
        self.global_clipnorm = real("global_clipnorm", global_clipnorm, 0.0, low_open=True, none=True)
        if sum(v is not None for v in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError(
                "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. "
                f"Received: clipnorm={clipnorm}, clipvalue={clipvalue}, global_clipnorm={global_clipnorm}"
            )
        self._learning_rate: Any = None
        self.learning_rate = learning_rate
        # The step count; the compiled training steps advance it themselves, one
        # applied update at a time, so it stays exact when Ctrl-C stops a chunk.
        self.counter = np.zeros(1, np.int64)
        self.built = False
        self.slots: np.ndarray | None = None
        self.scalars: np.ndarray | None = None
        self.hyper: np.ndarray | None = None
        self.segments: np.ndarray | None = None

    @property
    def iterations(self) -> int:
        """The number of updates applied so far."""
        return int(self.counter[0])

    @iterations.setter
    def iterations(self, value: int) -> None:
        self.counter[0] = int(value)

    # -- learning rate -------------------------------------------------------
    @property
    def learning_rate_schedule(self) -> Any:
        """The schedule or callable the learning rate comes from, or None for a float rate."""
        return self._learning_rate if callable(self._learning_rate) else None


    @property
    def learning_rate(self) -> float:
        """The learning rate of the next step, as a float."""
        lr = self._learning_rate
        if isinstance(lr, schedules.LearningRateSchedule):
            return float(lr(self.iterations))
        if callable(lr):
            return float(lr())
        return lr

    @learning_rate.setter
    def learning_rate(self, value: Any) -> None:
        if isinstance(value, schedules.LearningRateSchedule) or callable(value):
            self._learning_rate = value
            return
        if isinstance(self._learning_rate, schedules.LearningRateSchedule):
            raise TypeError(
                "This optimizer was created with a `LearningRateSchedule` as its "
                "`learning_rate`, hence its learning rate is not settable. Create it "
                "with a float `learning_rate` to be able to set it."
            )
        if isinstance(value, np.ndarray) and value.ndim == 0:
            value = value.item()
        self._learning_rate = real("learning_rate", value, 0.0)  # or a LearningRateSchedule, or a callable

    lr = learning_rate  # Keras 2 alias: ``opt.lr`` reads and sets the learning rate

    def learning_rates(self, n_steps: int) -> np.ndarray:
        """Learning rates of the next ``n_steps`` steps, float64 ``(n_steps,)``.

        Step ``i`` uses ``schedule(iterations + i)``; built-in schedules are
        evaluated on the whole step array at once, other callables per step.
        """
        lr = self._learning_rate
        if isinstance(lr, schedules.LearningRateSchedule):
            steps = np.arange(self.iterations, self.iterations + n_steps, dtype=np.int64)
            if type(lr).__module__ == schedules.__name__:
                return np.asarray(lr(steps), dtype=np.float64).reshape(n_steps)
            return np.array([float(lr(int(s))) for s in steps], dtype=np.float64)
        if callable(lr):
            return np.array([float(lr()) for _ in range(n_steps)], dtype=np.float64)
        return np.full(n_steps, lr, dtype=np.float64)

    # -- state -----------------------------------------------------------------

    def slot_names(self) -> tuple[str, ...]:
        """Names of the state rows, in kernel order (see the kernel module)."""
        return ()

    def slot_initial(self, name: str) -> float:
        """Initial value of the state row ``name``."""
        return 0.0

    def _hyper_values(self) -> list[float]:
        common = [self.clipnorm, self.clipvalue, self.global_clipnorm, self.weight_decay]
        return [_off(v) for v in common] + [float(getattr(self, k)) for k in self.hyperparameters]

    def build(self, n: int, dtype: Any, segments: np.ndarray | None = None) -> None:
        """Allocate the state for an arena of ``n`` parameters of ``dtype``.

        ``segments`` (int64, ``[0, ..., n]``) gives the variable boundaries,
        defaults to one variable. Building again with the same ``n`` keeps
        the state (cast to ``dtype`` if it changed).
        """
        dtype = np.dtype(dtype)
        if dtype not in (np.float32, np.float64):
            raise ValueError(f"Expected dtype float32 or float64. Received: dtype={dtype}")
        n = int(n)
        segments = np.array([0, n] if segments is None else segments, dtype=np.int64)
        bad = segments.ndim != 1 or len(segments) < 1 or segments[0] != 0 or segments[-1] != n
        if bad or np.any(np.diff(segments) < 0):
            raise ValueError(
                f"Expected `segments` to increase from 0 to n={n}. Received: segments={segments.tolist()}"
            )
        names = self.slot_names()
        k = max(1, len(names))
        if self.built and self.slots.shape == (k, n):
            if self.slots.dtype != dtype:
                self.slots = self.slots.astype(dtype)
        else:
            self.slots = np.zeros((k, n), dtype=dtype)
            for row, slot in zip(self.slots, names):
                row[:] = self.slot_initial(slot)
            self.scalars = np.array(self.scalar_initial or (0.0,), dtype=np.float64)
        self.segments = segments
        self.hyper = np.array(self._hyper_values(), dtype=np.float64)
        self.built = True

    def step(self, params: np.ndarray, grads: np.ndarray, lr: float | None = None) -> None:
        """Update ``params`` in place with ``grads`` for one step.

        Builds the optimizer (one variable) if needed; ``lr`` defaults to
        the learning rate at ``iterations``. Increments ``iterations``.
        """
        for label, a in (("params", params), ("grads", grads)):
            if not isinstance(a, np.ndarray) or a.ndim != 1 or not a.flags.c_contiguous:
                raise ValueError(f"Expected `{label}` to be a contiguous 1-D numpy array. Received: {a!r:.80}")
        if params.dtype != grads.dtype or params.shape != grads.shape:
            raise ValueError(
                f"Expected `params` and `grads` of the same dtype and shape. Received: "
                f"{params.dtype}{params.shape} and {grads.dtype}{grads.shape}"
            )
        n, k = params.shape[0], max(1, len(self.slot_names()))
        if not self.built or self.slots.shape[1] != n:
            self.build(n, params.dtype)
        elif self.slots.dtype != params.dtype or self.slots.shape[0] != k:  # e.g. momentum set after build
            self.build(n, params.dtype, self.segments)
        self.hyper[:] = self._hyper_values()
        lr = self.learning_rate if lr is None else lr
        from ..program import optimizer_program

        optimizer_program(int(self.code)).apply(
            params, grads, (self.slots, self.scalars, self.hyper, self.segments), float(lr), int(self.iterations) + 1)
        self.iterations += 1

    def get_state(self) -> dict[str, np.ndarray]:
        """Copies of the state: ``iterations``, one array per slot and scalar."""
        state = {"iterations": np.array(self.iterations, dtype=np.int64)}
        if self.built:
            state.update({name: row.copy() for name, row in zip(self.slot_names(), self.slots)})
            state.update({name: np.array(v) for name, v in zip(self.scalar_names, self.scalars)})
        return state

    def set_state(self, state: dict[str, np.ndarray]) -> None:
        """Restore a ``get_state`` dict (builds for its size if not built)."""
        names = self.slot_names()
        if not self.built and names and names[0] in state:
            row = np.asarray(state[names[0]])
            self.build(row.shape[0], row.dtype)
        expected = {"iterations", *names, *self.scalar_names} if self.built else {"iterations"}
        if set(state) != expected:
            raise ValueError(f"Expected state keys {sorted(expected)}. Received: {sorted(state)}")
        for i, name in enumerate(names):
            self.slots[i] = np.asarray(state[name]).reshape(self.slots.shape[1])
        for i, name in enumerate(self.scalar_names):
            self.scalars[i] = float(state[name])
        self.iterations = int(state["iterations"])

    @property
    def variables(self) -> list[np.ndarray]:
        """Iterations, the learning rate (if a float), one flat view per slot
        row and variable (row-major: every variable of the first slot row
        first), then the scalars: Keras 3's variables, though Keras versions
        interleave slots differently (``jitnet.saving`` fixes the file order)."""
        out = [np.array(self.iterations, dtype=np.int64)]
        if not callable(self._learning_rate):
            out.append(np.array(self._learning_rate))
        if self.built:
            bounds = list(zip(self.segments[:-1], self.segments[1:]))
            out += [row[lo:hi] for row in self.slots[: len(self.slot_names())] for lo, hi in bounds]
            out += [self.scalars[i : i + 1].reshape(()) for i in range(len(self.scalar_names))]
        return out

    def variables_count(self) -> int:
        """Number of scalars in ``variables`` (Keras summary's "Optimizer params")."""
        return sum(v.size for v in self.variables)

    # -- config --------------------------------------------------------------

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments, in Keras 3's layout."""
        lr = self._learning_rate
        if isinstance(lr, schedules.LearningRateSchedule):
            lr = schedules.serialize(lr)
        elif callable(lr):
            warnings.warn("A callable learning rate is saved as its current value.", stacklevel=2)
            lr = float(lr())
        config = {
            "name": self.name,
            "learning_rate": lr,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
            **{key: getattr(self, key) for key in _KERAS_ONLY},
        }
        config.update({key: getattr(self, key) for key in self._config_keys})
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: dict | None = None) -> Optimizer:
        """Create an optimizer from ``get_config()`` output (or a Keras config)."""
        config = {k: v for k, v in config.items() if k not in _IGNORED_CONFIG_KEYS}
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules.deserialize(config["learning_rate"], custom_objects)
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r} learning_rate={self._learning_rate!r}>"


OPTIMIZERS = Registry("optimizer", base=Optimizer)
