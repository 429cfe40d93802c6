"""The program's buffers, and the batch gathered into them.

``bufs = (ws, dws, slots, mb, bptr, bidx, bval, xin, xat)`` groups what
every op reads: ``ws`` holds the activations of a batch and ``dws``, laid
out the same way, their gradients; ``slots`` (n_slots, 3) int64 gives each
buffer's start, rows and features *per sample*, and buffer ``s`` for ``nb``
samples is ``ws[mb * start : ...]`` viewed as ``(nb * rows, features)``,
``mb`` being the largest batch size. ``bptr``, ``bidx``, ``bval`` hold the
batch as CSR rows when the first layer reads sparse inputs.

The input's memory (start 0: the input buffer and its aliases) may instead
be read in place: while ``xat[0] >= 0`` it is ``xin[xat[0]:]``, ``xin``
being the data's rows, flat. A batch whose samples are consecutive rows of
the data (evaluation, prediction, unshuffled training, and the parts of a
shuffled epoch that ``jitnet.models.prefetch`` gathered ahead) is then never
copied.

``arena = (params, grads, state)``: every parameter in one array (trainable
first), their gradients at the same offsets, and non-trainable state.
"""

from __future__ import annotations

from ._jit import entry_kernel, inline_kernel, kernel
from .views import pick, view2d


@inline_kernel
def values_at(bufs, s):
    """The array holding buffer ``s``'s values, and where they start in it: ``ws``, or ``xin`` for the
    input's memory read in place."""
    at, xat = bufs[3] * bufs[2][s, 0], bufs[8][0]
    in_place = (at == 0) & (xat >= 0)
    return pick(in_place, bufs[0], bufs[7]), xat if in_place else at


@inline_kernel
def value_block(bufs, s, rows, cols):
    """Buffer ``s``'s values from its start as a (rows, cols) view (``rows * cols`` within the buffer)."""
    a, at = values_at(bufs, s)
    return view2d(a, at, rows, cols)


@inline_kernel
def value(bufs, s, nb):
    """Buffer ``s`` for ``nb`` samples as a (nb * rows, features) view of its values."""
    a, at = values_at(bufs, s)
    return view2d(a, at, nb * bufs[2][s, 1], bufs[2][s, 2])


@inline_kernel
def grad(bufs, s, nb):
    """The gradient of buffer ``s``: the same view of ``dws``."""
    slots, mb = bufs[2], bufs[3]
    return view2d(bufs[1], mb * slots[s, 0], nb * slots[s, 1], slots[s, 2])


@inline_kernel
def sample_value(bufs, s, nb):
    """Buffer ``s`` for ``nb`` samples as a (nb, rows * features) view of its values."""
    a, at = values_at(bufs, s)
    return view2d(a, at, nb, bufs[2][s, 1] * bufs[2][s, 2])


@inline_kernel
def sample_grad(bufs, s, nb):
    """``sample_value`` of ``dws``."""
    slots, mb = bufs[2], bufs[3]
    return view2d(bufs[1], mb * slots[s, 0], nb, slots[s, 1] * slots[s, 2])


@inline_kernel
def matrix(a, offset, rows, cols):
    """``a[offset:offset + rows * cols]`` as a (rows, cols) view."""
    return view2d(a, offset, rows, cols)


@kernel
def copy(src, dst):
    """``dst = src`` for 2-D arrays of one shape (a loop: no shape-error path to compile)."""
    for i in range(src.shape[0]):
        for j in range(src.shape[1]):
            dst[i, j] = src[i, j]


@kernel
def accumulate(bufs, target, sources, nb):
    """``grad(target) = sum of grad(s) for s in sources``: a buffer read by several ops."""
    out = sample_grad(bufs, target, nb)
    copy(sample_grad(bufs, sources[0], nb), out)
    for k in range(1, sources.shape[0]):
        src = sample_grad(bufs, sources[k], nb)
        for i in range(out.shape[0]):
            for j in range(out.shape[1]):
                out[i, j] += src[i, j]


@kernel
def gather(src, order, lo, nb, dst):
    """``dst[i] = src[order[lo + i]]`` for ``i < nb`` (rows of 2-D arrays)."""
    for i in range(nb):
        r = order[lo + i]
        for j in range(src.shape[1]):
            dst[i, j] = src[r, j]


@entry_kernel
def take_rows(src, rows, dst):
    """``dst[i] = src[rows[i]]``, converted to ``dst``'s type: one pass for inputs read chunk by chunk."""
    gather(src, rows, 0, rows.shape[0], dst)


@kernel
def gather_csr(xptr, xidx, xval, order, lo, nb, bptr, bidx, bval):
    """CSR rows ``order[lo:lo + nb]`` of a data set into the batch CSR buffers."""
    k = 0
    bptr[0] = 0
    for i in range(nb):
        r = order[lo + i]
        for p in range(xptr[r], xptr[r + 1]):
            bidx[k] = xidx[p]
            bval[k] = xval[p]
            k += 1
        bptr[i + 1] = k


@kernel
def consecutive(order, lo, nb, n):
    """True when ``order[lo:lo + nb]`` are the consecutive rows ``order[lo] ..`` of ``n`` rows."""
    first = order[lo]
    if first < 0 or first + nb > n:
        return False
    for i in range(1, nb):
        if order[lo + i] != first + i:
            return False
    return True


@kernel
def gather_inputs(data, order, lo, nb, bufs, sparse, in_place):
    """The inputs of samples ``order[lo:lo + nb]``: into buffer 0, or into the CSR buffers, or, with
    ``in_place`` and consecutive rows, read where they are (``xat``; ``xin`` is ``x``'s rows).

    ``data = (x, xptr, xidx, xval, ...)``: dense rows, or CSR rows with an empty ``x``.
    """
    if sparse:
        gather_csr(data[1], data[2], data[3], order, lo, nb, bufs[4], bufs[5], bufs[6])
        return
    x = data[0]
    if in_place and bufs[7].shape[0] == x.size and consecutive(order, lo, nb, x.shape[0]):
        bufs[8][0] = order[lo] * x.shape[1]
        return
    bufs[8][0] = -1
    gather(x, order, lo, nb, sample_value(bufs, 0, nb))


@kernel
def gather_targets(data, order, lo, nb, head, heads, mb):
    """Each head's targets into its block of ``ybuf``, and each sample weight repeated for its output rows.

    ``data = (x, xptr, xidx, xval, y, sample_weight)``; ``head`` and ``heads``
    as in the program docstring: head ``h`` takes columns ``heads[h, 4]`` to
    ``heads[h, 4] + heads[h, 5]`` of ``y``.
    """
    y, sw, ybuf, swbuf = data[4], data[5], head[0], head[1]
    for h in range(heads.shape[0]):
        rows, col, width, sw_at = heads[h, 3], heads[h, 4], heads[h, 5], mb * heads[h, 6]
        block = view2d(ybuf, mb * col, nb, width)
        for i in range(nb):
            r = order[lo + i]
            for j in range(width):
                block[i, j] = y[r, col + j]
            w = sw[r]
            for k in range(rows):
                swbuf[sw_at + i * rows + k] = w


@kernel
def scale_grad(bufs, s, nb, w):
    """``grad(s) *= w`` (a loss weight)."""
    g = sample_grad(bufs, s, nb)
    for i in range(g.shape[0]):
        for j in range(g.shape[1]):
            g[i, j] *= w
