"""What the recurrent op kinds (``simple_rnn``, ``lstm``, ``gru``) share: fields, layout, gates.

Fields (ints), the same for the three kinds:

- ``src``, ``dsrc``, ``dst``: the (steps, features) input, where its gradient
  goes, and the output: (steps, width) with ``sequences``, else (1, width);
- ``xt``: the input in time-major order (row ``k * nb + n`` holds step ``k``
  of sample ``n``, in processing order: reversed with ``go_backwards``);
- ``gates``: (steps, gates * units), time-major: the input projections, then
  the activated gates of every step (its gradient space: their gradients);
- ``states``: (steps, units), time-major: the output ``h`` of every step;
- ``aux``: (steps, 2 * units or 3 * units): the LSTM cell states and their
  activations (two planes: see ``plane``), the GRU's
  recurrent projections; unused by SimpleRNN;
- ``work``: per sample, ``WORK_UNITS`` blocks of ``units`` plus one of
  ``gates * units`` values: carried gradients and the recurrent product;
- ``kernel``, ``recurrent``, ``bias``: arena offsets of the (features, gates *
  units) kernel, the (units, gates * units) recurrent kernel and the bias
  ((gates * units,), GRU with ``reset_after``: (2, 3 * units)), ``use_bias``;
- ``units``, ``steps``; ``activation``, ``recurrent_activation``: codes of
  ``jitnet.kernels.activations`` among ``GATE_CODES``;
- ``go_backwards``; ``sequences`` (return every step); ``flip`` (write step
  ``k`` of the processing order to time ``steps - 1 - k``, Bidirectional's
  backward half); ``col``: the first column of ``dst`` written;
- ``masked``, ``mask``: the (steps,) id buffer whose zeros mask steps: a
  masked step keeps the previous states and outputs them (zeros with
  ``zero_masked``);
- ``reset_after`` (GRU), ``seed`` (recurrent dropout);
- ``ids``, ``table``, ``input_dim`` (> 0 when the input is an embedding's
  output whose table gradient this op writes: the (steps,) ids buffer and
  the table; see ``finish_grads``).

Floats: ``recurrent_dropout``, the rate of a per-sample mask on ``h``
before the recurrent product, fixed over the steps of a batch and drawn
from ``(seed, step, n * units + u)``.
"""

from __future__ import annotations

import numpy as np

from .. import gates
from .._jit import inline_kernel, kernel
from ..activations import HARD_SIGMOID, LINEAR, RELU, SIGMOID, TANH
from ..buffers import grad, matrix, value, value_block, values_at
from ..products import column_sums, matmul
from ..random import uniform
from ..views import view2d
from .dense import add_bias

INTS = ("src", "dsrc", "dst", "xt", "gates", "states", "aux", "work", "kernel", "recurrent", "bias", "use_bias",
        "units", "steps", "activation", "recurrent_activation", "go_backwards", "sequences", "flip", "col",
        "masked", "mask", "zero_masked", "reset_after", "seed", "ids", "table", "input_dim")
FLOATS = ("recurrent_dropout",)
BUFFERS = ("xt", "gates", "states", "aux", "work", "mask", "ids")
(SRC, DSRC, DST, XT, GATES, STATES, AUX, WORK, KERNEL, RECURRENT, BIAS, USE_BIAS, UNITS, STEPS, ACTIVATION,
 RECURRENT_ACTIVATION, GO_BACKWARDS, SEQUENCES, FLIP, COL, MASKED, MASK, ZERO_MASKED, RESET_AFTER,
 SEED, IDS, TABLE, INPUT_DIM) = range(len(INTS))
GATE_CODES = (LINEAR, RELU, SIGMOID, HARD_SIGMOID, TANH)
# Constants of the loops: float32, so that float32 arithmetic is not widened (float64 data stays float64).
ZERO, HALF, ONE, SIX = np.float32(0.0), np.float32(0.5), np.float32(1.0), np.float32(6.0)
WORK_UNITS = 5  # blocks of `units` in `work`: dh, dc, the dropped h, the recurrent-dropout mask, spare
DH, DC, HDROP, RMASK, SPARE = range(WORK_UNITS)


