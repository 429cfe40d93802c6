"""``Model``: the training API shared by ``Sequential`` and functional models.

A subclass says what its layers are and how they connect: ``layers``,
``build`` (shapes and the parameter arena), ``input_shape``/``output_shape``
and ``emit`` (its op calls, see ``jitnet.program``). Everything else,
``compile``, ``fit``, ``evaluate``, ``predict``, weights, ``summary`` and
saving, lives here once.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from .. import config, losses, optimizers
from .. import metrics as metrics_module
from .._validate import is_real, real
from ..layers.base import Layer, assign_all
from ..layers.node import flatten, is_symbolic
from ..program import ProgramBuilder
from . import data, loops, summary
from .arena import assemble, layout_of, owns
from .trainer import Trainer

INFERENCE_BATCH = 1024  # rows per compiled call in model(x) and predict_on_batch: buffers stay small


def _batch_of(x: Any) -> int:
    """The batch size of ``model(x)``: all of ``x``'s rows, at most ``INFERENCE_BATCH`` (buffers no larger)."""
    rows = x.shape[0] if isinstance(x, np.ndarray) and x.ndim else INFERENCE_BATCH
    return max(1, min(rows, INFERENCE_BATCH))


class Model:
    """A model with Keras's training API. ``keras.Model(inputs, outputs)`` makes a functional model.

    Subclasses: ``Sequential`` (a stack of layers) and ``Functional`` (a graph of layer calls).
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        if cls is Model:  # keras.Model(inputs, outputs): a functional model, as in Keras
            from .functional import Functional

            return super().__new__(Functional)
        return super().__new__(cls)

    def _init_model(self, name: str | None, default_name: str) -> None:
        from ..layers.base import unique_name

        if name is not None and not isinstance(name, str):
            raise TypeError(f"Argument `name` must be a string. Received: name={name!r}")
        self.name = name or unique_name(default_name)
        self._calls = 0  # training-mode __call__s, so each draws fresh dropout masks
        self._arena = None
        self._trainer: Trainer | None = None
        self._metrics: list | None = None
        self._metric_ids: list = []
        self._metric_heads: list[int] = []
        self._losses: list = []
        self._loss_weights: list[float] | None = None
        self._compile_args: dict | None = None
        self.optimizer = None
        self.loss = None
        self.compiled = False
        self.stop_training = False
        self.history = None

    # -- what a subclass provides ---------------------------------------------------
    @property
    def layers(self) -> list:
        """The layers, in Keras's order."""
        raise NotImplementedError

    @property
    def input_shape(self) -> Any:
        """Per-sample input shape (batch axis excluded), once known."""
        raise NotImplementedError

    @property
    def output_shape(self) -> Any:
        """Per-sample output shape, once built."""
        raise NotImplementedError

    def build(self, input_shape: Any = None) -> None:
        """Build every layer and lay out the weights."""
        raise NotImplementedError

    def emit(self, program: ProgramBuilder) -> int:
        """Append every layer's op calls to ``program``; return the output buffer."""
        raise NotImplementedError

    def program_input_shape(self) -> tuple[int, ...]:
        """The shape of the program's input buffer: the input shape (one row of every input, for several)."""
        return self.input_shape

    def _invalidate(self) -> None:
        self._arena = None
        self._trainer = None

    def convert_inputs(self, x: Any) -> Any:
        """``x`` checked and flattened per sample to (n, width) rows (``jitnet.models.data.inputs``)."""
        first = self.layers[0] if self.layers else None
        return data.inputs(x, self.input_shape, "x", getattr(first, "check_inputs", None))

    def convert_targets(self, y: Any, n: int, sample_weight: Any = None,
                        class_weight: dict | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``y`` as (n, k) float targets, every output's side by side, and the per-sample weights."""
        shapes, names = self.output_shapes(), self.output_names
        several = len(names) > 1
        if several and class_weight is not None:
            raise ValueError("Argument `class_weight` is not supported for a model with several outputs (as in "
                             "Keras). Use `sample_weight`.")
        given = self.by_name(y, names, "output", "y") if several else [y]
        parts = [data.targets(t, n, shape, loss.sparse, f"y[{name!r}]" if several else "y")
                 for t, shape, loss, name in zip(given, shapes, self._losses, names)]
        units = shapes[0][-1]
        sw = data.weights(sample_weight, class_weight, parts[0], self.loss.sparse, units if units > 1 else 2)
        return (np.concatenate(parts, axis=1) if several else parts[0]), sw

    def by_name(self, value: Any, names: list[str], what: str, arg: str) -> list:
        """Data for each input (output) from one array, a list in order, or a dict keyed by ``names``."""
        if isinstance(value, dict):
            if set(value) != set(names):
                raise ValueError(f"Argument `{arg}` must be a dict with the keys {names} (the model's {what}s). "
                                 f"Received: keys {sorted(value)}")
            return [value[k] for k in names]
        if len(names) == 1:
            return [value[0] if isinstance(value, (list, tuple)) and len(value) == 1 else value]
        if not isinstance(value, (list, tuple)) or len(value) != len(names):
            count = len(value) if isinstance(value, (list, tuple)) else "one array"
            raise ValueError(f"Argument `{arg}` must be a list of {len(names)} arrays or a dict keyed by {names}, "
                             f"one per {what} of the model. Received: {count}")
        return list(value)

    def split_outputs(self, out: np.ndarray) -> Any:
        """The program's (n, width) outputs in the model's output shape."""
        return out.reshape((out.shape[0], *self.output_shape))

    def _assemble(self) -> None:
        self._arena = assemble(self.layers, config.dtype(), groups=self.fused_groups())
        self._trainer = None

    def fused_groups(self) -> tuple:
        """Sibling Dense layers laid out and run as one (``jitnet.models.fusion``); none in a Sequential model."""
        return ()

    @property
    def trainable(self) -> bool:
        """False when every layer is frozen; setting it freezes or unfreezes every layer, as in Keras."""
        return not self.layers or any(layer.trainable for layer in self.layers)

    @trainable.setter
    def trainable(self, value: bool) -> None:
        for layer in self.layers:
            layer.trainable = bool(value)

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        """The layer called ``name``, or the one at ``index`` of ``layers`` (Keras's order)."""
        if (name is None) == (index is None):
            raise ValueError("Provide either a layer name or a layer index, not both or neither. "
                             f"Received: name={name!r}, index={index!r}")
        if index is not None:
            if not isinstance(index, int) or not -len(self.layers) <= index < len(self.layers):
                raise ValueError(f"Argument `index` must be an int below {len(self.layers)} (the number of "
                                 f"layers). Received: index={index!r}")
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name!r}. Existing layers are: {[layer.name for layer in self.layers]}.")

    @property
    def built(self) -> bool:
        """True once every layer has weights."""
        return self._arena is not None

    # -- weights ---------------------------------------------------------------
    @property
    def weights(self) -> list:
        """Every weight, layer by layer."""
        return [w for layer in self.layers for w in layer.weights]

    @property
    def trainable_weights(self) -> list:
        """Weights the optimizer updates."""
        return [w for layer in self.layers for w in layer.trainable_weights]

    @property
    def non_trainable_weights(self) -> list:
        """Weights the optimizer leaves alone."""
        return [w for layer in self.layers for w in layer.non_trainable_weights]

    def get_weights(self) -> list[np.ndarray]:
        """Copies of every weight, in Keras order (Dense: kernel ``(in, out)``, bias ``(out,)``)."""
        return [w.numpy() for w in self.weights]

    def set_weights(self, weights: list[Any]) -> None:
        """Assign every weight; count and shapes are checked before anything changes."""
        assign_all(f"Model {self.name!r}", self.weights, weights)

    def count_params(self) -> int:
        """Number of scalars in every weight."""
        return sum(layer.count_params() for layer in self.layers)

    def dtype_size(self) -> int:
        """Bytes per parameter."""
        return np.dtype(config.floatx()).itemsize

    def optimizer_params_count(self) -> int:
        """Scalars the optimizer keeps (0 until it is built)."""
        return self.optimizer.variables_count() if self.optimizer is not None and self._trainer is not None else 0

    # -- compile and the compiled program ------------------------------------------
    def compile(self, optimizer: Any = "rmsprop", loss: Any = None, metrics: Any = None, loss_weights: Any = None,
                weighted_metrics: Any = None, run_eagerly: bool = False, steps_per_execution: int = 1,
                jit_compile: Any = "auto", **kwargs: Any) -> None:
        """Choose the optimizer, loss and metrics (names, classes, instances or functions).

        With several outputs, ``loss``, ``loss_weights`` and ``metrics`` take
        one entry per output, as a list in output order or a dict keyed by
        output name (one loss alone applies to every output).
        """
        unknown = set(kwargs) - {"auto_scale_loss", "sample_weight_mode", "target_tensors"}
        if unknown:
            raise TypeError(f"compile() got unexpected keyword arguments: {sorted(unknown)}")
        if weighted_metrics is not None:
            raise NotImplementedError(f"jitnet does not support `weighted_metrics`. Received: "
                                      f"weighted_metrics={weighted_metrics!r}")
        if loss is None:
            raise ValueError("Argument `loss` is required, e.g. loss='binary_crossentropy'.")
        names = self.output_names
        given = loss if isinstance(loss, (list, tuple, dict)) else [loss] * len(names)
        resolved_losses = [losses.get(item) for item in self._per_output(given, "loss", allow_none=False)]
        for resolved in resolved_losses:
            if resolved.reduction not in ("sum_over_batch_size", "mean"):
                raise NotImplementedError(
                    "jitnet trains with the loss reduction 'sum_over_batch_size' (Keras's default). "
                    f"Received: reduction={resolved.reduction!r}"
                )
        weights = [1.0] * len(names) if loss_weights is None else [
            1.0 if w is None else real("loss_weights", w, 0.0)
            for w in self._per_output([loss_weights] if is_real(loss_weights) else loss_weights, "loss_weights")]
        metric_ids = self._metric_lists(metrics)
        resolved_opt = optimizers.get(optimizer)
        for m in (m for ids in metric_ids for m in ids):
            if not (isinstance(m, str) and m.lower() in ("accuracy", "acc")):
                metrics_module.get(m)
        self.optimizer, self.loss = resolved_opt, resolved_losses[0]
        self._losses, self._loss_weights = resolved_losses, weights
        self._metric_ids = metric_ids
        self._compile_args = {"loss": loss, "metrics": metrics, "loss_weights": loss_weights,
                              "weighted_metrics": weighted_metrics, "run_eagerly": run_eagerly,
                              "steps_per_execution": steps_per_execution, "jit_compile": jit_compile}
        self._metrics = None
        self._trainer = None
        self.compiled = True

    def _per_output(self, value: Any, arg: str, allow_none: bool = True) -> list:
        """One entry per output from a list in output order or a dict keyed by output name."""
        names = self.output_names
        if isinstance(value, dict):
            if not set(value) <= set(names) or (not allow_none and set(value) != set(names)):
                raise ValueError(f"Argument `{arg}` must be keyed by the model's output names {names}. "
                                 f"Received: keys {sorted(value)}")
            return [value.get(name) for name in names]
        value = list(value) if isinstance(value, (list, tuple)) else [value]
        if len(value) != len(names):
            raise ValueError(f"Argument `{arg}` must have one entry per output ({len(names)}: {names}). "
                             f"Received: {len(value)} entries")
        return value

    def _metric_lists(self, metrics: Any) -> list[list]:
        """Each output's metric identifiers (a flat list is the first output's, for one output)."""
        if metrics is None:
            return [[] for _ in self.output_names]
        if len(self.output_names) == 1 and not isinstance(metrics, dict):
            return [list(metrics) if isinstance(metrics, (list, tuple)) else [metrics]]
        if not isinstance(metrics, (list, tuple, dict)):
            raise TypeError("Argument `metrics` of a model with several outputs must be a list with one entry per "
                            f"output or a dict keyed by output name. Received: metrics={metrics!r}")
        entries = self._per_output(metrics, "metrics")
        return [[] if e is None else list(e) if isinstance(e, (list, tuple)) else [e] for e in entries]

    @property
    def output_names(self) -> list[str]:
        """The name of each output: the layer that makes it, as Keras names them in ``history``."""
        return [self.layers[-1].name] if self.layers else ["output"]

    def output_shapes(self) -> list[tuple[int, ...]]:
        """Per-sample shape of each output."""
        return [self.output_shape]

    def _resolve_metrics(self, y: np.ndarray) -> tuple[list, list[int]]:
        """The metric objects and the output each one reads."""
        out, heads = [], []
        several = len(self.output_names) > 1
        for h, (ids, loss, shape, name) in enumerate(
                zip(self._metric_ids, self._losses, self.output_shapes(), self.output_names)):
            for m in ids:
                metric = self._metric_for(m, loss, shape)
                if several:
                    metric = copy.copy(metric)
                    metric.name = f"{name}_{metric.name}"
                out.append(metric)
                heads.append(h)
        return out, heads

    @staticmethod
    def _metric_for(m: Any, loss: Any, shape: tuple[int, ...]) -> Any:
        if isinstance(m, str) and m.lower() in ("accuracy", "acc"):
            if shape[-1] == 1:
                return metrics_module.BinaryAccuracy(name=m)
            if loss.sparse:
                return metrics_module.SparseCategoricalAccuracy(name=m)
            return metrics_module.CategoricalAccuracy(name=m)
        metric = metrics_module.get(m)
        if metric.sparse != loss.sparse:  # its kernel would index the targets as the loss does not lay them
            kinds = {True: "class ids (one per sample)", False: "one target per output"}
            raise ValueError(
                f"Metric {metric.name!r} takes {kinds[metric.sparse]}, but the loss {loss.name!r} takes "
                f"{kinds[loss.sparse]}. Pick a metric of the loss's kind (e.g. "
                f"{'sparse_' if loss.sparse else ''}categorical_accuracy), or 'accuracy'.")
        return metric

    def trainer(self, y: np.ndarray | None) -> Trainer:
        """The compiled program, rebuilt when the layout, float type or metrics changed.

        Weights shared with another model (a sub-model of this one's layers)
        are copied back into this model's arena first when that model last
        held them: each model computes with the weights as they are.
        """
        groups = self.fused_groups()
        if self._arena is not None and not owns(self._arena, self.layers):
            self._arena = assemble(self.layers, self._arena.params.dtype, into=self._arena, groups=groups)
        if not self.built or self._arena.layout != layout_of(self.layers, groups) or \
                self._arena.params.dtype != config.dtype():
            self.build()
        if y is not None and self._metrics is None:
            self._metrics, self._metric_heads = self._resolve_metrics(y)
            self._trainer = None
        if self._trainer is None:
            self._trainer = self.make_trainer(self._losses if self.loss is not None else None, self._metrics or [],
                                              self.optimizer)
        return self._trainer

    def make_trainer(self, loss: Any, metrics: list, optimizer: Any, input_grad: bool = False) -> Trainer:
        """A compiled side for this model's program (``input_grad``: also the gradient of the inputs)."""
        return Trainer(self.layers, self.program_input_shape(), self._arena, loss, metrics, optimizer, input_grad,
                       emit=self.emit, loss_weights=self._loss_weights if loss is not None else None,
                       head_names=self.output_names, metric_heads=self._metric_heads)

    @property
    def metrics_names(self) -> list[str]:
        """``['loss', *output losses (several outputs), *metric names]`` once metrics are resolved."""
        heads = [f"{name}_loss" for name in self.output_names] if len(self.output_names) > 1 else []
        return ["loss", *heads] + [m.name for m in self._metrics or []]

    # -- the Keras API -------------------------------------------------------------
    def fit(self, x: Any = None, y: Any = None, batch_size: int | None = None, epochs: int = 1,
            verbose: Any = "auto", callbacks: Any = None, validation_split: float = 0.0,
            validation_data: Any = None, shuffle: bool = True, class_weight: dict | None = None,
            sample_weight: Any = None, initial_epoch: int = 0, **kwargs: Any):
        """Train; returns a ``History``. Defaults to ``batch_size=32, epochs=1``."""
        return loops.fit(self, x, y, batch_size, epochs, verbose, callbacks, validation_split, validation_data,
                         shuffle, class_weight, sample_weight, initial_epoch, **kwargs)

    def evaluate(self, x: Any = None, y: Any = None, batch_size: int | None = None, verbose: Any = "auto",
                 sample_weight: Any = None, steps: Any = None, callbacks: Any = None, return_dict: bool = False):
        """Loss (and metrics) on data: a float, ``[loss, *metrics]``, or a dict."""
        return loops.evaluate(self, x, y, batch_size, verbose, sample_weight, steps, callbacks, return_dict)

    def predict(self, x: Any, batch_size: int | None = None, verbose: Any = "auto", steps: Any = None,
                callbacks: Any = None) -> np.ndarray:
        """Outputs for ``x``, in inference mode. Defaults to ``batch_size=32``."""
        return loops.predict(self, x, batch_size, verbose, steps, callbacks)

    def __call__(self, x: Any, training: bool = False) -> np.ndarray:
        """Outputs for ``x``; ``training=True`` applies dropout (fresh masks each call) and batch statistics,
        and, as in Keras, updates batch-norm moving statistics."""
        if not isinstance(x, np.ndarray) and is_symbolic(x):
            from .functional import replay

            if not self.built:  # a Sequential model without an Input takes the tensor's shape, as in Keras
                self.build(flatten(x)[0].sample_shape)
            return replay(self, x)
        if not training:
            return loops.predict(self, x, _batch_of(x), 0)
        self._calls += 1
        return loops.predict(self, x, max(1, len(x)), 0, training=True, step=-self._calls)

    def train_on_batch(self, x: Any, y: Any = None, sample_weight: Any = None, class_weight: Any = None,
                       return_dict: bool = False):
        """One update on one batch; returns the loss (and metrics) of that batch."""
        return loops.train_on_batch(self, x, y, sample_weight, class_weight, return_dict)

    def test_on_batch(self, x: Any, y: Any = None, sample_weight: Any = None, return_dict: bool = False):
        """Loss (and metrics) on one batch, in inference mode."""
        return loops.test_on_batch(self, x, y, sample_weight, return_dict)

    def predict_on_batch(self, x: Any) -> np.ndarray:
        """Outputs for one batch."""
        return loops.predict(self, x, _batch_of(x), 0)

    def summary(self, line_length: int | None = None, positions: list[float] | None = None,
                print_fn: Any = None, **kwargs: Any) -> None:
        """Print the layer table and parameter counts, as Keras 3 does."""
        summary.print_summary(self, line_length, positions, print_fn)

    def get_compile_config(self) -> dict | None:
        """The ``compile`` arguments in Keras 3's serialized layout; None before ``compile``."""
        if not self.compiled or self._compile_args is None:
            return None
        from ..saving.serialization import compile_to_config

        return compile_to_config(self, self._compile_args)

    def compile_from_config(self, config: dict) -> None:
        """``compile`` with the arguments of ``get_compile_config()`` (or of a Keras 3 file)."""
        from ..saving.serialization import compile_from_config

        compile_from_config(self, config)

    # -- saving ----------------------------------------------------------------------
    def save(self, filepath: Any, overwrite: bool = True) -> None:
        """Save to a Keras 3 ``.keras`` file (architecture, weights, compile config, optimizer state)."""
        from ..saving import save_model

        save_model(self, filepath, overwrite=overwrite)

    def save_weights(self, filepath: Any, overwrite: bool = True) -> None:
        """Save the weights (and optimizer state) to a Keras 3 ``.weights.h5`` file."""
        from ..saving import save_weights

        save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath: Any) -> None:
        """Load weights (and optimizer state, when compiled) from ``.weights.h5`` or ``.keras``."""
        from ..saving import load_weights

        load_weights(self, filepath)

