"""Sibling Dense layers run as one: Dense layers that read one tensor and feed one Concatenate.

``x -> [Dense(256, relu), Dense(256, relu)] -> Concatenate`` computes
``relu(x @ [W1 | W2] + [b1 | b2])``. One product of the whole width costs
less than one per branch, and the concatenation becomes free: on the
two-branch model of ``perf/functional.py`` (784 -> 2 x 256, batch 128) a
step then costs what the Sequential 784-512-10 model's does. The arena
lays the kernels of such a group side by side as one ``(inputs, units)``
block and their biases as one vector (``arena.assemble``); each layer's
``kernel`` and ``bias`` are views of their columns, with Keras's shapes and
values. The program runs one Dense op into the Concatenate's buffer.

A group needs what makes the fused op the same computation and the
layout invisible: exact ``Dense`` layers of one elementwise activation,
``use_bias`` and trainability, on a tensor with one feature axis, whose
outputs nothing else reads, with no regularizer or constraint (their
tables take each weight as one contiguous range), trained without
per-variable ``clipnorm`` (likewise).
"""

from __future__ import annotations

from typing import Any

from ..kernels import activations as ka
from ..layers.core import Dense
from ..layers.merging import Concatenate


def _fusable(layer: Any) -> bool:
    return type(layer) is Dense and layer.activation.code != ka.SOFTMAX and not any(
        getattr(layer, name) is not None for name in ("kernel_regularizer", "bias_regularizer",
                                                      "activity_regularizer", "kernel_constraint",
                                                      "bias_constraint"))


def _signature(layer: Dense) -> tuple:
    return layer.activation.code, tuple(layer.activation.params), layer.use_bias


def dense_groups(nodes: list, outputs: list) -> list[tuple[Any, list[Dense]]]:
    """``(concatenate node, its Dense layers in order)`` for each group of sibling Dense layers in ``nodes``."""
    producer = {id(n.output): n for n in nodes}
    readers: dict[int, int] = {}
    for n in nodes:
        for t in n.inputs:
            readers[id(t)] = readers.get(id(t), 0) + 1
    kept = {id(t) for t in outputs}
    groups = []
    for node in nodes:
        if type(node.layer) is not Concatenate or len(node.inputs) < 2 or node.layer.axis not in (-1, 1):
            continue
        sources = [producer.get(id(t)) for t in node.inputs]
        if any(s is None or not _fusable(s.layer) or readers[id(t)] != 1 or id(t) in kept
               for s, t in zip(sources, node.inputs)):
            continue
        layers = [s.layer for s in sources]
        x = sources[0].inputs[0]
        if len(x.sample_shape) != 1 or len({id(layer) for layer in layers}) != len(layers) or \
                any(s.inputs[0] is not x for s in sources) or len({_signature(layer) for layer in layers}) != 1:
            continue
        groups.append((node, layers))
    return groups
