"""Merging layers: ``Concatenate``, ``Add``, ``Subtract``, ``Multiply``, ``Average``, ``Maximum``,
``Minimum`` and ``Dot``, each called on a list of tensors, and their function forms."""

from __future__ import annotations

import math
from typing import Any

from .._validate import boolean, integer
from ..kernels.ops import merge as merge_op
from .base import Layer, ProgramBuilder


class Merge(Layer):
    """A layer called on a list of tensors of one shape, combined elementwise (see ``kernels.ops.merge``)."""

    takes_many = True
    mode = merge_op.ADD

    def check_shapes(self, shapes: list[tuple[int, ...]]) -> None:
        """Refuse inputs of different shapes."""
        if any(s != shapes[0] for s in shapes):
            raise ValueError(f"Layer {self.name!r} ({type(self).__name__}) takes inputs of one shape. Received: "
                             f"shapes {[(None, *s) for s in shapes]}")

    def compute_output_shape(self, input_shape):
        shapes = [tuple(s) for s in input_shape]
        self.check_shapes(shapes)
        return shapes[0]

    def scale(self, n: int) -> float:
        """The factor of the last op's result (``Average``: ``1 / n``)."""
        return 1.0

    def emit(self, program: ProgramBuilder, slot: tuple[int, ...]) -> int:
        out = slot[0]
        for k, other in enumerate(slot[1:], start=2):
            last = k == len(slot)
            result = program.new_slot(self.output_shape)
            program.op("merge", (out, other), result, mode=self.mode, scale=self.scale(len(slot)) if last else 1.0)
            out = result
        return out


class Add(Merge):
    """The sum of its inputs, elementwise: ``Add()([x1, x2])``."""


class Subtract(Merge):
    """``x1 - x2``, elementwise, for exactly two inputs: ``Subtract()([x1, x2])``."""

    mode = merge_op.SUBTRACT

    def check_shapes(self, shapes):
        if len(shapes) != 2:
            raise ValueError(f"Layer {self.name!r} (Subtract) takes exactly 2 inputs. Received: {len(shapes)}")
        super().check_shapes(shapes)


class Multiply(Merge):
    """The product of its inputs, elementwise."""

    mode = merge_op.MULTIPLY


class Average(Merge):
    """The mean of its inputs, elementwise."""

    def scale(self, n: int) -> float:
        return 1.0 / n


class Maximum(Merge):
    """The largest of its inputs, elementwise."""

    mode = merge_op.MAXIMUM


class Minimum(Merge):
    """The smallest of its inputs, elementwise."""

    mode = merge_op.MINIMUM


def _axis(axis: Any, rank: int, name: str, what: str) -> int:
    """``axis`` of a per-sample shape of ``rank`` axes, counted from 0 after the batch axis."""
    axis = integer("axis", axis)
    if axis == 0 or not -rank <= axis <= rank:
        raise ValueError(f"Layer {name!r} ({what}) cannot use axis {axis} of inputs with {rank} axes after the "
                         f"batch axis. Received: axis={axis}")
    return axis - 1 if axis > 0 else rank + axis


class Concatenate(Layer):
    """Joins its inputs along ``axis``: ``Concatenate()([x1, x2])``.

    Args:
        axis: Int, the axis to join along (the batch axis is 0). The inputs' other axes must match.
            Defaults to ``-1``.
    """

    takes_many = True

    def __init__(self, axis: int = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = integer("axis", axis)

    def compute_output_shape(self, input_shape):
        shapes = [tuple(s) for s in input_shape]
        rank = len(shapes[0])
        axis = _axis(self.axis, rank, self.name, "Concatenate")
        rest = {s[:axis] + s[axis + 1:] for s in shapes}
        if any(len(s) != rank for s in shapes) or len(rest) != 1:
            raise ValueError(f"Layer {self.name!r} (Concatenate) needs inputs whose shapes match except on the "
                             f"concatenation axis {self.axis}. Received: shapes {[(None, *s) for s in shapes]}")
        return (*shapes[0][:axis], sum(s[axis] for s in shapes), *shapes[0][axis + 1:])

    def emit(self, program: ProgramBuilder, slot: tuple[int, ...]) -> int:
        axis = _axis(self.axis, len(self.output_shape), self.name, "Concatenate")
        outer = math.prod(self.output_shape[:axis])
        inner = math.prod(self.output_shape[axis + 1:])
        out = program.new_slot(self.output_shape)
        offset = 0
        for s, shape in zip(slot, self.input_shape):
            program.op("concat", s, out, outer=outer, offset=offset)
            offset += shape[axis] * inner
        return out

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis}


class Dot(Layer):
    """The dot product of two vectors per sample: ``Dot(axes=1)([x1, x2])`` gives ``(None, 1)``.

    Args:
        axes: Int or pair of ints, the axis of each input to multiply along; jitnet takes inputs of shape
            ``(None, d)``, so the axis is 1 (or -1).
        normalize: Bool, scale both vectors to unit length first (cosine similarity). Defaults to ``False``.
    """

    takes_many = True

    def __init__(self, axes: Any, normalize: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        pair = list(axes) if isinstance(axes, (list, tuple)) else [axes, axes]
        if len(pair) != 2:
            raise ValueError(f"Argument `axes` must be an int or a pair of ints. Received: axes={axes!r}")
        self.axes = [integer("axes", a) for a in pair]
        self.normalize = boolean("normalize", normalize)
        if not isinstance(axes, (list, tuple)):
            self.axes = self.axes[0]

    def compute_output_shape(self, input_shape):
        shapes = [tuple(s) for s in input_shape]
        axes = self.axes if isinstance(self.axes, list) else [self.axes] * 2
        if len(shapes) != 2 or any(len(s) != 1 for s in shapes) or any(a not in (1, -1) for a in axes):
            raise NotImplementedError(
                f"Layer {self.name!r} (Dot) takes two inputs of shape (None, d) and axes 1 in jitnet. Received: "
                f"shapes {[(None, *s) for s in shapes]}, axes={self.axes}")
        if shapes[0] != shapes[1]:
            raise ValueError(f"Layer {self.name!r} (Dot) needs vectors of one length. Received: shapes "
                             f"{[(None, *s) for s in shapes]}")
        return (1,)

    def emit(self, program: ProgramBuilder, slot: tuple[int, ...]) -> int:
        out = program.new_slot(self.output_shape)
        program.op("dot", slot, out, normalize=self.normalize)
        return out

    def get_config(self) -> dict:
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}


def _function(cls: type, doc: str):
    def merge(inputs: list, **kwargs: Any) -> Any:
        return cls(**kwargs)(inputs)

    merge.__name__ = merge.__qualname__ = cls.__name__.lower()
    merge.__doc__ = f"{doc}: ``layers.{merge.__name__}([x1, x2])`` is ``layers.{cls.__name__}()([x1, x2])``."
    return merge


concatenate = _function(Concatenate, "Join tensors along an axis")
add = _function(Add, "The sum of tensors")
subtract = _function(Subtract, "The difference of two tensors")
multiply = _function(Multiply, "The product of tensors")
average = _function(Average, "The mean of tensors")
maximum = _function(Maximum, "The largest of tensors")
minimum = _function(Minimum, "The smallest of tensors")


def dot(inputs: list, axes: Any, normalize: bool = False, **kwargs: Any) -> Any:
    """The dot product of two vectors: ``layers.dot([x1, x2], axes=1)`` is ``layers.Dot(axes=1)([x1, x2])``."""
    return Dot(axes, normalize, **kwargs)(inputs)
