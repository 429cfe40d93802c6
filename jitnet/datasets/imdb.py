"""IMDB movie-review sentiment, as ``keras.datasets.imdb``.

``load_data`` gives the same sequences as Keras's for the same file and
arguments (same shuffle, start/offset/out-of-vocabulary rules, Keras 3's
``maxlen`` filter), computed on flat arrays instead of Python loops. The
file is read by the restricted reader: loading it cannot run code.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _cache, _sequences
from ._safe_npz import load_npz

FILE_HASHES = {
    "imdb.npz": "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f",
    # Keras pins this file by md5 bfafd718b763782e994055a2d397834f; this is the same file's sha256.
    "imdb_word_index.json": "027313fe9a320280f3bf0fac5baf58c4a683cf39a7ed9c3d3d3912bde4284cf6",
}


def load_data(
    path: str = "imdb.npz",
    num_words: int | None = None,
    skip_top: int = 0,
    maxlen: int | None = None,
    seed: int = 113,
    start_char: int | None = 1,
    oov_char: int | None = 2,
    index_from: int = 3,
    **kwargs: Any,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load the IMDB dataset: 25,000 training and 25,000 test reviews as word-index lists.

    Words are indexed by frequency in the training set (1 = most frequent).
    As in Keras: train is shuffled with ``np.random.RandomState(seed)``,
    then test with the same generator; every index is shifted by
    ``index_from`` and ``start_char`` is prepended; with ``maxlen``, reviews
    of ``maxlen`` or more tokens (start included) are dropped; then every
    index outside ``[skip_top, num_words)`` becomes ``oov_char`` (or is
    removed if ``oov_char`` is None).

    Args:
        path: file name of the cached ``.npz`` (relative to the cache folder).
            Defaults to ``'imdb.npz'``.
        num_words: keep the ``num_words`` most frequent indices (after the
            shift). Defaults to None: keep all (note that, as in Keras, the
            single largest index then still becomes ``oov_char``).
        skip_top: indices below this become ``oov_char``. Defaults to 0.
        maxlen: drop sequences of this length or longer. Defaults to None.
        seed: shuffling seed. Defaults to 113.
        start_char: marker prepended to every sequence, or None. Defaults to 1.
        oov_char: replacement for dropped words, or None to remove them.
            Defaults to 2.
        index_from: shift added to every word index. Defaults to 3.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: ``x_*`` are 1-D object
        arrays of lists of Python ints, ``y_*`` int64 arrays of 0
        (negative) / 1 (positive).
    """
    if kwargs:
        raise TypeError(f"Unrecognized keyword arguments: {sorted(kwargs)}")
    _sequences.check_arguments(num_words, skip_top, maxlen, start_char, oov_char, index_from)

    (npz_path,) = _cache.fetch("IMDB", [_cache.Remote(path, "imdb.npz", FILE_HASHES["imdb.npz"])])
    arrays = load_npz(npz_path)
    keys = ("x_train", "y_train", "x_test", "y_test")
    missing = [k for k in keys if k not in arrays]
    if missing:
        raise _cache.corrupt(npz_path, f"missing arrays {missing}; found {sorted(arrays)}")
    parts, labels = [], []
    rng = np.random.RandomState(seed)  # one generator: train is shuffled first, then test
    for xk, yk in (("x_train", "y_train"), ("x_test", "y_test")):
        values, lengths, part_labels = _sequences.shuffled(arrays[xk], arrays[yk], (xk, yk), rng, npz_path,
                                                           start_char, index_from, maxlen)
        parts.append((values, lengths))
        labels.append(part_labels)
    if maxlen and (len(parts[0][1]) == 0 or len(parts[1][1]) == 0):
        raise _sequences.no_sequence_kept(maxlen)

    (vtr, ltr), (vte, lte) = _sequences.limit_vocabulary(parts, num_words, skip_top, oov_char)
    return (_sequences.to_object_array(vtr, ltr), labels[0]), (_sequences.to_object_array(vte, lte), labels[1])


def get_word_index(path: str = "imdb_word_index.json") -> dict[str, int]:
    """The dict mapping each word to its index in the IMDB data (before ``index_from``).

    Args:
        path: file name of the cached JSON (relative to the cache folder).
            Defaults to ``'imdb_word_index.json'``.

    Returns:
        ``{word: index}``, the most frequent word having index 1.
    """
    (json_path,) = _cache.fetch(
        "IMDB word index",
        [_cache.Remote(path, "imdb_word_index.json", FILE_HASHES["imdb_word_index.json"])],
    )
    return _sequences.read_word_index(json_path)
