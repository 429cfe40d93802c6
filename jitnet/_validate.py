"""The argument checks of the API floor, with one message form.

Each check returns the value converted (``float``, ``int``, ``bool``) or
raises naming the argument, what it must be and what it received:
``Argument `rate` must be a float in [0, 1). Received: rate=1.5``. Numbers
are refused when they are bools, as in Keras.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any


def _fail(name: str, expected: str, value: Any, error: type = ValueError) -> None:
    raise error(f"Argument `{name}` must be {expected}. Received: {name}={value!r}")


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and type(value).__name__ != "bool_"


def _range(kind: str, low: float | None, high: float | None, low_open: bool, high_open: bool) -> str:
    low, high = (f"{v:g}" if isinstance(v, float) else v for v in (low, high))
    if low is not None and high is not None:
        return f"{kind} in {'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
    if low is not None:
        if kind == "an integer" and low in (1, "1") and not low_open:
            return "a positive integer"
        return f"{kind} {'>' if low_open else '>='} {low}"
    if high is not None:
        return f"{kind} {'<' if high_open else '<='} {high}"
    return "a finite float" if kind == "a float" else kind


def _within(value: float, low: float | None, high: float | None, low_open: bool, high_open: bool) -> bool:
    if low is not None and not (value > low if low_open else value >= low):
        return False
    return high is None or (value < high if high_open else value <= high)


def real(name: str, value: Any, low: float | None = None, high: float | None = None, *, low_open: bool = False,
         high_open: bool = False, none: bool = False, error: type = ValueError) -> float | None:
    """``value`` as a finite float within ``[low, high]`` (ends open on request); ``none=True`` lets None
    through; ``error`` is raised for a value that is not a finite number (one out of range: ``ValueError``)."""
    if value is None and none:
        return None
    expected = _range("a float", low, high, low_open, high_open) + (" or None" if none else "")
    if not _is_number(value):
        _fail(name, expected, value, error)
    if not (math.isfinite(value) and _within(value, low, high, low_open, high_open)):
        _fail(name, expected, value)
    return float(value)


def is_real(value: Any) -> bool:
    """True for a number (NumPy's too) that is not a bool."""
    return _is_number(value)


def is_integer(value: Any) -> bool:
    """True for an int (NumPy's too) that is not a bool."""
    return _is_number(value) and isinstance(value, numbers.Integral)


def integer(name: str, value: Any, low: int | None = None, high: int | None = None, *, none: bool = False,
            integral_float: bool = False, error: type = ValueError, what: str | None = None) -> int | None:
    """``value`` as an int within ``[low, high]``; ``integral_float`` accepts ``3.0``; ``error`` is raised for a
    value that is not an integer at all (a value out of range always raises ``ValueError``); ``what`` words
    the expectation when it is more than a number (``"'epoch' or a positive integer"``)."""
    if value is None and none:
        return None
    if type(value) is int and (low is None or value >= low) and (high is None or value <= high):
        return value
    expected = what or _range("an integer", low, high, False, False) + (" or None" if none else "")
    whole = is_integer(value) or (_is_number(value) and (
        integral_float and isinstance(value, float) and value.is_integer()))
    if not whole:
        _fail(name, expected, value, error)
    if not _within(value, low, high, False, False):
        _fail(name, expected, value)
    return int(value)


def boolean(name: str, value: Any) -> bool:
    """``value`` if it is a bool (NumPy's too), else ``TypeError``."""
    if not (isinstance(value, bool) or type(value).__name__ == "bool_"):
        _fail(name, "a bool", value, TypeError)
    return bool(value)


def one_of(name: str, value: Any, choices: Iterable[Any]) -> Any:
    """``value`` if it is one of ``choices``, else ``ValueError`` listing them."""
    choices = list(choices)
    if value not in choices:
        _fail(name, "one of " + ", ".join(repr(c) for c in choices), value)
    return value
