"""``matmul``'s blocks: the same bits on one and two BLAS threads, and the product, for the shapes that take
each path (small products in inner or row blocks, long inner dimensions, the plain loops)."""

import numpy as np
import pytest
from numba import njit

from jitnet import _blas, config
from jitnet.kernels.blas import gemm
from jitnet.kernels.products import SERIAL, SMALL, block_depth, matmul, row_blocks


@njit
def _matmul(a, b, out):
    matmul(a, b, out)


@njit
def _plan(m, k, n, itemsize):
    depth = block_depth(m, k, n, itemsize)
    return depth, row_blocks(m, k, n, depth, itemsize)


@njit
def _gemm(a, b, out, start, depth, beta, row, rows):
    gemm(a, b, out, start, depth, beta, row, rows)


def test_the_784_input_layer_at_batch_32_runs_as_small_products():
    assert _plan(32, 784, 100, 4) == (112, 1)  # forward: 7 inner blocks whose (112, 100) slice of W fits L1
    assert _plan(784, 32, 100, 4) == (32, 3)  # kernel gradient: 3 row blocks of 262
    assert _plan(128, 784, 512, 4) == (262, 1)  # above SERIAL: the equal blocks of before, OpenBLAS's threads
    assert 784 * 100 * 32 <= SERIAL and 262 * 100 * 32 <= SMALL


SHAPES = [(32, 784, 100), (784, 32, 100), (784, 32, 64), (32, 300, 100), (128, 784, 100), (100, 32, 10),
          (32, 100, 10), (1000, 9, 32), (257, 1000, 33), (7, 5, 3), (16, 1, 8), (16, 8, 1), (5, 0, 4)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("transposed", [False, True])
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "x".join(map(str, s)))
def test_matmul_is_the_product_with_the_same_bits_on_one_and_two_threads(shape, transposed, dtype):
    m, k, n = shape
    rng = np.random.default_rng(m * k + n)
    a = rng.standard_normal((k, m) if transposed else (m, k)).astype(dtype)
    a = a.T if transposed else a
    b = rng.standard_normal((k, n)).astype(dtype)
    outs = []
    threads = config.get_num_threads()
    try:
        for count in (1, 2):
            _blas.set_num_threads(count)
            out = np.full((m, n), np.nan, dtype)
            _matmul(a, b, out)
            outs.append(out)
    finally:
        _blas.set_num_threads(threads)
    np.testing.assert_array_equal(outs[0], outs[1])
    tol = 2e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(outs[0], a.astype(np.float64) @ b.astype(np.float64), rtol=tol,
                               atol=tol * np.sqrt(max(k, 1)))


@pytest.mark.parametrize("transposed", [False, True])
def test_gemm_adds_a_block_of_rows_and_leaves_the_others(transposed):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((9, 7)).astype(np.float32)
    a = np.asfortranarray(a) if transposed else a
    b = rng.standard_normal((7, 5)).astype(np.float32)
    out = np.ones((9, 5), np.float32)
    _gemm(a, b, out, 2, 3, 1.0, 4, 3)
    expected = np.ones((9, 5), np.float32)
    expected[4:7] += a[4:7, 2:5] @ b[2:5]
    np.testing.assert_allclose(out, expected, rtol=1e-6)
