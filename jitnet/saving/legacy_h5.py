"""Legacy HDF5 model files (``model.save("my_model.h5")``), as Keras 3 and TF-Keras 2.x write them.

One HDF5 file::

    attrs: keras_version, backend, model_config (JSON), training_config (JSON, when compiled)
    model_weights/                 attrs layer_names, keras_version, backend
        <layer>/                   attrs weight_names: the paths of its arrays, in the layer's order
            <path of each weight>  e.g. sequential/dense/kernel (Keras 3), dense/kernel:0 (TF-Keras 2)
        top_level_model_weights/   attrs weight_names: none

Weights are matched by order, as Keras does: the layers that have weights,
in the model's order, against the file's layers that list weight names.
TF-Keras 2.x configs are read too (``batch_input_shape``, ``Custom>Adam``,
``MeanMetricWrapper`` metrics, their neutral recurrent options). Loading
runs no code: the model comes from jitnet's registries, links and data
stored outside the file are refused. The optimizer's state is neither
written nor read: a loaded model's optimizer starts afresh.
"""

from __future__ import annotations

import io
import json
from typing import Any

import h5py
import numpy as np

from .h5_store import WeightsFileError, _child
from .serialization import ConfigError, compile_from_config, model_from_config, model_to_config

# TF-Keras 2.x config keys that hold their only value in jitnet (and Keras 3)
_TF_KERAS_NEUTRAL = {"time_major": False, "unroll": False, "implementation": None, "ragged": False, "sparse": False,
                     "zero_output_for_mask": None}
_OPTIMIZER_KEYS_DROPPED = ("jit_compile", "is_legacy_optimizer", "decay")


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------
def _weight_paths(layer: Any) -> list[str]:
    """The path of each weight of ``layer``, as Keras 3 names them (``lstm/lstm_cell/kernel``)."""
    groups = layer.weight_groups()
    names = {sub: name for sub, name, _ in groups}
    paths = []
    for sub, _, variables in groups:
        parts = sub.split("/") if sub else []
        chain = [names["/".join(parts[:i + 1])] for i in range(len(parts))]
        paths += ["/".join([layer.name, *chain, var.name]) for var in variables]
    return paths


def _training_config(model: Any) -> dict | None:
    config = model_to_config(model).get("compile_config")
    if not config:
        return None
    optimizer = config.get("optimizer")
    optimizer_config = {"class_name": optimizer["class_name"], "config": optimizer["config"]} \
        if isinstance(optimizer, dict) else optimizer
    return {"loss": config.get("loss"), "loss_weights": None, "metrics": config.get("metrics"),
            "weighted_metrics": config.get("weighted_metrics"), "optimizer_config": optimizer_config}


def model_bytes(model: Any, keras_version: str, default: Any) -> bytes:
    """The legacy HDF5 file of ``model``, as bytes."""
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as h5:
        h5.attrs["keras_version"] = keras_version
        h5.attrs["backend"] = "jitnet"
        h5.attrs["model_config"] = json.dumps(model_to_config(model), default=default)
        training = _training_config(model)
        if training is not None:
            h5.attrs["training_config"] = json.dumps(training, default=default)
        weights = h5.create_group("model_weights")
        weights.attrs["layer_names"] = [layer.name.encode() for layer in model.layers]
        weights.attrs["keras_version"] = keras_version
        weights.attrs["backend"] = "jitnet"
        for layer in model.layers:
            group = weights.create_group(layer.name)
            pairs = [(f"{model.name}/{path}", value) for path, value in zip(_weight_paths(layer), layer.get_weights())]
            group.attrs["weight_names"] = [path.encode() for path, _ in pairs]
            for path, value in pairs:
                group.create_dataset(path, data=value)
        weights.create_group("top_level_model_weights").attrs["weight_names"] = []
    return buffer.getvalue()


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------
def _text(value: Any) -> str:
    return value.decode("utf8") if isinstance(value, bytes) else str(value)


def _names(group: h5py.Group, attribute: str) -> list[str]:
    """A list-of-names attribute, which Keras may split into ``name0``, ``name1``, ... when it is long."""
    if attribute in group.attrs:
        return [_text(v) for v in group.attrs[attribute]]
    names, chunk = [], 0
    while f"{attribute}{chunk}" in group.attrs:
        names += [_text(v) for v in group.attrs[f"{attribute}{chunk}"]]
        chunk += 1
    return names


def _from_tf_keras(config: Any) -> Any:
    """TF-Keras 2.x layer configs in Keras 3's terms (recursively); Keras 3 configs pass unchanged."""
    if isinstance(config, list):
        return [_from_tf_keras(c) for c in config]
    if not isinstance(config, dict):
        return config
    out = {k: _from_tf_keras(v) for k, v in config.items()}
    inner = out.get("config")
    if isinstance(inner, dict) and "class_name" in out:
        inner = dict(inner)
        if out["class_name"] == "InputLayer" and "batch_input_shape" in inner:
            inner["batch_shape"] = inner.pop("batch_input_shape")
        for key, value in _TF_KERAS_NEUTRAL.items():
            if key in inner and (value is None or inner[key] == value):
                del inner[key]
        out["config"] = inner
    return out


