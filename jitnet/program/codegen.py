"""The source of a program's compiled steps, written for one model structure.

A ``Structure`` names what the steps may call: the op kinds (with their
variants) the model uses, the loss kernel, the metric kernels, the
optimizer, and whether penalties, constraints, shared buffers or sparse
inputs occur. The op sequence, sizes and offsets are not part of it: they
come from the tables at run time, and the ops run in a loop that dispatches
over the kinds present. Every model of one structure, whatever its depth
and widths, shares one compiled program; a model of kinds the program lacks
gets another. The generated module defines

- ``run_steps(mode, data, P, bufs, arena, head, opt, run, out)``: ``run[1]``
  batches from batch ``run[0]`` of training (mode 0), evaluation (1) or
  prediction into ``out`` (2); it returns the number of batches run (in
  training, fewer when a batch loss is not finite: that batch is counted in
  the sums but not applied);
- ``forward(P, bufs, arena, nb, training, step)`` and
  ``backward(P, bufs, arena, nb, step)``, the same passes alone (for tests).

The argument groups (tuples):

- ``data = (x, xptr, xidx, xval, y, sample_weight, order)``: the data set,
  dense rows or CSR rows (with an empty ``x``), and the sample order;
- ``P = (ints, floats, kinds, accumulate, wpen_i, wpen_f, cons_i, cons_f,
  activity_i, activity_f, meta, heads, head_w)``: the tables of
  ``builder.Tables`` and ``jitnet.kernels.regularizers``; ``kinds[o]``
  indexes the structure's ``kinds``; ``meta = [pred_slot, backward_from,
  in_place]`` (the buffer ``predict`` writes out, the last op that runs
  backward, whether consecutive input rows may be read in place);
  ``heads[h] = [pred_slot, loss_slot, loss_code, rows, y_column, y_width,
  sw_offset]`` for each output trained with a loss (its buffer, the buffer
  the loss reads (the logits when fused), the loss code, rows per sample, its
  target columns and its offset in ``swbuf``), ``head_w[h]`` its loss weight;
- ``bufs`` and ``arena``: see ``jitnet.kernels.buffers``;
- ``head = (ybuf, swbuf, scratch, sums, loss_hyper, metric_param,
  metric_loss_code, metric_hyper)``: targets and weights of a batch (head
  ``h``'s at ``mb * y_column`` and ``mb * sw_offset``), work space, the
  running sums (``sums[0]`` the loss, then with several heads each head's
  loss, then the metrics) and the settings of the losses (``loss_hyper[h]``)
  and metrics;
- ``opt = (slots, scalars, hyper, segments, lrs, n_trainable, counter)``: see
  ``jitnet.kernels.optimizers``; ``lrs[s]`` is the rate of step ``s``, and
  ``counter[0]`` (the optimizer's iterations) grows by one per applied update;
- ``run = (first, n_batches, batch_size, iteration, training)``; ``training``
  (0/1) runs prediction in training mode.

Activation variants and optimizer steps are modules of their own, cached
once and shared by every program that uses them.
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

    kinds: tuple[tuple[str, str | None], ...]  # the (kind, variant) pairs present, in first-use order
    losses: tuple[int, ...] = ()  # each head's loss kernel code (programs are shared per loss family)
    metrics: tuple[int, ...] = ()  # metric kernel codes, in order
    metric_heads: tuple[int, ...] = ()  # the head each metric reads (default: 0)
    optimizer: int | None = None  # optimizer kernel code
    penalties: bool = False  # weight penalties
    constraints: bool = False
    activity: bool = False  # activity penalties
    accumulate: bool = False  # buffers read by several ops
    sparse: bool = False  # the first op reads CSR rows

    def __post_init__(self) -> None:
        for kind, _ in self.kinds:
            if kind not in KINDS:
                raise ValueError(f"Unknown op kind {kind!r}. Known kinds: {sorted(KINDS)}")
        if self.optimizer is not None and self.optimizer not in ko.RULES:
            raise ValueError(f"No update rule for optimizer code {self.optimizer}. Known codes: {sorted(ko.RULES)}")
        if self.metric_heads and (len(self.metric_heads) != len(self.metrics) or
                                  not all(0 <= h < len(self.losses) for h in self.metric_heads)):
            raise ValueError(f"Each metric needs the index of a head. Received: metric_heads={self.metric_heads}")
        if any(m not in km.NAMES for m in self.metrics):
            raise ValueError(f"Unknown metric codes {[m for m in self.metrics if m not in km.NAMES]}.")

    def key(self) -> tuple:
        """The fields that change the source (a loss family, not its code)."""
        return (self.kinds, tuple(kl.family(code) for code in self.losses), self.metrics, self.heads_of_metrics(),
                self.optimizer, self.penalties, self.constraints, self.activity, self.accumulate, self.sparse)

    def heads_of_metrics(self) -> tuple[int, ...]:
        """The head of each metric."""
        return self.metric_heads or (0,) * len(self.metrics)


HEADER = '''"""A jitnet program, generated; safe to delete."""
# {title}

import math

from jitnet.kernels import activations as ka
from jitnet.kernels import losses as kl
from jitnet.kernels import metrics as km
from jitnet.kernels import optimizers as ko
from jitnet.kernels import regularizers as kr
from jitnet.kernels._fpu import denormals_off, restore
from jitnet.kernels._jit import entry_kernel, kernel
from jitnet.kernels.buffers import accumulate, gather_inputs, gather_targets, grad, sample_value, scale_grad, value
from jitnet.kernels.views import unowned, view2d
{imports}
'''


def variant_source(kind: str, variant: str) -> str:
    """A module with ``forward`` and ``backward`` of one variant of an op kind."""
    return HEADER.format(title=f"op kind {kind}, variant {variant}", imports="") + KINDS[kind].source(variant, "")


def optimizer_source(code: int) -> str:
    """A module holding only ``optimizer_step`` for optimizer ``code``."""
    return HEADER.format(title=f"optimizer code {code}", imports="") + ko.step_source(code)


def _indent(lines: list[str], depth: int) -> list[str]:
    return ["    " * depth + line for line in lines]


def _dispatch(s: Structure, call: str) -> list[str]:
    """``if kinds[o] == i: op_i.<call>`` for the kinds present; nothing else can run."""
    lines = ["k = kinds[o]"]
    for i in range(len(s.kinds)):
        lines += [f"{'if' if i == 0 else 'elif'} k == {i}:", f"    op{i}.{call}"]
    return lines


def _commit(s: Structure) -> list[str]:
    """``op.commit`` of the kinds that keep statistics, once a training step stands (BatchNorm's moving ones)."""
    present = [i for i, (kind, _) in enumerate(s.kinds) if hasattr(KINDS[kind], "commit")]
    lines = ["for o in range(ints.shape[0]):", "    k = kinds[o]"]
    for n, i in enumerate(present):
        lines += [f"    {'if' if n == 0 else 'elif'} k == {i}:", f"        op{i}.commit(ints[o], floats[o], bufs, arena, nb)"]
    return lines if present else []


def _forward(s: Structure, training: str, step: str) -> list[str]:
    return ["for o in range(ints.shape[0]):",
            *_indent(_dispatch(s, f"forward(ints[o], floats[o], bufs, arena, nb, {training}, {step})"), 1)]


def _accumulate(where: str) -> list[str]:
    return ["for r in range(acc.shape[0]):", f"    if acc[r, 0] == {where}:",
            "        accumulate(bufs, acc[r, 1], acc[r, 3:3 + acc[r, 2]], nb)"]


def _backward(s: Structure) -> list[str]:
    body = []
    if s.accumulate:
        body += _accumulate("o")
    if s.activity:
        body += ["for r in range(act_i.shape[0]):", "    if act_i[r, 1] == o:",
                 "        kr.add_activity_grad(bufs, act_i[r, 0], act_f[r, 0], act_f[r, 1], nb)"]
    body += _dispatch(s, "backward(ints[o], floats[o], bufs, arena, nb, step)")
    lines = ["for o in range(meta[1], -1, -1):", *_indent(body, 1)]
    if s.accumulate:
        lines += _accumulate("-1")
    if s.penalties:
        lines.append("kr.add_weight_penalty_grads(wpen_i, wpen_f, arena[0], arena[1])")
    return lines


def _loss_and_metrics(s: Structure, want_grad: str) -> list[str]:
    """Each head's loss (weighted, its gradient scaled alike), the penalties, then each head's metrics."""
    several = len(s.losses) > 1
    heads = s.heads_of_metrics()
    lines = ["loss = 0.0", "mb = bufs[3]"]
    for h, code in enumerate(s.losses):
        lines += [
            f"pred = value(bufs, heads[{h}, 0], nb)",
            "n_rows = pred.shape[0]  # nb * (output rows per sample): every loss term weighs the same, as in Keras",
            f"y = view2d(ybuf, mb * heads[{h}, 4], n_rows, heads[{h}, 5] * nb // n_rows)",
            f"sw = swbuf[mb * heads[{h}, 6]:mb * heads[{h}, 6] + n_rows]",
            f"part = kl.{kl.family(code)}(heads[{h}, 2], value(bufs, heads[{h}, 1], nb), y, sw, "
            + f"grad(bufs, heads[{h}, 1], nb), lhyper[{h}], {want_grad}) / n_rows",
            f"if {want_grad} and head_w[{h}] != 1.0:",
            f"    scale_grad(bufs, heads[{h}, 1], nb, head_w[{h}])",
            f"loss += head_w[{h}] * part",
        ]
        if several:
            lines += [f"sums[{1 + h}, 0] += part * nb", f"sums[{1 + h}, 1] += nb"]
        first = 1 + (len(s.losses) if several else 0)
        lines += [f"km.{km.NAMES[c]}(pred, y, mparam[{m}], mloss[{m}], mhyper[{m}], scratch, sums[{first + m}])"
                  for m, c in enumerate(s.metrics) if heads[m] == h]
    if s.penalties:
        lines.append("loss += kr.weight_penalties(wpen_i, wpen_f, arena[0])")
    if s.activity:
        lines += ["for r in range(act_i.shape[0]):",
                  "    loss += kr.activity_penalty(bufs, act_i[r, 0], act_f[r, 0], act_f[r, 1], nb)"]
    lines += ["sums[0, 0] += loss * nb", "sums[0, 1] += nb"]
    return lines


_UNPACK = "ints, floats, kinds, acc, wpen_i, wpen_f, cons_i, cons_f, act_i, act_f, meta, heads, head_w = P"


def _unowned(names: str) -> str:
    """The line that rebinds the arguments ``names`` to ``unowned`` aliases: views of them count no references."""
    return f"{names} = unowned(({names}))"


def _function(signature: str, body: list[str]) -> str:
    return "\n".join(["", "", "@entry_kernel", f"def {signature}:", *_indent(body, 1), ""])


def _run_steps(s: Structure) -> str:
    train = bool(s.losses) and s.optimizer is not None
    step_body = ["lo = (first + s) * batch_size", "nb = min(batch_size, n - lo)", "step = iteration + s",
                 f"gather_inputs(data, order, lo, nb, bufs, {s.sparse}, meta[2] != 0)"]
    if s.losses:
        step_body += ["if mode != 2:", "    gather_targets(data, order, lo, nb, head, heads, bufs[3])"]
    step_body += _forward(s, "mode == 0 or (mode == 2 and training != 0)", "step")
    commit = _commit(s)
    step_body += ["if mode == 2:", *(["    if training != 0:", *_indent(commit, 2)] if commit else []),
                  "    pred = sample_value(bufs, meta[0], nb)", "    for i in range(nb):",
                  "        for j in range(pred.shape[1]):", "            out[lo + i, j] = pred[i, j]", "    continue"]
    if s.losses:
        step_body += _loss_and_metrics(s, "mode == 0")
    if train:
        update = ["if not math.isfinite(loss):", "    done = s", "    break", *commit, *_backward(s),
                  "optimizer_step(tparams, tgrads, ostate, lrs[s], step + 1)", "counter[0] += 1"]
        if s.constraints:
            update.append("kr.apply_constraints(cons_i, cons_f, arena[0])")
        step_body += ["if mode == 0:", *_indent(update, 1)]
    body = ["old = denormals_off()", _unowned("data, P, bufs, arena, head, opt, out"), _UNPACK,
            "ybuf, swbuf, scratch, sums, lhyper, mparam, mloss, mhyper = head",
            "first, n_batches, batch_size, iteration, training = run",
            "order = data[6]", "n = order.shape[0]", "done = n_batches"]
    if train:
        body += ["nt = opt[5]", "tparams, tgrads = arena[0][:nt], arena[1][:nt]",
                 "ostate, lrs, counter = (opt[0], opt[1], opt[2], opt[3]), opt[4], opt[6]"]
    body += ["for s in range(n_batches):", *_indent(step_body, 1), "bufs[8][0] = -1  # later calls gather",
             "restore(old)", "return done"]
    return _function("run_steps(mode, data, P, bufs, arena, head, opt, run, out)", body)


def source(s: Structure, modules: dict[tuple[str, str], str]) -> str:
    """The Python source of the program of structure ``s``.

    ``modules`` maps each variant ``(kind, variant)`` and ``("optimizer", code)``
    to the name of its loaded module.
    """
    imports = []
    for i, (kind, variant) in enumerate(s.kinds):
        if variant is None:
            imports.append(f"from jitnet.kernels.ops import {kind} as op{i}")
        else:
            imports.append(f"import {modules[(kind, variant)]} as op{i}")
    if s.optimizer is not None:
        imports.append(f"from {modules[('optimizer', str(s.optimizer))]} import optimizer_step")
    title = f"structure: {s.key()!r}"
    parts = [HEADER.format(title=title, imports="\n".join(imports)),
             _function("forward(P, bufs, arena, nb, training, step)",
                       [_unowned("P, bufs, arena"), _UNPACK, *_forward(s, "training", "step")]),
             _function("backward(P, bufs, arena, nb, step)", [_unowned("P, bufs, arena"), _UNPACK, *_backward(s)]),
             _run_steps(s)]
    return "\n".join(parts)
