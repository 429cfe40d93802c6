"""Model configs in Keras 3's layout, both ways.

Writing, ``model_to_config(model)`` gives the dict stored as ``config.json``::

    {"module": "keras", "class_name": "Sequential", "config": {name, trainable, dtype, layers},
     "registered_name": None, "build_config": {"input_shape": [None, ...]}, "compile_config": {...}}

with every nested object (layer, initializer, regularizer, constraint,
optimizer, loss, metric) as ``{"module", "class_name", "config",
"registered_name"}``, as Keras's ``serialize_keras_object`` writes it.

Reading, ``model_from_config(config, ...)`` accepts configs written by jitnet
or by Keras 3. Classes are resolved only through jitnet's registries (or
``custom_objects``): nothing is imported and no code named by the file runs.
Keras config keys that jitnet has no use for are dropped when they hold
their neutral value (``quantization_config=None``, ``renorm=False``, ...);
any other value is refused with a ``ValueError`` naming the layer.
"""

from __future__ import annotations

import warnings
from typing import Any

from .. import activations, losses, metrics, optimizers
from .. import layers as layers_module
from ..layers import InputLayer, Layer

_KIND_MODULES = {"initializer": "keras.initializers", "regularizer": "keras.regularizers",
                 "constraint": "keras.constraints"}

# Keras 3 layer arguments jitnet does not implement, with the value that
# makes them a no-op. A key whose value is ANY is ignored whatever it holds.
ANY = object()
_NEUTRAL = {
    "Dense": {"quantization_config": None, "lora_rank": None, "lora_alpha": ANY},
    "Embedding": {"quantization_config": None, "lora_rank": None, "lora_alpha": ANY},
    "BatchNormalization": {
        "beta_regularizer": None, "gamma_regularizer": None, "beta_constraint": None, "gamma_constraint": None,
        "synchronized": False, "renorm": False, "renorm_clipping": None, "renorm_momentum": ANY,
    },
    "LayerNormalization": {
        "rms_scaling": False, "beta_regularizer": None, "gamma_regularizer": None, "beta_constraint": None,
        "gamma_constraint": None,
    },
}
_NEUTRAL_INITIALIZER = {"input_axes": None, "output_axes": None}
_NEUTRAL_LOSS = {"axis": -1, "ignore_class": None, "dtype": ANY}


class ConfigError(ValueError):
    """A config that jitnet cannot (or will not) turn into objects."""


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------
def keras_object(module: str, class_name: str, config: Any) -> dict:
    """``{"module", "class_name", "config", "registered_name"}`` as Keras writes built-in objects."""
    return {"module": module, "class_name": class_name, "config": config, "registered_name": None}


def _nested_kind(key: str) -> str | None:
    for kind in _KIND_MODULES:
        if key == kind or key.endswith("_" + kind):
            return kind
    return None


def _check_origin(config: dict, what: str, custom_objects: dict) -> str:
    """The class name of a serialized object, refusing objects from outside Keras/jitnet."""
    class_name = config.get("class_name")
    if not isinstance(class_name, str):
        raise ConfigError(f"Expected a {what} config with a string 'class_name'. Received: {config!r:.200}")
    if class_name in custom_objects:
        return class_name
    module = config.get("module")
    registered = config.get("registered_name")
    if module is not None and not (isinstance(module, str) and (module == "keras" or module.startswith("keras."))):
        raise ConfigError(
            f"The {what} {class_name!r} comes from module {module!r}, not from Keras. jitnet loads only its "
            "own classes; pass custom_objects={...} to map this name to a jitnet class."
        )
    if registered not in (None, class_name, "function"):
        raise ConfigError(
            f"The {what} {class_name!r} is a custom registered object ({registered!r}). jitnet loads only its "
            "own classes; pass custom_objects={...} to map this name to a jitnet class."
        )
    return class_name


def _drop_neutral(config: dict, neutral: dict, what: str) -> dict:
    out = dict(config)
    for key, value in neutral.items():
        if key not in out:
            continue
        if value is not ANY and out[key] != value:
            raise ConfigError(f"{what}: jitnet does not support {key}={out[key]!r} (only {key}={value!r}).")
        del out[key]
    return out


