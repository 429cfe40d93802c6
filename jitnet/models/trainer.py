"""The compiled side of a model: program tables, buffers and kernel calls.

A ``Trainer`` is made by ``compile`` (and remade when the layout changes);
its buffers grow to the largest batch size seen and are then reused, so
the per-batch path allocates nothing.
"""

from __future__ import annotations

import numpy as np

from .. import activations, config
from ..kernels import losses as kl
from ..kernels import program as kp
from ..layers.base import ProgramBuilder
from .arena import Arena

_FUSABLE = {activations.softmax.code: (kl.CCE, kl.SCCE), activations.sigmoid.code: (kl.BCE,)}
# Inputs with at most this share of non-zeros, feeding a Dense first layer,
# go to the kernels as CSR rows (multi-hot text: about 1-2%).
SPARSE_DENSITY = 0.05
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



class Trainer:
    """Runs forward, loss, metrics, backward and updates as compiled calls."""

    def __init__(self, layers: list, input_shape: tuple[int, ...], arena: Arena, loss, metrics: list,
                 optimizer) -> None:
        config.get_num_threads()  # first use: one thread limit for Numba and BLAS
        builder = ProgramBuilder(input_shape)
        slot = builder.input_slot
        for layer in layers:
            slot = layer.emit(builder, slot)
        self.pred_slot = slot
        self.ops = np.array(builder.ops, np.int64).reshape(-1, kp.N_INT)
        self.fp = np.array(builder.fps, np.float64).reshape(-1, kp.N_FLOAT)
        self.slots = np.array(builder.slots, np.int64).reshape(-1, 3)
        for row in self.ops:
            if self.slots[row[kp.IN], 0] != 0:
                row[kp.FLAGS] |= kp.NEED_DX
        self.size = builder.size
        self.arena = arena
        self.loss = loss
        self.metrics = metrics
        self.optimizer = optimizer
        self._fuse_loss()
        self._metric_tables()
        self.chunk = 1  # batches per compiled call, tuned by the fit loop
        self.mb = 0
        self.ky = 0
        self.nnz = 0
        first = self.ops[0] if len(self.ops) else None
        self.sparse_ok = first is not None and first[kp.KIND] == kp.DENSE and first[kp.IN] == 0 and \
            self.slots[0, 1] == 1 and self.slots[0, 2] >= 256
        if optimizer is not None:
            optimizer.build(arena.n_trainable, arena.params.dtype, arena.segments)

    def _fuse_loss(self) -> None:
        """Compute sigmoid/softmax + crossentropy from the logits when possible."""
        self.loss_code = self.loss.kernel_code if self.loss is not None else 0
        self.loss_slot, self.skip_act = self.pred_slot, False
        if self.loss is None or not len(self.ops):
            return
        last = self.ops[-1]
        fp = self.fp[-1]
        if last[kp.OUT] != self.pred_slot or fp[kp.L1_ACT] or fp[kp.L2_ACT]:
            return
        if self.loss_code in _FUSABLE.get(int(last[kp.ACT]), ()) and last[kp.KIND] in (kp.DENSE, kp.ACTIVATION):
            self.loss_code += 1
            if last[kp.KIND] == kp.DENSE:
                self.loss_slot, self.skip_act = int(last[kp.AUX]), True
            else:
                self.loss_slot = int(last[kp.IN])

    def _metric_tables(self) -> None:
        m = len(self.metrics)
        self.metric_codes = np.zeros((m, 2), np.int64)
        self.metric_params = np.zeros(m, np.float64)
        self.metric_hyper = np.zeros((m, 3), np.float64)
        for i, metric in enumerate(self.metrics):
            code, param, loss_code, hyper = metric.kernel_args()
            self.metric_codes[i] = (code, loss_code)
            self.metric_params[i] = param
            self.metric_hyper[i] = hyper
        self.acc = np.zeros((m + 1, 2), np.float64)
        self.loss_hyper = self.loss.hyper() if self.loss is not None else np.zeros(3)

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
            rows = int(self.slots[self.pred_slot, 1])  # output rows per sample: loss terms are per row
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

    def _data(self, inputs: Inputs, batch_size: int, ky: int) -> tuple:
        self.reserve(batch_size, ky, inputs.batch_nnz)
        val = inputs.val if inputs.sparse else self.bval
        return inputs.x, inputs.ptr, inputs.idx, val

    def _csr(self, inputs: Inputs) -> tuple:
        return inputs.sparse, self.bptr, self.bidx, self.bval

    def train(self, inputs: Inputs, y, sw, order, first: int, n_batches: int, batch_size: int, lrs: np.ndarray,
              iteration: int) -> int:
        """Run ``n_batches`` training steps; returns how many ran (fewer on a non-finite loss)."""
        a, opt = self.arena, self.optimizer
        data = self._data(inputs, batch_size, y.shape[1])
        return kp.train_steps(
            *data, y, sw, order, first, n_batches, batch_size,
            self.ops, self.fp, self.slots, self.ws, self.dws, self.mb, a.params, a.grads, a.state, a.n_trainable,
            *self._csr(inputs), self.loss_code, self.loss_hyper, self.loss_slot, self.pred_slot, self.skip_act,
            self.metric_codes, self.metric_params, self.metric_hyper, self.scratch, self.acc, self.ybuf, self.swbuf,
            opt.code, opt.slots, opt.scalars, opt.hyper, lrs, iteration, opt.segments,
        )

    def test(self, inputs: Inputs, y, sw, order, first: int, n_batches: int, batch_size: int) -> None:
        """Accumulate loss and metrics in inference mode."""
        a = self.arena
        data = self._data(inputs, batch_size, y.shape[1])
        kp.test_steps(
            *data, y, sw, order, first, n_batches, batch_size,
            self.ops, self.fp, self.slots, self.ws, self.dws, self.mb, a.params, a.state, *self._csr(inputs),
            self.loss_code, self.loss_hyper, self.loss_slot, self.pred_slot,
            self.metric_codes, self.metric_params, self.metric_hyper, self.scratch, self.acc, self.ybuf, self.swbuf,
        )

    def predict(self, inputs: Inputs, order, first: int, n_batches: int, batch_size: int, out: np.ndarray,
                training: bool = False, step: int = 0) -> None:
        """Write outputs of batches ``first ..`` into ``out`` (n, width)."""
        a = self.arena
        data = self._data(inputs, batch_size, max(self.ky, 1))
        kp.predict_steps(*data, order, first, n_batches, batch_size, self.ops, self.fp, self.slots, self.ws, self.mb,
                         a.params, a.state, *self._csr(inputs), self.pred_slot, training, step, out)


