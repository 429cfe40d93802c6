"""Keras's small datasets: ``mnist``, ``fashion_mnist``, ``cifar10``, ``imdb``, ``reuters``,
``boston_housing`` and ``california_housing``.

Each submodule has Keras's ``load_data`` (and ``imdb.get_word_index``,
``reuters.get_word_index``, ``reuters.get_label_names``), reading
Keras-named files from ``$JITNET_HOME/datasets`` (``~/.jitnet``) or an
existing Keras cache, and downloading missing ones from Keras's URLs.
"""

from . import boston_housing, california_housing, cifar10, fashion_mnist, imdb, mnist, reuters
from ._cache import ChecksumError, CorruptDatasetError, DatasetNotFoundError
from ._safe_npz import UnsafeFileError

__all__ = [
    "ChecksumError",
    "CorruptDatasetError",
    "DatasetNotFoundError",
    "UnsafeFileError",
    "boston_housing",
    "california_housing",
    "cifar10",
    "fashion_mnist",
    "imdb",
    "mnist",
    "reuters",
]
