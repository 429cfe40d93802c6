"""Word-index sequences as Keras's ``imdb`` and ``reuters`` loaders prepare them.

Keras writes these steps as Python loops over lists of lists; here they run on
flat arrays: a sequence set is ``(values, lengths)``, all the word indices
end to end (int64) and the length of each sequence. ``imdb`` and ``reuters``
differ only in how they shuffle and split; the rules in between are these:

1. ``add_start_and_offset``: ``[start_char] + [w + index_from for w in x]``;
2. ``lengths < maxlen`` keeps a sequence (Keras drops ``len(x) >= maxlen``);
3. ``limit_vocabulary``: an index outside ``[skip_top, num_words)`` becomes
   ``oov_char`` or is removed; ``num_words`` defaults to the largest index,
   which is therefore replaced too, as in Keras.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import numpy as np

from .._validate import integer
from . import _cache

Sequences = tuple[np.ndarray, np.ndarray]  # (values, lengths), both int64


def check_int(name: str, value: Any, allow_none: bool = False) -> None:
    """Raise ``TypeError`` naming ``name`` unless ``value`` is an integer (or None if allowed)."""
    integer(name, value, none=allow_none, error=TypeError)


def check_arguments(
    num_words: Any, skip_top: Any, maxlen: Any, start_char: Any, oov_char: Any, index_from: Any
) -> None:
    """The argument checks shared by ``imdb.load_data`` and ``reuters.load_data``."""
    check_int("num_words", num_words, allow_none=True)
    check_int("skip_top", skip_top)
    check_int("maxlen", maxlen, allow_none=True)
    check_int("start_char", start_char, allow_none=True)
    check_int("oov_char", oov_char, allow_none=True)
    check_int("index_from", index_from, allow_none=True)


def flatten(seqs: np.ndarray, path: Path | str) -> Sequences:
    """Object array of int lists -> (int64 values, int64 lengths)."""
    lengths = np.fromiter(map(len, seqs), dtype=np.int64, count=len(seqs))
    try:
        values = np.fromiter(itertools.chain.from_iterable(seqs), dtype=np.int64, count=int(lengths.sum()))
    except OverflowError:
        raise _cache.corrupt(path, "a word index does not fit in int64") from None
    return values, lengths


def keep_rows(values: np.ndarray, lengths: np.ndarray, keep: np.ndarray) -> Sequences:
    """The sequences where the boolean ``keep`` is True."""
    return values[np.repeat(keep, lengths)], lengths[keep]


def to_object_array(values: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Flat values -> 1-D object array of Python int lists (1-D even if all lengths are equal)."""
    flat = values.tolist()
    ends = np.cumsum(lengths).tolist()
    out = np.empty(len(lengths), dtype=object)
    start = 0
    for i, end in enumerate(ends):
        out[i] = flat[start:end]
        start = end
    return out


def add_start_and_offset(
    values: np.ndarray, lengths: np.ndarray, start_char: int | None, index_from: int | None
) -> Sequences:
    """Keras's ``[start_char] + [w + index_from for w in x]`` (only the shift if ``start_char`` is None)."""
    if start_char is not None:
        starts = np.cumsum(lengths) - lengths + np.arange(len(lengths))
        shifted = np.empty(len(values) + len(lengths), dtype=np.int64)
        mask = np.ones(len(shifted), dtype=bool)
        mask[starts] = False
        shifted[starts] = start_char
        shifted[mask] = values + (index_from or 0)
        return shifted, lengths + 1
    if index_from:
        return values + index_from, lengths
    return values, lengths


def limit_vocabulary(
    parts: list[Sequences], num_words: int | None, skip_top: int, oov_char: int | None
) -> list[Sequences]:
    """Keras's out-of-vocabulary rule over every part, with one ``num_words`` for all.

    ``num_words`` defaults to the largest index over all parts (Keras's
    ``max(max(x) for x in xs)``); indices outside ``[skip_top, num_words)``
    become ``oov_char``, or are removed if it is None.
    """
    if not num_words:
        num_words = max((int(values.max()) for values, _ in parts if values.size), default=0)
    out = []
    for values, lengths in parts:
        inside = (skip_top <= values) & (values < num_words)
        if oov_char is not None:
            out.append((np.where(inside, values, np.int64(oov_char)), lengths))
        else:
            rows = np.repeat(np.arange(len(lengths)), lengths)
            out.append((values[inside], np.bincount(rows[inside], minlength=len(lengths)).astype(np.int64)))
    return out


def shuffled(x: np.ndarray, y: np.ndarray, names: tuple[str, str], rng: np.random.RandomState, path: Path | str,
             start_char: int | None, index_from: int, maxlen: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Checked, shuffled by ``rng`` as Keras does, offset, and cut to ``maxlen``: ``(values, lengths, labels)``."""
    if x.dtype != object or x.ndim != 1 or y.ndim != 1 or len(x) != len(y) or y.dtype.kind not in "iu":
        raise _cache.corrupt(path, f"expected {names[0]} as a 1-D object array and {names[1]} as integer labels "
                                   "of the same length")
    indices = np.arange(len(x))
    rng.shuffle(indices)
    values, lengths = flatten(x[indices], path)
    values, lengths = add_start_and_offset(values, lengths, start_char, index_from)
    labels = y[indices]
    if maxlen:
        keep = lengths < maxlen
        values, lengths = keep_rows(values, lengths, keep)
        labels = labels[keep]
    return values, lengths, labels


def no_sequence_kept(maxlen: int) -> ValueError:
    """The error for a ``maxlen`` that filters out every sequence."""
    return ValueError(
        f"After filtering for sequences shorter than maxlen={maxlen}, no sequence was kept. Increase maxlen."
    )


def read_word_index(path: Path) -> dict[str, int]:
    """A Keras word-index JSON file: ``{word: index}``; ``CorruptDatasetError`` naming ``path`` otherwise."""
    try:
        with open(path, encoding="utf-8") as f:
            index = json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise _cache.corrupt(path, f"invalid JSON ({e})") from None
    if not isinstance(index, dict) or not all(isinstance(k, str) and type(v) is int for k, v in index.items()):
        raise _cache.corrupt(path, "expected a JSON object mapping words to integers")
    return index
