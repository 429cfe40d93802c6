"""Boston housing prices, as ``keras.datasets.boston_housing``.

Read from the cache (``boston_housing.npz``, Keras's file: arrays ``x`` and
``y``), else downloaded as Keras does. The shuffle and split are Keras's, so
the same seed gives the same rows. This module also holds the ``x``/``y``
reader and the split shared with California housing.

The data has an ethical problem (its feature ``B`` assumes that racial
self-segregation affects house prices); Keras discourages its use except to
illustrate such issues.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .._validate import real
from . import _cache
from ._safe_npz import load_npz

FILE_HASHES = {
    "boston_housing.npz": "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5",
}


def check_test_split(test_split: Any) -> None:
    """Raise unless ``0 <= test_split < 1``, the fraction of samples kept for testing (``TypeError`` if it is
    not a number)."""
    real("test_split", test_split, 0.0, 1.0, high_open=True, error=TypeError)


def load_xy(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """The arrays ``x`` (samples, features) and ``y`` (samples,) of a Keras regression ``.npz``."""
    arrays = load_npz(path)
    missing = [k for k in ("x", "y") if k not in arrays]
    if missing:
        raise _cache.corrupt(path, f"missing arrays {missing}; found {sorted(arrays)}")
    x, y = arrays["x"], arrays["y"]
    if x.ndim != 2 or y.ndim != 1 or len(x) != len(y) or x.dtype.kind not in "fiu" or y.dtype.kind not in "fiu":
        raise _cache.corrupt(
            path, f"expected numeric x (n, features) and y (n,), found {x.dtype} {x.shape} and {y.dtype} {y.shape}"
        )
    return x, y


def shuffle_split(
    x: np.ndarray, y: np.ndarray, test_split: float, seed: int
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Keras's split: shuffle with ``np.random.RandomState(seed)``, the first ``int(n * (1 - test_split))`` train."""
    rng = np.random.RandomState(seed)
    indices = np.arange(len(x))
    rng.shuffle(indices)
    x, y = x[indices], y[indices]
    n_train = int(len(x) * (1 - test_split))
    return (x[:n_train].copy(), y[:n_train].copy()), (x[n_train:].copy(), y[n_train:].copy())


def load_data(
    path: str = "boston_housing.npz", test_split: float = 0.2, seed: int = 113
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load the Boston housing dataset: 506 census tracts, 13 features, median house values in k$.

    Args:
        path: file name of the cached ``.npz`` (relative to the cache folder,
            ``~/.jitnet/datasets``; an existing ``~/.keras/datasets`` is
            searched too). Defaults to ``'boston_housing.npz'``.
        test_split: fraction of the samples kept for testing, in ``[0, 1)``.
            Defaults to 0.2.
        seed: seed of the shuffle done before the split. Defaults to 113.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: float64 arrays of shapes
        ``(404, 13)``, ``(404,)``, ``(102, 13)``, ``(102,)`` with the defaults.
    """
    check_test_split(test_split)
    remote = _cache.Remote(path, "boston_housing.npz", FILE_HASHES["boston_housing.npz"])
    (npz_path,) = _cache.fetch("Boston housing", [remote])
    x, y = load_xy(npz_path)
    return shuffle_split(x, y, test_split, seed)
