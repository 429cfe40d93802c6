"""The layer contract: check and store in ``__init__``, make weights in
``build(input_shape)``, describe the computation in ``emit``.

A layer does not run itself: ``emit`` appends op calls to the model's
program (see ``jitnet.program``), so a whole training step runs in one
compiled call. Weights are ``Variable`` objects whose values, once the
model is built, are views into the model's parameter arena.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

import numpy as np

from .. import activations, config, constraints, initializers, regularizers
from .._registry import to_snake_case
from .._validate import integer
from ..program.builder import ProgramBuilder

_NAME_COUNTS: dict[str, int] = defaultdict(int)


def reset_names() -> None:
    """Start the automatic names over (``keras.backend.clear_session``)."""
    _NAME_COUNTS.clear()


def unique_name(base: str) -> str:
    """Keras-style automatic names: ``dense``, ``dense_1``, ``dense_2``..."""
    n = _NAME_COUNTS[base]
    _NAME_COUNTS[base] += 1
    return base if n == 0 else f"{base}_{n}"


class Variable:
    """A weight: name, shape, initial values and, once built, a view into an arena."""

    def __init__(self, name: str, shape: tuple[int, ...], initializer: Any, trainable: bool = True,
                 regularizer: Any = None, constraint: Any = None, state: bool = False,
                 layer: Layer | None = None, hidden: bool = False) -> None:
        self.name = name
        self.hidden = hidden
        self.shape = tuple(int(s) for s in shape)
        self.regularizer = regularizer
        self.constraint = constraint
        self.state = state
        self._trainable = trainable
        self._layer = layer
        self.offset = -1
        value = initializers.get(initializer)(self.shape, config.dtype())
        value = np.asarray(value if value is not None else np.nan, dtype=config.dtype())
        owner = f"{layer.name}/{name}" if layer is not None else name
        if value.shape != self.shape or not np.all(np.isfinite(value)):
            raise ValueError(
                f"The initializer of weight {owner!r} must return finite values of shape {self.shape}. "
                f"Received: shape={value.shape}"
            )
        self.value = value

    @property
    def trainable(self) -> bool:
        """False for non-trainable weights and for weights of frozen layers."""
        return self._trainable and (self._layer is None or self._layer.trainable)

    @property
    def path(self) -> str:
        """``layer_name/weight_name``, as Keras 3."""
        return f"{self._layer.name}/{self.name}" if self._layer else self.name

    @property
    def size(self) -> int:
        """Number of scalars."""
        return math.prod(self.shape)

    @property
    def dtype(self) -> str:
        """The value's dtype name."""
        return self.value.dtype.name

    def numpy(self) -> np.ndarray:
        """A copy of the current value."""
        return np.array(self.value)

    def assign(self, value: Any) -> None:
        """Overwrite the value in place (shape must match)."""
        value = np.asarray(value)
        if value.shape != self.shape:
            raise ValueError(f"Expected a value of shape {self.shape} for weight {self.path!r}. Received: shape={value.shape}")
        self.value[...] = value

    def __repr__(self) -> str:
        return f"<Variable path={self.path}, shape={self.shape}, dtype={self.dtype}>"


def assign_all(owner: str, variables: list[Variable], values: list[Any]) -> None:
    """Give each variable its value, after checking count, shapes and finiteness of all of them."""
    values = [np.asarray(v) for v in values]
    if len(values) != len(variables):
        raise ValueError(f"{owner} expects {len(variables)} weight arrays. Received: {len(values)}")
    for var, value in zip(variables, values):
        if value.shape != var.shape:
            raise ValueError(f"Weight {var.path!r} expects shape {var.shape}. Received: shape={value.shape}")
        if value.dtype.kind not in "biuf" or not np.all(np.isfinite(value)):
            raise ValueError(f"Weight {var.path!r} must hold finite numbers.")
    for var, value in zip(variables, values):
        var.assign(value)


def _check_shape_arg(name: str, shape: Any) -> tuple[int, ...]:
    if isinstance(shape, (int, np.integer)):
        shape = (int(shape),)
    try:
        shape = tuple(shape)
    except TypeError:
        raise TypeError(f"Argument `{name}` must be a tuple of positive integers. Received: {name}={shape!r}") from None
    if not shape or not all(isinstance(s, (int, np.integer)) and s > 0 for s in shape):
        raise ValueError(f"Argument `{name}` must be a tuple of positive integers. Received: {name}={shape!r}")
    return tuple(int(s) for s in shape)


