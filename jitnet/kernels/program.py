"""A Sequential model as a compiled program: forward, backward and whole steps.

The API floor describes a model as tables of numbers, so that one compiled
call runs many training steps without returning to Python:

- ``ops`` (n_ops, N_INT) int64: one row per layer operation, columns below;
- ``fp`` (n_ops, N_FLOAT) float64: its real-valued settings;
- ``slots`` (n_slots, 3) int64: for each activation buffer its start, rows
  and features *per sample*. Buffer ``s`` for a batch of ``nb`` samples is
  ``ws[mb * start : ...]`` viewed as ``(nb * rows, features)``, where ``mb``
  is the largest batch size. Gradients with respect to buffers live at the
  same places in ``dws``. Flatten and Reshape are two slots at one start.
- ``params`` / ``grads``: every parameter in one arena, trainable first;
  ``state``: non-trainable values (moving statistics) and scratch.

When ``sparse`` is set, op 0 is a dense layer that reads the batch as CSR
rows (``bptr``, ``bidx``, ``bval``) instead of buffer 0: multi-hot inputs
then cost only their non-zeros. Whole data sets come either dense (``x``)
or as CSR (``xptr``, ``xidx``, ``xval``, with an empty ``x``).
"""

from __future__ import annotations

import math

from ._fpu import denormals_off, restore
from ._jit import kernel
from .activations import activation_backward, activation_forward
from .dense import dense_backward, dense_forward, sparse_dense_backward, sparse_dense_forward
from .dropout import noise_apply
from .losses import loss_forward_backward
from .metrics import metric_update
from .normalization import batchnorm_backward, batchnorm_forward, layernorm_backward, layernorm_forward
from .optimizers import optimizer_step
from .regularizers import add_penalty_grad, apply_constraint, penalty, prelu_backward, prelu_forward
from .views import view2d

# op kinds
DENSE, ACTIVATION, NOISE, BATCHNORM, LAYERNORM, PRELU = 0, 1, 2, 3, 4, 5
# int columns
KIND, IN, OUT, AUX, AUX2, ACT, W, B, STATE, FLAGS, SEED, MODE, CONSTRAINT_W, CONSTRAINT_B = range(14)
N_INT = 14
# FLAGS bits
USE_BIAS, NEED_DX, FROZEN = 1, 2, 4
# float columns
A, B_, C, PARAM, EPS, L1_W, L2_W, L1_B, L2_B, L1_ACT, L2_ACT = range(11)
CW0, CW1, CW2, CB0, CB1, CB2 = range(11, 17)
N_FLOAT = 17


@kernel
def slot_view(ws, mb, slots, s, nb):
    """Buffer ``s`` for ``nb`` samples as a (nb * rows, features) view."""
    return view2d(ws, mb * slots[s, 0], nb * slots[s, 1], slots[s, 2])


@kernel
def sample_view(ws, mb, slots, s, nb):
    """Buffer ``s`` for ``nb`` samples as a (nb, rows * features) view."""
    return view2d(ws, mb * slots[s, 0], nb, slots[s, 1] * slots[s, 2])


@kernel
def _matrix(arena, offset, rows, cols):
    return view2d(arena, offset, rows, cols)


