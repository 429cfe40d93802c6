"""The compiled side of a model: its program, buffers and compiled calls.

A ``Trainer`` is made by ``compile`` (and remade when the layout changes).
It asks each layer to emit its op calls, decides where the loss reads, and
loads the program specialised for the model's structure (one for dense and
one for sparse inputs, each made on first use). Its buffers grow to the
largest batch size seen and are then reused, so the per-batch path
allocates nothing.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .. import config, program
from ..kernels import losses as kl
from ..kernels.products import SERIAL
from ..layers.base import regularizer_factors
from . import csr
from .arena import Arena
from .prefetch import Prefetch
from .rows import Rows

# Sigmoid or softmax outputs trained with crossentropy: the loss reads the
# logits instead (the *_LOGITS code), stable, and dL/dz = p - y there.
_FUSABLE = {"softmax": (kl.CCE, kl.SCCE), "logistic": (kl.BCE,)}
# A compile taking longer than this is reported at verbose >= 1.
REPORT_SECONDS = 1.0
_NO_INDEX = np.zeros(1, np.int64)
PREFETCH_BATCH_BYTES = 16 << 10  # below, a batch's rows are gathered faster than a helper is woken
_ELEMENTWISE = {"activation", "noise", "merge", "concat", "split", "dot", "batchnorm", "layernorm", "scale", "prelu"}


class Inputs:
    """A data set as the kernels take it: dense rows, or CSR rows with an empty ``x``.

    ``batch_nnz`` is the most non-zeros a batch can hold (CSR only).
    """

    def __init__(self, x: np.ndarray | Rows, ptr: np.ndarray = _NO_INDEX, idx: np.ndarray = _NO_INDEX,
                 val: np.ndarray | None = None, batch_nnz: int = 0) -> None:
        self.rows = x if isinstance(x, Rows) else None  # converted chunk by chunk in ``Trainer._steps``
        self.x = x if self.rows is None else np.zeros((0, x.width), x.dtype)
        self.ptr, self.idx, self.val, self.batch_nnz = ptr, idx, val, batch_nnz
        self.chunk_csr = False  # Rows: give each chunk to the kernels as CSR rows

    @property
    def sparse(self) -> bool:
        """True for CSR rows."""
        return self.val is not None

    @property
    def n(self) -> int:
        """Number of samples."""
        if self.rows is not None:
            return self.rows.shape[0]
        return len(self.ptr) - 1 if self.sparse else self.x.shape[0]


def _consecutive(rows: np.ndarray) -> bool:
    """True when ``rows`` are consecutive indices (an unshuffled epoch: read in place, nothing to gather)."""
    return rows.shape[0] < 2 or bool(rows[-1] - rows[0] == rows.shape[0] - 1 and np.all(np.diff(rows) == 1))


def _csr_inputs(x: np.ndarray, rows: tuple, batch_size: int) -> Inputs:
    ptr, idx, val, per_row = rows
    return Inputs(x[:0], ptr, idx, val, csr.batch_nnz(per_row, batch_size))


def _weight_tables(arena_vars: list) -> tuple[np.ndarray, ...]:
    """Penalty and constraint tables of the trainable weights (``jitnet.kernels.regularizers``)."""
    pen_i, pen_f, con_i, con_f = [], [], [], []
    for var in arena_vars:
        if var.state or not var.trainable:  # as Keras 3: frozen weights add no penalty and are not projected
            continue
        l1, l2 = regularizer_factors(var.regularizer)
        if l1 or l2:
            pen_i.append((var.offset, var.size))
            pen_f.append((l1, l2))
        if var.constraint is not None and var.constraint.code:
            con_i.append((var.constraint.code, var.offset, var.shape[0], var.size // var.shape[0]))
            con_f.append(var.constraint.params())
    return (np.array(pen_i, np.int64).reshape(-1, 2), np.array(pen_f, np.float64).reshape(-1, 2),
            np.array(con_i, np.int64).reshape(-1, 4), np.array(con_f, np.float64).reshape(-1, 3))


class Trainer:
    """Runs forward, loss, metrics, backward and updates as compiled calls."""

    def __init__(self, layers: list, input_shape: tuple[int, ...], arena: Arena, loss, metrics: list,
                 optimizer, input_grad: bool, emit: Callable[[program.ProgramBuilder], int],
                 loss_weights: list[float] | None = None, head_names: list[str] | None = None,
                 metric_heads: list[int] | None = None) -> None:
        """``emit(builder)`` appends the op calls of the model made of ``layers`` and returns its output buffer.

        ``loss`` is one loss, or one per output (``builder.outputs``, set by a
        model of several outputs), with its ``loss_weights``; ``head_names``
        name each output's loss in the logs (``<name>_loss``), and
        ``metric_heads`` give the output each metric reads (default: the first).
        """
        config.get_num_threads()  # first use: one thread limit for Numba and BLAS
        builder = program.ProgramBuilder(input_shape)
        slot = emit(builder)
        self.builder = builder
        self.pred_slot = slot
        self.arena = arena
        self.losses = [] if loss is None else list(loss) if isinstance(loss, (list, tuple)) else [loss]
        self.loss = self.losses[0] if self.losses else None
        self.metrics = metrics
        self.head_names = head_names or []
        self.optimizer = optimizer
        self.on_compile: Callable[[float], None] | None = None  # told the seconds of a slow compile
        outputs = builder.outputs or [slot]
        end = len(builder.calls) if builder.predict_only_from is None else builder.predict_only_from
        if self.losses and len(self.losses) != len(outputs):
            raise ValueError(f"The model has {len(outputs)} outputs but {len(self.losses)} losses.")
        self.backward_from = end - 1
        heads = [self._head(out, lo, end) for out, lo in zip(outputs, self.losses)]
        self.tables = builder.finish(needs_input_grad=input_grad, backward_from=self.backward_from)
        self.slots = self.tables.slots
        self.output_width = int(self.slots[self.pred_slot, 1] * self.slots[self.pred_slot, 2])  # values per sample
        self.size = self.tables.size
        program.check_tables(self.tables, builder.calls, arena.params.size, arena.state.size)
        weight_tables = _weight_tables([v for layer in layers for v in layer.arena_weights])
        self.heads = self._head_table(heads)
        self.head_w = np.array(loss_weights if loss_weights is not None else [1.0] * len(heads), np.float64)
        metric_heads = tuple(metric_heads or [0] * len(metrics))
        self._structure = {
            "losses": tuple(int(h[2]) for h in heads), "metrics": tuple(m.code for m in metrics),
            "metric_heads": metric_heads if any(metric_heads) else (),
            "optimizer": None if optimizer is None else optimizer.code,
            "penalties": len(weight_tables[0]) > 0, "constraints": len(weight_tables[2]) > 0,
            "activity": len(builder.activity) > 0, "accumulate": len(self.tables.accumulate) > 0,
        }
        in_place = all(self.slots[c.output, 0] != 0 for c in builder.calls)  # no op writes the input's memory
        self.meta = np.array([self.pred_slot, self.backward_from, in_place], np.int64)
        self._weight_tables = weight_tables
        self._metric_tables()
        self._programs: dict[bool, tuple] = {}
        self._compiled: dict[bool, Callable] = {}
        self.chunk = 1  # batches per compiled call, tuned by the fit loop
        self.bufs: tuple | None = None
        self.mb = 0
        self.ky = 0
        self.nnz = 0
        calls = builder.calls
        self.sparse_ok = bool(calls) and calls[0].kind == "dense" and calls[0].inputs == (0,) and \
            self.slots[0, 1] == 1 and self.slots[0, 2] >= 256
        dtype = arena.params.dtype
        # The optimizer group of evaluation and prediction, which do not read it; a real group's types.
        self._no_opt = (np.zeros((1, 1), dtype), np.zeros(1), np.zeros(4), np.zeros(2, np.int64), np.zeros(1), 0,
                        np.zeros(1, np.int64))
        self._no_out = np.zeros((1, 1), dtype)
        self._no_targets = (np.zeros((1, 1), dtype), np.zeros(1, dtype))  # targets and weights for predict
        self._xat = np.full(1, -1, np.int64)  # where a batch read in place starts in the data (-1: gathered)
        self.prefetch = Prefetch()
        self._local = np.arange(0)
        self._arena_group = (arena.params, arena.grads, arena.state)
        if optimizer is not None:
            optimizer.build(arena.n_trainable, arena.params.dtype, arena.segments)

    def _head(self, out: int, loss, end: int) -> tuple[int, int, int]:
        """``(pred_slot, loss_slot, loss_code)`` of an output trained with ``loss``.

        A sigmoid or softmax output trained with crossentropy gives the loss
        its logits instead (the ``*_LOGITS`` code): stable, and dL/dz = p - y
        there, so the activation's backward pass does not run.
        """
        b = self.builder
        start = b.slots[out][0]
        readers = [o for o, c in enumerate(b.calls[:end]) for s in c.inputs if b.slots[s][0] == start]
        if readers:
            raise NotImplementedError(f"An output that other layers also read cannot be trained with a loss in "
                                      f"jitnet (buffer {out}, read by op {readers[0]}).")
        code = loss.kernel_code
        o = b.producer(out)
        if o < 0:
            return out, out, code
        call = b.calls[o]
        penalised = any(b.slots[s][0] == start for s, _, _ in b.activity)
        logits = b.slots[call.inputs[0]][0] if call.inputs else -1
        once = sum(b.slots[s][0] == logits for c in b.calls[:end] for s in c.inputs) == 1
        if call.kind == "activation" and call.output == out and not penalised and once and \
                code in _FUSABLE.get(call.variant, ()):
            b.no_backward.add(o)
            return out, call.inputs[0], code + 1
        return out, out, code

    def _head_table(self, heads: list[tuple[int, int, int]]) -> np.ndarray:
        """``heads`` rows: pred, loss slot, code, rows per sample, target column and width, offset in swbuf."""
        table, col, sw_at = [], 0, 0
        for (out, loss_slot, code), loss in zip(heads, self.losses):
            rows, width = int(self.slots[out, 1]), int(self.slots[out, 1] * self.slots[out, 2])
            ky = rows if loss.sparse else width
            table.append([out, loss_slot, code, rows, col, ky, sw_at])
            col, sw_at = col + ky, sw_at + rows
        return np.array(table, np.int64).reshape(-1, 7)

    def _metric_tables(self) -> None:
        m = len(self.metrics)
        self.metric_param = np.zeros(m, np.float64)
        self.metric_loss = np.zeros(m, np.int64)
        self.metric_hyper = np.zeros((m, 3), np.float64)
        for i, metric in enumerate(self.metrics):
            _, param, loss_code, hyper = metric.kernel_args()
            self.metric_param[i], self.metric_loss[i], self.metric_hyper[i] = param, loss_code, hyper
        self.first_metric = 1 + (len(self.losses) if len(self.losses) > 1 else 0)
        self.acc = np.zeros((self.first_metric + m, 2), np.float64)
        self.loss_hyper = np.array([loss.hyper() for loss in self.losses] or [np.zeros(3)], np.float64)

    def program(self, sparse: bool = False):
        """The compiled program module for dense or sparse inputs, and its tables ``P``."""
        if sparse not in self._programs:
            kinds, index = self.builder.kinds(sparse)
            t = self.tables
            P = (t.ints, t.floats, index, t.accumulate, *self._weight_tables, t.activity_i, t.activity_f, self.meta,
                 self.heads, self.head_w)
            structure = program.Structure(kinds=kinds, sparse=sparse, **self._structure)
            self._programs[sparse] = (program.load_program(structure), P)
        return self._programs[sparse]

    def _run(self, sparse: bool, args: tuple) -> int:
        """Call the program's ``run_steps``; its first compile is timed and reported."""
        fn = self._compiled.get(sparse)
        if fn is None:
            fn, seconds = program.compile_entry(self.program(sparse)[0], "run_steps", args)
            self._compiled[sparse] = fn
            if self.on_compile is not None and seconds > REPORT_SECONDS:
                self.on_compile(seconds)
        return fn(*args)

    def compiled_for(self, inputs: Inputs) -> bool:
        """True once the steps for ``inputs`` (dense rows, or CSR rows, also per chunk) are compiled."""
        return (inputs.sparse or inputs.chunk_csr) in self._compiled

    def inputs(self, x: np.ndarray | Rows, batch_size: int) -> Inputs:
        """``x`` (n, features) as dense or, when sparse enough, CSR rows (``jitnet.models.csr``).

        ``Rows`` read chunk by chunk become CSR rows per chunk when their first block is sparse enough.
        """
        if not self.sparse_ok:
            return Inputs(x)
        if isinstance(x, Rows):
            inputs = Inputs(x)
            first = next(x.blocks())
            inputs.chunk_csr = csr.sparse_enough(int(np.count_nonzero(first)), first.size)
            return inputs
        rows = csr.rows_of(x)
        return Inputs(x) if rows is None else _csr_inputs(x, rows, batch_size)

    def reserve(self, batch_size: int, ky: int = 1, nnz: int = 0) -> None:
        """Make the buffers hold batches of ``batch_size`` samples, ``ky`` target columns, ``nnz`` CSR values."""
        if batch_size <= self.mb and ky == self.ky and nnz <= self.nnz and self.bufs is not None:
            return
        dtype = self.arena.params.dtype
        if batch_size > self.mb:
            self.mb = batch_size
            rows = self.heads[:, 3]
            self.ws = np.zeros(self.mb * self.size, dtype)
            self.dws = np.zeros(self.mb * self.size, dtype)
            self.swbuf = np.zeros(self.mb * max(int(rows.sum()), 1), dtype)
            self.scratch = np.zeros(self.mb * max(int(rows.max(initial=1)), 1), np.float64)
            self.bptr = np.zeros(self.mb + 1, np.int64)
            self.ky = 0
        if ky != self.ky:
            self.ky = ky
            self.ybuf = np.zeros(self.mb * ky, dtype)  # (mb, ky), flat for the kernels' views
        if nnz > self.nnz or self.bufs is None:
            self.nnz = max(nnz, self.nnz)
            self.bidx = np.zeros(max(self.nnz, 1), np.int64)
            self.bval = np.zeros(max(self.nnz, 1), dtype)
        # The groups the compiled steps take, rebuilt only when a buffer changed.
        self.bufs = (self.ws, self.dws, self.slots, self.mb, self.bptr, self.bidx, self.bval, self.bval[:0],
                     self._xat)
        self._head = (self.ybuf, self.swbuf, self.scratch, self.acc, self.loss_hyper, self.metric_param,
                      self.metric_loss, self.metric_hyper)

    @property
    def arena_group(self) -> tuple:
        """``(params, grads, state)``."""
        return self._arena_group

    def refresh_optimizer(self) -> None:
        """Re-read the optimizer's hyperparameters (its state is kept)."""
        if self.optimizer is not None:
            self.optimizer.build(self.arena.n_trainable, self.arena.params.dtype, self.arena.segments)

    def reset_metrics(self) -> None:
        """Zero the running loss and metric sums."""
        self.acc[:] = 0.0

    def logs(self) -> dict[str, float]:
        """Running means: ``loss`` and each metric by name."""
        return {name: float(total / count) for name, (total, count) in zip(self.log_names(), self.acc) if count}

    def log_names(self) -> list[str]:
        """``loss``, each output's ``<name>_loss`` (several outputs), then the metric names: the rows of the sums."""
        names = ["loss"] + ([f"{name}_loss" for name in self.head_names] if self.first_metric > 1 else [])
        return names + [metric.name for metric in self.metrics]

    def _steps(self, mode: int, inputs: Inputs, y, sw, order, first: int, n_batches: int, batch_size: int,
               opt: tuple, iteration: int = 0, training: bool = False, out: np.ndarray | None = None) -> int:
        if inputs.rows is not None:
            x, y, sw, order, out = inputs.rows.chunk(np.asarray(order, np.int64), first, n_batches, batch_size,
                                                     y, sw, self._no_out if out is None else out)
            inputs, first = _csr_inputs(x, csr.build(x), batch_size) if inputs.chunk_csr else Inputs(x), 0
        self.reserve(batch_size, y.shape[1], inputs.batch_nnz)
        sparse = inputs.val is not None
        x = np.asarray(inputs.x)
        data = (x, inputs.ptr, inputs.idx, inputs.val if sparse else self.bval, y, sw, np.asarray(order, np.int64))
        run = (int(first), int(n_batches), int(batch_size), int(iteration), int(training))
        bufs = self.bufs if sparse or not x.flags.writeable else (*self.bufs[:7], x.reshape(-1), self._xat)
        args = (mode, data, self.program(sparse)[1], bufs, self._arena_group, self._head, opt, run,
                self._no_out if out is None else out)
        fn = self._compiled.get(sparse)
        return fn(*args) if fn is not None else self._run(sparse, args)

    def train(self, inputs: Inputs, y, sw, order, first: int, n_batches: int, batch_size: int, lrs: np.ndarray,
              iteration: int) -> int:
        """Run ``n_batches`` training steps; returns how many ran (fewer on a non-finite loss).

        The optimizer's step count advances with each applied update, inside the compiled call.
        """
        o = self.optimizer
        opt = (o.slots, o.scalars, o.hyper, o.segments, lrs, int(self.arena.n_trainable), o.counter)
        if self._prefetches(inputs, batch_size) and \
                not _consecutive(order[first * batch_size:(first + n_batches) * batch_size]):
            return self._train_prefetched(inputs.x, y, sw, order, first, n_batches, batch_size, opt, iteration)
        return self._steps(0, inputs, y, sw, order, first, n_batches, batch_size, opt, iteration)

    def _prefetches(self, inputs: Inputs, batch_size: int) -> bool:
        """Whether a helper thread gathers the rows ahead: dense rows in memory, batches of at least
        ``PREFETCH_BATCH_BYTES``, a second core, and steps that leave it free (``_one_core``)."""
        return inputs.rows is None and not inputs.sparse and config.get_num_threads() >= 2 and \
            batch_size * inputs.x.shape[1] * inputs.x.itemsize >= PREFETCH_BATCH_BYTES and self._one_core(batch_size)

    def _train_prefetched(self, x: np.ndarray, y, sw, order, first: int, n_batches: int, batch_size: int,
                          opt: tuple, iteration: int) -> int:
        """``train`` in parts of the epoch whose rows a helper thread gathered (``jitnet.models.prefetch``)."""
        per_part = self.prefetch.part_steps(x, batch_size)
        size = per_part * batch_size
        done = 0
        while done < n_batches:
            step = first + done
            j = step // per_part
            k = min(first + n_batches, (j + 1) * per_part) - step
            rows, part_y, part_sw = self.prefetch.part(x, y, sw, order, j, size)
            if self._local.shape[0] < size:
                self._local = np.arange(size)
            part_opt = (*opt[:4], opt[4][done:], *opt[5:])
            ran = self._steps(0, Inputs(rows), part_y, part_sw, self._local[:rows.shape[0]],
                              step - j * per_part, k, batch_size, part_opt, iteration + done)
            done += ran
            if ran < k:
                break
        return done

    def _one_core(self, batch_size: int) -> bool:
        """True when a step starts no BLAS thread, so the second core is free for the helper: Dense products
        of at most ``SERIAL`` multiply-adds, elementwise ops beside them. With BLAS on both cores, a
        helper thread slows a step more than its gathering saves (5% on 784-2x256-10 at batch 128)."""
        for c in self.builder.calls:
            if c.kind not in _ELEMENTWISE and c.kind != "dense":
                return False
            src, dst = self.slots[c.inputs[0]], self.slots[c.output]
            if c.kind == "dense" and batch_size * src[1] * src[2] * dst[2] > SERIAL:
                return False
        return True

    def release(self) -> None:
        """Let the data of the last epoch go (a row gather still running ends first)."""
        self.prefetch.close()

    def test(self, inputs: Inputs, y, sw, order, first: int, n_batches: int, batch_size: int) -> None:
        """Accumulate loss and metrics in inference mode."""
        self._steps(1, inputs, y, sw, order, first, n_batches, batch_size, self._no_opt)

    def predict(self, inputs: Inputs, order, first: int, n_batches: int, batch_size: int, out: np.ndarray,
                training: bool = False, step: int = 0) -> None:
        """Write outputs of batches ``first ..`` into ``out`` (n, width)."""
        width = max(self.ky, 1)
        if self._no_targets[0].shape[1] != width:
            self._no_targets = (np.zeros((1, width), self.arena.params.dtype), self._no_targets[1])
        self._steps(2, inputs, *self._no_targets, order, first, n_batches, batch_size, self._no_opt, step,
                    training, out)
