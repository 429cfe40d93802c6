"""The BLAS libraries in the process, and their thread counts.

Numba's products call scipy's BLAS; numpy carries its own copy. Each
library is found where the wheels put it (``scipy.libs``, ``numpy.libs``,
``.dylibs``) or in the process's memory map on Linux, and is controlled
through its own entry points: OpenBLAS, MKL, BLIS and FlexiBLAS have them.
The automatic thread policy sets only the libraries Numba calls, so the
user's own NumPy code keeps its thread count; ``config.set_num_threads``
sets numpy's too. A BLAS that cannot be limited (Accelerate, for one) is
named in a warning, once.
"""

from __future__ import annotations

import ctypes
import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

# family -> (pattern of its file name, setter names, getter names)
_FAMILIES = {
    "OpenBLAS": (r"openblas", ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads",
                               "openblas_set_num_threads64_", "openblas_set_num_threads"),
                 ("scipy_openblas_get_num_threads64_", "scipy_openblas_get_num_threads",
                  "openblas_get_num_threads64_", "openblas_get_num_threads")),
    "MKL": (r"mkl_rt", ("MKL_Set_Num_Threads",), ("MKL_Get_Max_Threads",)),
    "BLIS": (r"blis", ("bli_thread_set_num_threads",), ("bli_thread_get_num_threads",)),
    "FlexiBLAS": (r"flexiblas", ("flexiblas_set_num_threads",), ("flexiblas_get_num_threads",)),
}


@dataclass
class Library:
    """One BLAS: where it is, whose copy it is (``numpy`` or ``scipy``), and its thread entry points."""

    path: str
    family: str
    owner: str
    setter: object = None
    getter: object = None

    def set(self, n: int) -> None:
        """Limit it to ``n`` threads."""
        self.setter(int(n))

    def get(self) -> int | None:
        """Its thread count now (None when it has no getter)."""
        return None if self.getter is None else int(self.getter())


_libraries: list[Library] | None = None
_warned = False


def _candidates() -> set[str]:
    import numpy
    import scipy

    paths = set()
    for package in (numpy, scipy):
        root = Path(package.__file__).parent
        for folder in (root.parent / f"{root.name}.libs", root / ".dylibs"):
            if folder.is_dir():
                paths.update(str(p) for p in folder.iterdir() if re.search(r"blas|mkl|blis", p.name.lower()))
    try:
        with open("/proc/self/maps") as f:
            paths.update(re.findall(r"(/\S*(?:blas|mkl_rt|blis)\S*\.so\S*)", f.read()))
    except OSError:
        pass
    return paths


def _entry(lib, names: tuple[str, ...], argtypes: list):
    for name in names:
        if hasattr(lib, name):
            fn = getattr(lib, name)
            fn.argtypes, fn.restype = argtypes, (None if argtypes else ctypes.c_int)
            return fn
    return None


def _open(path: str) -> Library | None:
    name = Path(path).name.lower()
    family = next((f for f, (pattern, *_) in _FAMILIES.items() if re.search(pattern, name)), None)
    if family is None:
        return None
    # numpy's own copy sits in numpy.libs/ or numpy/.dylibs/; any other is the one scipy (and Numba) calls
    owner = "numpy" if any(part.startswith("numpy") for part in Path(path).parts[-3:-1]) else "scipy"
    try:
        lib = ctypes.CDLL(path)
    except OSError:
        return Library(path, family, owner)
    _, setters, getters = _FAMILIES[family]
    return Library(path, family, owner, _entry(lib, setters, [ctypes.c_int]), _entry(lib, getters, []))


def libraries() -> list[Library]:
    """Every BLAS found in the process (looked up once)."""
    global _libraries
    if _libraries is None:
        import scipy.linalg.cython_blas  # noqa: F401  (loads the BLAS Numba calls)

        found = (_open(path) for path in sorted(_candidates()))
        _libraries = [lib for lib in found if lib is not None]
    return _libraries


def scipy_blas_name() -> str:
    """The BLAS scipy was built against, as its build configuration names it (Numba's products call it)."""
    import scipy

    try:
        return str(scipy.__config__.CONFIG["Build Dependencies"]["blas"]["name"])
    except (AttributeError, KeyError, TypeError):
        return "unknown"


def set_num_threads(n: int, numpy_too: bool = False) -> None:
    """Limit the BLAS Numba calls (and numpy's copy with ``numpy_too``) to ``n`` threads.

    When Numba's BLAS cannot be limited, a warning names it, once.
    """
    global _warned
    for lib in libraries():
        if lib.setter is not None and (lib.owner == "scipy" or numpy_too):
            lib.set(n)
    if not _warned and not controlled():
        _warned = True
        warnings.warn(f"jitnet cannot limit the threads of scipy's BLAS ({_numba_blas_name()}); its products "
                      "may use every core. Set the library's own thread variable (VECLIB_MAXIMUM_THREADS, "
                      "OMP_NUM_THREADS, ...) before Python starts.", RuntimeWarning, stacklevel=4)


def controlled() -> bool:
    """True when the BLAS Numba calls has a thread setter."""
    return any(lib.owner == "scipy" and lib.setter is not None for lib in libraries())


def uncontrolled_threads() -> int:
    """The threads an uncontrolled BLAS uses: its own answer where it gives one, else every core."""
    own = next((lib.get() for lib in libraries() if lib.owner == "scipy" and lib.getter is not None), None)
    return own or os.cpu_count() or 1


def _numba_blas_name() -> str:
    lib = next((lib for lib in libraries() if lib.owner == "scipy"), None)
    return f"{lib.family}, {lib.path}" if lib is not None else scipy_blas_name()


def numpy_threads() -> list[int | None]:
    """The thread count of each of numpy's BLAS copies (None where it cannot be read)."""
    return [lib.get() for lib in libraries() if lib.owner == "numpy"]