def _function_name(config: Any) -> Any:
    """Keras's serialized built-in function ``{"class_name": "function", "config": name}`` -> ``name``."""
    if isinstance(config, dict) and config.get("class_name") == "function":
        name = config.get("config")
        module = config.get("module")
        if not isinstance(name, str) or (module is not None and not str(module).startswith("keras")):
            raise ConfigError(f"Only Keras's built-in functions can be loaded. Received: {config!r:.200}")
        return name
    return config


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------
def layer_to_config(layer: Layer) -> dict:
    """A layer in Keras 3's layout, nested initializers etc. included, plus ``build_config`` once built."""
    out = layers_module.serialize(layer)
    config = out["config"] = dict(out["config"])
    for key, value in config.items():
        kind = _nested_kind(key)
        if kind and isinstance(value, dict) and "class_name" in value:
            config[key] = keras_object(_KIND_MODULES[kind], value["class_name"], value.get("config", {}))
    for key, attribute in (("layer", "forward_layer"), ("backward_layer", "backward_layer")):  # Bidirectional
        if key in config and hasattr(layer, attribute):
            config[key] = layer_to_config(getattr(layer, attribute))
    if layer.built and layer.input_shape is not None and layer.weights:
        out["build_config"] = {"input_shape": [None, *layer.input_shape]}
    return out


def _loss_to_config(given: Any, resolved: losses.Loss) -> Any:
    if isinstance(given, str):
        return given
    return keras_object("keras.losses", type(resolved).__name__, resolved.get_config())


def _losses_to_config(model: Any, given: Any) -> Any:
    """The ``loss`` argument as Keras writes it: one loss, or a list or dict of them (several outputs)."""
    resolved = model._losses or [model.loss]
    if isinstance(given, dict):
        return {key: _loss_to_config(value, resolved[model.output_names.index(key)]) for key, value in given.items()}
    if isinstance(given, (list, tuple)):
        return [_loss_to_config(g, r) for g, r in zip(given, resolved)]
    return _loss_to_config(given, resolved[0])


def _metric_to_config(metric: Any) -> Any:
    if isinstance(metric, str):
        return metric
    if isinstance(metric, metrics.Metric):
        return keras_object("keras.metrics", type(metric).__name__, metric.get_config())
    if isinstance(metric, losses.Loss):
        return keras_object("keras.losses", type(metric).__name__, metric.get_config())
    if isinstance(metric, type):
        module = "keras.losses" if issubclass(metric, losses.Loss) else "keras.metrics"
        return keras_object(module, metric.__name__, {})
    name = getattr(metric, "__name__", None)
    if callable(metric) and isinstance(name, str) and (metrics.class_of(metric) or losses.class_of(metric)):
        return name
    raise ConfigError(f"Cannot serialize metric {metric!r}: expected a name, a jitnet metric or loss.")


def _metric_list_to_config(value: Any) -> Any:
    """Metrics as Keras writes them: a list, or per output a list of lists or a dict of lists."""
    if value is None:
        return None
    if isinstance(value, dict):
        return {key: _metric_list_to_config(v) for key, v in value.items()}
    items = list(value) if isinstance(value, (list, tuple)) else [value]
    return [_metric_list_to_config(m) if isinstance(m, (list, tuple, dict)) else _metric_to_config(m)
            for m in items]


def compile_to_config(model: Any, args: dict) -> dict:
    """Keras 3's ``compile_config`` for a compiled model; ``args`` are the arguments given to ``compile``."""
    return {
        "optimizer": optimizers.serialize(model.optimizer),
        "loss": _losses_to_config(model, args.get("loss")),
        "loss_weights": args.get("loss_weights"),
        "metrics": _metric_list_to_config(args.get("metrics")),
        "weighted_metrics": _metric_list_to_config(args.get("weighted_metrics")),
        "run_eagerly": bool(args.get("run_eagerly", False)),
        "steps_per_execution": int(args.get("steps_per_execution", 1)),
        "jit_compile": args.get("jit_compile", "auto"),
    }


def model_to_config(model: Any) -> dict:
    """The ``config.json`` dict of a Sequential or functional model (Keras 3 layout)."""
    from ..models import Sequential

    if not isinstance(model, Sequential):
        out = keras_object("keras.src.models.functional", "Functional", model.get_config(layer_to_config))
        out.update(registered_name="Functional", build_config={"input_shape": None})
        compile_config = model.get_compile_config()
        if compile_config is not None:
            out["compile_config"] = compile_config
        return out
    config = dict(model.get_config())
    configs = list(config["layers"])
    offset = len(configs) - len(model.layers)  # the InputLayer, when the input shape is known
    config["layers"] = configs[:offset] + [layer_to_config(layer) for layer in model.layers]
    out = keras_object("keras", "Sequential", config)
    if model.input_shape is not None:
        shape = [None, *model.input_shape]
        config["build_input_shape"] = shape
        out["build_config"] = {"input_shape": shape}
    compile_config = model.get_compile_config()
    if compile_config is not None:
        out["compile_config"] = compile_config
    return out


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------
def _nested_from_config(key: str, value: Any, where: str, custom_objects: dict) -> Any:
    """Check and normalise an initializer / regularizer / constraint config of a layer."""
    if not isinstance(value, dict):
        return value
    kind = _nested_kind(key)
    class_name = _check_origin(value, kind, custom_objects)
    inner = value.get("config") or {}
    if not isinstance(inner, dict):
        raise ConfigError(f"{where}: the config of {key} must be a dict. Received: {inner!r:.200}")
    if class_name in custom_objects:
        return custom_objects[class_name].from_config(inner)
    if kind == "initializer":
        inner = _drop_neutral(inner, _NEUTRAL_INITIALIZER, f"{where} {key}")
    return {"class_name": class_name, "config": inner}


