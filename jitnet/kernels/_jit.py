"""The one place that holds the Numba options used by every kernel.

``kernel`` compiles a plain serial function; ``inline_kernel`` one that is
inlined where it is called (tiny helpers: no compile of its own);
``parallel_kernel`` one whose ``prange`` loops run on Numba's thread pool. Both cache to disk, release the
GIL and keep IEEE semantics (no ``fastmath``), so tests can pin results.
"""

from __future__ import annotations

from numba import njit

OPTIONS = {"cache": True, "nogil": True, "fastmath": False, "error_model": "numpy"}

kernel = njit(**OPTIONS)
inline_kernel = njit(inline="always", **OPTIONS)
# Called only from other kernels: no wrapper for calls from Python, whose
# unboxing of grouped (tuple) arguments costs more to compile than the body.
inner_kernel = njit(no_cpython_wrapper=True, no_cfunc_wrapper=True, **OPTIONS)
parallel_kernel = njit(parallel=True, **OPTIONS)
