"""From layers to a program: op calls over named buffers, packed into tables.

Layers call ``ProgramBuilder.op`` with an op kind of ``jitnet.kernels.ops``
and its fields by name; ``new_slot`` and ``alias`` make buffers. A program
is a graph: an op reads one or more buffers and writes one. ``finish``
decides where each op writes the gradient of its inputs: a buffer read by
several ops gives each reader a private gradient buffer, and the program
sums them before the producer's backward pass. The tables are then checked
against the buffers and arenas they index, so no kernel reads outside them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..kernels.ops import KINDS


@dataclass
class OpCall:
    """One op of a program: its kind, variant, input and output buffers, and fields."""

    kind: str
    variant: str | None
    inputs: tuple[int, ...]
    output: int
    ints: dict[str, int] = field(default_factory=dict)
    floats: dict[str, float] = field(default_factory=dict)


@dataclass
class Tables:
    """A finished program's numbers, as the compiled steps take them."""

    ints: np.ndarray  # (n_ops, width) int64, each row laid out by its kind's INTS
    floats: np.ndarray  # (n_ops, width) float64, by its kind's FLOATS
    slots: np.ndarray  # (n_slots, 3) int64: start, rows, features per sample
    accumulate: np.ndarray  # (n, 3 + readers) int64: op (-1: end), target, count, private gradient buffers
    activity_i: np.ndarray  # (n, 2) int64: the buffer of an activity penalty and the op that writes it
    activity_f: np.ndarray  # (n, 2) float64: its l1, l2
    size: int  # values per sample in the buffers