class Layer:
    """Base class of every layer.

    Subclasses implement ``build`` (make weights with ``add_weight``),
    ``compute_output_shape`` and ``emit`` (append program rows), plus
    ``get_config``. Shapes exclude the batch axis.
    """

    def __init__(self, name: str | None = None, trainable: bool = True, dtype: Any = None,
                 input_shape: Any = None, batch_input_shape: Any = None, input_dim: int | None = None,
                 **kwargs: Any) -> None:
        unknown = set(kwargs) - {"autocast", "batch_size", "dynamic"}
        if unknown:
            raise TypeError(f"{type(self).__name__}() got unexpected keyword arguments: {sorted(unknown)}")
        if name is not None and not isinstance(name, str):
            raise TypeError(f"Argument `name` must be a string. Received: name={name!r}")
        self.name = name or unique_name(to_snake_case(type(self).__name__))
        self.trainable = bool(trainable)
        self.built = False
        self.input_shape_hint: tuple[int, ...] | None = None
        if batch_input_shape is not None:
            input_shape = tuple(batch_input_shape)[1:]
        if input_dim is not None:
            input_shape = (input_dim,)
        if input_shape is not None:
            self.input_shape_hint = _check_shape_arg("input_shape", input_shape)
        self._weights: list[Variable] = []
        self.input_shape: tuple[int, ...] | None = None
        self.output_shape: tuple[int, ...] | None = None
        self._inbound_nodes: list = []  # one Node per call on symbolic tensors (jitnet.layers.node)

    # -- weights -----------------------------------------------------------
    def add_weight(self, name: str, shape: tuple[int, ...], initializer: Any = "zeros", trainable: bool = True,
                   regularizer: Any = None, constraint: Any = None, state: bool = False,
                   hidden: bool = False) -> Variable:
        """Create a weight.

        ``state=True`` marks statistics kept outside the gradient arena;
        ``hidden=True`` a constant the kernels read but Keras does not list.
        """
        var = Variable(name, shape, initializer, trainable, regularizer, constraint, state, self, hidden)
        self._weights.append(var)
        return var

    @property
    def weights(self) -> list[Variable]:
        """All weights, in creation order (Keras's ``get_weights`` order)."""
        return [w for w in self._weights if not w.hidden]

    @property
    def arena_weights(self) -> list[Variable]:
        """Every weight the kernels read, hidden constants included."""
        return list(self._weights)

    @property
    def trainable_weights(self) -> list[Variable]:
        """Weights the optimizer updates."""
        return [w for w in self.weights if w.trainable]

    @property
    def non_trainable_weights(self) -> list[Variable]:
        """Weights the optimizer leaves alone (moving statistics, frozen layers)."""
        return [w for w in self.weights if not w.trainable]

    def get_weights(self) -> list[np.ndarray]:
        """Copies of the weights' values."""
        return [w.numpy() for w in self.weights]

    def set_weights(self, weights: list[Any]) -> None:
        """Assign every weight; count and shapes are checked before anything changes."""
        assign_all(f"Layer {self.name!r}", self.weights, weights)

    def count_params(self) -> int:
        """Number of scalars in all weights."""
        return sum(w.size for w in self.weights)

    def weight_groups(self) -> list[tuple[str, str, list[Variable]]]:
        """``(subpath, name, weights)`` of each ``vars`` group in a ``.keras`` file, as Keras nests them."""
        return [("", self.name, self.weights)]

    # -- the contract ---------------------------------------------------------
    def build(self, input_shape: tuple[int, ...]) -> None:
        """Make weights for inputs of ``input_shape`` (batch axis excluded)."""
        self.built = True

    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        """Output shape for ``input_shape`` (batch axis excluded)."""
        return tuple(input_shape)

    def build_for(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        """Build once for ``input_shape`` and return the output shape."""
        input_shape = tuple(input_shape)
        if self.built and self.input_shape != input_shape:
            raise ValueError(
                f"Layer {self.name!r} was built for inputs of shape {(None, *self.input_shape)}. "
                f"Received: shape={(None, *input_shape)}"
            )
        if not self.built:
            self.build(input_shape)
            self.built = True
        self.input_shape = input_shape
        self.output_shape = tuple(self.compute_output_shape(input_shape))
        return self.output_shape

    # -- calls on symbolic tensors (the functional API) ------------------------------
    takes_many = False  # merging layers take a list of tensors

    def __call__(self, inputs: Any, training: Any = None, mask: Any = None) -> Any:
        """Call on symbolic tensors (``keras.Input``): build for their shape, record the call, return the output.

        ``training`` and ``mask`` are accepted as in Keras; the model decides both (masks flow from
        ``Embedding(mask_zero=True)``).
        """
        from .node import KerasTensor, Node, is_symbolic

        if not is_symbolic(inputs) or isinstance(inputs, dict):
            raise TypeError(
                f"Layer {self.name!r} must be called on a symbolic tensor (from keras.Input or another layer), or "
                f"on a list of them. Received: {type(inputs).__name__}. To compute on arrays, build a model and "
                "call it or its predict().")
        many = isinstance(inputs, (list, tuple))
        tensors = list(inputs) if many else [inputs]
        if many != self.takes_many or (many and len(tensors) < 2):
            expected = "a list of at least 2 tensors" if self.takes_many else "one tensor, not a list"
            raise ValueError(f"Layer {self.name!r} ({type(self).__name__}) takes {expected}. Received: "
                             f"{len(tensors) if many else 1} tensor(s)")
        shape = [t.sample_shape for t in tensors] if many else tensors[0].sample_shape
        out = KerasTensor((None, *self.build_for(shape)), name=self.name)
        Node(self, tensors, many, out)
        return out

    def _node_attribute(self, attribute: str) -> Any:
        if not self._inbound_nodes:
            raise AttributeError(f"Layer {self.name!r} has never been called and thus has no defined {attribute}.")
        node = self._inbound_nodes[0]
        if attribute == "output":
            return node.output
        return node.inputs if node.many else (node.inputs[0] if node.inputs else node.output)

    @property
    def input(self) -> Any:
        """The input tensor (or list of them) of the layer's first call."""
        return self._node_attribute("input")

    @property
    def output(self) -> Any:
        """The output tensor of the layer's first call."""
        return self._node_attribute("output")

    def state_scratch(self) -> int:
        """Values of work space the layer keeps after its statistics in the state arena (0 for most)."""
        return 0

    def emit(self, program: ProgramBuilder, slot: int) -> int:
        """Append this layer's op calls to ``program``; return the output slot."""
        raise NotImplementedError

    def get_config(self) -> dict:
        """Constructor arguments, as Keras serializes them."""
        return {"name": self.name, "trainable": self.trainable, "dtype": config.floatx()}

    @classmethod
    def from_config(cls, config: dict) -> Layer:
        """Rebuild from ``get_config()``."""
        config = dict(config)
        config.pop("dtype", None)
        if "batch_input_shape" in config:
            shape = config.pop("batch_input_shape")
            if shape is not None:
                config["input_shape"] = tuple(shape)[1:]
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


def regularizer_factors(reg: Any) -> tuple[float, float]:
    """``(l1, l2)`` of an L1/L2 regularizer, or zeros."""
    return (reg.l1, reg.l2) if reg is not None else (0.0, 0.0)


def resolve(kind: str, value: Any) -> Any:
    """Resolve an initializer, regularizer or constraint argument."""
    return {"initializer": initializers.get, "regularizer": regularizers.get, "constraint": constraints.get}[kind](value)


def positive_int(name: str, value: Any) -> int:
    """``value`` as a positive int (an integral float is accepted), else a TypeError/ValueError naming ``name``."""
    return integer(name, value, 1, integral_float=True, error=TypeError)


class KernelLayer(Layer):
    """A layer with a kernel, an optional bias and an activation (Dense, the convolutions).

    Holds their initializers, regularizers and constraints, makes the
    weights, emits the activation and activity penalty after the layer's
    op, and serializes all of it as Keras does.
    """

    def __init__(self, activation: Any = None, use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None, activity_regularizer: Any = None,
                 kernel_constraint: Any = None, bias_constraint: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = resolve("initializer", kernel_initializer)
        self.bias_initializer = resolve("initializer", bias_initializer)
        self.kernel_regularizer = resolve("regularizer", kernel_regularizer)
        self.bias_regularizer = resolve("regularizer", bias_regularizer)
        self.activity_regularizer = resolve("regularizer", activity_regularizer)
        self.kernel_constraint = resolve("constraint", kernel_constraint)
        self.bias_constraint = resolve("constraint", bias_constraint)

    def make_weights(self, kernel_shape: tuple[int, ...], units: int) -> None:
        """The ``kernel`` and, with ``use_bias``, the ``(units,)`` ``bias``."""
        self.kernel = self.add_weight("kernel", kernel_shape, self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight("bias", (units,), self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)

    def weight_fields(self) -> dict:
        """The op fields naming the weights: ``kernel``, ``bias``, ``use_bias``."""
        return {"kernel": self.kernel.offset, "bias": self.bias.offset if self.bias is not None else 0,
                "use_bias": self.use_bias}

    def emit_output(self, program: ProgramBuilder, z: int, activation: Any = None) -> int:
        """The activation of buffer ``z`` (default: the layer's) and its activity penalty; returns the output buffer."""
        from .core import emit_activation

        out = emit_activation(program, z, self.output_shape, activation or self.activation)
        program.activity_penalty(out, *regularizer_factors(self.activity_regularizer))
        return out

    def kernel_config(self) -> dict:
        """The activation and weight options, as Keras serializes them."""
        return {"activation": self.activation.name, "use_bias": self.use_bias,
                **options_config(self, "kernel_initializer", "bias_initializer", "kernel_regularizer",
                                 "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint")}


def options_config(layer: Layer, *names: str) -> dict:
    """The initializer, regularizer and constraint attributes ``names`` of ``layer``, as Keras serializes them."""
    modules = {"initializer": initializers, "regularizer": regularizers, "constraint": constraints}
    out = {}
    for name in names:
        obj = getattr(layer, name)
        out[name] = None if obj is None else modules[name.rsplit("_", 1)[1]].serialize(obj)
    return out
