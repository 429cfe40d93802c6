"""Symbolic tensors and the nodes that link them: the graph of a functional model.

``keras.Input(shape)`` returns a ``KerasTensor``; calling a layer on one (or
on a list of them) builds the layer for its shape, records a ``Node`` on the
layer and returns the output tensor. A tensor's ``_keras_history`` is
``(layer, node_index, tensor_index)``, as in Keras, and ``keras.Model(inputs,
outputs)`` walks those links back from the outputs.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from .. import config


class History(NamedTuple):
    """Where a tensor comes from: the layer, its node, and the tensor's index among the node's outputs."""

    operation: Any
    node_index: int
    tensor_index: int


class KerasTensor:
    """A symbolic tensor: a shape (batch axis ``None``), a dtype and the layer call that made it."""

    def __init__(self, shape: tuple, dtype: str | None = None, name: str | None = None) -> None:
        self.shape = tuple(shape)
        self.dtype = dtype or config.floatx()
        self.name = name
        self._keras_history: History | None = None

    @property
    def ndim(self) -> int:
        """The rank, batch axis included."""
        return len(self.shape)

    @property
    def sample_shape(self) -> tuple[int, ...]:
        """The shape of one sample (batch axis excluded)."""
        return tuple(self.shape[1:])

    @property
    def layer(self) -> Any:
        """The layer whose call made this tensor."""
        return self._keras_history.operation

    @property
    def node(self) -> Node:
        """The layer call that made this tensor."""
        layer, index, _ = self._keras_history
        return layer._inbound_nodes[index]

    def label(self) -> str:
        """``layer_name[node][tensor]``, as Keras's summary writes a connection."""
        layer, node, tensor = self._keras_history
        return f"{layer.name}[{node}][{tensor}]"

    def __repr__(self) -> str:
        source = f", source={self.layer.name}" if self._keras_history else ""
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}{source}>"


class Node:
    """One call of a layer: its input tensors (one, or a list for merging layers) and its output tensor."""

    def __init__(self, layer: Any, inputs: list[KerasTensor], many: bool, output: KerasTensor) -> None:
        self.layer = layer
        self.inputs = inputs
        self.many = many  # the call took a list (merging layers)
        self.output = output
        output._keras_history = History(layer, len(layer._inbound_nodes), 0)
        layer._inbound_nodes.append(self)

    @property
    def is_input(self) -> bool:
        """True for the node of an InputLayer, which has no inputs."""
        return not self.inputs

    @property
    def parents(self) -> list[Node]:
        """The nodes that made this node's inputs."""
        return [t.node for t in self.inputs]


def flatten(value: Any) -> list:
    """The leaves of a tensor, a list/tuple of them, or a dict of them (in key order)."""
    if isinstance(value, dict):
        return [leaf for key in value for leaf in flatten(value[key])]
    if isinstance(value, (list, tuple)):
        return [leaf for item in value for leaf in flatten(item)]
    return [value]


def is_symbolic(value: Any) -> bool:
    """True when ``value`` is a KerasTensor or a non-empty list/tuple/dict of them only."""
    leaves = flatten(value)
    return bool(leaves) and all(isinstance(t, KerasTensor) for t in leaves)