class ProgramBuilder:
    """Collects the buffers and op calls of a model's program."""

    def __init__(self, input_shape: tuple[int, ...]) -> None:
        self.slots: list[tuple[int, int, int]] = []
        self.calls: list[OpCall] = []
        self.activity: list[tuple[int, float, float]] = []
        self.taken: list[int] = []  # buffers whose producer handed work to their only reader
        self.masks: dict[int, int] = {}  # buffer -> the id buffer whose zeros mask its steps
        self.outputs: list[int] = []  # a model of several outputs: each one's buffer (else the emitted buffer)
        self.predict_only_from: int | None = None  # ops from here on only gather outputs for predict
        self.no_backward: set[int] = set()  # ops whose input gradient the loss writes (a fused activation)
        self.kept: set[int] = set()  # buffer starts a model outputs: their values must stay as computed
        self.size = 0
        self.input_slot = self.new_slot(input_shape)

    @staticmethod
    def _rows_features(shape: tuple[int, ...]) -> tuple[int, int]:
        return math.prod(shape[:-1]), shape[-1]

    def new_slot(self, shape: tuple[int, ...]) -> int:
        """A new buffer for per-sample ``shape``."""
        rows, feats = self._rows_features(tuple(shape))
        self.slots.append((self.size, rows, feats))
        self.size += rows * feats
        return len(self.slots) - 1

    def alias(self, slot: int, shape: tuple[int, ...]) -> int:
        """The same memory as ``slot`` seen with per-sample ``shape``."""
        rows, feats = self._rows_features(tuple(shape))
        if rows * feats != self.slots[slot][1] * self.slots[slot][2]:
            raise ValueError(f"An alias of buffer {slot} must keep its size. Received: shape={shape}")
        self.slots.append((self.slots[slot][0], rows, feats))
        return len(self.slots) - 1

    def op(self, kind: str, inputs: int | tuple[int, ...], output: int, variant: str | None = None,
           **fields: float) -> int:
        """Append an op call of ``kind`` reading ``inputs`` and writing ``output``; returns its index.

        ``fields`` name the kind's other int and float fields; missing ones are 0.
        """
        if kind not in KINDS:
            raise ValueError(f"Unknown op kind {kind!r}. Known kinds: {sorted(KINDS)}")
        module = KINDS[kind]
        inputs = (inputs,) if isinstance(inputs, (int, np.integer)) else tuple(inputs)
        if (variant is None) != (not hasattr(module, "source")):
            raise ValueError(f"Op kind {kind!r} {'needs' if variant is None else 'takes no'} variant.")
        unknown = set(fields) - set(module.INTS) - set(module.FLOATS)
        if unknown:
            raise ValueError(f"Op kind {kind!r} has no fields {sorted(unknown)}. Its fields: "
                             f"{list(module.INTS) + list(module.FLOATS)}")
        ints = {k: int(v) for k, v in fields.items() if k in module.INTS}
        floats = {k: float(v) for k, v in fields.items() if k in module.FLOATS}
        self.calls.append(OpCall(kind, variant, tuple(int(s) for s in inputs), int(output), ints, floats))
        return len(self.calls) - 1

    def take_relu(self, slot: int) -> bool:
        """Move a plain ReLU applied in place by the op writing ``slot`` to the caller, its only reader.

        ``max(relu(z)) = relu(max(z))``, so a max pooling that applies the
        ReLU to its few outputs saves a pass over the many inputs. Not moved
        when an activity penalty reads ``slot``. True when moved: the caller
        applies it (``finish`` checks that nothing else reads ``slot``).
        """
        o = self._takeable(slot)
        if o < 0 or not self.calls[o].ints.get("relu"):
            return False
        self.calls[o].ints["relu"] = 0
        self.taken.append(slot)
        return True

    def take_embedding(self, slot: int, width: int) -> dict | None:
        """Hand the table gradient of the embedding writing ``slot`` to the caller, its only reader.

        A recurrent op with ``width`` gates projects its inputs with its kernel:
        it can project the table (``input_dim`` rows, not one per step) and
        add each step's gradient to its id's row (``ids``, ``table``,
        ``input_dim``: the fields returned); the embedding then does nothing
        (see ``kernels.ops.embedding``). None when ``slot`` is not an
        unpenalised embedding's output.
        """
        o = self._takeable(slot, "embedding")
        if o < 0:
            return None
        call = self.calls[o]
        call.ints.update(fused=1, width=int(width))
        self.taken.append(slot)
        return {"ids": call.inputs[0], "table": call.ints["table"], "input_dim": call.ints["input_dim"]}

    def _takeable(self, slot: int, kind: str | None = None) -> int:
        """The op (of ``kind``, if given) writing ``slot`` when nothing reads or penalises ``slot`` yet, else -1."""
        o, start = self.producer(slot), self.slots[slot][0]
        read = start in self.kept or any(self.slots[s][0] == start for call in self.calls for s in call.inputs)
        penalised = any(self.slots[s][0] == start for s, _, _ in self.activity)
        ok = o >= 0 and kind in (None, self.calls[o].kind) and not read and not penalised
        return o if ok else -1

    def keep(self, slot: int) -> None:
        """Buffer ``slot`` is an output of the model: no reader may take work from its producer."""
        self.kept.add(self.slots[slot][0])

    def pass_mask(self, slot: int, out: int) -> None:
        """Buffer ``out`` carries the step mask of ``slot``, if any (layers that keep the steps)."""
        if slot in self.masks:
            self.masks[out] = self.masks[slot]

    def activity_penalty(self, slot: int, l1: float, l2: float) -> None:
        """Add ``l1 * sum|y| + l2 * sum(y**2)`` of buffer ``slot``, per sample, to the loss."""
        if l1 or l2:
            self.activity.append((int(slot), float(l1), float(l2)))

    # -- finishing -------------------------------------------------------------

    def finish(self, needs_input_grad: bool = False, backward_from: int | None = None) -> Tables:
        """Lay out input gradients and pack the tables.

        Ops ``0..backward_from`` run backward (default: all). A row of the
        accumulate table runs just before the backward pass of the op that
        wrote its buffer (-1: after the last, for the model's input).
        """
        last = len(self.calls) - 1 if backward_from is None else backward_from
        readers: dict[int, list[tuple[int, int]]] = {}
        for o, call in enumerate(self.calls[:last + 1]):
            for i, s in enumerate(call.inputs):
                readers.setdefault(self.slots[s][0], []).append((o, i))
        for slot in self.taken:
            start = self.slots[slot][0]
            if len(readers.get(start, [])) != 1 or any(self.slots[s][0] == start for s, _, _ in self.activity):
                raise ValueError(f"Buffer {slot} handed work to a reader but has other readers.")
        dsrc = [[-1] * len(call.inputs) for call in self.calls]
        accumulate = []
        for start, reads in readers.items():
            if start == self.slots[self.input_slot][0] and not needs_input_grad:
                continue
            if len(reads) == 1:
                o, i = reads[0]
                dsrc[o][i] = self.calls[o].inputs[i]
                continue
            private = []
            for o, i in reads:
                s = self.calls[o].inputs[i]
                rows, feats = self.slots[s][1:]
                dsrc[o][i] = self.new_slot((rows, feats))
                private.append(dsrc[o][i])
            target = self.calls[reads[0][0]].inputs[reads[0][1]]
            accumulate.append([self.producer(target), target, len(private), *private])
        for o in self.no_backward:
            dsrc[o] = [-1] * len(dsrc[o])
        return self._tables(dsrc, accumulate)

    def producer(self, slot: int) -> int:
        """The last op that writes the memory of ``slot`` (-1: the model's input).

        Several ops write one buffer when each fills its own columns (the two
        halves of a Bidirectional layer); the gradients of the buffer's readers
        are summed before the last one's backward pass, the first to run.
        """
        start = self.slots[slot][0]
        return max((o for o, c in enumerate(self.calls) if self.slots[c.output][0] == start), default=-1)

    def kinds(self, sparse: bool = False) -> tuple[tuple[tuple[str, str | None], ...], np.ndarray]:
        """The (kind, variant) pairs in first-use order, and each op's index into them.

        With ``sparse``, a first dense op reads CSR rows (kind ``sparse_dense``).
        """
        pairs: list[tuple[str, str | None]] = []
        index = np.zeros(len(self.calls), np.int64)
        for o, call in enumerate(self.calls):
            pair = ("sparse_dense", None) if sparse and o == 0 else (call.kind, call.variant)
            if pair not in pairs:
                pairs.append(pair)
            index[o] = pairs.index(pair)
        return tuple(pairs), index

    def _tables(self, dsrc: list[list[int]], accumulate: list[list[int]]) -> Tables:
        n = len(self.calls)
        width_i = max([len(KINDS[c.kind].INTS) for c in self.calls] or [1])
        width_f = max([len(KINDS[c.kind].FLOATS) for c in self.calls] + [1])
        ints = np.zeros((n, width_i), np.int64)
        floats = np.zeros((n, width_f), np.float64)
        for o, call in enumerate(self.calls):
            module = KINDS[call.kind]
            values = dict(call.ints)
            for i, s in enumerate(call.inputs):
                values[module.INTS[2 * i]] = s
                values[module.INTS[2 * i + 1]] = dsrc[o][i]
            values["dst"] = call.output
            ints[o, :len(module.INTS)] = [values.get(name, 0) for name in module.INTS]
            floats[o, :len(module.FLOATS)] = [call.floats.get(name, 0.0) for name in module.FLOATS]
        width_a = max([len(r) for r in accumulate] + [3])
        acc = np.zeros((len(accumulate), width_a), np.int64)
        for r, row in enumerate(accumulate):
            acc[r, :len(row)] = row
        act_i = np.array([[s, self.producer(s)] for s, _, _ in self.activity], np.int64).reshape(-1, 2)
        act_f = np.array([[a, b] for _, a, b in self.activity], np.float64).reshape(-1, 2)
        slots = np.array(self.slots, np.int64).reshape(-1, 3)
        return Tables(ints, floats, slots, acc, act_i, act_f, self.size)


