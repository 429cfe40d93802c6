"""Token-sequence utilities: ``multi_hot`` and Keras's ``pad_sequences``.

Both turn a ragged list of sequences into flat values plus row offsets once,
in NumPy, and hand the per-row work to a compiled kernel.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import config
from .._validate import integer
from ..kernels import text as _text

_NUMERIC_KINDS = "biuf"


class _NotFlat(Exception):
    """The input is not a collection of 1-D numeric sequences."""


def _flatten(sequences: Any, name: str = "sequences") -> tuple[np.ndarray, np.ndarray]:
    """Ragged ``sequences`` as ``(values, offsets)``; ``values`` keeps its inferred dtype.

    Raises ``ValueError`` when ``sequences`` is not a collection of sized
    items, and ``_NotFlat`` when items are not 1-D numeric sequences.
    """
    if isinstance(sequences, np.ndarray) and sequences.dtype != object:
        if sequences.ndim != 2:
            raise _NotFlat(f"`{name}` must be 2-D, received shape {sequences.shape}")
        if sequences.dtype.kind not in _NUMERIC_KINDS:
            raise _NotFlat(f"`{name}` has non-numeric dtype {sequences.dtype}")
        n, m = sequences.shape
        offsets = np.arange(n + 1, dtype=np.int64) * m
        return np.ascontiguousarray(sequences).reshape(-1), offsets
    if not hasattr(sequences, "__len__"):
        raise ValueError(f"`{name}` must be a list of sequences, received: {type(sequences).__name__}")
    n = len(sequences)
    try:
        lengths = np.fromiter(map(len, sequences), dtype=np.int64, count=n)
    except TypeError:
        bad = next(x for x in sequences if not hasattr(x, "__len__"))
        raise ValueError(
            f"`{name}` must be a list of sequences (lists or arrays of integers). Found a non-sequence element: {bad!r}"
        ) from None
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    try:
        if n and all(isinstance(s, np.ndarray) for s in sequences):
            if any(s.ndim != 1 for s in sequences):
                raise _NotFlat(f"`{name}` holds arrays that are not 1-D")
            values = np.concatenate(list(sequences))
        else:
            values = np.array(list(itertools.chain.from_iterable(sequences)))
    except ValueError as e:  # ragged nested items
        raise _NotFlat(str(e)) from None
    if values.ndim != 1 or (values.size and values.dtype.kind not in _NUMERIC_KINDS):
        raise _NotFlat(f"`{name}` must hold 1-D sequences of numbers")
    if values.size == 0:
        values = values.astype(np.int64)
    return values, offsets


def multi_hot(sequences: Any, num_classes: int, dtype: Any = None) -> np.ndarray:
    """Multi-hot encode integer sequences: the tutorials' ``vectorize_sequences``.

    Row ``i`` of the result has a 1 in every column that occurs in
    ``sequences[i]`` and 0 elsewhere.

    Args:
        sequences: a list (or object array) of integer sequences, or a 2-D
            integer array (one row per sequence).
        num_classes: number of columns; every index must lie in
            ``[0, num_classes)``.
        dtype: dtype of the result. Defaults to ``jitnet.config.floatx()``
            (``'float32'``).

    Returns:
        Array of shape ``(len(sequences), num_classes)``.

    Example:
        >>> multi_hot([[1, 3], [0, 0, 2]], num_classes=4)
        array([[0., 1., 0., 1.],
               [1., 0., 1., 0.]], dtype=float32)
    """
    integer("num_classes", num_classes, 1)
    dtype = np.dtype(config.floatx() if dtype is None else dtype)
    if dtype.kind not in _NUMERIC_KINDS:
        raise ValueError(f"Expected a numeric dtype, received: dtype={dtype}")
    if isinstance(sequences, np.ndarray) and sequences.dtype != object and sequences.ndim == 1:
        raise ValueError(
            "Expected `sequences` to be a list of sequences or a 2-D array, received a 1-D "
            f"array of shape {sequences.shape}. Wrap a single sequence in a list: [sequence]."
        )
    try:
        values, offsets = _flatten(sequences)
    except _NotFlat as e:
        raise ValueError(f"Expected `sequences` to hold 1-D sequences of integers. {e}") from None
    if values.dtype.kind not in "iub":
        raise ValueError(f"Expected `sequences` to hold integers, received values of dtype {values.dtype}")
    if values.size:
        lo, hi = int(values.min()), int(values.max())
        if lo < 0 or hi >= num_classes:
            raise ValueError(
                f"Every index in `sequences` must lie in [0, num_classes) = [0, {num_classes}); "
                f"received indices from {lo} to {hi}."
            )
    out = np.empty((len(offsets) - 1, int(num_classes)), dtype=dtype)
    _text.multi_hot(values.astype(np.int64, copy=False), offsets, out)
    return out


def _check_choice(name: str, value: str) -> None:
    if value not in ("pre", "post"):
        raise ValueError(f'{name.capitalize()} type "{value}" not understood: expected "pre" or "post".')


def _fits(values: np.ndarray, dtype: np.dtype) -> bool:
    """True if casting ``values`` to ``dtype`` is exact up to float->int truncation."""
    if dtype.kind not in "iu" or values.size == 0 or values.dtype.kind == "b":
        return True
    if values.dtype.kind == "f" and not np.isfinite(values).all():
        return False
    info = np.iinfo(dtype)
    return info.min <= values.min() and values.max() <= info.max


def pad_sequences(
    sequences: Sequence,
    maxlen: int | None = None,
    dtype: Any = "int32",
    padding: str = "pre",
    truncating: str = "pre",
    value: Any = 0.0,
) -> np.ndarray:
    """Pad (or truncate) sequences to one length, as ``keras.utils.pad_sequences``.

    Args:
        sequences: list of sequences (each a list or array of numbers).
        maxlen: length of every output row. Defaults to the longest sequence.
        dtype: dtype of the result. Defaults to ``'int32'``; use ``object``
            for strings.
        padding: ``'pre'`` (default) or ``'post'``: where padding goes.
        truncating: ``'pre'`` (default) or ``'post'``: which end of longer
            sequences is dropped.
        value: padding value. Defaults to ``0.0``.

    Returns:
        Array of shape ``(len(sequences), maxlen)`` (plus the sample shape
        of multi-dimensional items).

    Example:
        >>> pad_sequences([[1], [2, 3], [4, 5, 6]], maxlen=2)
        array([[0, 1],
               [2, 3],
               [5, 6]], dtype=int32)
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError("`sequences` must be iterable.")
    _check_choice("padding", padding)
    _check_choice("truncating", truncating)
    integer("maxlen", maxlen, 0, none=True)
    out_dtype = np.dtype(dtype)
    if not isinstance(value, str) and out_dtype.kind in _NUMERIC_KINDS:
        try:
            values, offsets = _flatten(sequences)
        except _NotFlat:
            values = None
        if values is not None and _fits(values, out_dtype):
            n = len(offsets) - 1
            if maxlen is None:
                maxlen = int(np.diff(offsets).max()) if n else 0
            out = np.full((n, int(maxlen)), value, dtype=out_dtype)
            _text.pad_rows(values, offsets, padding == "pre", truncating == "pre", out)
            return out
    return _pad_generic(sequences, maxlen, dtype, padding, truncating, value)


