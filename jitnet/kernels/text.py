"""Kernels for integer token sequences held as flat values plus row offsets.

A ragged batch of ``n`` sequences is passed as ``values`` (all tokens, one
sequence after another) and ``offsets`` (``n + 1`` int64 positions):
sequence ``i`` is ``values[offsets[i]:offsets[i + 1]]``. Callers check the
token range; the kernels trust it.
"""

from __future__ import annotations

from numba import prange

from ._jit import parallel_kernel


@parallel_kernel
def multi_hot(values, offsets, out):
    """Multi-hot encode ragged sequences, one row per sequence.

    ``out[i, j] = 1`` if token ``j`` occurs in sequence ``i``, else ``0``.

    Parameters
    ----------
    values : ndarray of int64, shape (nnz,)
        All tokens; every one must lie in ``[0, out.shape[1])``.
    offsets : ndarray of int64, shape (n + 1,)
        Row boundaries, non-decreasing, ``offsets[0] == 0``,
        ``offsets[n] == nnz``.
    out : ndarray, shape (n, num_classes), float32, float64 or integer
        Overwritten in place (every element is written). Rows are split
        across threads, each thread owning whole rows.

    Returns
    -------
    None
    """
    n = out.shape[0]
    width = out.shape[1]
    for i in prange(n):
        for j in range(width):
            out[i, j] = 0
        for k in range(offsets[i], offsets[i + 1]):
            out[i, values[k]] = 1


@parallel_kernel
def pad_rows(values, offsets, pre_padding, pre_truncating, out):
    """Copy ragged sequences into fixed-width rows (``pad_sequences``).

    Sequence ``i`` of length ``L`` keeps ``k = min(L, maxlen)`` tokens, with
    ``maxlen = out.shape[1]``: the last ``k`` if ``pre_truncating`` else the
    first ``k``. They are written to ``out[i, maxlen - k:]`` if
    ``pre_padding`` else to ``out[i, :k]``. The other cells keep the padding
    value the caller filled ``out`` with.

    Parameters
    ----------
    values : ndarray, shape (nnz,)
        All tokens (any numeric dtype; cast to ``out.dtype`` on assignment).
    offsets : ndarray of int64, shape (n + 1,)
        Row boundaries as in ``multi_hot``.
    pre_padding : bool
        Pad at the start (Keras ``padding='pre'``) rather than the end.
    pre_truncating : bool
        Drop tokens from the start (Keras ``truncating='pre'``).
    out : ndarray, shape (n, maxlen)
        Pre-filled with the padding value; kept cells are overwritten in
        place. Each thread owns whole rows.

    Returns
    -------
    None
    """
    n = out.shape[0]
    maxlen = out.shape[1]
    for i in prange(n):
        start = offsets[i]
        length = offsets[i + 1] - start
        k = min(length, maxlen)
        if pre_truncating:
            start += length - k
        col = maxlen - k if pre_padding else 0
        for j in range(k):
            out[i, col + j] = values[start + j]
