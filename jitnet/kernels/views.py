"""Unchecked array views, for the buffers whose layout the program computes.

``pick(cond, a, b)`` chooses between two arrays without a branch.

``unowned(value)`` is ``value`` with every array in it (in nested tuples
too) as an alias that holds no reference: views of it count no references
either. A compiled program takes its arguments through it, since every view
of a counted array costs two atomic operations (a third of an 8-16-16-1
training step went to them). The caller keeps the arrays alive for the
call; nothing made from them may outlive it.

``view2d(a, start, rows, cols)`` is ``a[start:start + rows * cols].reshape(rows,
cols)`` for a 1-D C-contiguous ``a``, without the bounds and shape checks
(and their error paths, which cost Numba seconds of compile time): about
0.5 ns instead of 40 ns per view. Callers guarantee the range lies in ``a``;
in the bounds-checked mode (``JITNET_BOUNDSCHECK``) ``view2d`` checks it and
raises ``IndexError``.
"""

from __future__ import annotations

from numba import types
from numba.core import cgutils
from numba.core.imputils import impl_ret_borrowed
from numba.extending import intrinsic
from numba.np.arrayobj import make_array, populate_array

from ._jit import BOUNDSCHECK, inline_kernel


@intrinsic
def _view2d(typingctx, a, start, rows, cols):
    """A (rows, cols) C-contiguous view of ``a[start:]``; ``a`` must be 1-D and C-contiguous."""
    result = types.Array(a.dtype, 2, "C")

    def codegen(context, builder, sig, args):
        src = make_array(sig.args[0])(context, builder, args[0])
        out = make_array(result)(context, builder)
        intp = context.get_value_type(types.intp)
        itemsize = context.get_constant(types.intp, context.get_abi_sizeof(context.get_data_type(a.dtype)))
        start_, rows_, cols_ = (context.cast(builder, v, t, types.intp) for v, t in zip(args[1:], sig.args[1:]))
        populate_array(
            out, data=builder.gep(src.data, [start_]),
            shape=cgutils.pack_array(builder, [rows_, cols_], ty=intp),
            strides=cgutils.pack_array(builder, [builder.mul(cols_, itemsize), itemsize], ty=intp),
            itemsize=itemsize, meminfo=src.meminfo, parent=src.parent,
        )
        return impl_ret_borrowed(context, builder, result, out._getvalue())

    return result(a, start, rows, cols), codegen


@inline_kernel
def _checked_view2d(a, start, rows, cols):
    if start < 0 or rows < 0 or cols < 0 or start + rows * cols > a.size:
        raise IndexError("view2d: the view lies outside its array")
    return _view2d(a, start, rows, cols)


view2d = _checked_view2d if BOUNDSCHECK else _view2d


@intrinsic
def pick(typingctx, cond, a, b):
    """``b`` where ``cond`` holds, else ``a`` (two arrays of one type), chosen without a branch: a branch
    between two arrays in every buffer view cost a 8-16-16-1 training step a third of its time."""
    if a != b:
        return None

    def codegen(context, builder, sig, args):
        out = builder.select(args[0], args[2], args[1])
        return impl_ret_borrowed(context, builder, sig.return_type, out)

    return a(cond, a, b), codegen


def _unowned(context, builder, ty, value):
    if isinstance(ty, types.Array):
        arr = make_array(ty)(context, builder, value)
        arr.meminfo = cgutils.get_null_value(arr.meminfo.type)
        arr.parent = cgutils.get_null_value(arr.parent.type)
        return arr._getvalue()
    if isinstance(ty, types.BaseTuple):
        for i, item in enumerate(ty):
            value = builder.insert_value(value, _unowned(context, builder, item, builder.extract_value(value, i)), i)
    return value


@intrinsic
def unowned(typingctx, value):
    """``value`` with its arrays as aliases that count no references (see the module's docstring)."""

    def codegen(context, builder, sig, args):
        return _unowned(context, builder, sig.args[0], args[0])

    return value(value), codegen