def check_row(row: dict, slots, gates: int, aux: int) -> None:
    """Refuse sizes that do not fit the buffers (``gates`` and ``aux`` in units)."""
    units, steps = int(row["units"]), int(row["steps"])
    features = int(slots[row["src"], 2])
    width = (WORK_UNITS + gates) * units
    expected = {"src": (steps, features), "xt": (steps, features), "gates": (steps, gates * units),
                "states": (steps, units), "work": (1, width)}
    if aux:
        expected["aux"] = (steps, aux * units)
    for name, shape in expected.items():
        if tuple(int(v) for v in slots[row[name], 1:]) != shape:
            raise ValueError(f"The {name} buffer of a recurrent op does not match its sizes.")
    rows = steps if row["sequences"] else 1
    if int(slots[row["dst"], 1]) != rows or not 0 <= row["col"] <= int(slots[row["dst"], 2]) - units:
        raise ValueError("The output buffer of a recurrent op does not match its sizes.")
    for flag, name in (("masked", "mask"), ("input_dim", "ids")):
        if row[flag] and int(slots[row[name], 1]) * int(slots[row[name], 2]) != steps:
            raise ValueError(f"The {name} buffer of a recurrent op does not match its steps.")
    for name in ("activation", "recurrent_activation"):
        if row[name] not in GATE_CODES:
            raise ValueError(f"A recurrent op cannot apply activation code {row[name]}.")


def arena_fields(row: dict, slots, gates: int) -> list[tuple[str, int]]:
    """The arena ranges of the kernel, recurrent kernel, bias and (fused) embedding table."""
    units, features = int(row["units"]), int(slots[row["src"], 2])
    n = gates * units
    bias = [("bias", n * (2 if row["reset_after"] else 1))] if row["use_bias"] else []
    table = [("table", int(row["input_dim"]) * features)] if row["input_dim"] > 0 else []
    return [("kernel", features * n), ("recurrent", units * n), *bias, *table]


@inline_kernel
def act(code, z):
    """A gate activation of ``GATE_CODES``."""
    if code == TANH:
        return gates.tanh(z)
    if code == SIGMOID:
        return gates.sigmoid(z)
    if code == HARD_SIGMOID:
        return min(max(z / SIX + HALF, ZERO), ONE)
    if code == RELU:
        return max(z, ZERO)
    return z


@inline_kernel
def d_act(code, y):
    """The derivative of ``act`` at the input whose output is ``y`` (float32 constants: float32 stays float32)."""
    if code == TANH:
        return ONE - y * y
    if code == SIGMOID:
        return y * (ONE - y)
    if code == HARD_SIGMOID:
        return ONE / SIX if ZERO < y < ONE else ZERO
    if code == RELU:
        return ONE if y > 0.0 else ZERO
    return ONE


@kernel
def activate(iv, z, lo, hi, c0, c1):
    """Columns ``lo .. hi`` of ``z`` through their activations in place: ``activation`` on ``c0 .. c1``,
    ``recurrent_activation`` on the others.

    With tanh and sigmoid (the defaults) both are ``b + a * tanh(a * z)`` (``a = 1,
    b = 0``: tanh; ``a = b = 1/2``: sigmoid). On whole rows that is three passes,
    the middle one a flat tanh over the block (the one that vectorizes well);
    on some columns, one loop.
    """
    fa, ra = iv[ACTIVATION], iv[RECURRENT_ACTIVATION]
    if fa == TANH and ra == SIGMOID and lo == 0 and hi == z.shape[1]:
        for i in range(z.shape[0]):
            for j in range(hi):
                z[i, j] *= ONE if c0 <= j < c1 else HALF
        flat = z.reshape(z.size)  # one array, in place: no overlap check to fail
        for e in range(flat.shape[0]):
            flat[e] = gates.tanh(flat[e])
        for i in range(z.shape[0]):
            for j in range(hi):
                z[i, j] = z[i, j] if c0 <= j < c1 else HALF + HALF * z[i, j]
        return
    if fa == TANH and ra == SIGMOID:
        for i in range(z.shape[0]):
            for j in range(lo, hi):
                z[i, j] = gates.tanh_or_sigmoid(z[i, j], c0 <= j < c1)
        return
    for i in range(z.shape[0]):
        for j in range(lo, hi):
            z[i, j] = act(fa if c0 <= j < c1 else ra, z[i, j])


@kernel
def activate_into(code, src, dst):
    """``dst = act(code, src)`` for C-contiguous 2-D ``src`` and ``dst``: one flat loop (it vectorizes)."""
    x, y = src.reshape(src.size), dst.reshape(dst.size)
    if code == TANH:
        for e in range(x.shape[0]):
            y[e] = gates.tanh(x[e])
        return
    for e in range(x.shape[0]):
        y[e] = act(code, x[e])


