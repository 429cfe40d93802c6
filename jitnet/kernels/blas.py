"""``gemm``: one BLAS call that adds a block of a product into ``out``.

``gemm(a, b, out, start, depth, beta, row, rows)`` sets ``out[r] = beta *
out[r] + a[r, s] @ b[s, :]`` for ``r = row:row + rows`` and ``s = start:start
+ depth``: the product over a block of the inner dimension, for a block of
rows, which ``np.dot`` cannot express. ``a`` and ``b`` are C- or
F-contiguous (a transposed view is F), ``out`` is C-contiguous, and the
caller guarantees the blocks lie inside them. It calls the same BLAS entry
point as Numba's ``np.dot`` (scipy's, through Numba's helper library).
"""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.core.errors import TypingError
from numba.extending import intrinsic
from numba.np.arrayobj import make_array
from numba.np.linalg import ensure_blas, get_blas_kind

_CHAR = ir.IntType(8)


@intrinsic
def gemm(typingctx, a, b, out, start, depth, beta, row, rows):
    """``out[r] = beta * out[r] + a[r, start:start + depth] @ b[start:start + depth]`` for ``r`` in
    ``row:row + rows``, in one BLAS call."""
    for name, arr in (("a", a), ("b", b), ("out", out)):
        if not isinstance(arr, types.Array) or arr.ndim != 2 or arr.layout not in "CF" or arr.dtype != out.dtype:
            raise TypingError(f"gemm: {name} must be a 2-D C- or F-contiguous array of the output's dtype")
    if out.layout != "C":
        raise TypingError("gemm: out must be C-contiguous")
    ensure_blas()
    kind = get_blas_kind(out.dtype, "gemm")

    def codegen(context, builder, sig, args):
        intp_t = context.get_value_type(types.intp)
        void_p = cgutils.voidptr_t
        fnty = ir.FunctionType(ir.IntType(32), [_CHAR, _CHAR, _CHAR, intp_t, intp_t, intp_t, void_p, void_p,
                                                intp_t, void_p, intp_t, void_p, void_p, intp_t])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "numba_xxgemm")
        arrays = [make_array(t)(context, builder, v) for t, v in zip(sig.args[:3], args[:3])]
        shapes = [cgutils.unpack_tuple(builder, arr.shape, 2) for arr in arrays]
        first, count, row0, m = (context.cast(builder, v, t, types.intp)
                                 for v, t in zip(args[3:5] + args[6:8], sig.args[3:5] + sig.args[6:8]))
        alpha = cgutils.alloca_once_value(builder, context.get_constant(out.dtype, 1.0))
        scale = cgutils.alloca_once_value(builder, context.cast(builder, args[5], sig.args[5], out.dtype))
        one = ir.Constant(intp_t, 1)

        def operand(ty, arr, shape, inner_axis, outer_first):
            # BLAS is column-major: a C array is its transpose there. Its block starts
            # ``first`` steps along the inner axis and ``outer_first`` along the other;
            # ``ld`` is the physical row length.
            c_layout = ty.layout == "C"
            ld = shape[1] if c_layout else shape[0]
            inner_step, outer_step = (ld, one) if c_layout == (inner_axis == 0) else (one, ld)
            offset = builder.add(builder.mul(first, inner_step), builder.mul(outer_first, outer_step))
            trans = ir.Constant(_CHAR, ord("n" if ty.layout == "C" else "t"))
            return trans, ld, builder.bitcast(builder.gep(arr.data, [offset]), void_p)

        zero = ir.Constant(intp_t, 0)
        trans_b, ldb, data_b = operand(sig.args[1], arrays[1], shapes[1], 0, zero)
        trans_a, lda, data_a = operand(sig.args[0], arrays[0], shapes[0], 1, row0)
        n = shapes[2][1]
        data_out = builder.bitcast(builder.gep(arrays[2].data, [builder.mul(row0, n)]), void_p)
        # out^T = b^T a^T in column-major terms, as Numba's np.dot calls it.
        builder.call(fn, (ir.Constant(_CHAR, ord(kind)), trans_b, trans_a, n, m, count,
                          builder.bitcast(alpha, void_p), data_b, ldb, data_a, lda,
                          builder.bitcast(scale, void_p), data_out, n))
        return context.get_dummy_value()

    return types.none(a, b, out, start, depth, beta, row, rows), codegen
