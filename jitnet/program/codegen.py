"""The source of a program's compiled steps, written for one model structure.

A ``Structure`` names what the steps call: each op's kind and variant, the
loss kernel, the metric kernels, the optimizer, and whether the model has
penalties or constraints. Sizes and offsets are not part of it: they come
from the tables at run time, so every model of one structure shares one
compiled program. The generated module defines:

- ``forward(P, bufs, arena, nb, training, step)`` and
  ``backward(P, bufs, arena, nb, step)``, the ops unrolled in order;
- ``loss_and_metrics(P, bufs, arena, head, nb, want_grad)``;
- ``train_steps(data, P, bufs, arena, head, opt, run)``,
  ``test_steps(data, P, bufs, arena, head, run)`` and
  ``predict_steps(data, P, bufs, arena, run, training, step, out)``.

The argument groups (tuples):

- ``data = (x, xptr, xidx, xval, y, sample_weight, order)``: the data set,
  dense rows or CSR rows (with an empty ``x``), and the sample order;
- ``P = (ints, floats, accumulate, wpen_i, wpen_f, cons_i, cons_f,
  activity_i, activity_f, meta)``: the tables (``builder.Tables`` and
  ``jitnet.kernels.regularizers``); ``meta = [pred_slot, loss_slot,
  loss_code, output_rows]``;
- ``bufs`` and ``arena``: see ``jitnet.kernels.buffers``;
- ``head = (ybuf, swbuf, scratch, acc, loss_hyper, metric_param,
  metric_loss_code, metric_hyper)``: targets and weights of a batch, work
  space, the running sums (``acc[0]`` the loss, ``acc[m + 1]`` metric m) and
  the settings of the loss and metrics;
- ``opt = (slots, scalars, hyper, segments, lrs, n_trainable)``: see
  ``jitnet.kernels.optimizers``; ``lrs[s]`` is the rate of step ``s``;
- ``run = (first, n_batches, batch_size, iteration)``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..kernels import losses as kl
from ..kernels import metrics as km
from ..kernels import optimizers as ko
from ..kernels.ops import KINDS


@dataclass(frozen=True)
class Structure:
    """What a program calls; equal structures share one compiled program."""

    ops: tuple[tuple[str, str | None], ...]  # (kind, variant) of each op
    backward_from: int = -1  # the last op that runs backward (-1: none)
    accumulate: tuple[tuple[int, int], ...] = ()  # (op, row): sum gradients before op's backward (-1: at the end)
    activity: tuple[int, ...] = ()  # the op producing each activity-penalty buffer
    loss: int | None = None  # loss kernel code
    metrics: tuple[int, ...] = ()  # metric kernel codes
    optimizer: int | None = None  # optimizer kernel code
    penalties: bool = False
    constraints: bool = False

    def __post_init__(self) -> None:
        for kind, variant in self.ops:
            if kind not in KINDS:
                raise ValueError(f"Unknown op kind {kind!r}. Known kinds: {sorted(KINDS)}")
        if self.optimizer is not None and self.optimizer not in ko.RULES:
            raise ValueError(f"No update rule for optimizer code {self.optimizer}.")
        if any(m not in km.NAMES for m in self.metrics):
            raise ValueError(f"Unknown metric codes {[m for m in self.metrics if m not in km.NAMES]}.")


_HEADER = '''"""A jitnet program, generated for one model structure; safe to delete."""
# structure: {structure!r}

import math

from jitnet.kernels import activations as ka
from jitnet.kernels import losses as kl
from jitnet.kernels import metrics as km
from jitnet.kernels import optimizers as ko
from jitnet.kernels import regularizers as kr
from jitnet.kernels._fpu import denormals_off, restore
from jitnet.kernels._jit import kernel
from jitnet.kernels.buffers import accumulate, gather_inputs, gather_targets, grad, sample_value, value
from jitnet.kernels.views import view2d
{imports}
'''


def _op_functions(s: Structure) -> tuple[list[str], list[str], list[str]]:
    """Import lines, variant sources, and the callable name of each op."""
    imports, sources, names, done = [], [], [], set()
    for kind, variant in s.ops:
        if variant is None:
            line = f"from jitnet.kernels.ops import {kind} as op_{kind}"
            if line not in imports:
                imports.append(line)
            names.append(f"op_{kind}.")
        else:
            prefix = f"{kind}_{variant}_"
            if prefix not in done:
                done.add(prefix)
                sources.append(KINDS[kind].source(variant, prefix))
            names.append(prefix)
    return imports, sources, names


def _forward(s: Structure, names: list[str]) -> str:
    body = [f"    {n}forward(ints[{o}], floats[{o}], bufs, arena, nb, training, step)" for o, n in enumerate(names)]
    return "\n".join([
        "@kernel", "def forward(P, bufs, arena, nb, training, step):",
        "    ints, floats = P[0], P[1]", *body, "",
    ])


def _backward(s: Structure, names: list[str]) -> str:
    lines = ["@kernel", "def backward(P, bufs, arena, nb, step):",
             "    ints, floats, acc, act_i, act_f = P[0], P[1], P[2], P[7], P[8]"]

    def sums(op: int) -> list[str]:
        return [f"    accumulate(bufs, acc[{r}, 0], acc[{r}, 2:2 + acc[{r}, 1]], nb)"
                for o, r in s.accumulate if o == op]

    for o in range(s.backward_from, -1, -1):
        lines += sums(o)
        lines += [f"    kr.add_activity_grad(bufs, act_i[{r}, 0], act_f[{r}, 0], act_f[{r}, 1], nb)"
                  for r, producer in enumerate(s.activity) if producer == o]
        lines.append(f"    {names[o]}backward(ints[{o}], floats[{o}], bufs, arena, nb, step)")
    lines += sums(-1)
    if s.penalties:
        lines.append("    kr.add_weight_penalty_grads(P[3], P[4], arena[0], arena[1])")
    return "\n".join(lines + [""])


def _loss_and_metrics(s: Structure) -> str:
    lines = [
        "@kernel", "def loss_and_metrics(P, bufs, arena, head, nb, want_grad):",
        "    meta = P[9]",
        "    acc = head[3]",
        "    pred = value(bufs, meta[0], nb)",
        "    n = pred.shape[0]  # nb * (output rows per sample): every loss term weighs the same, as in Keras",
        "    y = view2d(head[0], 0, n, head[0].shape[0] // bufs[3] * nb // n)",
        f"    total = kl.{kl.family(s.loss)}(meta[2], value(bufs, meta[1], nb), y, head[1][:n], "
        + "grad(bufs, meta[1], nb), head[4], want_grad)",
        "    loss = total / n",
    ]
    if s.penalties:
        lines.append("    loss += kr.weight_penalties(P[3], P[4], arena[0])")
    lines += [f"    loss += kr.activity_penalty(bufs, P[7][{r}, 0], P[8][{r}, 0], P[8][{r}, 1], nb)"
              for r in range(len(s.activity))]
    lines += ["    acc[0, 0] += loss * nb", "    acc[0, 1] += nb"]
    lines += [f"    km.{km.NAMES[code]}(pred, y, head[5][{m}], head[6][{m}], head[7][{m}], head[2], acc[{m + 1}])"
              for m, code in enumerate(s.metrics)]
    return "\n".join(lines + ["    return loss", ""])


_LOOP = '''
@kernel
def {name}({args}):
    old = denormals_off()
    order = data[6]
    first, n_batches, batch_size = run[0], run[1], run[2]
    n = order.shape[0]
{setup}    for s in range(n_batches):
        lo = (first + s) * batch_size
        nb = min(batch_size, n - lo)
        gather_inputs(data, order, lo, nb, bufs, {sparse})
{body}    restore(old)
{ret}'''

_TRAIN_SETUP = '''    nt = opt[5]
    params, grads, state, lrs = arena[0][:nt], arena[1][:nt], (opt[0], opt[1], opt[2], opt[3]), opt[4]
    done = n_batches
'''
_TRAIN_BODY = '''        step = run[3] + s
        gather_targets(data, order, lo, nb, head, P[9][3])
        forward(P, bufs, arena, nb, True, step)
        loss = loss_and_metrics(P, bufs, arena, head, nb, True)
        if not math.isfinite(loss):  # not applied: the caller reports it
            done = s
            break
        backward(P, bufs, arena, nb, step)
        optimizer_step(params, grads, state, lrs[s], step + 1)
'''
_TEST_BODY = '''        gather_targets(data, order, lo, nb, head, P[9][3])
        forward(P, bufs, arena, nb, False, 0)
        loss_and_metrics(P, bufs, arena, head, nb, False)
'''
_PREDICT_BODY = '''        forward(P, bufs, arena, nb, training, step)
        pred = sample_value(bufs, P[9][0], nb)
        for i in range(nb):
            for j in range(pred.shape[1]):
                out[lo + i, j] = pred[i, j]
'''


def source(s: Structure) -> str:
    """The Python source of the program of structure ``s``."""
    imports, variant_sources, names = _op_functions(s)
    sparse = bool(s.ops) and s.ops[0][0] == "sparse_dense"
    parts = [_HEADER.format(structure=s, imports="\n".join(imports)), *variant_sources,
             "", _forward(s, names), "", _backward(s, names)]
    loop = {"sparse": sparse}
    parts.append(_LOOP.format(name="predict_steps", args="data, P, bufs, arena, run, training, step, out",
                              setup="", body=_PREDICT_BODY, ret="", **loop))
    if s.loss is not None:
        parts += ["", _loss_and_metrics(s)]
        parts.append(_LOOP.format(name="test_steps", args="data, P, bufs, arena, head, run", setup="",
                                  body=_TEST_BODY, ret="", **loop))
    if s.loss is not None and s.optimizer is not None:
        constrain = "        kr.apply_constraints(P[5], P[6], arena[0])\n" if s.constraints else ""
        parts.append(ko.step_source(s.optimizer))
        parts.append(_LOOP.format(name="train_steps", args="data, P, bufs, arena, head, opt, run",
                                  setup=_TRAIN_SETUP, body=_TRAIN_BODY + constrain, ret="    return done\n", **loop))
    return "\n".join(parts)


def optimizer_source(code: int) -> str:
    """A module holding only ``optimizer_step`` for optimizer ``code`` (for ``Optimizer.step``)."""
    return _HEADER.format(structure=("optimizer", code), imports="") + ko.step_source(code)
