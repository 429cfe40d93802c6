"""Parameter arenas: every weight of a model in one contiguous array.

Trainable parameters come first, so one optimizer kernel call over
``params[:n_trainable]`` updates the whole model; frozen parameters and
hidden constants follow. Statistics (batch-norm moving mean and variance)
and their scratch live in a separate ``state`` array. Each ``Variable``'s
``value`` becomes a view into its arena.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..layers.base import Layer, Variable


@dataclass
class Arena:
    """The arrays behind a built model's weights."""

    params: np.ndarray
    grads: np.ndarray
    state: np.ndarray
    n_trainable: int
    segments: np.ndarray  # boundaries of the trainable variables, for per-variable clipping
    layout: tuple  # layout_of(layers) when assembled



def _place(variables: list[Variable], arena: np.ndarray, start: int, blocks: dict | None = None) -> int:
    """Lay ``variables`` out from ``start``; those of a fused group (``blocks[id(var)]``: the group's kernels,
    or its biases) go side by side, as the column blocks of one (rows, total width) block."""
    offset, placed = start, set()
    for var in variables:
        if id(var) in placed:
            continue
        group = (blocks or {}).get(id(var), [var])
        rows = var.size // var.shape[-1] if len(group) > 1 else 1
        width = sum(v.size for v in group) // rows
        block, col = arena[offset:offset + rows * width].reshape(rows, width), 0
        for v in group:
            u = v.size // rows
            view = block[:, col:col + u]
            view[...] = v.value.reshape(rows, u)
            v.value = view.reshape(v.shape)
            v.offset = offset + col
            placed.add(id(v))
            col += u
        offset += rows * width
    return offset


def layout_of(layers: list[Layer], groups: tuple = ()) -> tuple:
    """A key that changes when the arena would be laid out differently (a layer frozen or unfrozen, another
    fused group)."""
    if not groups:
        return tuple(layer.trainable for layer in layers), ()
    index = {id(layer): i for i, layer in enumerate(layers)}
    return tuple(layer.trainable for layer in layers), tuple(tuple(index[id(m)] for m in g) for g in groups)


def _blocks(groups: tuple) -> dict:
    blocks = {}
    for group in groups:
        for part in ([m.kernel for m in group], [m.bias for m in group if m.bias is not None]):
            blocks.update({id(v): part for v in part})
    return blocks


def assemble(layers: list[Layer], dtype: np.dtype, into: Arena | None = None, groups: tuple = ()) -> Arena:
    """Copy every weight of ``layers`` into new arenas (or back into ``into``, laid out alike) and point the
    weights at them. ``groups``: tuples of sibling Dense layers laid out fused (``jitnet.models.fusion``)."""
    variables = [v for layer in layers for v in layer.arena_weights]
    params = [v for v in variables if not v.state]
    trainable = [v for v in params if v.trainable]
    frozen = [v for v in params if not v.trainable]
    size = sum(v.size for v in params)
    state_size = sum(v.size for v in variables if v.state) + sum(
        layer.state_scratch() for layer in layers)
    layout = layout_of(layers, groups)
    reuse = into is not None and into.layout == layout and into.params.size == size and \
        into.state.size == state_size and into.params.dtype == dtype
    arena = into.params if reuse else np.empty(size, dtype)
    blocks = _blocks(groups)
    n_trainable = _place(trainable, arena, 0, blocks)
    _place(frozen, arena, n_trainable, blocks)
    state = into.state if reuse else np.zeros(state_size, dtype)
    offset = 0
    for layer in layers:
        offset = _place([v for v in layer.arena_weights if v.state], state, offset)
        offset += layer.state_scratch()
    if reuse:
        return into
    segments = np.cumsum([0] + [v.size for v in trainable]).astype(np.int64)
    return Arena(arena, np.zeros_like(arena), state, n_trainable, segments, layout)


def owns(arena: Arena, layers: list[Layer]) -> bool:
    """True when every weight of ``layers`` is a view into ``arena`` (a model sharing layers may have taken them)."""
    return all(v.value.base is (arena.state if v.state else arena.params) for layer in layers
               for v in layer.arena_weights)
