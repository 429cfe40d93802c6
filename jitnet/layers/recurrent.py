"""Recurrent layers: SimpleRNN, LSTM, GRU, and Bidirectional around any of them.

Inputs are ``(batch, steps, features)``. Weights follow Keras: a kernel
``(features, gates * units)``, a recurrent kernel ``(units, gates * units)``
and a bias, kept in a ``cell`` group in ``.keras`` files. Each layer is one
op (``jitnet.kernels.ops.simple_rnn``, ``lstm``, ``gru``); input dropout is a
``noise`` op before it whose mask each sample keeps over its steps, as in
Keras.
"""

from __future__ import annotations

from typing import Any

from .. import activations, random
from .._validate import real
from ..kernels import dropout as kd
from ..kernels.ops import recurrence
from .base import Layer, ProgramBuilder, options_config, positive_int, regularizer_factors, resolve

_GATE_NAMES = ", ".join(sorted({"tanh", "sigmoid", "hard_sigmoid", "relu", "linear"}))


def _gate_activation(name: str, value: Any) -> activations.Activation:
    fn = activations.get(value)
    plain = fn.code != activations.relu.code or tuple(fn.params) == tuple(activations.relu.params)
    if fn.code not in recurrence.GATE_CODES or not plain:
        raise ValueError(f"Argument `{name}` of a recurrent layer must be one of {_GATE_NAMES}. "
                         f"Received: {name}={value!r}")
    return fn


def _rate(name: str, value: Any) -> float:
    return real(name, value, 0.0, 1.0, high_open=True, error=TypeError)


