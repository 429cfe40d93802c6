"""``Sequential``: a stack of layers with Keras's training API."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import config
from ..layers import InputLayer, Layer
from ..layers import deserialize as deserialize_layer
from ..layers import serialize as serialize_layer
from ..layers.node import KerasTensor, Node
from ..program import ProgramBuilder
from .model import Model


class Sequential(Model):
    """A linear stack of layers: ``Sequential([Dense(16, activation='relu'), Dense(1)])``.

    ``layers`` may be a list or a single layer. Call ``compile`` then ``fit``,
    ``evaluate`` and ``predict`` as in Keras.
    """

    def __init__(self, layers: Any = None, trainable: bool = True, name: str | None = None) -> None:
        self._init_model(name, "sequential")
        self._layers: list[Layer] = []
        self._input_shape: tuple[int, ...] | None = None
        self._input_layer: InputLayer | None = None
        self._nodes: list = []  # the calls linking the layers, made at each build
        if layers is not None:
            for layer in layers if isinstance(layers, (list, tuple)) else [layers]:
                self.add(layer)
        if not trainable:
            self.trainable = False

    # -- structure -------------------------------------------------------------
    def add(self, layer: Layer) -> None:
        """Append a layer (an ``Input`` sets the input shape)."""
        if isinstance(layer, Model):
            if not isinstance(layer, Sequential) and layer.connections() is not None:
                raise TypeError(f"Model {layer.name!r} is a graph, not a stack: call it on a tensor in a functional "
                                "model instead of adding it to a Sequential one.")
            if not self._layers and self._input_shape is None:
                self._input_shape = layer.input_shape
            for inner in layer.layers:
                if not isinstance(inner, InputLayer):
                    self.add(inner)
            return
        if isinstance(layer, KerasTensor) and isinstance(layer.layer, InputLayer):
            layer = layer.layer
        if not isinstance(layer, Layer):
            raise TypeError(f"Only jitnet layers can be added to a Sequential model. Received: {layer!r}")
        if isinstance(layer, InputLayer):
            if self._layers:
                raise ValueError("An Input must come before every other layer of a Sequential model.")
            self._input_shape = layer.shape
            self._input_layer = layer
            return
        if getattr(layer, "return_state", False):
            raise ValueError(f"Layer {layer.name!r} has return_state=True: its states are extra outputs, which a "
                             "Sequential model cannot pass on. Use return_state=False.")
        if any(layer is other for other in self._layers):
            raise ValueError(f"Layer {layer.name!r} is already in this model.")
        hint = self._input_shape is None and not self._layers and layer.input_shape_hint is not None
        if hint:
            self._input_shape = layer.input_shape_hint
        self._layers.append(layer)
        self._invalidate()
        if self._input_shape is not None:
            try:
                self.build()
            except Exception:
                self._layers.pop()  # the model stays as it was
                if hint:
                    self._input_shape = None
                raise

    def pop(self) -> Layer:
        """Remove and return the last layer."""
        if not self._layers:
            raise IndexError("There are no layers in the model.")
        layer = self._layers.pop()
        self._invalidate()
        if self._input_shape is not None:
            self.build()
        return layer

    @property
    def layers(self) -> list[Layer]:
        """The layers, in order (the Input is not a layer, as in Keras 3)."""
        return list(self._layers)

    @property
    def input_shape(self) -> tuple[int, ...] | None:
        """Per-sample input shape (batch axis excluded), once known."""
        return self._input_shape

    @property
    def output_shape(self) -> tuple[int, ...] | None:
        """Per-sample output shape, once built."""
        return self._layers[-1].output_shape if self._layers and self.built else self._input_shape

    def build(self, input_shape: Any = None) -> None:
        """Build every layer for ``input_shape`` (with or without the batch axis ``None``)."""
        if input_shape is not None:
            shape = tuple(input_shape)
            if shape and shape[0] is None:
                shape = shape[1:]
            if self._input_shape is not None and shape != self._input_shape:
                raise ValueError(f"Model expects inputs of shape {(None, *self._input_shape)}. Received: {input_shape}")
            self._input_shape = tuple(int(s) for s in shape)
        if self._input_shape is None:
            raise ValueError("The model's input shape is unknown: add keras.Input(shape=...) or call build(input_shape).")
        shape = self._input_shape
        for layer in self._layers:
            shape = layer.build_for(shape)
        self._link()
        self._assemble()

    def _link(self) -> None:
        """The graph of the stack: an Input, then each layer called on the one before (``inputs``, ``outputs``)."""
        for node in self._nodes:
            node.layer._inbound_nodes.remove(node)
        if self._input_layer is None or self._input_layer.shape != self._input_shape:
            self._input_layer = InputLayer(shape=self._input_shape, name=f"{self.name}_input")
        tensor = self._input_layer.output
        self._nodes = []
        for layer in self._layers:
            out = KerasTensor((None, *layer.output_shape), name=layer.name)
            self._nodes.append(Node(layer, [tensor], False, out))
            tensor = out

    @property
    def inputs(self) -> list[KerasTensor]:
        """The input tensor, in a list, once built."""
        self._require_built("inputs")
        return [self._input_layer.output]

    @property
    def outputs(self) -> list[KerasTensor]:
        """The output tensor, in a list, once built."""
        self._require_built("outputs")
        return [self._nodes[-1].output if self._nodes else self._input_layer.output]

    @property
    def input(self) -> KerasTensor:
        """The input tensor, once built."""
        return self.inputs[0]

    @property
    def output(self) -> KerasTensor:
        """The output tensor, once built."""
        return self.outputs[0]

    def _require_built(self, what: str) -> None:
        if not self.built:
            raise AttributeError(f"Sequential model {self.name!r} has no defined {what} yet: give it an Input or "
                                 "build it first.")

    def emit(self, program: ProgramBuilder) -> int:
        slot = program.input_slot
        for layer in self._layers:
            slot = layer.emit(program, slot)
        return slot

    def ensure_built(self, x: Any) -> None:
        """Build from the shape of ``x`` if the input shape is not known yet."""
        if self.built:
            return
        if self._input_shape is None:
            shape = np.shape(x)
            if len(shape) < 2:
                raise ValueError(f"Argument `x` must have a batch axis and a feature axis. Received: shape={shape}")
            self._input_shape = tuple(shape[1:])
        self.build()

    # -- configuration ---------------------------------------------------------------
    def get_config(self) -> dict:
        """Keras 3's Sequential config: name, trainable and serialized layers."""
        layers = []
        if self._input_shape is not None:
            layer = self._input_layer
            if layer is None or layer.shape != self._input_shape:
                layer = InputLayer(shape=self._input_shape, name=f"{self.name}_input")
            layers.append(serialize_layer(layer))
        layers += [serialize_layer(layer) for layer in self._layers]
        return {"name": self.name, "trainable": self.trainable, "dtype": config.floatx(), "layers": layers}

    @classmethod
    def from_config(cls, config: dict) -> Sequential:
        """Rebuild (unbuilt weights are initialised afresh) from ``get_config()``."""
        model = cls(name=config.get("name"))
        for layer_config in config.get("layers", []):
            model.add(deserialize_layer(layer_config))
        return model

    def __repr__(self) -> str:
        return f"<Sequential name={self.name}, built={self.built}>"
