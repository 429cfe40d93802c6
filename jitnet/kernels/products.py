"""Matrix products and column sums for the ops.

Products go to BLAS, except for a single output column or a single inner
index, where a plain loop wins. From 32x8x16 up BLAS is as fast as loops
(see ``matmul``), and it pulls ahead beyond.

Results do not depend on the thread count. OpenBLAS splits a long inner
dimension into blocks one way when it runs on one thread and another way
on several, so the same product differs in its last bits between 1 and 2
threads (measured here for inner sizes from 464 up in float32 and 400 in
float64). ``matmul`` therefore sums long products itself, in equal blocks
that depend only on the shape, of at most ``DEPTH_32``/``DEPTH_64`` inner
indices: below OpenBLAS's inner block size (its GEMM_Q: 384-448 for
float32 and 256-384 for float64 on the x86 targets), which it never splits.

Products of up to ``SERIAL`` multiply-adds (the 784-input layer at batch
32 has 2.5 million) run as small products, of ``m * n * k <= SMALL``, which
OpenBLAS computes with its small-matrix kernels (x86-64 targets with
AVX-512): on one thread, without packing. Measured here in float32 on one
thread (float64 gains as much):

- Inner blocks that keep a ``(depth, n)`` block of ``b`` within
  ``PANEL_BYTES`` (the L1 cache), when those blocks are small products:
  32x784 @ 784x100 takes 27.5-28.5 us in 7 blocks of 112 against 31-36 us in
  3 of 262, 32x300 @ 300x100 11.7 against 13.6 us.
- Row blocks that are small products, when ``b``'s block fits
  ``SPLIT_PANEL_BYTES``: the layer's kernel gradient (784x32 @ 32x100) takes
  27 us in 3 against 40-44 us whole; 784x32 @ 32x64 16 against 25. With a
  larger ``b`` block (32x262 @ 262x512, 1568x288 @ 288x64) they lose.

On two threads the whole gradient took 22 us, but its threads stall as soon
as another process is busy: an epoch of the 784-100-10 model at batch 32,
2 threads fixed, took 0.5-12 s beside other jobs, against 0.18 s with the
small products, which start no OpenBLAS thread there. Both choices depend
on the shape alone, so the results stay those of any thread count; larger
products keep OpenBLAS's threads.
"""

from __future__ import annotations

from ._jit import kernel
from .blas import gemm

DEPTH_32, DEPTH_64 = 384, 256
SMALL, SERIAL = 1_000_000, 4_000_000
PANEL_BYTES, SPLIT_PANEL_BYTES = 48 * 1024, 64 * 1024


@kernel
def _equal_blocks(k, depth):
    """The size of the fewest equal blocks of at most ``depth`` that cover ``k``."""
    blocks = (k + depth - 1) // depth
    return (k + blocks - 1) // blocks


@kernel
def block_depth(m, k, n, itemsize):
    """The inner block size ``matmul`` sums an (m, k) @ (k, n) product in."""
    size = _equal_blocks(k, DEPTH_32 if itemsize == 4 else DEPTH_64)
    panel = max(1, PANEL_BYTES // (n * itemsize))
    if m * n * k <= SERIAL and panel < size:
        small = _equal_blocks(k, panel)
        if m * n * small <= SMALL:
            return small
    return size


@kernel
def row_blocks(m, k, n, depth, itemsize):
    """The number of row blocks ``matmul`` computes that product in, with inner blocks of ``depth``."""
    if m * n * k > SERIAL or m * n * depth <= SMALL or depth * n * itemsize > SPLIT_PANEL_BYTES:
        return 1
    return min(m, (m * n * depth + SMALL - 1) // SMALL)


@kernel
def matmul(a, b, out):
    """``out = a @ b``; ``a`` (m, k) may be a transposed view, ``out`` (m, n) is written.

    Measured per call (float32): 32x16 @ 16x1 takes 0.17 us as dot products
    against 0.5 us in BLAS; 32x8 @ 8x16 takes 0.5-0.7 us either way, and
    BLAS pulls ahead from there (32x100 @ 100x10: 1.8 us against 11 us).
    """
    m, k = a.shape
    n = b.shape[1]
    if b.shape[0] != k or out.shape[0] != m or out.shape[1] != n:
        raise ValueError("matmul: shapes do not match")
    if n == 1:
        for i in range(m):
            acc = 0.0
            for p in range(k):
                acc += a[i, p] * b[p, 0]
            out[i, 0] = acc
    elif k == 1:
        for i in range(m):
            ai = a[i, 0]
            for j in range(n):
                out[i, j] = ai * b[0, j]
    elif k == 0:
        out[:] = 0.0
    else:
        size = block_depth(m, k, n, a.itemsize)
        parts = row_blocks(m, k, n, size, a.itemsize)
        rows = (m + parts - 1) // parts
        for row in range(0, m, rows):
            count = min(rows, m - row)
            for first in range(0, k, size):
                gemm(a, b, out, first, min(size, k - first), 0.0 if first == 0 else 1.0, row, count)


@kernel
def column_sums(a, out):
    """``out[j] = sum_i a[i, j]``, summed in row order (deterministic)."""
    out[:] = 0.0
    for i in range(a.shape[0]):
        for j in range(a.shape[1]):
            out[j] += a[i, j]
