"""Keras's small datasets: ``mnist``, ``fashion_mnist`` and ``imdb``.

Each submodule has Keras's ``load_data`` (and ``imdb.get_word_index``),
reading Keras-named files from ``$JITNET_HOME/datasets`` (``~/.jitnet``) or
an existing Keras cache, and downloading missing ones from Keras's URLs.
"""

from . import fashion_mnist, imdb, mnist
from ._cache import ChecksumError, CorruptDatasetError, DatasetNotFoundError
from ._safe_npz import UnsafeFileError

__all__ = [
    "ChecksumError",
    "CorruptDatasetError",
    "DatasetNotFoundError",
    "UnsafeFileError",
    "fashion_mnist",
    "imdb",
    "mnist",
]
