"""Functional models: ``keras.Model(inputs, outputs)``, a graph of layer calls.

The graph is read from the outputs' histories (``jitnet.layers.node``) as
Keras reads it: nodes in a topological order, layers ordered by depth from
the inputs, then by the order a walk back from the outputs meets them.
The program runs the nodes in that order; a tensor read by several layers
gets the sum of their gradients (``ProgramBuilder.finish``). With several
inputs, a sample's inputs arrive side by side in one row and ``split`` ops
take each out; with several outputs, ``concat`` ops put them side by side.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..layers import InputLayer
from ..layers import deserialize as deserialize_layer
from ..layers import serialize as serialize_layer
from ..layers.core import emit_activation
from ..layers.node import KerasTensor, Node, flatten
from ..program import ProgramBuilder
from . import data, fusion
from .model import Model


def _tensors(value: Any, name: str) -> list[KerasTensor]:
    leaves = flatten(value)
    bad = [t for t in leaves if not isinstance(t, KerasTensor) or t._keras_history is None]
    if not leaves or bad:
        raise TypeError(f"Argument `{name}` must be a symbolic tensor (from keras.Input or a layer call), or a list "
                        f"or dict of them. Received: {bad[0] if bad else value!r}")
    if len({id(t) for t in leaves}) != len(leaves):
        raise ValueError(f"Argument `{name}` names the same tensor twice.")
    return leaves


def topological_nodes(inputs: list[KerasTensor], outputs: list[KerasTensor]) -> tuple[list[Node], dict]:
    """The nodes from ``inputs`` to ``outputs``, each after those it reads, and each layer's first-visit index."""
    done: set[int] = set()
    ordered: list[Node] = []
    visit_index: dict[int, int] = {}
    stack: list[tuple[KerasTensor, bool]] = [(t, False) for t in reversed(outputs)]
    input_ids = {id(t) for t in inputs}
    while stack:
        tensor, expanded = stack.pop()
        node = tensor.node
        if id(node) in done:
            continue
        if expanded:
            done.add(id(node))
            ordered.append(node)
            continue
        if not node.is_input and id(tensor) in input_ids:  # an intermediate tensor given as an input
            done.add(id(node))
            continue
        visit_index.setdefault(id(node.layer), len(visit_index))
        stack.append((tensor, True))
        if not node.is_input:
            stack.extend((t, False) for t in reversed(node.inputs))
    return ordered, visit_index


def _depths(nodes: list[Node]) -> dict[int, int]:
    """Each layer's depth: the most layer calls between it and an output (Keras's ``map_graph``)."""
    in_graph = {id(n) for n in nodes}
    node_depth: dict[int, int] = {}
    layer_depth: dict[int, int] = {}
    for node in reversed(nodes):
        depth = max(node_depth.setdefault(id(node), 0), layer_depth.get(id(node.layer), 0))
        layer_depth[id(node.layer)] = node_depth[id(node)] = depth
        for parent in node.parents:
            if id(parent) in in_graph:
                node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))
    return layer_depth