@inline_kernel
def block(a, bufs, s, nb, offset, width):
    """The (nb, width) block of buffer ``s`` that starts ``offset`` values into each sample's share."""
    slots, mb = bufs[2], bufs[3]
    return view2d(a, mb * slots[s, 0] + nb * offset, nb, width)


@inline_kernel
def work_block(iv, bufs, nb, index):
    """Work block ``index`` (< ``WORK_UNITS``): (nb, units)."""
    return block(bufs[0], bufs, iv[WORK], nb, index * iv[UNITS], iv[UNITS])


@inline_kernel
def plane(iv, bufs, nb, s, p):
    """Plane ``p`` of buffer ``s`` (``units`` wide per step, planes one after the other), time-major:
    (steps * nb, units). Each step's rows are then one contiguous run, which one loop covers."""
    units, steps = iv[UNITS], iv[STEPS]
    a, at = values_at(bufs, s)
    return view2d(a, at + p * nb * steps * units, steps * nb, units)


@inline_kernel
def product_block(iv, bufs, nb, width):
    """The work block of the recurrent product: (nb, width)."""
    return block(bufs[0], bufs, iv[WORK], nb, WORK_UNITS * iv[UNITS], width)


@inline_kernel
def step_rows(a, k, nb):
    """Rows ``k * nb ..`` of a time-major buffer: step ``k`` of every sample."""
    return a[k * nb:(k + 1) * nb]


@inline_kernel
def time_of(iv, k):
    """The input time step processed at step ``k``."""
    return iv[STEPS] - 1 - k if iv[GO_BACKWARDS] else k


@kernel
def to_time_major(iv, x, xt, nb):
    """``xt[k * nb + n] = x[n * steps + time_of(k)]``."""
    steps = iv[STEPS]
    for k in range(steps):
        t = time_of(iv, k)
        for n in range(nb):
            for j in range(x.shape[1]):
                xt[k * nb + n, j] = x[n * steps + t, j]


@kernel
def from_time_major(iv, dxt, dx, nb):
    """The adjoint of ``to_time_major``."""
    steps = iv[STEPS]
    for k in range(steps):
        t = time_of(iv, k)
        for n in range(nb):
            for j in range(dx.shape[1]):
                dx[n * steps + t, j] = dxt[k * nb + n, j]


@inline_kernel
def mask_ids(iv, bufs, nb):
    """The (nb, steps) ids whose zeros mask steps (no rows when the op is not masked): made once per call,
    since a view made per value costs more than the work."""
    rows = nb if iv[MASKED] else 0
    return value_block(bufs, iv[MASK], rows, iv[STEPS])


@inline_kernel
def kept(iv, ids, n, k):
    """False where the mask hides step ``k`` of sample ``n``."""
    return not iv[MASKED] or ids[n, time_of(iv, k)] != 0.0


@kernel
def carry_masked(iv, ids, nb, k, a, width):
    """Rows of step ``k`` of time-major ``a`` (first ``width`` columns) that the mask hides keep step ``k - 1``."""
    if not iv[MASKED]:
        return
    for i in range(nb):
        if not kept(iv, ids, i, k):
            for j in range(width):
                a[k * nb + i, j] = a[(k - 1) * nb + i, j] if k > 0 else 0.0


@kernel
def carry_to_previous(iv, ids, bufs, arena, nb, k, dz, n, fv, carry, dh, direct, add_direct):
    """``dh`` becomes the gradient of step ``k - 1``'s ``h``: ``dz @ recurrent.T`` (through the recurrent
    dropout mask), plus ``direct`` with ``add_direct`` (the GRU's path around the product).

    A masked step passes ``dh`` through unchanged, so masked ops work in ``carry`` and copy the kept rows;
    the others write ``dh`` directly.
    """
    into = carry if iv[MASKED] else dh
    carry_back(iv, bufs, arena, nb, dz, n, True, fv, into)
    if add_direct:
        for i in range(nb):
            for u in range(iv[UNITS]):
                into[i, u] += direct[i, u]
    if not iv[MASKED]:
        return
    for i in range(nb):
        if kept(iv, ids, i, k):
            for u in range(iv[UNITS]):
                dh[i, u] = carry[i, u]


@kernel
def add_rows(a, b, n):
    """``a[:, :n] += b[:, :n]``."""
    for i in range(a.shape[0]):
        for j in range(n):
            a[i, j] += b[i, j]