@kernel
def forward(ops, fp, slots, ws, mb, nb, params, state, training, step, sparse, bptr, bidx, bval):
    """Run every op on the batch already gathered (buffer 0, or CSR rows)."""
    for o in range(ops.shape[0]):
        kind = ops[o, KIND]
        flags = ops[o, FLAGS]
        x = slot_view(ws, mb, slots, ops[o, IN], nb)
        y = slot_view(ws, mb, slots, ops[o, OUT], nb)
        cols = x.shape[1]
        if kind == DENSE:
            units = y.shape[1]
            w = _matrix(params, ops[o, W], cols, units)
            b = params[ops[o, B]:ops[o, B] + units]
            z = slot_view(ws, mb, slots, ops[o, AUX], nb)
            if sparse and o == 0:
                sparse_dense_forward(bptr, bidx, bval, w, b, flags & USE_BIAS != 0, ops[o, ACT], z, y,
                                     fp[o, A], fp[o, B_], fp[o, C])
            else:
                dense_forward(x, w, b, flags & USE_BIAS != 0, ops[o, ACT], z, y, fp[o, A], fp[o, B_], fp[o, C])
        elif kind == ACTIVATION:
            activation_forward(ops[o, ACT], x, y, fp[o, A], fp[o, B_], fp[o, C])
        elif kind == NOISE:
            if training:
                noise_apply(ops[o, MODE], x, y, fp[o, PARAM], ops[o, SEED], step, False)
            else:
                y[:] = x
        elif kind == BATCHNORM:
            s0 = ops[o, STATE]
            batchnorm_forward(
                x, params[ops[o, W]:ops[o, W] + cols], params[ops[o, B]:ops[o, B] + cols],
                state[s0:s0 + cols], state[s0 + cols:s0 + 2 * cols], _matrix(state, s0 + 2 * cols, 2, cols),
                slot_view(ws, mb, slots, ops[o, AUX], nb), y, fp[o, PARAM], fp[o, EPS],
                training and flags & FROZEN == 0,
            )
        elif kind == LAYERNORM:
            layernorm_forward(
                x, params[ops[o, W]:ops[o, W] + cols], params[ops[o, B]:ops[o, B] + cols], fp[o, EPS],
                slot_view(ws, mb, slots, ops[o, AUX], nb), slot_view(ws, mb, slots, ops[o, AUX2], nb)[:, 0], y,
            )
        else:  # PRELU over the whole sample
            xs = sample_view(ws, mb, slots, ops[o, IN], nb)
            prelu_forward(xs, params[ops[o, W]:ops[o, W] + xs.shape[1]], sample_view(ws, mb, slots, ops[o, OUT], nb))


@kernel
def penalties(ops, fp, slots, ws, mb, nb, params):
    """Weight penalties plus activity penalties averaged over the batch's samples."""
    total = 0.0
    for o in range(ops.shape[0]):
        if fp[o, L1_W] != 0.0 or fp[o, L2_W] != 0.0:
            n = slots[ops[o, IN], 2] * slots[ops[o, OUT], 2]
            total += penalty(params[ops[o, W]:ops[o, W] + n], fp[o, L1_W], fp[o, L2_W])
        if fp[o, L1_B] != 0.0 or fp[o, L2_B] != 0.0:
            n = slots[ops[o, OUT], 2]
            total += penalty(params[ops[o, B]:ops[o, B] + n], fp[o, L1_B], fp[o, L2_B])
        if fp[o, L1_ACT] != 0.0 or fp[o, L2_ACT] != 0.0:  # per sample, as Keras 3
            y = sample_view(ws, mb, slots, ops[o, OUT], nb)
            total += penalty(view2d(ws, mb * slots[ops[o, OUT], 0], 1, y.size)[0], fp[o, L1_ACT], fp[o, L2_ACT]) / nb
    return total


