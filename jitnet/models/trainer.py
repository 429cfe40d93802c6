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
from ..layers.base import regularizer_factors
from .arena import Arena

# Sigmoid or softmax outputs trained with crossentropy: the loss reads the
# logits instead (the *_LOGITS code), stable, and dL/dz = p - y there.
_FUSABLE = {"softmax": (kl.CCE, kl.SCCE), "logistic": (kl.BCE,)}
# Inputs with at most this share of non-zeros, feeding a Dense first layer,
# go to the kernels as CSR rows (multi-hot text: about 1-2%).
SPARSE_DENSITY = 0.05
# A compile taking longer than this is reported at verbose >= 1.
REPORT_SECONDS = 1.0
_NO_INDEX = np.zeros(1, np.int64)


class Inputs:
    """A data set as the kernels take it: dense rows, or CSR rows with an empty ``x``.

    ``batch_nnz`` is the most non-zeros a batch can hold (CSR only).
    """

    def __init__(self, x: np.ndarray, ptr: np.ndarray = _NO_INDEX, idx: np.ndarray = _NO_INDEX,
                 val: np.ndarray | None = None, batch_nnz: int = 0) -> None:
        self.x, self.ptr, self.idx, self.val, self.batch_nnz = x, ptr, idx, val, batch_nnz

    @property
    def sparse(self) -> bool:
        """True for CSR rows."""
        return self.val is not None

    @property
    def n(self) -> int:
        """Number of samples."""
        return len(self.ptr) - 1 if self.sparse else self.x.shape[0]


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
                 optimizer, input_grad: bool = False) -> None:
        config.get_num_threads()  # first use: one thread limit for Numba and BLAS
        builder = program.ProgramBuilder(input_shape)
        slot = builder.input_slot
        for layer in layers:
            slot = layer.emit(builder, slot)
        self.builder = builder
        self.pred_slot = slot
        self.arena = arena
        self.loss = loss
        self.metrics = metrics
        self.optimizer = optimizer
        self.on_compile: Callable[[str, float], None] | None = None
        self._fuse_loss()
        self.tables, steps = builder.finish(needs_input_grad=input_grad, backward_from=self.backward_from)
        self.slots = self.tables.slots
        self.size = self.tables.size
        program.check_tables(self.tables, builder.calls, arena.params.size, arena.state.size)
        variables = [v for layer in layers for v in layer.arena_weights]
        weight_tables = _weight_tables(variables)
        self._structure = {
            "backward_from": self.backward_from, "accumulate": tuple(steps),
            "activity": tuple(self._producer(s) for s, _, _ in builder.activity),
            "loss": self.loss_code if loss is not None else None,
            "metrics": tuple(m.code for m in metrics), "optimizer": None if optimizer is None else optimizer.code,
            "penalties": len(weight_tables[0]) > 0, "constraints": len(weight_tables[2]) > 0,
        }
        rows = int(self.slots[self.pred_slot, 1])  # output rows per sample: loss terms are per row
        meta = np.array([self.pred_slot, self.loss_slot, self.loss_code, rows], np.int64)
        t = self.tables
        self.P = (t.ints, t.floats, t.accumulate, *weight_tables, t.activity_i, t.activity_f, meta)
        self._metric_tables()
        self._programs: dict[bool, object] = {}
        self._compiled: dict[tuple[bool, str], Callable] = {}
        self.chunk = 1  # batches per compiled call, tuned by the fit loop
        self.mb = 0
        self.ky = 0
        self.nnz = 0
        calls = builder.calls
        self.sparse_ok = bool(calls) and calls[0].kind == "dense" and calls[0].inputs == (0,) and \
            self.slots[0, 1] == 1 and self.slots[0, 2] >= 256
        if optimizer is not None:
            optimizer.build(arena.n_trainable, arena.params.dtype, arena.segments)

    def _producer(self, slot: int) -> int:
        start = self.builder.slots[slot][0]
        return next((o for o, c in enumerate(self.builder.calls) if self.builder.slots[c.output][0] == start), -1)

    def _fuse_loss(self) -> None:
        """Compute sigmoid/softmax + crossentropy from the logits when possible."""
        calls = self.builder.calls
        self.loss_code = self.loss.kernel_code if self.loss is not None else 0
        self.loss_slot = self.pred_slot
        self.backward_from = len(calls) - 1
        if self.loss is None or not calls:
            return
        last = calls[-1]
        penalised = any(s == self.pred_slot for s, _, _ in self.builder.activity)
        if last.output != self.pred_slot or penalised or last.kind != "activation":
            return
        if self.loss_code in _FUSABLE.get(last.variant, ()):
            self.loss_code += 1
            self.loss_slot = last.inputs[0]
            self.backward_from -= 1

    def _metric_tables(self) -> None:
        m = len(self.metrics)
        self.metric_param = np.zeros(m, np.float64)
        self.metric_loss = np.zeros(m, np.int64)
        self.metric_hyper = np.zeros((m, 3), np.float64)
        for i, metric in enumerate(self.metrics):
            _, param, loss_code, hyper = metric.kernel_args()
            self.metric_param[i], self.metric_loss[i], self.metric_hyper[i] = param, loss_code, hyper
        self.acc = np.zeros((m + 1, 2), np.float64)
        self.loss_hyper = self.loss.hyper() if self.loss is not None else np.zeros(3)

    def program(self, sparse: bool):
        """The compiled program module for dense or sparse inputs."""
        if sparse not in self._programs:
            ops = tuple((c.kind, c.variant) for c in self.builder.calls)
            if sparse:
                ops = (("sparse_dense", None), *ops[1:])
            self._programs[sparse] = program.load_program(program.Structure(ops=ops, **self._structure))
        return self._programs[sparse]

    def _entry(self, sparse: bool, name: str, args: tuple):
        """The compiled function ``name``; its first compile is timed and reported."""
        fn = self._compiled.get((sparse, name))
        if fn is None:
            fn, seconds = program.compile_entry(self.program(sparse), name, args)
            self._compiled[(sparse, name)] = fn
            if self.on_compile is not None and seconds > REPORT_SECONDS:
                self.on_compile(name, seconds)
        return fn

    def inputs(self, x: np.ndarray, batch_size: int) -> Inputs:
        """``x`` (n, features) as dense or, when sparse enough, CSR rows."""
        if not self.sparse_ok or np.count_nonzero(x) > SPARSE_DENSITY * x.size:
            return Inputs(x)
        rows, cols = np.nonzero(x)
        ptr = np.zeros(x.shape[0] + 1, np.int64)
        np.cumsum(np.bincount(rows, minlength=x.shape[0]), out=ptr[1:])
        per_row = np.diff(ptr)
        biggest = int(np.sort(per_row)[-batch_size:].sum())
        return Inputs(x[:0], ptr, cols.astype(np.int64), x[rows, cols], biggest)

    def reserve(self, batch_size: int, ky: int = 1, nnz: int = 0) -> None:
        """Make the buffers hold batches of ``batch_size`` samples, ``ky`` target columns, ``nnz`` CSR values."""
        dtype = self.arena.params.dtype
        if batch_size > self.mb:
            self.mb = batch_size
            rows = int(self.slots[self.pred_slot, 1])
            self.ws = np.zeros(self.mb * self.size, dtype)
            self.dws = np.zeros(self.mb * self.size, dtype)
            self.swbuf = np.zeros(self.mb * rows, dtype)
            self.scratch = np.zeros(self.mb * rows, np.float64)
            self.bptr = np.zeros(self.mb + 1, np.int64)
            self.ky = 0
        if ky != self.ky:
            self.ky = ky
            self.ybuf = np.zeros(self.mb * ky, dtype)  # (mb, ky), flat for the kernels' views
        if nnz > self.nnz or not hasattr(self, "bval"):
            self.nnz = max(nnz, self.nnz)
            self.bidx = np.zeros(max(self.nnz, 1), np.int64)
            self.bval = np.zeros(max(self.nnz, 1), dtype)

    @property
    def bufs(self) -> tuple:
        """The buffer group of ``jitnet.kernels.buffers``."""
        return (self.ws, self.dws, self.slots, self.mb, self.bptr, self.bidx, self.bval)

    @property
    def arena_group(self) -> tuple:
        """``(params, grads, state)``."""
        return (self.arena.params, self.arena.grads, self.arena.state)

    @property
    def output_width(self) -> int:
        """Values per sample in the model's output."""
        return int(self.slots[self.pred_slot, 1] * self.slots[self.pred_slot, 2])

    def refresh_optimizer(self) -> None:
        """Re-read the optimizer's hyperparameters (its state is kept)."""
        if self.optimizer is not None:
            self.optimizer.build(self.arena.n_trainable, self.arena.params.dtype, self.arena.segments)

    def reset_metrics(self) -> None:
        """Zero the running loss and metric sums."""
        self.acc[:] = 0.0

    def logs(self) -> dict[str, float]:
        """Running means: ``loss`` and each metric by name."""
        logs = {}
        if self.acc[0, 1]:
            logs["loss"] = float(self.acc[0, 0] / self.acc[0, 1])
        for i, metric in enumerate(self.metrics):
            if self.acc[i + 1, 1]:
                logs[metric.name] = float(self.acc[i + 1, 0] / self.acc[i + 1, 1])
        return logs

    def _data(self, inputs: Inputs, y, sw, order, batch_size: int) -> tuple:
        self.reserve(batch_size, y.shape[1], inputs.batch_nnz)
        val = inputs.val if inputs.sparse else self.bval
        return (inputs.x, inputs.ptr, inputs.idx, val, y, sw, np.asarray(order, np.int64))

    def _head(self) -> tuple:
        return (self.ybuf, self.swbuf, self.scratch, self.acc, self.loss_hyper, self.metric_param,
                self.metric_loss, self.metric_hyper)

    def _train_args(self, inputs, y, sw, order, first, n_batches, batch_size, lrs, iteration) -> tuple:
        opt, a = self.optimizer, self.arena
        data = self._data(inputs, y, sw, order, batch_size)
        opt_group = (opt.slots, opt.scalars, opt.hyper, opt.segments, lrs, a.n_trainable)
        run = (int(first), int(n_batches), int(batch_size), int(iteration))
        return (data, self.P, self.bufs, self.arena_group, self._head(), opt_group, run)

    def _test_args(self, inputs, y, sw, order, first, n_batches, batch_size) -> tuple:
        data = self._data(inputs, y, sw, order, batch_size)
        run = (int(first), int(n_batches), int(batch_size), 0)
        return (data, self.P, self.bufs, self.arena_group, self._head(), run)

    def prepare(self, inputs: Inputs, y, sw, batch_size: int, train: bool = True) -> None:
        """Compile (or load) the train or test steps for these inputs before the first batch."""
        order = np.arange(1)
        if train:
            lrs = np.zeros(1)
            self._entry(inputs.sparse, "train_steps", self._train_args(inputs, y, sw, order, 0, 0, batch_size, lrs, 0))
        else:
            self._entry(inputs.sparse, "test_steps", self._test_args(inputs, y, sw, order, 0, 0, batch_size))

    def train(self, inputs: Inputs, y, sw, order, first: int, n_batches: int, batch_size: int, lrs: np.ndarray,
              iteration: int) -> int:
        """Run ``n_batches`` training steps; returns how many ran (fewer on a non-finite loss)."""
        args = self._train_args(inputs, y, sw, order, first, n_batches, batch_size, lrs, iteration)
        return self._entry(inputs.sparse, "train_steps", args)(*args)

    def test(self, inputs: Inputs, y, sw, order, first: int, n_batches: int, batch_size: int) -> None:
        """Accumulate loss and metrics in inference mode."""
        args = self._test_args(inputs, y, sw, order, first, n_batches, batch_size)
        self._entry(inputs.sparse, "test_steps", args)(*args)

    def predict(self, inputs: Inputs, order, first: int, n_batches: int, batch_size: int, out: np.ndarray,
                training: bool = False, step: int = 0) -> None:
        """Write outputs of batches ``first ..`` into ``out`` (n, width)."""
        dtype = self.arena.params.dtype
        y, sw = np.zeros((1, max(self.ky, 1)), dtype), np.zeros(1, dtype)
        data = self._data(inputs, y, sw, order, batch_size)
        run = (int(first), int(n_batches), int(batch_size), 0)
        args = (data, self.P, self.bufs, self.arena_group, run, bool(training), int(step), out)
        self._entry(inputs.sparse, "predict_steps", args)(*args)