@kernel
def dropped_state(iv, fv, bufs, nb, h, training, step):
    """``h`` times the recurrent-dropout mask in training, in the work block HDROP; else ``h`` itself."""
    rate = fv[0]
    if not training or rate <= 0.0:
        return h
    units = iv[UNITS]
    mask, out = work_block(iv, bufs, nb, RMASK), work_block(iv, bufs, nb, HDROP)
    for n in range(nb):
        for u in range(units):
            out[n, u] = h[n, u] * mask[n, u]
    return out


@kernel
def draw_recurrent_mask(iv, fv, bufs, nb, training, step):
    """The recurrent-dropout mask of this batch (``1 / (1 - rate)`` or 0) into the work block RMASK."""
    rate = fv[0]
    if not training or rate <= 0.0:
        return
    units = iv[UNITS]
    mask = work_block(iv, bufs, nb, RMASK)
    for n in range(nb):
        for u in range(units):
            mask[n, u] = 1.0 / (1.0 - rate) if uniform(iv[SEED], step, n * units + u) >= rate else 0.0


@inline_kernel
def shown(iv, ids, n, k):
    """False where step ``k`` of sample ``n`` outputs zeros (``zero_masked``)."""
    return not iv[ZERO_MASKED] or kept(iv, ids, n, k)


@kernel
def write_output(iv, bufs, nb, ids):
    """The output: every step of ``states`` (``sequences``) or the last, into columns ``col ..`` of ``dst``."""
    h = value(bufs, iv[STATES], nb)
    y = value(bufs, iv[DST], nb)
    steps, units, col = iv[STEPS], iv[UNITS], iv[COL]
    for k in range(0 if iv[SEQUENCES] else steps - 1, steps):
        t = steps - 1 - k if iv[FLIP] else k
        for n in range(nb):
            r = n * steps + t if iv[SEQUENCES] else n
            on = shown(iv, ids, n, k)
            for u in range(units):
                y[r, col + u] = h[k * nb + n, u] if on else 0.0


@kernel
def output_grad(iv, bufs, nb, ids, k, dh):
    """``dh += dL/dh`` of step ``k`` from the output's gradient."""
    dy = grad(bufs, iv[DST], nb)
    steps, units, col = iv[STEPS], iv[UNITS], iv[COL]
    if not iv[SEQUENCES] and k != steps - 1:
        return
    t = steps - 1 - k if iv[FLIP] else k
    for n in range(nb):
        r = n * steps + t if iv[SEQUENCES] else n
        if shown(iv, ids, n, k):
            for u in range(units):
                dh[n, u] += dy[r, col + u]


@inline_kernel
def table_fits(iv, bufs, n):
    """True when a fused embedding's ``input_dim`` rows of ``n`` values fit in the input buffer."""
    slots = bufs[2]
    return iv[INPUT_DIM] > 0 and iv[INPUT_DIM] * n <= bufs[3] * slots[iv[SRC], 1] * slots[iv[SRC], 2]


@kernel
def project(iv, bufs, arena, nb, n):
    """``gates = x @ kernel + bias`` (the first ``n`` bias values) in time-major order: one GEMM over ``xt``,
    or, for a fused embedding's ids, over the table (in the input buffer, which the embedding left unwritten)
    and then one row per step."""
    params, g = arena[0], value(bufs, iv[GATES], nb)
    if table_fits(iv, bufs, n):
        slots, mb, steps = bufs[2], bufs[3], iv[STEPS]
        rows, d = iv[INPUT_DIM], slots[iv[SRC], 2]
        projected = view2d(bufs[0], mb * slots[iv[SRC], 0], rows, n)
        matmul(matrix(params, iv[TABLE], rows, d), matrix(params, iv[KERNEL], d, n), projected)
        ids = value_block(bufs, iv[IDS], nb, steps)
        for k in range(steps):
            t = time_of(iv, k)
            for i in range(nb):
                v = min(max(int(ids[i, t]), 0), rows - 1)
                for j in range(n):
                    g[k * nb + i, j] = projected[v, j]
    else:
        x, xt = value(bufs, iv[SRC], nb), value(bufs, iv[XT], nb)
        to_time_major(iv, x, xt, nb)
        matmul(xt, matrix(params, iv[KERNEL], xt.shape[1], n), g)
    if iv[USE_BIAS]:
        add_bias(g, params[iv[BIAS]:iv[BIAS] + n])


@kernel
def recurrent_product(iv, bufs, arena, nb, h, n, out):
    """``out = h @ recurrent`` ((nb, units) @ (units, n))."""
    matmul(h, matrix(arena[0], iv[RECURRENT], iv[UNITS], n), out)