@kernel
def backward(ops, fp, slots, ws, dws, mb, nb, params, grads, state, step, first, skip_act, sparse, bptr, bidx,
             bval):
    """Back-propagate from op ``first`` down to op 0.

    ``dws`` holds ``dL/d(output)`` of op ``first`` (or ``dL/dz`` of its
    pre-activation when ``skip_act``); writes every parameter gradient into
    ``grads`` and, where flagged, input gradients into ``dws``.
    """
    for o in range(first, -1, -1):
        kind = ops[o, KIND]
        flags = ops[o, FLAGS]
        x = slot_view(ws, mb, slots, ops[o, IN], nb)
        y = slot_view(ws, mb, slots, ops[o, OUT], nb)
        dx = slot_view(dws, mb, slots, ops[o, IN], nb)
        dy = slot_view(dws, mb, slots, ops[o, OUT], nb)
        cols = x.shape[1]
        fused = skip_act and o == first
        if (fp[o, L1_ACT] != 0.0 or fp[o, L2_ACT] != 0.0) and not fused:
            start = mb * slots[ops[o, OUT], 0]
            add_penalty_grad(view2d(ws, start, 1, y.size)[0], view2d(dws, start, 1, y.size)[0],
                             fp[o, L1_ACT] / nb, fp[o, L2_ACT] / nb)
        if kind == DENSE:
            units = y.shape[1]
            wo, bo = ops[o, W], ops[o, B]
            if sparse and o == 0:
                sparse_dense_backward(
                    bptr, bidx, bval, slot_view(ws, mb, slots, ops[o, AUX], nb), y, dy,
                    slot_view(dws, mb, slots, ops[o, AUX], nb), _matrix(grads, wo, cols, units),
                    grads[bo:bo + units], flags & USE_BIAS != 0, ops[o, ACT], fp[o, A], fp[o, B_], fp[o, C], fused,
                )
            else:
                dense_backward(
                    x, _matrix(params, wo, cols, units), slot_view(ws, mb, slots, ops[o, AUX], nb), y, dy,
                    slot_view(dws, mb, slots, ops[o, AUX], nb), _matrix(grads, wo, cols, units),
                    grads[bo:bo + units], dx, flags & USE_BIAS != 0, ops[o, ACT],
                    fp[o, A], fp[o, B_], fp[o, C], fused, flags & NEED_DX != 0,
                )
            if fp[o, L1_W] != 0.0 or fp[o, L2_W] != 0.0:
                n = cols * units
                add_penalty_grad(params[wo:wo + n], grads[wo:wo + n], fp[o, L1_W], fp[o, L2_W])
            if fp[o, L1_B] != 0.0 or fp[o, L2_B] != 0.0:
                add_penalty_grad(params[bo:bo + units], grads[bo:bo + units], fp[o, L1_B], fp[o, L2_B])
        elif kind == ACTIVATION:
            activation_backward(ops[o, ACT], x, y, dy, dx, fp[o, A], fp[o, B_], fp[o, C])
        elif kind == NOISE:
            noise_apply(ops[o, MODE], dy, dx, fp[o, PARAM], ops[o, SEED], step, True)
        elif kind == BATCHNORM:
            s0 = ops[o, STATE]
            batchnorm_backward(
                dy, slot_view(ws, mb, slots, ops[o, AUX], nb), params[ops[o, W]:ops[o, W] + cols],
                _matrix(state, s0 + 2 * cols, 2, cols), grads[ops[o, W]:ops[o, W] + cols],
                grads[ops[o, B]:ops[o, B] + cols], dx, flags & FROZEN == 0,
            )
        elif kind == LAYERNORM:
            layernorm_backward(
                dy, slot_view(ws, mb, slots, ops[o, AUX], nb), slot_view(ws, mb, slots, ops[o, AUX2], nb)[:, 0],
                params[ops[o, W]:ops[o, W] + cols], grads[ops[o, W]:ops[o, W] + cols],
                grads[ops[o, B]:ops[o, B] + cols], dx,
            )
        else:
            xs = sample_view(ws, mb, slots, ops[o, IN], nb)
            n = xs.shape[1]
            prelu_backward(
                xs, params[ops[o, W]:ops[o, W] + n], sample_view(dws, mb, slots, ops[o, OUT], nb),
                grads[ops[o, W]:ops[o, W] + n], sample_view(dws, mb, slots, ops[o, IN], nb),
            )


@kernel
def constrain(ops, fp, slots, params):
    """Project constrained kernels and biases after an update."""
    for o in range(ops.shape[0]):
        if ops[o, CONSTRAINT_W] != 0:
            rows, cols = slots[ops[o, IN], 2], slots[ops[o, OUT], 2]
            apply_constraint(ops[o, CONSTRAINT_W], _matrix(params, ops[o, W], rows, cols),
                             fp[o, CW0], fp[o, CW1], fp[o, CW2])
        if ops[o, CONSTRAINT_B] != 0:
            cols = slots[ops[o, OUT], 2]
            apply_constraint(ops[o, CONSTRAINT_B], _matrix(params, ops[o, B], cols, 1),
                             fp[o, CB0], fp[o, CB1], fp[o, CB2])