class Functional(Model):
    """A model made of layer calls: ``keras.Model(inputs, outputs)``.

    Args:
        inputs: A tensor from ``keras.Input`` (or a layer), or a list or dict of them.
        outputs: A tensor reachable from ``inputs``, or a list or dict of them.
        name: String. Defaults to ``None`` (a unique ``'functional'`` name).
        trainable: Bool. Defaults to ``True``.
    """

    def __init__(self, inputs: Any = None, outputs: Any = None, name: str | None = None, trainable: bool = True,
                 **kwargs: Any) -> None:
        if kwargs:
            raise TypeError(f"Model() got unexpected keyword arguments: {sorted(kwargs)}")
        if inputs is None or outputs is None:
            raise TypeError("jitnet builds models from layers: keras.Model(inputs, outputs) with tensors from "
                            "keras.Input, or keras.Sequential([...]). Subclassing keras.Model is not supported.")
        ins, outs = _tensors(inputs, "inputs"), _tensors(outputs, "outputs")
        nodes, visit_index = topological_nodes(ins, outs)
        self._check_graph(ins, outs, nodes)
        self._init_model(name, "functional")
        self._inputs_struct, self._outputs_struct = inputs, outputs
        self._inputs, self._outputs = ins, outs
        self._nodes = [n for n in nodes if not n.is_input]
        depth = _depths(nodes)
        layers = list({id(n.layer): n.layer for n in nodes}.values())
        layers.sort(key=lambda layer: (-depth[id(layer)], visit_index[id(layer)]))
        self._layers = layers
        self._dense_groups = fusion.dense_groups(self._nodes, self._outputs)
        self._assemble()
        if not trainable:
            self.trainable = False

    @staticmethod
    def _check_graph(ins: list[KerasTensor], outs: list[KerasTensor], nodes: list[Node]) -> None:
        """Refuse outputs not computable from ``ins``, inputs that reach no output and layers called twice."""
        known = {id(t) for t in ins}
        for node in nodes:
            if node.is_input and id(node.output) not in known:
                raise ValueError(
                    f"Graph disconnected: the outputs need the input {node.output.name!r} (layer "
                    f"{node.layer.name!r}), which is not among `inputs`. Add it to `inputs`.")
            known.add(id(node.output))
        used = {id(t) for node in nodes for t in node.inputs} | {id(t) for t in outs}
        for t in ins:
            if id(t) not in used:
                raise ValueError(f"The input {t.name or t.label()!r} is not connected to any output. Remove it from "
                                 "`inputs` or use it.")
        seen: dict[int, Node] = {}
        for node in nodes:
            if not node.is_input and seen.setdefault(id(node.layer), node) is not node:
                raise NotImplementedError(
                    f"Layer {node.layer.name!r} is called twice in this model. jitnet does not share a layer's "
                    "weights between calls; use two layers.")

    # -- structure -------------------------------------------------------------
    @property
    def layers(self) -> list:
        """Every layer, InputLayers included, in Keras's order."""
        return list(self._layers)

    @property
    def inputs(self) -> list[KerasTensor]:
        """The input tensors."""
        return list(self._inputs)

    @property
    def outputs(self) -> list[KerasTensor]:
        """The output tensors."""
        return list(self._outputs)

    @property
    def input(self) -> Any:
        """The input tensor (or the list or dict given as ``inputs``)."""
        return self._inputs_struct

    @property
    def output(self) -> Any:
        """The output tensor (or the list or dict given as ``outputs``)."""
        return self._outputs_struct

    @property
    def input_names(self) -> list[str]:
        """The names data dicts use for the inputs: the keys of a dict of inputs, else the input layers' names."""
        if isinstance(self._inputs_struct, dict):
            return list(self._inputs_struct)
        return [t.layer.name for t in self._inputs]

    @property
    def output_names(self) -> list[str]:
        """The names of the outputs: the keys of a dict of outputs, else the layers that make them."""
        if isinstance(self._outputs_struct, dict):
            return list(self._outputs_struct)
        return [t.layer.name for t in self._outputs]

    @property
    def input_shape(self) -> Any:
        """Per-sample input shape, or a list of them for several inputs."""
        shapes = [t.sample_shape for t in self._inputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self) -> Any:
        """Per-sample output shape, or a list of them for several outputs."""
        shapes = [t.sample_shape for t in self._outputs]
        return shapes[0] if len(shapes) == 1 else shapes

    def output_shapes(self) -> list[tuple[int, ...]]:
        return [t.sample_shape for t in self._outputs]

    def program_input_shape(self) -> tuple[int, ...]:
        if len(self._inputs) == 1:
            return self._inputs[0].sample_shape
        return (sum(math.prod(t.sample_shape) for t in self._inputs),)

    def build(self, input_shape: Any = None) -> None:
        """Lay out the weights again (the layers were built when called)."""
        self._assemble()

    def ensure_built(self, x: Any) -> None:
        """Nothing to do: a functional model is built when made."""

    def fused_groups(self) -> tuple:
        if getattr(self.optimizer, "clipnorm", None):  # per-variable norms need each weight in one range
            return ()
        return tuple(tuple(layers) for _, layers in self._dense_groups if len({m.trainable for m in layers}) == 1)

    def _emit_fused(self, program: ProgramBuilder, layers: tuple, x: int) -> int:
        """One Dense op for a group of sibling Dense layers, into their concatenation's buffer."""
        first, width = layers[0], sum(m.units for m in layers)
        z = program.new_slot((width,))
        program.op("dense", x, z, **first.weight_fields())
        return emit_activation(program, z, (width,), first.activation)

    def emit(self, program: ProgramBuilder) -> int:
        slots: dict[int, int] = {}
        groups = set(self.fused_groups())
        fused = {id(node): layers for node, layers in self._dense_groups if tuple(layers) in groups}
        member = {id(m): layers for layers in fused.values() for m in layers}
        if len(self._inputs) == 1:
            slots[id(self._inputs[0])] = program.input_slot
        else:
            offset = 0
            for t in self._inputs:
                slots[id(t)] = program.new_slot(t.sample_shape)
                program.op("split", program.input_slot, slots[id(t)], outer=1, offset=offset)
                offset += math.prod(t.sample_shape)
        outputs = {id(t) for t in self._outputs}
        for node in self._nodes:
            if id(node.output) in slots:  # an intermediate tensor given as an input
                continue
            if id(node.layer) in member:  # its group runs at its concatenation
                continue
            if id(node) in fused:
                x = node.inputs[0].node.inputs[0]
                slots[id(node.output)] = self._emit_fused(program, tuple(fused[id(node)]), slots[id(x)])
            else:
                given = [slots[id(t)] for t in node.inputs]
                slots[id(node.output)] = node.layer.emit(program, tuple(given) if node.many else given[0])
            if id(node.output) in outputs:
                program.keep(slots[id(node.output)])
        if len(self._outputs) == 1:
            return slots[id(self._outputs[0])]
        program.outputs = [slots[id(t)] for t in self._outputs]
        program.predict_only_from = len(program.calls)
        width = sum(math.prod(t.sample_shape) for t in self._outputs)
        out, offset = program.new_slot((width,)), 0
        for t in self._outputs:
            program.op("concat", slots[id(t)], out, outer=1, offset=offset)
            offset += math.prod(t.sample_shape)
        return out

    # -- data ------------------------------------------------------------------
    def convert_inputs(self, x: Any) -> Any:
        parts = []
        for t, name, arr in zip(self._inputs, self.input_names, self.by_name(x, self.input_names, "input", "x")):
            readers = [n.layer for n in self._nodes if any(i is t for i in n.inputs)]
            check = getattr(readers[0], "check_inputs", None) if len(readers) == 1 else None
            label = "x" if len(self._inputs) == 1 else f"x[{name!r}]"
            parts.append(data.inputs(arr, t.sample_shape, label, check))
        if len(parts) == 1:
            return parts[0]
        if len({p.shape[0] for p in parts}) != 1:
            raise ValueError(f"The inputs {self.input_names} must have the same number of samples. Received: "
                             f"{[p.shape[0] for p in parts]}")
        return np.concatenate([np.asarray(p) for p in parts], axis=1)

    def split_outputs(self, out: np.ndarray) -> Any:
        """The rows of ``out`` (n, total width) as one array per output, in the structure of ``outputs``."""
        n, parts, offset = out.shape[0], [], 0
        for t in self._outputs:
            width = math.prod(t.sample_shape)
            parts.append(out[:, offset:offset + width].reshape((n, *t.sample_shape)))
            offset += width
        if isinstance(self._outputs_struct, dict):
            return dict(zip(self._outputs_struct, parts))
        return parts[0] if len(parts) == 1 and not isinstance(self._outputs_struct, (list, tuple)) else parts

    # -- configuration -----------------------------------------------------------
    def get_config(self, layer_config: Callable[[Any], dict] = serialize_layer) -> dict:
        """Keras 3's functional config: each layer with its ``inbound_nodes``, then ``input_layers`` and
        ``output_layers``. ``layer_config`` serializes one layer."""
        node_of = {id(n.layer): n for n in self._nodes}
        layers = []
        for layer in self._layers:
            entry = {**layer_config(layer), "name": layer.name, "inbound_nodes": []}
            node = node_of.get(id(layer))
            if node is not None:
                args = [_tensor_config(t) for t in node.inputs]
                entry["inbound_nodes"] = [{"args": [args if node.many else args[0]], "kwargs": {}}]
            layers.append(entry)
        return {"name": self.name, "trainable": self.trainable, "layers": layers,
                "input_layers": _structure(self._inputs_struct, _history_config),
                "output_layers": _structure(self._outputs_struct, _history_config)}

    @classmethod
    def from_config(cls, config: dict, layer_from_config: Callable[[dict], Any] = deserialize_layer) -> Functional:
        """Rebuild from ``get_config()`` (or from a Keras 3 or TF-Keras 2 functional config)."""
        from ..saving.serialization import ConfigError

        layers = config.get("layers")
        if not isinstance(layers, list):
            raise ConfigError("A functional model config needs a 'layers' list.")
        made: dict[tuple[str, int], KerasTensor] = {}
        waiting = []
        for entry in layers:
            if not isinstance(entry, dict):
                raise ConfigError(f"Expected a layer config dict. Received: {entry!r:.200}")
            layer = layer_from_config(entry)
            name = entry.get("name", layer.name)
            if isinstance(layer, InputLayer):
                made[(name, 0)] = layer.output
            nodes = entry.get("inbound_nodes") or []
            if not isinstance(nodes, list):
                raise ConfigError(f"Layer {name!r}: 'inbound_nodes' must be a list.")
            waiting += [(layer, name, k, node) for k, node in enumerate(nodes)]
        while waiting:
            left = []
            for layer, name, k, node in waiting:
                args = _node_args(node, name)
                single = _is_history(args)
                keys = [_history_key(h, name) for h in ([args] if single else args)]
                if all(key in made for key in keys):
                    given = [made[key] for key in keys]
                    made[(name, k)] = layer(given[0] if single else given)
                else:
                    left.append((layer, name, k, node))
            if len(left) == len(waiting):
                raise ConfigError(f"The config's graph is disconnected: layer {left[0][1]!r} reads tensors no layer "
                                 "of the config makes.")
            waiting = left

        def tensor(history: Any) -> KerasTensor:
            key = _history_key(history, "input_layers/output_layers")
            if key not in made:
                raise ConfigError(f"The config names tensor {history!r}, which no layer of it makes.")
            return made[key]

        inputs = _structure(config.get("input_layers"), tensor, from_config=True)
        outputs = _structure(config.get("output_layers"), tensor, from_config=True)
        name = config.get("name")
        return cls(inputs, outputs, name=name if isinstance(name, str) else None,
                   trainable=config.get("trainable", True) is not False)

    def edges(self) -> list[tuple[Any, Any]]:
        """``(layer, layer)`` for each tensor one layer passes to another (``plot_model``)."""
        return [(t.layer, n.layer) for n in self._nodes for t in n.inputs]

    def connections(self) -> dict[int, str] | None:
        """``summary()``'s "Connected to" cell of each layer (by id), or None when the graph is a plain chain."""
        if len(self._inputs) == 1 and len(self._outputs) == 1 and all(len(n.inputs) == 1 for n in self._nodes):
            return None
        return {id(n.layer): ", ".join(t.label() for t in n.inputs) for n in self._nodes}

    def __repr__(self) -> str:
        return f"<Functional name={self.name}, built={self.built}>"


