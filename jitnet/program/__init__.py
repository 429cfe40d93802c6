"""The program floor: from a model's layers to its specialised compiled steps.

``builder`` collects op calls over buffers and packs them into tables;
``codegen`` writes the Python source of the train, test and predict steps
for the model's structure, calling only the kernels it uses; ``cache``
keeps that source, and Numba's compiled code beside it, in the user's cache
folder. ``load_program`` returns the compiled module of a structure.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from types import ModuleType
from typing import Any

from . import cache, codegen
from .builder import ProgramBuilder, Tables, check_tables
from .codegen import Structure

__all__ = [
    "ProgramBuilder",
    "Structure",
    "Tables",
    "check_tables",
    "compile_entry",
    "load_program",
    "optimizer_program",
]


def load_program(structure: Structure) -> ModuleType:
    """The program module of ``structure`` (generated and cached on first use)."""
    modules = {}
    for kind, variant in structure.kinds:
        if variant is not None:
            modules[(kind, variant)] = cache.load(codegen.variant_source(kind, variant)).__name__
    if structure.optimizer is not None:
        modules[("optimizer", str(structure.optimizer))] = optimizer_program(structure.optimizer).__name__
    return cache.load(codegen.source(structure, modules))


def optimizer_program(code: int) -> ModuleType:
    """A module holding only the ``optimizer_step`` of optimizer ``code`` (shared by every program)."""
    return cache.load(codegen.optimizer_source(code))


def compile_entry(module: ModuleType, name: str, args: tuple[Any, ...]) -> tuple[Callable, float]:
    """Compile (or load from the cache) ``module.name`` for ``args``; returns it and the seconds taken.

    A cache entry Numba cannot load is emptied and compiled again.
    """
    import numba

    fn = getattr(module, name)
    signature = tuple(numba.typeof(a) for a in args)
    start = time.perf_counter()
    try:
        fn.compile(signature)
    except (EOFError, ValueError, TypeError, OSError, ImportError, AttributeError) as err:
        if isinstance(err, numba.core.errors.TypingError):
            raise
        fn = getattr(cache.rebuild(module), name)
        fn.compile(signature)
    return fn, time.perf_counter() - start
