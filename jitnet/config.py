"""Global settings: the backend's name, float type, thread count and the random seed.

``set_num_threads`` sets Numba's thread pool and the BLAS pools of numpy
and scipy together, so the two never compete for the same cores. The
automatic choice (``adapt_num_threads``) sets only Numba's pool and the BLAS
Numba calls (scipy's), so the user's own NumPy code keeps its threads.
"""

from __future__ import annotations

import os

import numpy as np

from . import _blas, _cpu
from ._validate import integer, one_of

_FLOATX = "float32"
_DTYPES = {"float32": np.dtype("float32"), "float64": np.dtype("float64")}
_EPSILON = 1e-7
_SEED: int | None = None


def backend() -> str:
    """The name of the backend: ``'jitnet'`` (Keras answers ``'tensorflow'``, ``'jax'`` or ``'torch'``)."""
    return "jitnet"


def floatx() -> str:
    """The default float type, ``'float32'`` unless changed."""
    return _FLOATX


def set_floatx(value: str) -> None:
    """Set the default float type: ``'float32'`` or ``'float64'``."""
    global _FLOATX
    _FLOATX = one_of("floatx", value, ("float32", "float64"))


def dtype() -> np.dtype:
    """The numpy dtype of ``floatx()``."""
    return _DTYPES[_FLOATX]


def epsilon() -> float:
    """The fuzz factor used in losses, ``1e-7`` as in Keras."""
    return _EPSILON


def set_epsilon(value: float) -> None:
    """Set the fuzz factor used in losses."""
    global _EPSILON
    _EPSILON = float(value)


_NUM_THREADS: int | None = None
_FIXED = False  # True once the user chose a thread count
_CORES = _cpu.usable_cores()  # the affinity mask, capped by a cgroup CPU quota


def _apply(n: int) -> None:
    global _NUM_THREADS
    import numba

    n = int(min(n, numba.config.NUMBA_NUM_THREADS))
    if n != _NUM_THREADS:
        numba.set_num_threads(n)
        _blas.set_num_threads(n)
        _NUM_THREADS = n


def set_num_threads(n: int) -> None:
    """Use ``n`` threads for Numba kernels and for numpy's and scipy's BLAS alike (turns off the automatic
    choice)."""
    global _FIXED
    n = integer("num_threads", n, 1)
    _apply(n)
    _blas.set_num_threads(n, numpy_too=True)
    _FIXED = True


def get_num_threads() -> int:
    """The number of threads kernels and BLAS use now.

    Where the BLAS cannot be limited (a warning says so), its own thread
    count is reported when it is larger.
    """
    if _NUM_THREADS is None:
        env = os.environ.get("JITNET_NUM_THREADS")
        if env:
            set_num_threads(int(env))
        else:
            _apply(_CORES)
    if not _blas.controlled():
        return max(_NUM_THREADS, _blas.uncontrolled_threads())
    return _NUM_THREADS


def adapt_num_threads() -> int:
    """Unless the user fixed it, use the cores other processes left free since the last call.

    BLAS with more threads than free cores slows down several times over,
    while one thread fewer costs a fraction, so jitnet steps down when
    another process is busy and back up when it stops.
    """
    current = get_num_threads()
    if _FIXED:
        return current
    free = _cpu.free_cores(_CORES)
    if free is not None:
        _apply(free)
    return _NUM_THREADS


def set_random_seed(seed: int) -> None:
    """Seed every random source jitnet uses (initializers, shuffling, dropout)."""
    global _SEED
    _SEED = integer("seed", seed, 0)
    np.random.seed(_SEED % 2**32)
    from . import random

    random.reset(_SEED)


def random_seed() -> int | None:
    """The seed last given to ``set_random_seed``, or None."""
    return _SEED
