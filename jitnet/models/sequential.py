"""``Sequential``: a stack of layers with Keras's training API."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import config, losses, optimizers
from .. import metrics as metrics_module
from ..layers import InputLayer, Layer
from ..layers import deserialize as deserialize_layer
from ..layers import serialize as serialize_layer
from ..layers.base import assign_all, unique_name
from . import loops, summary
from .arena import assemble, layout_of
from .trainer import Trainer

INFERENCE_BATCH = 1024  # rows per compiled call in model(x) and predict_on_batch: buffers stay small


class Sequential:
    """A linear stack of layers: ``Sequential([Dense(16, activation='relu'), Dense(1)])``.

    ``layers`` may be a list or a single layer. Call ``compile`` then ``fit``,
    ``evaluate`` and ``predict`` as in Keras.
    """

    def __init__(self, layers: Any = None, trainable: bool = True, name: str | None = None) -> None:
        if name is not None and not isinstance(name, str):
            raise TypeError(f"Argument `name` must be a string. Received: name={name!r}")
        self.name = name or unique_name("sequential")
        self._calls = 0  # training-mode __call__s, so each draws fresh dropout masks
        self._layers: list[Layer] = []
        self._input_shape: tuple[int, ...] | None = None
        self._arena = None
        self._trainer: Trainer | None = None
        self._metrics: list | None = None
        self._metric_ids: list = []
        self._compile_args: dict | None = None
        self.optimizer = None
        self.loss = None
        self.compiled = False
        self.stop_training = False
        self.history = None
        if layers is not None:
            for layer in layers if isinstance(layers, (list, tuple)) else [layers]:
                self.add(layer)
        if not trainable:
            self.trainable = False

    @property
    def trainable(self) -> bool:
        """False when every layer is frozen; setting it freezes or unfreezes every layer, as in Keras."""
        return not self._layers or any(layer.trainable for layer in self._layers)

    @trainable.setter
    def trainable(self, value: bool) -> None:
        for layer in self._layers:
            layer.trainable = bool(value)

    # -- structure -------------------------------------------------------------
    def add(self, layer: Layer) -> None:
        """Append a layer (an ``Input`` sets the input shape)."""
        if isinstance(layer, Sequential):
            if not self._layers and self._input_shape is None:
                self._input_shape = layer.input_shape
            for inner in layer.layers:
                self.add(inner)
            return
        if not isinstance(layer, Layer):
            raise TypeError(f"Only jitnet layers can be added to a Sequential model. Received: {layer!r}")
        if isinstance(layer, InputLayer):
            if self._layers:
                raise ValueError("An Input must come before every other layer of a Sequential model.")
            self._input_shape = layer.shape
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

    def _invalidate(self) -> None:
        self._arena = None
        self._trainer = None

    @property
    def layers(self) -> list[Layer]:
        """The layers, in order (the Input is not a layer, as in Keras 3)."""
        return list(self._layers)

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
        self._arena = assemble(self._layers, config.dtype())
        self._trainer = None

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

    # -- weights ---------------------------------------------------------------
    @property
    def weights(self) -> list:
        """Every weight, layer by layer."""
        return [w for layer in self._layers for w in layer.weights]

    @property
    def trainable_weights(self) -> list:
        """Weights the optimizer updates."""
        return [w for layer in self._layers for w in layer.trainable_weights]

    @property
    def non_trainable_weights(self) -> list:
        """Weights the optimizer leaves alone."""
        return [w for layer in self._layers for w in layer.non_trainable_weights]

    def get_weights(self) -> list[np.ndarray]:
        """Copies of every weight, in Keras order (Dense: kernel ``(in, out)``, bias ``(out,)``)."""
        return [w.numpy() for w in self.weights]

    def set_weights(self, weights: list[Any]) -> None:
        """Assign every weight; count and shapes are checked before anything changes."""
        assign_all(f"Model {self.name!r}", self.weights, weights)

    def count_params(self) -> int:
        """Number of scalars in every weight."""
        return sum(layer.count_params() for layer in self._layers)

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
        """Choose the optimizer, loss and metrics (names, classes, instances or functions)."""
        unknown = set(kwargs) - {"auto_scale_loss", "sample_weight_mode", "target_tensors"}
        if unknown:
            raise TypeError(f"compile() got unexpected keyword arguments: {sorted(unknown)}")
        for arg, value in (("loss_weights", loss_weights), ("weighted_metrics", weighted_metrics)):
            if value is not None:
                raise NotImplementedError(f"jitnet does not support `{arg}` (single-output models). Received: "
                                          f"{arg}={value!r}")
        if loss is None:
            raise ValueError("Argument `loss` is required, e.g. loss='binary_crossentropy'.")
        if isinstance(metrics, dict):
            raise TypeError("Argument `metrics` must be a name or a list (single-output models).")
        metric_ids = [] if metrics is None else list(metrics) if isinstance(metrics, (list, tuple)) else [metrics]
        resolved_loss = losses.get(loss)
        if resolved_loss.reduction not in ("sum_over_batch_size", "mean"):
            raise NotImplementedError(
                "jitnet trains with the loss reduction 'sum_over_batch_size' (Keras's default). "
                f"Received: reduction={resolved_loss.reduction!r}"
            )
        resolved_opt = optimizers.get(optimizer)
        for m in metric_ids:
            if not (isinstance(m, str) and m.lower() in ("accuracy", "acc")):
                metrics_module.get(m)
        self.optimizer, self.loss = resolved_opt, resolved_loss
        self._metric_ids = metric_ids
        self._compile_args = {"loss": loss, "metrics": metrics, "loss_weights": loss_weights,
                              "weighted_metrics": weighted_metrics, "run_eagerly": run_eagerly,
                              "steps_per_execution": steps_per_execution, "jit_compile": jit_compile}
        self._metrics = None
        self._trainer = None
        self.compiled = True

    def _resolve_metrics(self, y: np.ndarray) -> list:
        units = self.output_shape[-1]
        out = []
        for m in self._metric_ids:
            if isinstance(m, str) and m.lower() in ("accuracy", "acc"):
                if units == 1:
                    metric = metrics_module.BinaryAccuracy(name=m)
                elif self.loss.sparse or y.shape[1] == 1:
                    metric = metrics_module.SparseCategoricalAccuracy(name=m)
                else:
                    metric = metrics_module.CategoricalAccuracy(name=m)
            else:
                metric = metrics_module.get(m)
            if metric.sparse != self.loss.sparse:  # its kernel would index the targets as the loss does not lay them
                kinds = {True: "class ids (one per sample)", False: "one target per output"}
                raise ValueError(
                    f"Metric {metric.name!r} takes {kinds[metric.sparse]}, but the loss {self.loss.name!r} takes "
                    f"{kinds[self.loss.sparse]}. Pick a metric of the loss's kind (e.g. "
                    f"{'sparse_' if self.loss.sparse else ''}categorical_accuracy), or 'accuracy'.")
            out.append(metric)
        return out

    def trainer(self, y: np.ndarray | None) -> Trainer:
        """The compiled program, rebuilt when the layout, float type or metrics changed."""
        if not self.built or self._arena.layout != layout_of(self._layers) or \
                self._arena.params.dtype != config.dtype():
            self.build()
        if y is not None and self._metrics is None:
            self._metrics = self._resolve_metrics(y)
            self._trainer = None
        if self._trainer is None:
            self._trainer = Trainer(self._layers, self._input_shape, self._arena, self.loss, self._metrics or [],
                                    self.optimizer)
        return self._trainer

    @property
    def metrics_names(self) -> list[str]:
        """``['loss', *metric names]`` once metrics are resolved."""
        return ["loss"] + [m.name for m in self._metrics or []]

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
        if not training:
            return loops.predict(self, x, INFERENCE_BATCH, 0)
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
        return loops.predict(self, x, INFERENCE_BATCH, 0)

    def summary(self, line_length: int | None = None, positions: list[float] | None = None,
                print_fn: Any = None, **kwargs: Any) -> None:
        """Print the layer table and parameter counts, as Keras 3 does."""
        summary.print_summary(self, line_length, positions, print_fn)

    # -- configuration ---------------------------------------------------------------
    def get_config(self) -> dict:
        """Keras 3's Sequential config: name, trainable and serialized layers."""
        layers = []
        if self._input_shape is not None:
            layers.append(serialize_layer(InputLayer(shape=self._input_shape, name=f"{self.name}_input")))
        layers += [serialize_layer(layer) for layer in self._layers]
        return {"name": self.name, "trainable": self.trainable, "dtype": config.floatx(), "layers": layers}

    @classmethod
    def from_config(cls, config: dict) -> Sequential:
        """Rebuild (unbuilt weights are initialised afresh) from ``get_config()``."""
        model = cls(name=config.get("name"))
        for layer_config in config.get("layers", []):
            model.add(deserialize_layer(layer_config))
        return model

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

    def __repr__(self) -> str:
        return f"<Sequential name={self.name}, built={self.built}>"
