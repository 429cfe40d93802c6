"""One module per op kind, each with its ``forward`` and ``backward`` kernels.

An op module declares ``INTS`` and ``FLOATS``, the names of the fields of its
parameter record (its row in the program's int and float tables; ``src``,
``dsrc`` for each input, then ``dst``, come first), and either module-level kernels

    forward(iv, fv, bufs, arena, nb, training, step)
    backward(iv, fv, bufs, arena, nb, step)

or ``source(variant, prefix)``, which writes them for one variant (the
activation op: one variant per activation). ``iv``/``fv`` are the op's rows,
``bufs`` and ``arena`` the groups of ``jitnet.kernels.buffers``. Optional:
``BUFFERS`` names its other buffer fields, ``arena_fields(row, slots)`` the
arena ranges it touches and ``check(row, slots)`` refuses sizes that do not
fit its buffers; the builder checks every row with them before a kernel runs.
Adding an op kind means a module here and one line in ``KINDS``.
"""

from __future__ import annotations

from . import (
               activation,
               batchnorm,
               concat,
               conv,
               dense,
               dot,
               embedding,
               gru,
               layernorm,
               lstm,
               merge,
               noise,
               pad,
               pooling,
               prelu,
               scale,
               simple_rnn,
               sparse_dense,
               split,
)

KINDS = {
    "dense": dense,
    "sparse_dense": sparse_dense,
    "activation": activation,
    "noise": noise,
    "batchnorm": batchnorm,
    "layernorm": layernorm,
    "prelu": prelu,
    "merge": merge,
    "concat": concat,
    "split": split,
    "dot": dot,
    "conv": conv,
    "pooling": pooling,
    "pad": pad,
    "scale": scale,
    "embedding": embedding,
    "simple_rnn": simple_rnn,
    "lstm": lstm,
    "gru": gru,
}