@kernel
def gather(src, order, lo, nb, dst):
    """``dst[i] = src[order[lo + i]]`` for ``i < nb`` (rows of 2-D arrays)."""
    for i in range(nb):
        r = order[lo + i]
        for j in range(src.shape[1]):
            dst[i, j] = src[r, j]


@kernel
def gather_csr(xptr, xidx, xval, order, lo, nb, bptr, bidx, bval):
    """CSR rows ``order[lo:lo + nb]`` of a data set into the batch CSR buffers."""
    k = 0
    bptr[0] = 0
    for i in range(nb):
        r = order[lo + i]
        for p in range(xptr[r], xptr[r + 1]):
            bidx[k] = xidx[p]
            bval[k] = xval[p]
            k += 1
        bptr[i + 1] = k


@kernel
def _inputs(x, xptr, xidx, xval, order, lo, nb, ws, mb, slots, sparse, bptr, bidx, bval):
    if sparse:
        gather_csr(xptr, xidx, xval, order, lo, nb, bptr, bidx, bval)
    else:
        gather(x, order, lo, nb, sample_view(ws, mb, slots, 0, nb))


@kernel
def _batch(x, xptr, xidx, xval, y, sw, order, lo, nb, ws, mb, slots, ybuf, swbuf, sparse, bptr, bidx, bval,
           rows):
    """Gather a batch: inputs, targets, and each sample weight repeated for the ``rows`` output rows of a sample."""
    _inputs(x, xptr, xidx, xval, order, lo, nb, ws, mb, slots, sparse, bptr, bidx, bval)
    gather(y, order, lo, nb, view2d(ybuf, 0, nb, y.shape[1]))
    for i in range(nb):
        w = sw[order[lo + i]]
        for r in range(rows):
            swbuf[i * rows + r] = w


