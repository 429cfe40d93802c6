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
        self.mb = 0
        self.ky = 0
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

    def reserve(self, batch_size: int, ky: int = 1) -> None:
        """Make the buffers hold batches of ``batch_size`` with ``ky`` target columns."""
        if batch_size <= self.mb and ky == self.ky:
            return
        self.mb = max(batch_size, self.mb)
        self.ky = ky
        dtype = self.arena.params.dtype
        self.ws = np.zeros(self.mb * self.size, dtype)
        self.dws = np.zeros(self.mb * self.size, dtype)
        self.ybuf = np.zeros((self.mb, ky), dtype)
        self.swbuf = np.zeros(self.mb, dtype)
        self.scratch = np.zeros(self.mb, np.float64)

    @property
    def output_width(self) -> int:
        """Values per sample in the model's output."""
        return int(self.slots[self.pred_slot, 1] * self.slots[self.pred_slot, 2])

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

    def train(self, x, y, sw, order, first: int, n_batches: int, batch_size: int, lrs: np.ndarray,
              iteration: int) -> int:
        """Run ``n_batches`` training steps; returns how many ran (fewer on a non-finite loss)."""
        a, opt = self.arena, self.optimizer
        self.reserve(batch_size, y.shape[1])
        return kp.train_steps(
            x, y, sw, order, first, n_batches, batch_size,
            self.ops, self.fp, self.slots, self.ws, self.dws, self.mb, a.params, a.grads, a.state, a.n_trainable,
            self.loss_code, self.loss_hyper, self.loss_slot, self.pred_slot, self.skip_act,
            self.metric_codes, self.metric_params, self.metric_hyper, self.scratch, self.acc, self.ybuf, self.swbuf,
            opt.code, opt.slots, opt.scalars, opt.hyper, lrs, iteration, opt.segments,
        )

    def test(self, x, y, sw, order, first: int, n_batches: int, batch_size: int) -> None:
        """Accumulate loss and metrics in inference mode."""
        a = self.arena
        self.reserve(batch_size, y.shape[1])
        kp.test_steps(
            x, y, sw, order, first, n_batches, batch_size,
            self.ops, self.fp, self.slots, self.ws, self.dws, self.mb, a.params, a.state,
            self.loss_code, self.loss_hyper, self.loss_slot, self.pred_slot,
            self.metric_codes, self.metric_params, self.metric_hyper, self.scratch, self.acc, self.ybuf, self.swbuf,
        )

    def predict(self, x, first: int, n_batches: int, batch_size: int, out: np.ndarray, training: bool = False,
                step: int = 0) -> None:
        """Write outputs of batches ``first ..`` into ``out`` (n, width)."""
        a = self.arena
        self.reserve(batch_size, max(self.ky, 1))
        kp.predict_steps(x, first, n_batches, batch_size, self.ops, self.fp, self.slots, self.ws, self.mb,
                         a.params, a.state, self.pred_slot, training, step, out)