def layer_from_config(config: Any, custom_objects: dict | None = None) -> Layer:
    """A jitnet layer from a serialized layer (jitnet or Keras 3); only registered classes are used."""
    custom_objects = custom_objects or {}
    if not isinstance(config, dict):
        raise ConfigError(f"Expected a layer config dict. Received: {config!r:.200}")
    class_name = _check_origin(config, "layer", custom_objects)
    cls = custom_objects.get(class_name)
    if cls is None:
        try:
            cls = layers_module.LAYERS.lookup(class_name)
        except ValueError:
            raise ConfigError(
                f"Unknown layer class {class_name!r}: jitnet loads only its own layers "
                f"({', '.join(layers_module.LAYERS.names())}) and those given in custom_objects. "
                "Nothing in the file was executed."
            ) from None
    if not (isinstance(cls, type) and issubclass(cls, Layer)):
        raise ConfigError(f"custom_objects[{class_name!r}] must be a subclass of jitnet.layers.Layer. Received: {cls!r}")
    inner = config.get("config") or {}
    if not isinstance(inner, dict):
        raise ConfigError(f"The config of layer {class_name!r} must be a dict. Received: {inner!r:.200}")
    where = f"layer {inner.get('name', class_name)!r} ({class_name})"
    inner = _drop_neutral(inner, _NEUTRAL.get(class_name, {}), where)
    for key in list(inner):
        if _nested_kind(key):
            inner[key] = _nested_from_config(key, inner[key], where, custom_objects)
        elif key in ("layer", "backward_layer") and isinstance(inner[key], dict):  # Bidirectional's halves
            inner[key] = layer_from_config(inner[key], custom_objects)
    if "activation" in inner:
        inner["activation"] = _function_name(inner["activation"])
        if not isinstance(inner["activation"], (str, type(None))):
            raise ConfigError(f"{where}: activation must be a name. Received: {inner['activation']!r:.200}")
        activations.get(inner["activation"])  # a clear error for unknown names
    try:
        return cls.from_config(inner)
    except (TypeError, ValueError) as err:
        raise ConfigError(f"Cannot rebuild {where}: {err}") from None


def _optimizer_from_config(value: Any, custom_objects: dict) -> Any:
    if isinstance(value, str) or value is None:
        return value
    if not isinstance(value, dict):
        raise ConfigError(f"Expected an optimizer name or config dict. Received: {value!r:.200}")
    class_name = _check_origin(value, "optimizer", custom_objects)
    cls = custom_objects.get(class_name) or optimizers.OPTIMIZERS.lookup(class_name)
    if not (isinstance(cls, type) and issubclass(cls, optimizers.Optimizer)):
        raise ConfigError(f"{class_name!r} is not a jitnet optimizer class.")
    inner = dict(value.get("config") or {})
    lr = inner.get("learning_rate")
    if isinstance(lr, dict):
        _check_origin(lr, "learning rate schedule", custom_objects)
    return cls.from_config(inner, custom_objects)


def _loss_from_config(value: Any, custom_objects: dict) -> Any:
    if isinstance(value, list):
        return [_loss_from_config(v, custom_objects) for v in value]
    if isinstance(value, dict) and "class_name" not in value:  # a loss per output name
        return {key: _loss_from_config(v, custom_objects) for key, v in value.items()}
    value = _function_name(value)
    if isinstance(value, str) or value is None:
        return value
    if not isinstance(value, dict):
        raise ConfigError(f"Expected a loss name or config dict. Received: {value!r:.200}")
    class_name = _check_origin(value, "loss", custom_objects)
    if class_name in custom_objects:
        cls = custom_objects[class_name]
    else:
        cls = losses.LOSSES.lookup(class_name)
    if not (isinstance(cls, type) and issubclass(cls, losses.Loss)):
        raise ConfigError(f"{class_name!r} is not a jitnet loss class.")
    inner = _drop_neutral(value.get("config") or {}, _NEUTRAL_LOSS, f"loss {class_name!r}")
    return cls.from_config(inner)


