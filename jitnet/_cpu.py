"""How many cores other processes leave free, measured from /proc/stat.

``free_cores()`` compares the machine's busy time with this process's own
CPU time since the previous call: what is left is other processes' load.
Where /proc/stat does not exist it reports every core as free.
"""

from __future__ import annotations

import os
import time

_last: tuple[float, float, float] | None = None  # (wall, machine busy seconds, own cpu seconds)
_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _machine_busy() -> float | None:
    try:
        with open("/proc/stat", "rb") as f:
            fields = f.readline().split()[1:]
    except OSError:
        return None
    values = [int(v) for v in fields[:8]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values) - idle) / _TICK


def _sample() -> tuple[float, float, float] | None:
    busy = _machine_busy()
    if busy is None:
        return None
    t = os.times()
    return time.monotonic(), busy, t.user + t.system


def free_cores(cores: int, min_interval: float = 0.2) -> int | None:
    """Cores not used by other processes since the last call (None: not measurable yet).

    A core counts as taken only when others kept it at least 70% busy, so
    clock-tick noise in short windows does not flip the answer.
    """
    global _last
    if _last is not None and time.monotonic() - _last[0] < min_interval:
        return None  # cheap early exit: called every chunk, measured every min_interval
    now = _sample()
    if now is None:
        return cores
    if _last is None or now[0] - _last[0] < min_interval:
        if _last is None:
            _last = now
        return None
    wall = now[0] - _last[0]
    others = max(0.0, (now[1] - _last[1]) - (now[2] - _last[2])) / wall
    _last = now
    return max(1, min(cores, int(cores - others + 0.7)))


_sample_at_import = free_cores(os.cpu_count() or 1)
