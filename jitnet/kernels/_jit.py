"""The one place that holds the Numba options used by every kernel.

``kernel`` compiles a plain serial function; ``parallel_kernel`` one whose
``prange`` loops run on Numba's thread pool. Both cache to disk, release the
GIL and keep IEEE semantics (no ``fastmath``), so tests can pin results.
"""

from __future__ import annotations

from numba import njit

OPTIONS = {"cache": True, "nogil": True, "fastmath": False, "error_model": "numpy"}

kernel = njit(**OPTIONS)
parallel_kernel = njit(parallel=True, **OPTIONS)