def _pad_generic(sequences, maxlen, dtype, padding, truncating, value) -> np.ndarray:
    """Keras's own algorithm, for strings, objects and multi-dimensional samples."""
    lengths = []
    sample_shape: tuple = ()
    flag = True
    for x in sequences:
        try:
            lengths.append(len(x))
            if flag and len(x):
                sample_shape = np.asarray(x).shape[1:]
                flag = False
        except TypeError as e:
            raise ValueError(f"`sequences` must be a list of iterables. Found non-iterable: {x!s}") from e
    if maxlen is None:
        maxlen = int(np.max(lengths)) if lengths else 0
    is_dtype_str = np.issubdtype(dtype, np.str_) or np.issubdtype(dtype, np.bytes_)
    if isinstance(value, str) and dtype is not object and not is_dtype_str:
        raise ValueError(
            f"`dtype` {dtype} is not compatible with `value`'s type: {type(value)}\n"
            "You should set `dtype=object` for variable length strings."
        )
    x = np.full((len(sequences), maxlen) + sample_shape, value, dtype=dtype)
    for idx, s in enumerate(sequences):
        if not len(s) or not maxlen:
            continue
        trunc = s[-maxlen:] if truncating == "pre" else s[:maxlen]
        trunc = np.asarray(trunc, dtype=dtype)
        if trunc.shape[1:] != sample_shape:
            raise ValueError(
                f"Shape of sample {trunc.shape[1:]} of sequence at position {idx} "
                f"is different from expected shape {sample_shape}"
            )
        if padding == "post":
            x[idx, : len(trunc)] = trunc
        else:
            x[idx, -len(trunc) :] = trunc
    return x
