"""California housing prices, as ``keras.datasets.california_housing``.

Read from the cache (``california_housing.npz``, Keras's file: arrays ``x``
and ``y``), else downloaded as Keras does; shuffled and split as Keras does.
"""

from __future__ import annotations

import numpy as np

from .._validate import one_of
from . import _cache
from .boston_housing import check_test_split, load_xy, shuffle_split

FILE_HASHES = {
    "california_housing.npz": "1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f",
}

VERSIONS = ("small", "large")
SMALL_SIZE = 600  # the "small" version keeps the first 600 samples of the file, before shuffling

FEATURES = ("MedInc", "HouseAge", "AveRooms", "AveBedrms", "Population", "AveOccup", "Latitude", "Longitude")


def load_data(
    version: str = "large", path: str = "california_housing.npz", test_split: float = 0.2, seed: int = 113
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load the California housing dataset: 20,640 block groups of the 1990 census, 8 features.

    The features are ``FEATURES`` (median income, house age, average rooms
    and bedrooms, population, average occupancy, latitude, longitude); the
    target is the median house value in dollars.

    Args:
        version: ``'large'`` (all 20,640 samples) or ``'small'`` (the first
            600, a stand-in for Boston housing). Defaults to ``'large'``.
        path: file name of the cached ``.npz`` (relative to the cache folder).
            Defaults to ``'california_housing.npz'``.
        test_split: fraction of the samples kept for testing, in ``[0, 1)``.
            Defaults to 0.2.
        seed: seed of the shuffle done before the split. Defaults to 113.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: ``x`` of shape
        ``(samples, 8)``, ``y`` of shape ``(samples,)``, in the file's dtype;
        16,512 / 4,128 samples (``'large'``) or 480 / 120 (``'small'``) with
        the default split.
    """
    check_test_split(test_split)
    one_of("version", version, VERSIONS)
    remote = _cache.Remote(path, "california_housing.npz", FILE_HASHES["california_housing.npz"])
    (npz_path,) = _cache.fetch("California housing", [remote])
    x, y = load_xy(npz_path)
    if version == "small":
        x, y = x[:SMALL_SIZE], y[:SMALL_SIZE]
    return shuffle_split(x, y, test_split, seed)