def _metric(config: Any) -> Any:
    """A TF-Keras 2.x metric entry as jitnet takes it: ``MeanMetricWrapper`` by its name."""
    if isinstance(config, list):
        return [_metric(c) for c in config]
    if isinstance(config, dict) and config.get("class_name") == "MeanMetricWrapper":
        return (config.get("config") or {}).get("name")
    return config


def _compile_config(training: dict) -> dict:
    """A legacy ``training_config`` as a Keras 3 ``compile_config``."""
    optimizer = training.get("optimizer_config")
    if isinstance(optimizer, dict):
        inner = {k: v for k, v in (optimizer.get("config") or {}).items() if k not in _OPTIMIZER_KEYS_DROPPED}
        if "lr" in inner:
            inner["learning_rate"] = inner.pop("lr")
        optimizer = {"class_name": str(optimizer.get("class_name", "")).removeprefix("Custom>"), "config": inner}
    metrics = _metric(training.get("metrics"))
    if isinstance(metrics, list) and len(metrics) == 1 and isinstance(metrics[0], list):
        metrics = metrics[0]  # TF-Keras 2.x nests one list per output
    return {"optimizer": optimizer, "loss": training.get("loss"), "metrics": metrics,
            "weighted_metrics": _metric(training.get("weighted_metrics")) or None,
            "loss_weights": training.get("loss_weights")}


def _json_attribute(h5: h5py.File, name: str, where: str) -> Any:
    if name not in h5.attrs:
        return None
    try:
        return json.loads(_text(h5.attrs[name]))
    except (ValueError, TypeError) as err:
        raise ValueError(f"{where}: the {name!r} attribute is not valid JSON ({err}).") from None


def _dataset(group: h5py.Group, path: str, where: str) -> np.ndarray:
    node: Any = group
    parts = path.split("/")
    for i, part in enumerate(parts):
        node = _child(node, part, h5py.Dataset if i == len(parts) - 1 else h5py.Group, where)
        if node is None:
            raise WeightsFileError(f"{where}: weight {path!r} is listed in '{group.name}' but missing.")
    if node.dtype.kind not in "biuf":
        raise WeightsFileError(f"{where}: weight {path!r} must hold numbers. The file has dtype {node.dtype}.")
    return np.asarray(node[()])


def read_weights(h5: h5py.File, model: Any, where: str) -> list[tuple[Any, list[np.ndarray]]]:
    """``(layer, values)`` for every layer of ``model`` that has weights, checked; nothing is assigned."""
    root = _child(h5, "model_weights", h5py.Group, where) or h5
    saved = []
    for name in _names(root, "layer_names"):
        group = _child(root, name, h5py.Group, where)
        if group is None:
            raise WeightsFileError(f"{where}: layer {name!r} is listed but has no group.")
        paths = _names(group, "weight_names")
        if paths:
            saved.append((name, [_dataset(group, p, where) for p in paths]))
    layers = [layer for layer in model.layers if layer.weights]
    if len(saved) != len(layers):
        raise WeightsFileError(f"{where}: the model has {len(layers)} layers with weights; the file has "
                               f"{len(saved)}.")
    pairs = []
    for layer, (name, values) in zip(layers, saved):
        shapes = [tuple(w.shape) for w in layer.get_weights()]
        if [tuple(v.shape) for v in values] != shapes:
            raise WeightsFileError(f"{where}: layer {layer.name!r} expects weights of shapes {shapes}; the file's "
                                   f"layer {name!r} has {[tuple(v.shape) for v in values]}.")
        pairs.append((layer, values))
    return pairs


def load(h5: h5py.File, where: str, custom_objects: dict | None, compile: bool) -> Any:
    """The model of a legacy HDF5 file: architecture, weights and (``compile``) its compile settings."""
    config = _json_attribute(h5, "model_config", where)
    if config is None:
        raise ValueError(f"{where}: no model config in this HDF5 file (a weights-only file? use load_weights).")
    try:
        model = model_from_config(_from_tf_keras(config), custom_objects, compile=False)
        training = _json_attribute(h5, "training_config", where)
        if compile and isinstance(training, dict):
            compile_from_config(model, _compile_config(training), custom_objects)
    except ConfigError as err:
        raise ValueError(f"Cannot load {where}: {err}") from None
    if model.built:
        assign(read_weights(h5, model, where))
    return model


def assign(pairs: list[tuple[Any, list[np.ndarray]]]) -> None:
    """Set the weights ``read_weights`` checked."""
    for layer, values in pairs:
        layer.set_weights(values)
