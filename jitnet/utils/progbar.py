"""Keras 3 style progress bar: ``469/469 ━━━━━━━━━━━━━━━━━━━━ 2s 4ms/step - loss: 0.2625``.

Two displays, chosen once when the bar is made:

* **dynamic** (``sys.stdout.isatty()`` or a Jupyter kernel): the line is
  redrawn in place with ``\\b``s and ``\\r`` at most once per ``interval``
  seconds (the final update always draws), styled with the same ANSI codes as
  Keras 3 (bold counts and times, green/grey bar).
* **static** (a pipe, a file, a CI log): one plain line per bar, written when
  the bar is finalized, so logs hold one line per epoch and no escape codes.

``verbose=2`` always prints the one-line summary Keras 3 prints in that mode:
``469/469 - 2s - 4ms/step - loss: 0.2625``.

Deliberate differences from ``keras.utils.Progbar``: Keras also treats every
POSIX process as dynamic (its ``"posix" in sys.modules`` test), which fills
non-terminal logs with redraws; here only terminals and Jupyter are dynamic.
Values within ``1e-3`` of zero are written ``%.4e`` in both modes (Keras's
verbose-2 branch compares without ``abs``, so it prints negative values in
``%.4e``).
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

_BOLD = "\x1b[1m"
_GREEN = "\x1b[32m"
_GREY = "\x1b[37m"
_RESET = "\x1b[0m"
_BAR_CHAR = "━"


def _default_clock() -> float:
    """Seconds from a monotonic clock (tests replace this function)."""
    return time.monotonic()


def _write(message: str) -> None:
    """Write to the *current* ``sys.stdout`` (so capture and redirection work)."""
    stream = sys.stdout
    stream.write(message)
    stream.flush()


def _is_dynamic_display() -> bool:
    """True when stdout is a terminal or we run inside a Jupyter kernel."""
    stream = sys.stdout
    isatty = getattr(stream, "isatty", None)
    try:
        tty = bool(isatty()) if isatty is not None else False
    except (ValueError, OSError):  # closed or detached stream
        tty = False
    return tty or "ipykernel" in sys.modules or "PYCHARM_HOSTED" in os.environ


def format_value(value: Any) -> str:
    """A metric value as Keras 3 shows it: ``%.4f``, or ``%.4e`` when ``|v| <= 1e-3``."""
    try:
        avg = float(np.mean(value))
    except (TypeError, ValueError):
        return str(value)
    return f"{avg:.4f}" if abs(avg) > 1e-3 else f"{avg:.4e}"


def format_step_time(seconds: float, unit_name: str = "step") -> str:
    """Time per unit as Keras 3 shows it: ``2s/step``, ``4ms/step`` or ``87us/step``."""
    if seconds >= 1 or seconds == 0:
        return f"{seconds:.0f}s/{unit_name}"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/{unit_name}"
    return f"{seconds * 1e6:.0f}us/{unit_name}"


def format_eta(seconds: float) -> str:
    """Remaining time as Keras 3 shows it: ``42s``, ``1:03`` or ``1:01:03``."""
    if seconds > 3600:
        return f"{int(seconds // 3600)}:{int(seconds % 3600 // 60):02d}:{int(seconds % 60):02d}"
    if seconds > 60:
        return f"{int(seconds // 60)}:{int(seconds % 60):02d}"
    return f"{int(seconds)}s"


class Progbar:
    """Displays a progress bar in the Keras 3 format.

    Args:
        target: Total number of steps expected, ``None`` if unknown.
        width: Width of the bar in characters. Defaults to ``20``.
        verbose: 0 (silent), 1 (bar) or 2 (one line when finalized).
            Defaults to ``1``.
        interval: Minimum time in seconds between two redraws of a dynamic
            bar; the final update always draws. Defaults to ``0.05``.
        stateful_metrics: Names of values shown as given; all other values
            are averaged over the steps they were reported for, as in Keras.
            Defaults to ``None`` (average everything).
        unit_name: Name of one step in the time-per-step field. Defaults to
            ``'step'``.
        clock: Function returning seconds, for tests. Defaults to a
            monotonic clock.
    """

    def __init__(
        self,
        target: int | None,
        width: int = 20,
        verbose: int = 1,
        interval: float = 0.05,
        stateful_metrics: Iterable[str] | None = None,
        unit_name: str = "step",
        *,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self.stateful_metrics = set(stateful_metrics or ())
        self._clock = clock if clock is not None else _default_clock
        self._dynamic_display = _is_dynamic_display()
        self._seen_so_far = 0
        # name -> [weighted sum, weight]; insertion order is display order.
        self._values: dict[str, list] = {}
        self._start = self._clock()
        self._last_update: float | None = None
        self._time_after_first_step: float | None = None
        self._prev_total_width = 0

    # ------------------------------------------------------------------ API
    def update(
        self,
        current: int,
        values: Sequence[tuple[str, Any]] | None = None,
        finalize: bool | None = None,
    ) -> None:
        """Move the bar to step ``current`` and record ``(name, value)`` pairs.

        Args:
            current: Number of steps done.
            values: ``(name, value)`` pairs for the steps since the last call.
                Defaults to ``None``.
            finalize: Whether this is the last update. Defaults to
                ``current >= target`` (``False`` when the target is unknown).
        """
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        self._record(current, values or (), finalize)
        self._seen_so_far = current

        now = self._clock()
        time_per_unit = self._step_duration(current, now)
        if self.verbose == 1:
            if self._dynamic_display:
                if (
                    not finalize
                    and self._last_update is not None
                    and now - self._last_update < self.interval
                ):
                    return
                self._draw_dynamic(current, now, time_per_unit, finalize)
            elif finalize:
                _write(self._static_line(current, now, time_per_unit) + "\n")
        elif self.verbose == 2 and finalize:
            _write(self._summary_line(current, now, time_per_unit) + "\n")
        self._last_update = now

    def add(self, n: int, values: Sequence[tuple[str, Any]] | None = None) -> None:
        """Advance the bar by ``n`` steps (see ``update``)."""
        self.update(self._seen_so_far + n, values)

    # -------------------------------------------------------------- helpers
    def _record(self, current: int, values: Iterable[tuple[str, Any]], finalize: bool) -> None:
        for name, value in values:
            if name in self.stateful_metrics or finalize:
                # Shown as given: stateful values, and the final (epoch) value.
                self._values[name] = [value, 1]
                continue
            weight = max(current - self._seen_so_far, 1)
            total = self._values.setdefault(name, [0.0, 0])
            total[0] = total[0] + value * weight
            total[1] += weight

    def _step_duration(self, current: int, now: float) -> float:
        """Seconds per step; the (slow, compiling) first step is left out once known."""
        if not current:
            return 0.0
        if self._time_after_first_step is not None and current > 1:
            per_unit = (now - self._time_after_first_step) / (current - 1)
        else:
            per_unit = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return per_unit

    def _metrics_text(self) -> str:
        parts = []
        for name, (total, count) in self._values.items():
            try:
                shown = format_value(np.mean(total) / max(1, count))
            except TypeError:
                shown = str(total)
            parts.append(f" - {name}: {shown}")
        return "".join(parts)

    def _count(self, current: int) -> str:
        if self.target is None:
            return f"{current:7d}/Unknown"
        digits = int(math.log10(self.target)) + 1 if self.target > 0 else 1
        return f"{current:{digits}d}/{self.target}"

    def _bar_cells(self, current: int) -> tuple[int, int]:
        """(done, remaining) bar characters."""
        done = int(self.width * current / self.target) if self.target else 0
        done = min(max(done, 0), self.width)
        return done, self.width - done

    def _time_field(self, current: int, now: float, time_per_unit: float, finalize: bool) -> str:
        if self.target is not None and not finalize:
            return format_eta(time_per_unit * (self.target - current))
        return f"{now - self._start:.0f}s"

    def _static_line(self, current: int, now: float, time_per_unit: float) -> str:
        """``469/469 ━━━━ 2s 4ms/step - loss: 0.2625`` without escape codes."""
        text = self._count(current)
        if self.target is not None:
            done, rest = self._bar_cells(current)
            text += " " + _BAR_CHAR * (done + rest)
        text += " " + self._time_field(current, now, time_per_unit, True)
        text += " " + format_step_time(time_per_unit, self.unit_name)
        return text + self._metrics_text()

    def _draw_dynamic(self, current: int, now: float, time_per_unit: float, finalize: bool) -> None:
        """Redraw in place exactly as Keras 3 does on a terminal."""
        count = self._count(current)
        if self.target is not None:
            done, rest = self._bar_cells(current)
            bar = f"{_BOLD}{count}{_RESET} "
            visible = len(count) + 1
            if done > 0:
                bar += f"{_GREEN}{_BAR_CHAR * done}{_RESET}"
            bar += f"{_GREY}{_BAR_CHAR * rest}{_RESET}"
            visible += done + rest
        else:
            bar = count
            visible = len(count)
        elapsed = self._time_field(current, now, time_per_unit, finalize)
        info = f" {_BOLD}{elapsed}{_RESET}"
        info += " " + format_step_time(time_per_unit, self.unit_name)
        metrics = self._metrics_text()
        info += metrics
        visible += 1 + len(elapsed) + 1 + len(format_step_time(time_per_unit, self.unit_name))
        visible += len(metrics)

        message = "\b" * self._prev_total_width + "\r" + bar + info
        if self._prev_total_width > visible:
            message += " " * (self._prev_total_width - visible)
        if finalize:
            message += "\n"
        _write(message)
        self._prev_total_width = visible

    def _summary_line(self, current: int, now: float, time_per_unit: float) -> str:
        """Keras 3's verbose=2 line: ``469/469 - 2s - 4ms/step - loss: 0.2625``."""
        text = f"{self._count(current)} - {now - self._start:.0f}s"
        text += " - " + format_step_time(time_per_unit, self.unit_name)
        return text + self._metrics_text()