def check_tables(tables: Tables, calls: list[OpCall], n_params: int, n_state: int) -> None:
    """Refuse a program whose tables index outside its buffers or arenas."""
    slots = tables.slots
    if np.any(slots < 0) or np.any(slots[:, 0] + slots[:, 1] * slots[:, 2] > tables.size):
        raise ValueError("Program buffers lie outside the buffer space.")
    n_slots = len(slots)
    for o, call in enumerate(calls):
        module = KINDS[call.kind]
        row = dict(zip(module.INTS, tables.ints[o]))
        for name, v in row.items():
            if name in ("src", "dst", "src2", *getattr(module, "BUFFERS", ())) and not 0 <= v < n_slots:
                raise ValueError(f"Op {o} ({call.kind}) field {name}={v} is not a buffer.")
            if name.startswith("dsrc") and not -1 <= v < n_slots:
                raise ValueError(f"Op {o} ({call.kind}) field {name}={v} is not a buffer.")
        if hasattr(module, "check"):
            module.check(row, slots)
        for name, size in getattr(module, "arena_fields", lambda r, s: [])(row, slots):
            arena, offset = (n_state, row[name]) if name == "state" else (n_params, row[name])
            if not (0 <= offset and offset + size <= arena):
                raise ValueError(f"Op {o} ({call.kind}) field {name} reaches outside its arena.")
    for r in tables.accumulate:
        if not all(0 <= s < n_slots for s in r[[1, *range(3, 3 + r[2])]]) or not -1 <= r[0] < len(calls):
            raise ValueError("An accumulation step names a buffer or op that does not exist.")
    act = tables.activity_i
    if np.any((act[:, 0] < 0) | (act[:, 0] >= n_slots) | (act[:, 1] < -1) | (act[:, 1] >= len(calls))):
        raise ValueError("An activity penalty names a buffer or op that does not exist.")