@kernel
def carry_back(iv, bufs, arena, nb, dz, n, training, fv, dh):
    """``dh = dz @ recurrent.T``, through the recurrent-dropout mask in training."""
    matmul(dz, matrix(arena[0], iv[RECURRENT], iv[UNITS], n).T, dh)
    if training and fv[0] > 0.0:
        mask = work_block(iv, bufs, nb, RMASK)
        for i in range(nb):
            for u in range(iv[UNITS]):
                dh[i, u] *= mask[i, u]


@kernel
def finish_grads(iv, fv, bufs, arena, nb, n, dinner, bias_offset, step):
    """After the steps: the bias, recurrent and kernel gradients and ``dx``, one GEMM each.

    ``grad(gates)`` holds the gradients of the input projections, ``dinner``
    (time-major, ``n`` wide) those of the recurrent products (the bias
    gradient of the recurrent half at ``bias_offset`` when ``> 0``). The states
    are multiplied by the recurrent-dropout mask in place first: each step's
    recurrent product read them so.
    """
    xt, dg = value(bufs, iv[XT], nb), grad(bufs, iv[GATES], nb)
    h = value(bufs, iv[STATES], nb)
    steps, units = iv[STEPS], iv[UNITS]
    grads, params = arena[1], arena[0]
    d = xt.shape[1]
    if iv[USE_BIAS]:
        column_sums(dg, grads[iv[BIAS]:iv[BIAS] + n])
        if bias_offset > 0:
            column_sums(dinner, grads[iv[BIAS] + bias_offset:iv[BIAS] + bias_offset + n])
    dr = matrix(grads, iv[RECURRENT], units, n)
    if steps == 1:
        dr[:] = 0.0
    else:
        if fv[0] > 0.0:
            mask = work_block(iv, bufs, nb, RMASK)
            for r in range((steps - 1) * nb):
                for u in range(units):
                    h[r, u] *= mask[r % nb, u]
        matmul(h[:(steps - 1) * nb].T, dinner[nb:], dr)
    if iv[INPUT_DIM] > 0:
        embedding_grads(iv, bufs, arena, nb, n, dg)
        return
    matmul(xt.T, dg, matrix(grads, iv[KERNEL], d, n))
    if iv[DSRC] >= 0:
        dxt = grad(bufs, iv[XT], nb)
        matmul(dg, matrix(params, iv[KERNEL], d, n).T, dxt)
        from_time_major(iv, dxt, grad(bufs, iv[DSRC], nb), nb)


@kernel
def embedding_grads(iv, bufs, arena, nb, n, dg):
    """The kernel's and the embedding table's gradients when the input is ``table[ids]``.

    ``x @ kernel = table[ids] @ kernel``: with ``S[v]``, the sum of the gates'
    gradients of the steps whose id is ``v``, ``dkernel = table.T @ S`` and
    ``dtable = S @ kernel.T``, two products of ``input_dim`` rows instead of
    two of every step's. ``S`` lies in the gradient space of the input, unused
    here; when it does not fit, ``dx = dgates @ kernel.T`` is added to the
    table's rows instead.
    """
    slots, mb, steps = bufs[2], bufs[3], iv[STEPS]
    rows, d = iv[INPUT_DIM], slots[iv[SRC], 2]
    params, grads = arena[0], arena[1]
    ids = value_block(bufs, iv[IDS], nb, steps)
    dtable = matrix(grads, iv[TABLE], rows, d)
    if table_fits(iv, bufs, n):
        s = view2d(bufs[1], mb * slots[iv[SRC], 0], rows, n)
        scatter_steps(iv, ids, dg, s, nb)
        matmul(matrix(params, iv[TABLE], rows, d).T, s, matrix(grads, iv[KERNEL], d, n))
        matmul(s, matrix(params, iv[KERNEL], d, n).T, dtable)
        return
    xt = value(bufs, iv[XT], nb)
    matmul(xt.T, dg, matrix(grads, iv[KERNEL], d, n))
    dxt = grad(bufs, iv[XT], nb)
    matmul(dg, matrix(params, iv[KERNEL], d, n).T, dxt)
    scatter_steps(iv, ids, dxt, dtable, nb)


@kernel
def scatter_steps(iv, ids, a, out, nb):
    """``out = 0``, then each time-major row of ``a`` added to the row of ``out`` its id names."""
    out[:] = 0.0
    steps, rows = iv[STEPS], out.shape[0]
    for k in range(steps):
        t = time_of(iv, k)
        for i in range(nb):
            v = int(ids[i, t])
            if 0 <= v < rows:
                for j in range(a.shape[1]):
                    out[v, j] += a[k * nb + i, j]
