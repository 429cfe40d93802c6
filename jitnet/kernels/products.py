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
Three blocks of 262 for the 784 inputs of MNIST cost 1-3% on a 128x784x512
product and save a quarter on a 32x784x100 one.
"""

from __future__ import annotations

from ._jit import kernel
from .blas import gemm

DEPTH_32, DEPTH_64 = 384, 256


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
        depth = DEPTH_32 if a.itemsize == 4 else DEPTH_64
        blocks = (k + depth - 1) // depth
        size = (k + blocks - 1) // blocks
        for first in range(0, k, size):
            gemm(a, b, out, first, min(size, k - first), 0.0 if first == 0 else 1.0)


@kernel
def column_sums(a, out):
    """``out[j] = sum_i a[i, j]``, summed in row order (deterministic)."""
    out[:] = 0.0
    for i in range(a.shape[0]):
        for j in range(a.shape[1]):
            out[j] += a[i, j]
