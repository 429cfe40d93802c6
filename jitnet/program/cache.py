"""The on-disk cache of generated programs.

Each program is a folder ``<cache>/programs/<key>/`` holding its generated
``program.py``; Numba caches the compiled steps beside it. The key hashes
the source together with a fingerprint of the kernel floor (its sources and
the Numba and Python versions), since Numba's own cache does not notice a
change in a kernel that a cached program calls.

``<cache>`` is ``jitnet._cache_dir.cache_root()``. Files are created
atomically and never rewritten in place, so processes filling the cache at
once all succeed; a file whose content does not match its key is replaced,
and a folder Numba cannot load from is emptied and rebuilt. Programs built
in the bounds-checked mode (``JITNET_BOUNDSCHECK``) have keys of their own.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import sys
import tempfile
from functools import lru_cache
from pathlib import Path
from types import ModuleType

import numba

from .. import kernels
from .._cache_dir import cache_root
from ..kernels._jit import BOUNDSCHECK

_LOADED: dict[str, ModuleType] = {}


@lru_cache(maxsize=1)
def fingerprint() -> str:
    """A hash of the kernel floor's sources and the compiler versions."""
    h = hashlib.sha256(f"{numba.__version__} {sys.version} boundscheck={BOUNDSCHECK}".encode())
    root = Path(kernels.__file__).parent
    for path in sorted(root.rglob("*.py")):
        h.update(str(path.relative_to(root)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def key_of(source: str) -> str:
    """The cache key of a program's source."""
    return hashlib.sha256((fingerprint() + source).encode()).hexdigest()[:24]


def _write_once(path: Path, text: str) -> None:
    """Create ``path`` with ``text`` atomically; replace it if it holds something else."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        if path.read_text() == text:
            return
        stale = True
    except (OSError, UnicodeDecodeError):
        stale = path.exists()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".program-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        if stale:  # a damaged entry: its compiled files go too
            shutil.rmtree(path.parent / "__pycache__", ignore_errors=True)
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)  # fails if another process created it first
            except FileExistsError:
                pass
            except OSError:  # file systems without hard links
                os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _import(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def load(source: str) -> ModuleType:
    """The module of ``source``, from the cache or newly written there."""
    key = key_of(source)
    if key in _LOADED:
        return _LOADED[key]
    path = cache_root() / "programs" / key / "program.py"
    _write_once(path, source)
    name = f"jitnet_program_{key}"
    try:
        module = _import(name, path)
    except (SyntaxError, ImportError, OSError, ValueError):  # damaged after the check above: rebuild once
        clear(path.parent)
        _write_once(path, source)
        module = _import(name, path)
    module.__jitnet_folder__ = path.parent
    module.__jitnet_source__ = source
    _LOADED[key] = module
    return module


def rebuild(module: ModuleType) -> ModuleType:
    """A fresh copy of a loaded program whose compiled files could not be used."""
    for fn in vars(module).values():  # Numba's files, beside the program or under NUMBA_CACHE_DIR
        path = getattr(getattr(fn, "_cache", None), "_cache_path", None)
        if path and getattr(fn, "py_func", None) is not None and fn.py_func.__module__ == module.__name__:
            shutil.rmtree(path, ignore_errors=True)
    clear(module.__jitnet_folder__)
    _LOADED.pop(key_of(module.__jitnet_source__), None)
    return load(module.__jitnet_source__)


def clear(folder: Path) -> None:
    """Empty a program's compiled files (Numba's and Python's), keeping nothing stale."""
    shutil.rmtree(folder / "__pycache__", ignore_errors=True)
    try:
        (folder / "program.py").unlink()
    except FileNotFoundError:
        pass