def _history_config(t: KerasTensor) -> list:
    return [t.layer.name, 0, 0]  # each layer has one call in a model: its node 0 there


def _tensor_config(t: KerasTensor) -> dict:
    return {"class_name": "__keras_tensor__",
            "config": {"shape": list(t.shape), "dtype": t.dtype, "keras_history": _history_config(t)}}


def _is_history(value: Any) -> bool:
    return isinstance(value, list) and len(value) >= 3 and isinstance(value[0], str)


def _structure(value: Any, leaf: Callable[[Any], Any], from_config: bool = False) -> Any:
    """``leaf`` of each tensor of a tensor, list or dict (``from_config``: of each ``[name, node, index]``)."""
    if isinstance(value, dict):
        return {key: _structure(v, leaf, from_config) for key, v in value.items()}
    if from_config and _is_history(value):
        return leaf(value)
    if isinstance(value, (list, tuple)):
        return [_structure(v, leaf, from_config) for v in value]
    if from_config and value is None:
        raise ValueError("A functional model config needs 'input_layers' and 'output_layers'.")
    return leaf(value)


def _node_args(node: Any, name: str) -> Any:
    """The histories a node reads: one ``[layer, node, tensor]`` or a list (Keras 3 and TF-Keras 2 layouts)."""
    if isinstance(node, dict):  # Keras 3: {"args": [tensor or list of tensors], "kwargs": {...}}
        args = node.get("args")
        if not isinstance(args, list) or len(args) != 1:
            raise ValueError(f"Layer {name!r}: expected one argument in its inbound node. Received: {args!r:.200}")
        arg = args[0]
        if isinstance(arg, list):
            return [_tensor_history(a, name) for a in arg]
        return _tensor_history(arg, name)
    if isinstance(node, list) and node and all(_is_history(h) for h in node):  # TF-Keras 2: [[name, node, index, {}]]
        return [h[:3] for h in node] if len(node) > 1 else node[0][:3]
    raise ValueError(f"Layer {name!r}: cannot read its inbound node {node!r:.200}")