@kernel
def _loss_and_metrics(ops, fp, slots, ws, dws, mb, nb, params, loss_code, loss_hyper, loss_slot, pred_slot,
                      metric_codes, metric_params, metric_hyper, scratch, acc, ybuf, swbuf, want_grad):
    """The batch's loss (penalties included), accumulated with the metrics into ``acc``.

    With ``want_grad`` the loss gradient goes to ``dws`` at ``loss_slot``.
    """
    pred = slot_view(ws, mb, slots, pred_slot, nb)
    n = pred.shape[0]  # nb * (output rows per sample): every loss term weighs the same, as in Keras
    y = view2d(ybuf, 0, n, ybuf.shape[0] // mb * nb // n)
    total = loss_forward_backward(
        loss_code, slot_view(ws, mb, slots, loss_slot, nb), y, swbuf[:n],
        slot_view(dws, mb, slots, loss_slot, nb), loss_hyper, want_grad,
    )
    loss = total / n + penalties(ops, fp, slots, ws, mb, nb, params)
    acc[0, 0] += loss * nb
    acc[0, 1] += nb
    for m in range(metric_codes.shape[0]):
        metric_update(metric_codes[m, 0], pred, y, metric_params[m], metric_codes[m, 1],
                      metric_hyper[m], scratch, acc[m + 1])
    return loss


@kernel
def train_steps(x, xptr, xidx, xval, y, sw, order, first, n_batches, batch_size,
                ops, fp, slots, ws, dws, mb, params, grads, state, n_trainable, sparse, bptr, bidx, bval,
                loss_code, loss_hyper, loss_slot, pred_slot, skip_act,
                metric_codes, metric_params, metric_hyper, scratch, acc, ybuf, swbuf,
                opt_code, opt_slots, opt_scalars, opt_hyper, lrs, iteration, segments):
    """Run ``n_batches`` training steps from batch ``first`` of ``order``.

    Each step gathers a batch, runs forward, loss, metrics, backward, one
    optimizer update over ``params[:n_trainable]`` and the constraints.
    ``acc[0]`` accumulates ``[sum(batch_loss * nb), sum(nb)]`` and
    ``acc[m + 1]`` metric ``m``. Returns the number of updates applied:
    fewer than asked when a batch loss is not finite (that batch is counted
    in ``acc`` but not applied). Denormals are flushed to
    zero for the duration of the call.
    """
    old = denormals_off()
    n = order.shape[0]
    first_bw = ops.shape[0] - 1
    if loss_slot != pred_slot and not skip_act:
        first_bw -= 1
    done = n_batches
    for s in range(n_batches):
        lo = (first + s) * batch_size
        nb = min(batch_size, n - lo)
        step = iteration + s
        _batch(x, xptr, xidx, xval, y, sw, order, lo, nb, ws, mb, slots, ybuf, swbuf, sparse, bptr, bidx, bval,
               slots[pred_slot, 1])
        forward(ops, fp, slots, ws, mb, nb, params, state, True, step, sparse, bptr, bidx, bval)
        loss = _loss_and_metrics(ops, fp, slots, ws, dws, mb, nb, params, loss_code, loss_hyper, loss_slot,
                                 pred_slot, metric_codes, metric_params, metric_hyper, scratch, acc, ybuf, swbuf,
                                 True)
        if not math.isfinite(loss):
            done = s
            break
        backward(ops, fp, slots, ws, dws, mb, nb, params, grads, state, step, first_bw, skip_act, sparse, bptr,
                 bidx, bval)
        optimizer_step(opt_code, params[:n_trainable], grads[:n_trainable], opt_slots, opt_scalars,
                       opt_hyper, lrs[s], step + 1, segments)
        constrain(ops, fp, slots, params)
    restore(old)
    return done


@kernel
def test_steps(x, xptr, xidx, xval, y, sw, order, first, n_batches, batch_size,
               ops, fp, slots, ws, dws, mb, params, state, sparse, bptr, bidx, bval,
               loss_code, loss_hyper, loss_slot, pred_slot,
               metric_codes, metric_params, metric_hyper, scratch, acc, ybuf, swbuf):
    """Accumulate loss and metrics over ``n_batches`` batches, in inference mode."""
    old = denormals_off()
    n = order.shape[0]
    for s in range(n_batches):
        lo = (first + s) * batch_size
        nb = min(batch_size, n - lo)
        _batch(x, xptr, xidx, xval, y, sw, order, lo, nb, ws, mb, slots, ybuf, swbuf, sparse, bptr, bidx, bval,
               slots[pred_slot, 1])
        forward(ops, fp, slots, ws, mb, nb, params, state, False, 0, sparse, bptr, bidx, bval)
        _loss_and_metrics(ops, fp, slots, ws, dws, mb, nb, params, loss_code, loss_hyper, loss_slot, pred_slot,
                          metric_codes, metric_params, metric_hyper, scratch, acc, ybuf, swbuf, False)
    restore(old)


@kernel
def predict_steps(x, xptr, xidx, xval, order, first, n_batches, batch_size, ops, fp, slots, ws, mb, params, state,
                  sparse, bptr, bidx, bval, pred_slot, training, step, out):
    """Write the model's output for batches ``first ..`` into ``out`` (n, width)."""
    old = denormals_off()
    n = order.shape[0]
    for s in range(n_batches):
        lo = (first + s) * batch_size
        nb = min(batch_size, n - lo)
        _inputs(x, xptr, xidx, xval, order, lo, nb, ws, mb, slots, sparse, bptr, bidx, bval)
        forward(ops, fp, slots, ws, mb, nb, params, state, training, step, sparse, bptr, bidx, bval)
        pred = sample_view(ws, mb, slots, pred_slot, nb)
        for i in range(nb):
            for j in range(pred.shape[1]):
                out[lo + i, j] = pred[i, j]
    restore(old)
