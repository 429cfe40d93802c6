"""Checks and conversions of user data, done once per call before any state changes."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import config
from .._validate import integer
from . import rows


def _array(value: Any, name: str) -> Any:
    """``value`` as a NumPy array (an h5py dataset or zarr array stays one, scanned block by block), checked:
    numeric, with a batch axis, not empty, no NaN or infinity."""
    if value is None:
        raise ValueError(f"Argument `{name}` must be an array. Received: {name}=None")
    if rows.is_array_like(value):
        arr = value
    else:
        try:
            arr = np.asarray(value)
        except (TypeError, ValueError) as err:
            raise TypeError(f"Argument `{name}` must be a numeric array. Received: {type(value).__name__} ({err})") \
                from None
    kind = np.dtype(arr.dtype).kind
    if kind not in "biuf":
        raise TypeError(
            f"Argument `{name}` must be a numeric array (bool, int or float). Received: dtype={arr.dtype}"
        )
    if len(arr.shape) == 0:
        raise ValueError(f"Argument `{name}` must have a batch axis. Received: a scalar")
    if arr.shape[0] == 0:
        raise ValueError(f"Argument `{name}` is empty (0 samples). Provide at least one sample.")
    if kind == "f":
        bad = sum(_non_finite(block) for block in _blocks(arr))
        if bad:
            raise ValueError(f"Argument `{name}` contains {bad} NaN or infinite values. Clean the data first.")
    return arr


def _blocks(arr: Any):
    """A NumPy array whole; an array-like in blocks of rows."""
    if isinstance(arr, np.ndarray):
        yield arr
    else:
        yield from rows.Rows(arr, int(np.prod(arr.shape[1:], dtype=np.int64)), np.float32).blocks()


def _non_finite(arr: np.ndarray) -> int:
    # The sum is finite whenever every value is (NaN and infinities propagate; a sum that overflows
    # falls through to the exact check); unlike np.isfinite it needs no array as large as x. It is
    # summed in the array's own float type, twice as fast as in float64 for float32 data.
    if math.isfinite(arr.sum()):
        return 0
    return int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))


def as_floats(arr: np.ndarray) -> np.ndarray:
    """``arr`` as a C-contiguous array of the float type: itself when it already is one (a memmap stays
    one), else a copy (``astype``: several times faster than ``ascontiguousarray`` from integers)."""
    return arr.astype(config.dtype(), order="C", copy=False)


def inputs(x: Any, shape: tuple[int, ...] | None, name: str = "x",
           check: Callable[[np.ndarray, str], None] | None = None) -> np.ndarray | rows.Rows:
    """``x`` as (n, prod(shape)) rows of the float type: a C-contiguous array, or ``Rows`` that convert
    chunk by chunk when ``x`` would need a conversion of more than ``rows.STREAM_BYTES``.

    ``check(arr, name)``, the first layer's own test of its inputs (integer
    ids for an Embedding), runs on the array as given (block by block for an array-like).
    """
    if type(x) is np.ndarray and check is None and x.ndim == 2 and x.dtype == config.dtype() and \
            x.shape[0] and shape is not None and x.shape[1:] == tuple(shape) and x.flags.c_contiguous and \
            math.isfinite(x.sum()):
        return x  # already rows of the float type: nothing to check further or convert
    arr = _array(x, name)
    if check is not None:
        for block in _blocks(arr):
            check(block, name)
    given = tuple(arr.shape[1:])
    if shape is not None and len(given) + 1 == len(shape) and shape[-1] == 1:
        given = (*given, 1)  # Keras adds the missing unit axis: fit(x_1d, y) on Input(shape=(1,))
    if shape is not None and given != tuple(shape):
        raise ValueError(
            f"Argument `{name}` must have shape (n, {', '.join(map(str, shape))}) to match the model's input "
            f"shape {(None, *shape)}. Received: shape={arr.shape}"
        )
    n, width = int(arr.shape[0]), math.prod(given)
    dtype = config.dtype()
    if isinstance(arr, np.ndarray) and (arr.dtype == dtype or n * width * dtype.itemsize < rows.STREAM_BYTES):
        return as_floats(arr.reshape(n, width))
    if isinstance(arr, np.ndarray):
        arr = arr.reshape(n, width)
    return rows.Rows(arr, width, dtype)


def targets(y: Any, n: int, out_shape: tuple[int, ...], sparse: bool, name: str = "y") -> np.ndarray:
    """``y`` as a (n, k) float array: class ids in one column for sparse losses."""
    arr = np.asarray(_array(y, name))
    if arr.shape[0] != n:
        raise ValueError(f"Arguments `x` and `{name}` must have the same length. Received: x has {n} samples, "
                         f"{name} has {arr.shape[0]}")
    units = out_shape[-1]
    if sparse:
        ids_shape = tuple(out_shape[:-1])
        if arr.shape[1:] not in (ids_shape, (*ids_shape, 1)):
            raise ValueError(
                f"Argument `{name}` must hold class ids of shape {(None, *ids_shape)} for a sparse loss on outputs "
                f"of shape {(None, *out_shape)}. Received: shape={arr.shape}. "
                "For one-hot targets use 'categorical_crossentropy'."
            )
        if arr.dtype.kind == "f" and not np.array_equal(arr, np.round(arr)):
            raise ValueError(f"Argument `{name}` must hold integer class ids for a sparse loss.")
        low, high = arr.min(), arr.max()
        if low < 0 or high >= units:
            raise ValueError(
                f"Argument `{name}` holds class ids in [{low}, {high}], but the model's output has {units} "
                f"classes: expected ids in [0, {units})."
            )
        return as_floats(arr.reshape(n, -1))
    expected = (n, *out_shape)
    if arr.shape != expected and not (arr.ndim == 1 and out_shape == (1,)):
        hint = ""
        if arr.ndim == 1 and units > 1:
            hint = (" These look like class ids: use loss='sparse_categorical_crossentropy' or "
                    "keras.utils.to_categorical(y).")
        raise ValueError(
            f"Argument `{name}` must have shape {(None, *out_shape)} to match the model's output. "
            f"Received: shape={arr.shape}.{hint}"
        )
    return as_floats(arr.reshape(n, -1))


def weights(sample_weight: Any, class_weight: dict | None, y: np.ndarray, sparse: bool,
            n_classes: int | None = None) -> np.ndarray:
    """Per-sample weights combining ``sample_weight`` and ``class_weight``.

    A ``class_weight`` key at or above ``n_classes`` (the model's classes) is
    warned about, naming it, as it can weigh no sample.
    """
    n = y.shape[0]
    sw = np.ones(n, config.dtype())
    if sample_weight is not None:
        arr = np.asarray(_array(sample_weight, "sample_weight")).reshape(-1)
        if arr.shape[0] != n:
            raise ValueError(f"Argument `sample_weight` must have one value per sample ({n}). Received: {arr.shape[0]}")
        if (arr < 0).any():
            raise ValueError("Argument `sample_weight` must be non-negative.")
        sw *= arr
    if class_weight is not None:
        if not isinstance(class_weight, dict) or not class_weight:
            raise TypeError(f"Argument `class_weight` must be a non-empty dict {{class_id: weight}}. "
                            f"Received: class_weight={class_weight!r}")
        for k in class_weight:
            integer("class_weight key", k, 0, error=TypeError)
        unknown = sorted(int(k) for k in class_weight if n_classes is not None and k >= n_classes)
        if unknown:
            warnings.warn(f"`class_weight` names classes the model does not have ({n_classes} classes, ids 0 to "
                          f"{n_classes - 1}): {unknown}. Those entries weigh no sample.", stacklevel=6)
        labels = y[:, 0].astype(np.int64) if sparse or y.shape[1] == 1 else y.argmax(axis=1)
        if y.shape[1] == 1 and not sparse:
            labels = np.round(y[:, 0]).astype(np.int64)
        table = np.ones(int(max(labels.max(), *class_weight.keys())) + 1)
        for key, value in class_weight.items():
            table[int(key)] = float(value)
        sw *= table[labels].astype(sw.dtype)
    return sw