def _tensor_history(arg: Any, name: str) -> list:
    history = arg.get("config", {}).get("keras_history") if isinstance(arg, dict) else None
    if not _is_history(history):
        raise ValueError(f"Layer {name!r}: an argument of its inbound node is not a tensor. Received: {arg!r:.200}")
    return history


def _history_key(history: Any, where: str) -> tuple[str, int]:
    if not _is_history(history) or not isinstance(history[1], int):
        raise ValueError(f"{where}: expected a tensor reference [layer_name, node_index, tensor_index]. Received: "
                         f"{history!r:.200}")
    return history[0], history[1]


def replay(model: Model, inputs: Any) -> Any:
    """Call ``model``'s layers again on new tensors: a model used as a layer of another (``model(x)``)."""
    given = flatten(inputs)
    own = model.inputs
    if len(given) != len(own):
        raise ValueError(f"Model {model.name!r} takes {len(own)} input(s). Received: {len(given)}")
    tensors = {id(a): b for a, b in zip(own, given)}
    for a, b in zip(own, given):
        if a.sample_shape != b.sample_shape:
            raise ValueError(f"Model {model.name!r} expects inputs of shape {a.shape}. Received: {b.shape}")
    for node in getattr(model, "_nodes", []):
        if node.is_input or id(node.output) in tensors:
            continue
        args = [tensors[id(t)] for t in node.inputs]
        tensors[id(node.output)] = node.layer(args if node.many else args[0])
    outs = [tensors[id(t)] for t in model.outputs]
    return outs[0] if len(outs) == 1 else outs

