"""Flush denormals to zero inside compiled calls (x86's MXCSR FTZ and DAZ bits).

Values below ~1e-38 (float32) take a slow path on x86 CPUs; optimizer slots
for inputs that are always zero decay into that range and can make a step
many times slower. ``denormals_off()`` sets the two bits for the calling
thread and returns the previous register, ``restore(old)`` puts it back, so
user code outside jitnet's kernels keeps IEEE behaviour. Elsewhere than x86
both are no-ops.
"""

from __future__ import annotations

import platform

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from ._jit import kernel

_X86 = platform.machine().lower() in ("x86_64", "amd64", "i386", "i686")
FTZ_DAZ = 0x8040


def _mxcsr_call(builder, name, ptr):
    fnty = ir.FunctionType(ir.VoidType(), [ir.IntType(8).as_pointer()])
    fn = cgutils.get_or_insert_function(builder.module, fnty, name)
    builder.call(fn, [builder.bitcast(ptr, ir.IntType(8).as_pointer())])


@intrinsic
def _get_mxcsr(typingctx):
    def codegen(context, builder, signature, args):
        ptr = cgutils.alloca_once(builder, ir.IntType(32))
        if _X86:
            _mxcsr_call(builder, "llvm.x86.sse.stmxcsr", ptr)
        else:
            builder.store(ir.Constant(ir.IntType(32), 0), ptr)
        return builder.load(ptr)

    return types.uint32(), codegen


@intrinsic
def _set_mxcsr(typingctx, value):
    def codegen(context, builder, signature, args):
        if _X86:
            ptr = cgutils.alloca_once(builder, ir.IntType(32))
            builder.store(args[0], ptr)
            _mxcsr_call(builder, "llvm.x86.sse.ldmxcsr", ptr)
        return context.get_dummy_value()

    return types.void(types.uint32), codegen


@kernel
def denormals_off():
    """Set flush-to-zero and denormals-are-zero; returns the previous state."""
    old = _get_mxcsr()
    _set_mxcsr(old | FTZ_DAZ)
    return old


@kernel
def restore(old):
    """Put back the state ``denormals_off`` returned."""
    _set_mxcsr(old)
