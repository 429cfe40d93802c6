"""Numerical helpers: ``to_categorical`` as in Keras."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validate import integer


def to_categorical(x: Any, num_classes: int | None = None) -> np.ndarray:
    """Convert a class vector (integers) to a one-hot (binary class) matrix.

    As ``keras.utils.to_categorical``: ``x`` is cast to int64; a trailing
    axis of size 1 is dropped (shape ``(n, 1)`` gives ``(n, num_classes)``);
    the class axis is appended last. Unlike Keras, a class outside
    ``[0, num_classes)`` raises instead of wrapping around.

    Args:
        x: array-like of class values, integers from 0 to ``num_classes - 1``.
        num_classes: number of classes. Defaults to ``max(x) + 1``.

    Returns:
        float32 array of shape ``x.shape + (num_classes,)`` (after dropping a
        trailing axis of size 1).

    Example:
        >>> to_categorical([0, 2, 1], num_classes=3)
        array([[1., 0., 0.],
               [0., 0., 1.],
               [0., 1., 0.]], dtype=float32)
    """
    x = np.array(x, dtype="int64")
    input_shape = x.shape
    if input_shape and input_shape[-1] == 1 and len(input_shape) > 1:
        input_shape = tuple(input_shape[:-1])
    x = x.reshape(-1)
    if not num_classes:
        if x.size == 0:
            raise ValueError("Cannot infer num_classes from an empty `x`; pass num_classes.")
        num_classes = int(x.max()) + 1
    num_classes = integer("num_classes", num_classes, 1)
    if x.size and (x.min() < 0 or x.max() >= num_classes):
        raise ValueError(
            f"Every class in `x` must lie in [0, num_classes) = [0, {num_classes}); "
            f"received classes from {int(x.min())} to {int(x.max())}."
        )
    categorical = np.zeros((x.shape[0], num_classes), dtype=np.float32)
    categorical[np.arange(x.shape[0]), x] = 1
    return categorical.reshape(input_shape + (num_classes,))
