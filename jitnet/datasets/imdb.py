"""IMDB movie-review sentiment, as ``keras.datasets.imdb``.

``load_data`` gives the same sequences as Keras's for the same file and
arguments (same shuffle, start/offset/out-of-vocabulary rules, Keras 3's
``maxlen`` filter), computed on flat arrays instead of Python loops. The
file is read by the restricted reader: loading it cannot run code.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import numpy as np

from . import _cache
from ._safe_npz import load_npz

FILE_HASHES = {
    "imdb.npz": "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f",
    # Keras pins this file by md5 bfafd718b763782e994055a2d397834f; this is the same file's sha256.
    "imdb_word_index.json": "027313fe9a320280f3bf0fac5baf58c4a683cf39a7ed9c3d3d3912bde4284cf6",
}


def _flat(seqs: np.ndarray, path) -> tuple[np.ndarray, np.ndarray]:
    """Object array of int lists -> (int64 values, int64 lengths)."""
    lengths = np.fromiter(map(len, seqs), dtype=np.int64, count=len(seqs))
    try:
        values = np.fromiter(itertools.chain.from_iterable(seqs), dtype=np.int64, count=int(lengths.sum()))
    except OverflowError:
        raise _cache.corrupt(path, "a word index does not fit in int64") from None
    return values, lengths


def _keep_rows(values: np.ndarray, lengths: np.ndarray, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return values[np.repeat(keep, lengths)], lengths[keep]


def _to_object_array(values: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Flat values -> 1-D object array of Python int lists (1-D even if all lengths are equal)."""
    flat = values.tolist()
    ends = np.cumsum(lengths).tolist()
    out = np.empty(len(lengths), dtype=object)
    start = 0
    for i, end in enumerate(ends):
        out[i] = flat[start:end]
        start = end
    return out


def _check_int(name: str, value: Any, allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        kind = "an integer or None" if allow_none else "an integer"
        raise TypeError(f"Expected {name} to be {kind}, received: {name}={value!r}")


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
    _check_int("num_words", num_words, allow_none=True)
    _check_int("skip_top", skip_top)
    _check_int("maxlen", maxlen, allow_none=True)
    _check_int("start_char", start_char, allow_none=True)
    _check_int("oov_char", oov_char, allow_none=True)
    _check_int("index_from", index_from, allow_none=True)

    (npz_path,) = _cache.fetch("IMDB", [_cache.Remote(path, "imdb.npz", FILE_HASHES["imdb.npz"])])
    arrays = load_npz(npz_path)
    keys = ("x_train", "y_train", "x_test", "y_test")
    missing = [k for k in keys if k not in arrays]
    if missing:
        raise _cache.corrupt(npz_path, f"missing arrays {missing}; found {sorted(arrays)}")
    parts = []
    rng = np.random.RandomState(seed)
    for xk, yk in (("x_train", "y_train"), ("x_test", "y_test")):
        x, y = arrays[xk], arrays[yk]
        if x.dtype != object or x.ndim != 1 or y.ndim != 1 or len(x) != len(y) or y.dtype.kind not in "iu":
            raise _cache.corrupt(
                npz_path, f"expected {xk} as a 1-D object array and {yk} as integer labels of the same length"
            )
        indices = np.arange(len(x))
        rng.shuffle(indices)
        values, lengths = _flat(x[indices], npz_path)
        labels = y[indices]
        if start_char is not None:
            # [start_char] + [w + index_from for w in x]
            starts = np.cumsum(lengths) - lengths + np.arange(len(lengths))
            shifted = np.empty(len(values) + len(lengths), dtype=np.int64)
            mask = np.ones(len(shifted), dtype=bool)
            mask[starts] = False
            shifted[starts] = start_char
            shifted[mask] = values + (index_from or 0)
            values, lengths = shifted, lengths + 1
        elif index_from:
            values = values + index_from
        if maxlen:
            keep = lengths < maxlen  # Keras keeps len(x) < maxlen
            values, lengths = _keep_rows(values, lengths, keep)
            labels = labels[keep]
        parts.append([values, lengths, labels])
    if maxlen and (len(parts[0][1]) == 0 or len(parts[1][1]) == 0):
        raise ValueError(
            f"After filtering for sequences shorter than maxlen={maxlen}, no sequence was kept. Increase maxlen."
        )

    if not num_words:
        num_words = max((int(p[0].max()) for p in parts if p[0].size), default=0)
    for part in parts:
        values, lengths = part[0], part[1]
        inside = (skip_top <= values) & (values < num_words)
        if oov_char is not None:
            part[0] = np.where(inside, values, np.int64(oov_char))
        else:
            rows = np.repeat(np.arange(len(lengths)), lengths)
            part[0] = values[inside]
            part[1] = np.bincount(rows[inside], minlength=len(lengths)).astype(np.int64)

    (vtr, ltr, ytr), (vte, lte, yte) = parts
    return (_to_object_array(vtr, ltr), ytr), (_to_object_array(vte, lte), yte)


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
    try:
        with open(json_path, encoding="utf-8") as f:
            index = json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise _cache.corrupt(json_path, f"invalid JSON ({e})") from None
    if not isinstance(index, dict) or not all(isinstance(k, str) and type(v) is int for k, v in index.items()):
        raise _cache.corrupt(json_path, "expected a JSON object mapping words to integers")
    return index