def _metric_from_config(value: Any, custom_objects: dict) -> Any:
    value = _function_name(value)
    if isinstance(value, str):
        return value
    if not isinstance(value, dict):
        raise ConfigError(f"Expected a metric name or config dict. Received: {value!r:.200}")
    class_name = _check_origin(value, "metric", custom_objects)
    inner = dict(value.get("config") or {})
    if class_name in custom_objects:
        return custom_objects[class_name].from_config(inner)
    cls = metrics.METRICS.lookup(class_name)
    if str(value.get("module", "")).startswith("keras.losses"):
        inner = _drop_neutral(inner, _NEUTRAL_LOSS, f"metric {class_name!r}")
    return cls.from_config(inner)


def _metric_list_from_config(value: Any, custom_objects: dict) -> Any:
    if value is None:
        return None
    if isinstance(value, dict) and "class_name" not in value:  # metrics per output name
        return {key: _metric_list_from_config(v, custom_objects) for key, v in value.items()}
    items = value if isinstance(value, list) else [value]
    return [_metric_list_from_config(m, custom_objects) if isinstance(m, (list, dict)) and "class_name" not in m
            else None if m is None else _metric_from_config(m, custom_objects) for m in items]


def compile_from_config(model: Any, config: dict, custom_objects: dict | None = None) -> None:
    """``model.compile`` with the arguments of a Keras 3 ``compile_config``."""
    custom_objects = custom_objects or {}
    if not isinstance(config, dict):
        raise ConfigError(f"Expected compile_config to be a dict. Received: {config!r:.200}")
    loss = _loss_from_config(config.get("loss"), custom_objects)
    if loss is None:
        warnings.warn("The saved compile_config has no loss (jitnet needs one): the model is loaded uncompiled.",
                      stacklevel=4)
        return
    kwargs = {}
    for key in ("loss_weights", "run_eagerly", "steps_per_execution", "jit_compile"):
        if config.get(key) is not None:
            kwargs[key] = config[key]
    model.compile(
        optimizer=_optimizer_from_config(config.get("optimizer", "rmsprop"), custom_objects),
        loss=loss,
        metrics=_metric_list_from_config(config.get("metrics"), custom_objects),
        weighted_metrics=_metric_list_from_config(config.get("weighted_metrics"), custom_objects),
        **kwargs,
    )


def model_from_config(config: Any, custom_objects: dict | None = None, compile: bool = True) -> Any:
    """A Sequential or functional model from a ``config.json`` dict (jitnet or Keras 3); compiled when the config
    says so."""
    from ..models import Functional, Sequential

    custom_objects = dict(custom_objects or {})
    if not isinstance(config, dict):
        raise ConfigError(f"Expected the model config to be a JSON object. Received: {type(config).__name__}")
    class_name = _check_origin(config, "model", custom_objects)
    if class_name in ("Functional", "Model"):
        inner = config.get("config")
        if not isinstance(inner, dict):
            raise ConfigError("A functional model config must be a dict.")
        try:
            model = Functional.from_config(inner, lambda c: layer_from_config(c, custom_objects))
        except ConfigError:
            raise
        except (TypeError, ValueError, NotImplementedError) as err:
            raise ConfigError(f"Cannot rebuild the functional model: {err}") from None
        return _compile_loaded(model, config, custom_objects, compile)
    if class_name != "Sequential":
        raise ConfigError(f"jitnet loads Sequential and functional models. The file holds a {class_name!r} model.")
    inner = config.get("config")
    if not isinstance(inner, dict) or not isinstance(inner.get("layers"), list):
        raise ConfigError("A Sequential config must be a dict with a 'layers' list.")
    name = inner.get("name")
    model = Sequential(name=name if isinstance(name, str) else None)
    if isinstance(inner.get("trainable"), bool):
        model.trainable = inner["trainable"]
    for layer_config in inner["layers"]:
        layer = layer_from_config(layer_config, custom_objects)
        if isinstance(layer, InputLayer) and model.layers:
            raise ConfigError("An InputLayer may only come first in a Sequential config.")
        model.add(layer)
    if not model.built:
        build = config.get("build_config") or {}
        shape = build.get("input_shape") if isinstance(build, dict) else None
        shape = shape or inner.get("build_input_shape")
        if isinstance(shape, list) and model.layers:
            model.build(shape)
    return _compile_loaded(model, config, custom_objects, compile)


def _compile_loaded(model: Any, config: dict, custom_objects: dict, compile: bool) -> Any:
    """``model``, compiled from the config's ``compile_config`` when ``compile`` and it has one."""
    compile_config = config.get("compile_config")
    if compile and compile_config:
        try:
            compile_from_config(model, compile_config, custom_objects)
        except ConfigError:
            raise
        except (TypeError, ValueError) as err:
            raise ConfigError(f"Cannot compile the model from its compile_config: {err}") from None
    return model
