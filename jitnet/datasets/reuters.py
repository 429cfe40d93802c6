"""Reuters newswire topics, as ``keras.datasets.reuters``.

``load_data`` gives the same sequences as Keras 3's for the same file and
arguments. Unlike IMDB, Keras's file holds one set (arrays ``x`` and
``y``): it is shuffled once, prepared by the rules of ``_sequences`` and only
then split, so ``maxlen`` changes where the split falls. The file is read by
the restricted reader: loading it cannot run code.
"""

from __future__ import annotations

import numpy as np

from . import _cache, _sequences
from ._safe_npz import load_npz
from .boston_housing import check_test_split

FILE_HASHES = {
    "reuters.npz": "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916",
}
# Keras pins the word index by md5 only.
WORD_INDEX_MD5 = "4d44cc38712099c9e383dc6e5f11a921"

LABEL_NAMES = (
    "cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing", "money-supply", "coffee",
    "sugar", "trade", "reserves", "ship", "cotton", "carcass", "crude", "nat-gas", "cpi", "money-fx",
    "interest", "gnp", "meal-feed", "alum", "oilseed", "gold", "tin", "strategic-metal", "livestock", "retail",
    "ipi", "iron-steel", "rubber", "heat", "jobs", "lei", "bop", "zinc", "orange", "pet-chem",
    "dlr", "gas", "silver", "wpi", "hog", "lead",
)  # fmt: skip


def load_data(
    path: str = "reuters.npz",
    num_words: int | None = None,
    skip_top: int = 0,
    maxlen: int | None = None,
    test_split: float = 0.2,
    seed: int = 113,
    start_char: int | None = 1,
    oov_char: int | None = 2,
    index_from: int = 3,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load the Reuters dataset: 11,228 newswires as word-index lists, labelled over 46 topics.

    Words are indexed by overall frequency (1 = most frequent). As in Keras:
    the newswires are shuffled with ``np.random.RandomState(seed)``; every
    index is shifted by ``index_from`` and ``start_char`` is prepended; with
    ``maxlen``, sequences of ``maxlen`` or more tokens (start included) are
    dropped; every index outside ``[skip_top, num_words)`` becomes
    ``oov_char`` (or is removed if ``oov_char`` is None); then the first
    ``int(n * (1 - test_split))`` sequences are the training set.

    Args:
        path: file name of the cached ``.npz`` (relative to the cache folder).
            Defaults to ``'reuters.npz'``.
        num_words: keep the ``num_words`` most frequent indices (after the
            shift). Defaults to None: keep all (as in Keras, the single
            largest index then still becomes ``oov_char``).
        skip_top: indices below this become ``oov_char``. Defaults to 0.
        maxlen: drop sequences of this length or longer. Defaults to None.
        test_split: fraction of the sequences kept for testing, in
            ``[0, 1)``. Defaults to 0.2.
        seed: shuffling seed. Defaults to 113.
        start_char: marker prepended to every sequence, or None. Defaults to 1.
        oov_char: replacement for dropped words, or None to remove them.
            Defaults to 2.
        index_from: shift added to every word index. Defaults to 3.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: ``x_*`` are 1-D object
        arrays of lists of Python ints, ``y_*`` integer arrays of topic
        indices 0-45 (names in ``get_label_names()``).
    """
    _sequences.check_arguments(num_words, skip_top, maxlen, start_char, oov_char, index_from)
    check_test_split(test_split)

    (npz_path,) = _cache.fetch("Reuters", [_cache.Remote(path, "reuters.npz", FILE_HASHES["reuters.npz"])])
    arrays = load_npz(npz_path)
    missing = [k for k in ("x", "y") if k not in arrays]
    if missing:
        raise _cache.corrupt(npz_path, f"missing arrays {missing}; found {sorted(arrays)}")
    rng = np.random.RandomState(seed)
    values, lengths, labels = _sequences.shuffled(arrays["x"], arrays["y"], ("x", "y"), rng, npz_path, start_char,
                                                  index_from, maxlen)
    if maxlen and len(lengths) == 0 and not num_words:
        raise _sequences.no_sequence_kept(maxlen)  # Keras fails here too, in max() of nothing
    ((values, lengths),) = _sequences.limit_vocabulary([(values, lengths)], num_words, skip_top, oov_char)

    xs = _sequences.to_object_array(values, lengths)
    idx = int(len(xs) * (1 - test_split))
    return (xs[:idx].copy(), labels[:idx].copy()), (xs[idx:].copy(), labels[idx:].copy())


def get_word_index(path: str = "reuters_word_index.json") -> dict[str, int]:
    """The dict mapping each word to its index in the Reuters data (before ``index_from``).

    Args:
        path: file name of the cached JSON (relative to the cache folder).
            Defaults to ``'reuters_word_index.json'``.

    Returns:
        ``{word: index}``, the most frequent word having index 1.
    """
    remote = _cache.Remote(path, "reuters_word_index.json", None, md5=WORD_INDEX_MD5)
    (json_path,) = _cache.fetch("Reuters word index", [remote])
    return _sequences.read_word_index(json_path)


def get_label_names() -> tuple[str, ...]:
    """The 46 topic names, indexed by the labels of ``load_data``."""
    return LABEL_NAMES