class _RNN(Layer):
    """What SimpleRNN, LSTM and GRU share: arguments, weights, checks, the op call and the config.

    Args:
        units: Positive int, the size of the state.
        activation: Defaults to ``'tanh'``.
        recurrent_activation: The gates' activation (LSTM, GRU). Defaults to ``'sigmoid'``.
        use_bias: Bool. Defaults to ``True``.
        kernel_initializer, recurrent_initializer, bias_initializer: Default to ``'glorot_uniform'``,
            ``'orthogonal'`` and ``'zeros'``.
        regularizers and constraints of the kernel, recurrent kernel and bias: Default to ``None``.
        dropout, recurrent_dropout: Floats in [0, 1), on the inputs and on the state. Default to ``0``.
        return_sequences: Bool, output every step. Defaults to ``False``.
        go_backwards: Bool, read the steps in reverse. Defaults to ``False``.
        seed: Int seed of the dropout masks. Defaults to ``None``.
    """

    kind = "simple_rnn"
    gates = 1  # gate blocks per unit
    aux = 0  # blocks of `units` in the op's aux buffer
    cell_name = "simple_rnn_cell"
    _OPTIONS = ("kernel_initializer", "recurrent_initializer", "bias_initializer", "kernel_regularizer",
                "recurrent_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint",
                "recurrent_constraint", "bias_constraint")

    def __init__(self, units: int, activation: Any = "tanh", recurrent_activation: Any = "sigmoid",
                 use_bias: bool = True, kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, recurrent_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, kernel_constraint: Any = None, recurrent_constraint: Any = None,
                 bias_constraint: Any = None, dropout: float = 0.0, recurrent_dropout: float = 0.0,
                 return_sequences: bool = False, return_state: bool = False, go_backwards: bool = False,
                 stateful: bool = False, unroll: bool = False, zero_output_for_mask: bool = False,
                 seed: int | None = None, **kwargs: Any) -> None:
        for ignored in ("implementation", "use_cudnn", "time_major"):
            kwargs.pop(ignored, None)
        super().__init__(**kwargs)
        self.units = positive_int("units", units)
        self.activation = _gate_activation("activation", activation)
        self.recurrent_activation = _gate_activation("recurrent_activation", recurrent_activation)
        self.use_bias = bool(use_bias)
        for name, value in zip(self._OPTIONS, (kernel_initializer, recurrent_initializer, bias_initializer,
                                               kernel_regularizer, recurrent_regularizer, bias_regularizer,
                                               activity_regularizer, kernel_constraint, recurrent_constraint,
                                               bias_constraint)):
            setattr(self, name, resolve(name.rsplit("_", 1)[1], value))
        self.dropout = _rate("dropout", dropout)
        self.recurrent_dropout = _rate("recurrent_dropout", recurrent_dropout)
        if stateful:
            raise ValueError("Argument `stateful=True` is not supported: states start at zero for every batch.")
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.unroll = bool(unroll)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.seed = seed
        self._seed = random.draw_seed(seed)  # input dropout; recurrent dropout uses the next one

    # -- weights and shapes -------------------------------------------------------
    def _check_input(self, input_shape: tuple[int, ...]) -> None:
        if len(input_shape) != 2:
            raise ValueError(f"Input 0 of layer {self.name!r} ({type(self).__name__}) must be 3-D "
                             f"(batch, steps, features). Received: shape={(None, *input_shape)}")

    def bias_shape(self) -> tuple[int, ...]:
        """The bias's shape."""
        return (self.gates * self.units,)

    def build(self, input_shape):
        self._check_input(input_shape)
        width = self.gates * self.units
        self.kernel = self.add_weight("kernel", (input_shape[-1], width), self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight("recurrent_kernel", (self.units, width), self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight("bias", self.bias_shape(), self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)

    def compute_output_shape(self, input_shape):
        self._check_input(input_shape)
        return (input_shape[0], self.units) if self.return_sequences else (self.units,)

    def weight_groups(self) -> list[tuple[str, str, list]]:
        """The weights live in a ``cell`` group of ``.keras`` files, as in Keras."""
        return [("", self.name, []), ("cell", self.cell_name, self.weights)]

    # -- the program ---------------------------------------------------------------
    def emit(self, program: ProgramBuilder, slot: int) -> int:
        out = program.new_slot(self.output_shape)
        self.emit_into(program, slot, out, 0, False, fuse=True)
        if self.return_sequences:
            program.pass_mask(slot, out)
        program.activity_penalty(out, *regularizer_factors(self.activity_regularizer))
        return out

    def emit_into(self, program: ProgramBuilder, slot: int, out: int, col: int, flip: bool, fuse: bool = False) -> None:
        """The layer's ops, writing columns ``col ..`` of ``out``; ``flip`` writes the steps in time order.

        With ``fuse``, an embedding writing ``slot`` hands its table gradient to this op (``take_embedding``).
        """
        steps, features = self.input_shape
        units, src = self.units, slot
        embedded = program.take_embedding(slot, self.gates * units) if fuse and self.dropout == 0.0 else None
        if self.dropout > 0.0:
            src = program.new_slot((steps, features))
            program.op("noise", slot, src, mode=kd.DROPOUT, seed=self._seed, rate=self.dropout, share=steps)
        gates = program.new_slot((steps, self.gates * units))
        states = gates if self.gates == 1 else program.new_slot((steps, units))  # SimpleRNN: its gates are its states
        mask = program.masks.get(slot)
        program.op(
            self.kind, src, out, xt=program.new_slot((steps, features)), gates=gates, states=states,
            aux=program.new_slot((steps, self.aux * units)) if self.aux else states,
            work=program.new_slot((1, (recurrence.WORK_UNITS + self.gates) * units)),
            kernel=self.kernel.offset, recurrent=self.recurrent_kernel.offset,
            bias=self.bias.offset if self.bias is not None else 0, use_bias=self.use_bias, units=units, steps=steps,
            activation=self.activation.code, recurrent_activation=self.recurrent_activation.code,
            go_backwards=self.go_backwards, sequences=self.return_sequences, flip=flip, col=col,
            masked=mask is not None, mask=mask or 0,
            zero_masked=self.zero_output_for_mask,
            reset_after=getattr(self, "reset_after", False), seed=(self._seed + 1) % 2 ** 63,
            recurrent_dropout=self.recurrent_dropout, **(embedded or {}))

    # -- serialization ---------------------------------------------------------------
    def get_config(self) -> dict:
        """Keras's keys in Keras's order (``seed`` written for SimpleRNN too, so a round trip keeps it)."""
        config = {**super().get_config(), "return_sequences": self.return_sequences,
                  "return_state": self.return_state, "go_backwards": self.go_backwards, "stateful": False,
                  "unroll": self.unroll, "zero_output_for_mask": self.zero_output_for_mask, "units": self.units,
                  "activation": self.activation.name}
        if self.gates > 1:
            config["recurrent_activation"] = self.recurrent_activation.name
        config["use_bias"] = self.use_bias
        config.update(options_config(self, *self._OPTIONS[:3]))
        if hasattr(self, "unit_forget_bias"):
            config["unit_forget_bias"] = self.unit_forget_bias
        config.update(options_config(self, *self._OPTIONS[3:]))
        config.update({"dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout})
        if hasattr(self, "reset_after"):
            config["reset_after"] = self.reset_after
        config["seed"] = self.seed
        return config


class SimpleRNN(_RNN):
    """A fully connected recurrence: ``h = activation(x @ kernel + h' @ recurrent_kernel + bias)``.

    ``SimpleRNN(units, activation='tanh', use_bias=True, dropout=0.0,
    recurrent_dropout=0.0, return_sequences=False, go_backwards=False, ...)``.
    """

    def __init__(self, units: int, activation: Any = "tanh", **kwargs: Any) -> None:
        super().__init__(units, activation=activation, **kwargs)


class LSTM(_RNN):
    """Long short-term memory: gates ``i, f, c, o`` in Keras's order and layout.

    ``LSTM(units, activation='tanh', recurrent_activation='sigmoid',
    unit_forget_bias=True, dropout=0.0, recurrent_dropout=0.0,
    return_sequences=False, go_backwards=False, ...)``; with
    ``unit_forget_bias`` the forget gate's bias starts at 1.
    """

    kind, gates, aux, cell_name = "lstm", 4, 2, "lstm_cell"

    def __init__(self, units: int, unit_forget_bias: bool = True, **kwargs: Any) -> None:
        super().__init__(units, **kwargs)
        self.unit_forget_bias = bool(unit_forget_bias)

    def build(self, input_shape):
        super().build(input_shape)
        if self.use_bias and self.unit_forget_bias:
            self.bias.value[self.units:2 * self.units] = 1.0


class GRU(_RNN):
    """Gated recurrent unit: gates ``z, r, h``; ``reset_after=True`` (Keras 3's default) applies the reset
    gate after the recurrent product.

    With ``reset_after`` the bias has shape ``(2, 3 * units)``: the input bias,
    then the recurrent bias; without it, ``(3 * units,)``.
    """

    kind, gates, aux, cell_name = "gru", 3, 3, "gru_cell"

    def __init__(self, units: int, reset_after: bool = True, **kwargs: Any) -> None:
        super().__init__(units, **kwargs)
        self.reset_after = bool(reset_after)

    def bias_shape(self) -> tuple[int, ...]:
        return (2, self.gates * self.units) if self.reset_after else (self.gates * self.units,)


class Bidirectional(Layer):
    """Runs a recurrent layer forwards and a copy backwards, and concatenates their outputs.

    The sublayers are named ``forward_<name>`` and ``backward_<name>``; with
    ``return_sequences`` the backward outputs are put back in time order.

    Args:
        layer: A SimpleRNN, LSTM or GRU, the forward half.
        merge_mode: ``'concat'``. Defaults to ``'concat'``.
        backward_layer: The backward half. Defaults to ``None`` (a copy of ``layer`` reading backwards).
    """

    def __init__(self, layer: _RNN, merge_mode: str = "concat", backward_layer: _RNN | None = None,
                 weights: Any = None, **kwargs: Any) -> None:
        if not isinstance(layer, _RNN):
            raise TypeError(f"Argument `layer` must be a SimpleRNN, LSTM or GRU layer. Received: layer={layer!r}")
        if merge_mode != "concat":
            raise ValueError(f"Only merge_mode='concat' is supported. Received: merge_mode={merge_mode!r}")
        if weights is not None:
            raise ValueError("Argument `weights` is not supported: call set_weights() after building.")
        super().__init__(**kwargs)
        if layer.return_state:
            raise ValueError("Argument `return_state=True` is not supported inside Bidirectional.")
        config = layer.get_config()
        self.forward_layer = type(layer).from_config({**config, "name": f"forward_{layer.name}"})
        if backward_layer is None:
            backward_layer = type(layer).from_config({**config, "name": f"backward_{layer.name}",
                                                       "go_backwards": not layer.go_backwards})
        elif not isinstance(backward_layer, _RNN) or backward_layer.return_sequences != layer.return_sequences:
            raise ValueError("Argument `backward_layer` must be a recurrent layer with the same `return_sequences`.")
        self.backward_layer = backward_layer
        self._seed = self.forward_layer._seed
        for half in (self.forward_layer, self.backward_layer):
            half.zero_output_for_mask = layer.return_sequences  # as Keras: masked steps output zeros
        self.merge_mode = merge_mode
        self.return_sequences = layer.return_sequences
        if self.input_shape_hint is None:
            self.input_shape_hint = layer.input_shape_hint

    @property
    def seed(self) -> int | None:
        """The seed the wrapped layer was given."""
        return self.forward_layer.seed

    @property
    def _seed(self) -> int:
        """The forward half's dropout seed; the backward half's is derived from it (saved with the model)."""
        return self.forward_layer._seed

    @_seed.setter
    def _seed(self, value: int) -> None:
        self.forward_layer._seed = value
        self.backward_layer._seed = (value * 0x9E3779B97F4A7C15 + 1) % 2 ** 63

    @property
    def arena_weights(self):
        return self.forward_layer.arena_weights + self.backward_layer.arena_weights

    @property
    def weights(self):
        return self.forward_layer.weights + self.backward_layer.weights

    @property
    def trainable(self) -> bool:
        """Freezing the wrapper freezes both halves."""
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._trainable = bool(value)
        for half in ("forward_layer", "backward_layer"):
            if hasattr(self, half):
                getattr(self, half).trainable = self._trainable

    def build(self, input_shape):
        self.forward_layer.build_for(input_shape)
        self.backward_layer.build_for(input_shape)

    def compute_output_shape(self, input_shape):
        shape = self.forward_layer.compute_output_shape(input_shape)
        return (*shape[:-1], shape[-1] + self.backward_layer.units)

    def weight_groups(self) -> list[tuple[str, str, list]]:
        groups = [("", self.name, [])]
        for half in ("forward_layer", "backward_layer"):
            for sub, name, weights in getattr(self, half).weight_groups():
                groups.append((f"{half}/{sub}".rstrip("/"), name, weights))
        return groups

    def emit(self, program: ProgramBuilder, slot: int) -> int:
        out = program.new_slot(self.output_shape)
        flip = self.return_sequences
        self.forward_layer.emit_into(program, slot, out, 0, False)
        self.backward_layer.emit_into(program, slot, out, self.forward_layer.units, flip)
        if self.return_sequences:
            program.pass_mask(slot, out)
        return out

    def get_config(self) -> dict:
        from . import serialize

        return {**super().get_config(), "merge_mode": self.merge_mode, "layer": serialize(self.forward_layer),
                "backward_layer": serialize(self.backward_layer)}

    @classmethod
    def from_config(cls, config: dict) -> Bidirectional:
        from . import deserialize

        config = dict(config)
        config.pop("dtype", None)
        layer, backward = config.pop("layer"), config.pop("backward_layer", None)
        layer = deserialize(layer) if isinstance(layer, dict) else layer
        backward = deserialize(backward) if isinstance(backward, dict) else backward
        layer.name = layer.name.removeprefix("forward_")
        return cls(layer, backward_layer=backward, **config)
