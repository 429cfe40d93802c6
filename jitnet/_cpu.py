"""The cores jitnet may use, and how many of them other processes leave free.

``usable_cores()`` is the CPU affinity mask (a cpuset), capped by the
cgroup v2 or v1 CPU quota (``docker --cpus=2``): a quota of 2.5 cores
gives 2, since a third thread would be throttled. Inside a worker of a pool
that runs several jobs at once (joblib, Dask), the thread share the pool set
(``OMP_NUM_THREADS`` and its kin) caps it too.

``free_cores()`` measures the load that competes for those cores since its
previous call and leaves this process's own CPU time out:
- under a quota, the other processes of the same cgroup (its ``cpu.stat`` or
  ``cpuacct.usage``), since only they draw on the quota;
- otherwise the busy time of the allowed CPUs in ``/proc/stat``: other
  tenants on CPUs outside the cpuset do not count.

Where those files do not exist it reports every usable core as free.
``ROOT`` is where ``/proc`` and ``/sys`` are looked up (tests point it at
files they write).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

ROOT = Path("/")
_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_last: tuple[float, float, float] | None = None  # (wall, competing busy seconds incl. own, own cpu seconds)


def _read(path: str) -> str | None:
    try:
        return (ROOT / path.lstrip("/")).read_text()
    except OSError:
        return None


def allowed_cpus() -> set[int]:
    """The CPUs this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return set(os.sched_getaffinity(0))
    return set(range(os.cpu_count() or 1))


def _cgroup_dirs() -> list[str]:
    """This process's cgroup folders under /sys/fs/cgroup, v2 first, then the v1 cpu controller's."""
    dirs = []
    for line in (_read("/proc/self/cgroup") or "").splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        if controllers == "":
            dirs += [f"/sys/fs/cgroup{path.rstrip('/')}", "/sys/fs/cgroup"]
        elif "cpu" in controllers.split(","):
            for mount in ("cpu,cpuacct", "cpu", "cpuacct,cpu"):
                dirs += [f"/sys/fs/cgroup/{mount}{path.rstrip('/')}", f"/sys/fs/cgroup/{mount}"]
    return list(dict.fromkeys(dirs))


def _quota() -> tuple[float, str] | None:
    """(cores the CPU quota allows, its cgroup folder), or None without a quota."""
    for folder in _cgroup_dirs():
        v2 = _read(f"{folder}/cpu.max")
        if v2 is not None:
            quota, period = (v2.split() + ["100000"])[:2]
            if quota != "max":
                return int(quota) / int(period), folder
            continue
        v1 = _read(f"{folder}/cpu.cfs_quota_us")
        if v1 is not None and int(v1) > 0:
            return int(v1) / int(_read(f"{folder}/cpu.cfs_period_us") or 100000), folder
    return None


# Set by pools that run several jobs at once in one machine: joblib's loky workers
# (``inner_max_num_threads``, cores / n_jobs by default) and Dask's nannies (1).
_SHARE_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def worker_share() -> int | None:
    """The threads a pool gave this process (the smallest of ``_SHARE_VARIABLES``), or None."""
    values = [os.environ.get(name, "") for name in _SHARE_VARIABLES]
    counts = [int(v) for v in values if v.strip().isdigit() and int(v) > 0]
    return min(counts) if counts else None


def usable_cores() -> int:
    """Cores jitnet may use: the affinity mask, capped by the CPU quota and by a pool's share (at least 1)."""
    cores = len(allowed_cpus())
    quota = _quota()
    if quota is not None:
        cores = min(cores, int(quota[0] + 1e-9))
    share = worker_share()
    if share is not None:
        cores = min(cores, share)
    return max(1, cores)


def _cgroup_usage(folder: str) -> float | None:
    """CPU seconds used by the whole cgroup so far."""
    stat = _read(f"{folder}/cpu.stat")
    for line in (stat or "").splitlines():
        if line.startswith("usage_usec "):
            return int(line.split()[1]) / 1e6
    v1 = _read(f"{folder}/cpuacct.usage")
    return int(v1) / 1e9 if v1 is not None else None


def _cpus_busy(cpus: set[int]) -> float | None:
    """Busy seconds of the given CPUs so far, from /proc/stat."""
    stat = _read("/proc/stat")
    if stat is None:
        return None
    busy = 0
    for line in stat.splitlines():
        name, *fields = line.split()
        if name.startswith("cpu") and name[3:].isdigit() and int(name[3:]) in cpus:
            values = [int(v) for v in fields[:8]]
            busy += sum(values) - values[3] - values[4]  # all but idle and iowait
    return busy / _TICK


def _competing_busy() -> float | None:
    quota = _quota()
    if quota is not None:
        usage = _cgroup_usage(quota[1])
        if usage is not None:
            return usage
    return _cpus_busy(allowed_cpus())


def _sample() -> tuple[float, float, float] | None:
    busy = _competing_busy()
    if busy is None:
        return None
    t = os.times()
    return time.monotonic(), busy, t.user + t.system


def free_cores(cores: int, min_interval: float = 0.2) -> int | None:
    """Cores not used by competing processes since the last call (None: not measurable yet).

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


_sample_at_import = free_cores(usable_cores())  # the first fit then has a window to measure
