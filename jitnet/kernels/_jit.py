"""The one place that holds the Numba options used by every kernel.

``kernel`` compiles a serial function called only from other kernels;
``entry_kernel`` one that Python calls too; ``inline_kernel`` one inlined
where it is called (tiny helpers: no compile of its own);
``parallel_kernel`` one whose ``prange`` loops run on Numba's thread pool. All cache to disk, release the
GIL and keep IEEE semantics (no ``fastmath``), so tests can pin results; ``estimate_kernel`` alone, for
the Adam family's division, may take the reciprocal estimate (see below).

With ``JITNET_BOUNDSCHECK=1`` in the environment, every kernel is compiled
with Numba's bounds checks and ``view2d`` checks its range: an index
outside an array raises ``IndexError`` instead of reading past it. This
mode is for testing (kernels run several times slower); its compiled code
is cached apart, under ``<cache>/boundscheck``.
"""

from __future__ import annotations

import os

import numba
from numba import njit

from .._cache_dir import cache_root

BOUNDSCHECK = os.environ.get("JITNET_BOUNDSCHECK", "0") not in ("", "0")
OPTIONS = {"cache": True, "nogil": True, "fastmath": False, "error_model": "numpy", "no_cfunc_wrapper": True,
           "boundscheck": BOUNDSCHECK}
if BOUNDSCHECK:  # Numba's cache index does not tell checked code from unchecked
    numba.config.CACHE_DIR = str(cache_root() / "boundscheck")

# A wrapper for calls from Python unboxes every argument; for the grouped
# (tuple) arguments of the ops it costs more to compile than the body, so
# kernels that only other kernels call go without one.
kernel = njit(no_cpython_wrapper=True, **OPTIONS)
entry_kernel = njit(**OPTIONS)
inline_kernel = njit(inline="always", **OPTIONS)
parallel_kernel = njit(parallel=True, **OPTIONS)
# Divisions by the CPU's reciprocal estimate refined by a Newton step, for update
# rules whose divisors are positive and finite: ``arcp`` allows it, and LLVM
# takes it only under ``nnan`` and ``ninf`` too. In float32 the result is as
# accurate as IEEE division (Adam's step, against float64: largest relative
# error 2.9e-7 against 2.6e-7), with a different last bit in some elements;
# float64 divisions stay exact. Adam over 79,510 parameters: 20 instead of 28 us.
estimate_kernel = njit(no_cpython_wrapper=True, **{**OPTIONS, "fastmath": {"arcp", "nnan", "ninf"}})
