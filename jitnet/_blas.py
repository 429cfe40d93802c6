"""Set the thread count of the OpenBLAS libraries numpy and scipy bundle.

Numba's ``np.dot`` calls scipy's BLAS; numpy carries its own copy. Both
export a ``*_set_num_threads`` entry point under one of a few names. The
libraries are found where the wheels put them (``scipy.libs``,
``numpy.libs``, ``.dylibs``), or in the process's memory map on Linux.
"""

from __future__ import annotations

import ctypes
import re
from pathlib import Path

_SETTERS = ("scipy_openblas_set_num_threads", "scipy_openblas_set_num_threads64_", "openblas_set_num_threads",
            "openblas_set_num_threads64_")
_setters: list | None = None


def _candidates() -> set[str]:
    import numpy
    import scipy

    paths = set()
    for package in (numpy, scipy):
        root = Path(package.__file__).parent
        for folder in (root.parent / f"{root.name}.libs", root / ".dylibs"):
            if folder.is_dir():
                paths.update(str(p) for p in folder.iterdir() if "blas" in p.name.lower())
    try:
        with open("/proc/self/maps") as f:
            paths.update(re.findall(r"(/\S*openblas\S*\.so\S*)", f.read()))
    except OSError:
        pass
    return paths


def _find_setters() -> list:
    import scipy.linalg.cython_blas  # noqa: F401  (loads the BLAS Numba calls)

    found = []
    for path in sorted(_candidates()):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for name in _SETTERS:
            if hasattr(lib, name):
                fn = getattr(lib, name)
                fn.argtypes, fn.restype = [ctypes.c_int], None
                found.append(fn)
                break
    return found


def set_num_threads(n: int) -> int:
    """Limit every OpenBLAS found to ``n`` threads; returns how many libraries were set."""
    global _setters
    if _setters is None:
        _setters = _find_setters()
    for fn in _setters:
        fn(int(n))
    return len(_setters)
