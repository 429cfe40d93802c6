"""Save and load models as Keras 3 ``.keras`` files, weights as ``.weights.h5`` files (and Keras's legacy
``.h5`` model files through ``legacy_h5``).

A ``.keras`` file is a zip archive whose members are stored uncompressed,
as Keras 3 writes them::

    metadata.json     {"keras_version", "date_saved", "jitnet_version", "jitnet": {...}}
    config.json       the model's config and compile config (``serialization.py``)
    model.weights.h5  weights and optimizer state in Keras's HDF5 layout (``h5_store.py``)

Keras reads these files and jitnet reads the files Keras writes (same layer
set). ``metadata.json`` also records, under ``"jitnet"``, the seeds that
noise layers drew for themselves (``Dropout(seed=None)``), so a loaded model
draws the same masks and continues training exactly where it stopped; Keras
ignores that entry.

Safety: every file is written through ``atomic_write`` (temporary file in the
same folder, flush, fsync, rename), so a process killed mid-save leaves the
previous file whole. Loading executes nothing: there is no pickle, classes
come only from jitnet's registries (or ``custom_objects``), archive members
with absolute paths or ``..`` are refused, members are read into memory
(never extracted), and HDF5 links, external or virtual datasets are refused.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import warnings
import zipfile
import zlib
from typing import Any

import h5py
import numpy as np

from .._validate import is_integer
from ..utils.file_utils import atomic_write
from . import h5_store, legacy_h5
from .serialization import ConfigError, model_from_config, model_to_config

KERAS_VERSION = "3.15.1"  # the Keras release whose layout these files follow, checked by tests/saving/test_keras_interop.py
CONFIG_NAME = "config.json"
METADATA_NAME = "metadata.json"
WEIGHTS_NAME = "model.weights.h5"
LEGACY_SUFFIXES = (".h5", ".hdf5")  # Keras 2's single-file HDF5 models (``legacy_h5``)
_MAX_JSON_BYTES = 64 << 20
_BOMB_FLOOR_BYTES = 1 << 20
_MAX_EXPANSION = 100  # declared / stored bytes of a member; deflate cannot exceed ~1032


# ---------------------------------------------------------------------------
# Paths
# ---------------------------------------------------------------------------
def _path(filepath: Any, suffixes: tuple[str, ...], action: str) -> str:
    if not isinstance(filepath, (str, os.PathLike)):
        raise TypeError(f"Argument `filepath` must be a path (str or os.PathLike). Received: {filepath!r}")
    path = os.fspath(filepath)
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if not path.endswith(suffixes):
        raise ValueError(
            f"Invalid filepath for {action}: expected a name ending in {' or '.join(map(repr, suffixes))}. "
            f"Received: filepath={path!r}"
        )
    return path


def _is_legacy(path: str) -> bool:
    return path.endswith(LEGACY_SUFFIXES) and not path.endswith(".weights.h5")


def _check_target(path: str, overwrite: bool) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"Cannot save to {path!r}: the folder {folder!r} does not exist.")
    if os.path.isdir(path):
        raise IsADirectoryError(f"Cannot save to {path!r}: it is a folder.")
    if not overwrite and os.path.exists(path):
        raise FileExistsError(f"{path!r} already exists; pass overwrite=True to replace it.")


def _check_source(path: str) -> None:
    if not os.path.exists(path):
        raise FileNotFoundError(f"No such file: {path!r}")
    if not os.path.isfile(path):
        raise ValueError(f"{path!r} is not a file.")


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(f"Cannot save {obj!r} ({type(obj).__name__}) in a model config: it is not JSON-serializable.")


# ---------------------------------------------------------------------------
# The archive
# ---------------------------------------------------------------------------
def _check_members(zf: zipfile.ZipFile, where: str) -> None:
    names = zf.namelist()
    for name in names:
        parts = name.replace("\\", "/").split("/")
        if name.startswith(("/", "\\")) or ".." in parts or (len(name) > 1 and name[1] == ":") or "\0" in name:
            raise ValueError(
                f"{where}: refusing archive member {name!r}: absolute paths and '..' are not allowed in a .keras file."
            )
    if len(set(names)) != len(names):
        raise ValueError(f"{where}: the archive holds the same member name twice; refusing an ambiguous file.")


def _read_member(zf: zipfile.ZipFile, name: str, where: str, limit: int | None = None) -> bytes:
    info = zf.getinfo(name)
    if limit is not None and info.file_size > limit:
        raise ValueError(f"{where}: {name} declares {info.file_size} bytes, more than the {limit} allowed.")
    if info.file_size > _BOMB_FLOOR_BYTES and info.file_size > _MAX_EXPANSION * max(info.compress_size, 1):
        raise ValueError(
            f"{where}: {name} declares {info.file_size} bytes but stores {info.compress_size}; "
            "refusing a potential decompression bomb."
        )
    return zf.read(name)


def _parse_json(data: bytes, name: str, where: str) -> Any:
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
        raise ValueError(f"{where}: {name} is not valid JSON ({err}). The file is corrupt.") from None


def _read_archive(path: str) -> tuple[Any, Any, bytes]:
    """``(config, metadata, weights bytes)`` of a ``.keras`` file, with every member checked."""
    _check_source(path)
    try:
        with zipfile.ZipFile(path, "r") as zf:
            _check_members(zf, path)
            names = set(zf.namelist())
            if CONFIG_NAME not in names:
                raise ValueError(f"{path}: not a .keras file: the archive has no {CONFIG_NAME}.")
            if WEIGHTS_NAME not in names:
                hint = " (weights stored as .npz are not supported)" if "model.weights.npz" in names else ""
                raise ValueError(f"{path}: the archive has no {WEIGHTS_NAME}{hint}.")
            config = _parse_json(_read_member(zf, CONFIG_NAME, path, _MAX_JSON_BYTES), CONFIG_NAME, path)
            metadata = {}
            if METADATA_NAME in names:
                metadata = _parse_json(_read_member(zf, METADATA_NAME, path, _MAX_JSON_BYTES), METADATA_NAME, path)
            weights = _read_member(zf, WEIGHTS_NAME, path)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as err:
        raise ValueError(f"{path}: not a valid .keras file: corrupt or truncated zip archive ({err}).") from None
    return config, metadata, weights


# ---------------------------------------------------------------------------
# Weights, as HDF5 bytes
# ---------------------------------------------------------------------------
def _weights_bytes(model: Any) -> bytes:
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as h5:
        h5_store.write_model(h5, model)
    return buffer.getvalue()


def _open_h5(source: Any, where: str) -> h5py.File:
    try:
        return h5py.File(source, "r")
    except (OSError, ValueError) as err:
        raise ValueError(f"{where}: not a valid HDF5 weights file: corrupt or truncated ({err}).") from None


def _load_h5(model: Any, h5: h5py.File, where: str) -> None:
    """Check every weight (and the optimizer state) in ``h5``, then assign them."""
    try:
        pairs = h5_store.read_layer_values(h5, model, where)
        optimizer_state = h5_store.read_optimizer_state(h5, model, where)
    except (OSError, KeyError, RuntimeError) as err:  # h5py's errors on damaged data
        raise ValueError(f"{where}: the weights file is corrupt ({err}).") from None
    for var, value in pairs:
        var.assign(value)
    if optimizer_state is not None:
        h5_store.apply_optimizer_state(model, optimizer_state)


def _ensure_built(model: Any, where: str) -> None:
    if not model.built:
        if model.input_shape is None:
            raise ValueError(
                f"Cannot load weights from {where} into model {model.name!r}: it is not built. "
                "Add keras.Input(shape=...) or call model.build(input_shape) first."
            )
        model.build()


# ---------------------------------------------------------------------------
# jitnet's own metadata
# ---------------------------------------------------------------------------
def _noise_seeds(model: Any) -> list[int | None]:
    return [int(layer._seed) if hasattr(layer, "_seed") and getattr(layer, "seed", 0) is None else None
            for layer in model.layers]


def _apply_noise_seeds(model: Any, metadata: Any) -> None:
    seeds = metadata.get("jitnet", {}).get("noise_seeds") if isinstance(metadata, dict) and isinstance(
        metadata.get("jitnet"), dict) else None
    if not isinstance(seeds, list) or len(seeds) != len(model.layers):
        return
    for layer, seed in zip(model.layers, seeds):
        if is_integer(seed) and 0 <= seed < 2**63 and hasattr(layer, "_seed") \
                and getattr(layer, "seed", 0) is None:
            layer._seed = seed


# ---------------------------------------------------------------------------
# Public functions
# ---------------------------------------------------------------------------
def save_model(model: Any, filepath: str | os.PathLike, overwrite: bool = True) -> None:
    """Save ``model`` to a Keras 3 ``.keras`` file: architecture, weights, compile config, optimizer state.

    A name ending in ``.h5`` or ``.hdf5`` writes Keras's legacy HDF5 model
    file instead (architecture, weights and compile config; see ``legacy_h5``).

    The file is written atomically: it holds either the previous or the new
    model, whatever happens during the save. ``overwrite=False`` raises
    ``FileExistsError`` if the file exists. Defaults to ``overwrite=True``.
    """
    from ..models import Model

    if not isinstance(model, Model):
        raise TypeError(f"Expected a jitnet model. Received: {model!r}")
    path = _path(filepath, (".keras", *LEGACY_SUFFIXES), "save (use save_weights for '.weights.h5' files)")
    _check_target(path, overwrite)
    if not model.built:
        warnings.warn(f"Model {model.name!r} is not built yet: {path} will hold no weights.", stacklevel=2)
    if _is_legacy(path):
        data = legacy_h5.model_bytes(model, KERAS_VERSION, _json_default)
        with atomic_write(path) as f:
            f.write(data)
        return
    config_json = json.dumps(model_to_config(model), default=_json_default)
    from .. import __version__

    metadata_json = json.dumps({
        "keras_version": KERAS_VERSION,
        "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
        "jitnet_version": __version__,
        "jitnet": {"noise_seeds": _noise_seeds(model)},
    })
    weights = _weights_bytes(model)
    with atomic_write(path) as f, zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr(METADATA_NAME, metadata_json)
        zf.writestr(CONFIG_NAME, config_json)
        zf.writestr(WEIGHTS_NAME, weights)


def load_model(filepath: str | os.PathLike, custom_objects: dict | None = None, compile: bool = True,
               safe_mode: bool = True) -> Any:
    """Load a ``.keras`` file written by jitnet or Keras 3 (Sequential and functional models of jitnet's layers), or a
    legacy ``.h5`` model file written by Keras 3 or TF-Keras 2.x.

    Restores the architecture, the weights and, with ``compile=True``
    (default), the compile configuration and the optimizer state (slots,
    iterations, learning rate), so training continues where it stopped.
    ``custom_objects`` maps class names to jitnet classes (``Layer``,
    ``Loss``, ``Metric``, ``Optimizer`` subclasses). Loading never runs code
    from the file whatever ``safe_mode`` says; the argument exists for Keras
    compatibility. Unknown classes (e.g. ``Lambda``) raise ``ValueError``.
    """
    path = _path(filepath, (".keras", *LEGACY_SUFFIXES), "load_model")
    if path.endswith(".weights.h5"):
        raise ValueError(f"{path!r} holds weights only: build the model and call load_weights, or load a '.keras' "
                         "or legacy '.h5' model file.")
    if _is_legacy(path):
        _check_source(path)
        with _open_h5(path, path) as h5:
            try:
                return legacy_h5.load(h5, path, custom_objects, compile)
            except (OSError, KeyError, RuntimeError) as err:  # h5py's errors on damaged data
                raise ValueError(f"{path}: the file is corrupt ({err}).") from None
    config, metadata, weights = _read_archive(path)
    try:
        model = model_from_config(config, custom_objects, compile=compile)
    except ConfigError as err:
        raise ValueError(f"Cannot load {path}: {err}") from None
    _apply_noise_seeds(model, metadata)
    if model.built:
        with _open_h5(io.BytesIO(weights), f"{path} ({WEIGHTS_NAME})") as h5:
            _load_h5(model, h5, path)
    return model


def save_weights(model: Any, filepath: str | os.PathLike, overwrite: bool = True) -> None:
    """Save the weights (and optimizer state, when compiled) to a Keras 3 ``.weights.h5`` file, atomically.

    Defaults to ``overwrite=True``; ``overwrite=False`` raises ``FileExistsError`` if the file exists.
    """
    path = _path(filepath, (".weights.h5",), "save_weights (use save for '.keras' files)")
    _check_target(path, overwrite)
    if not model.built:
        raise ValueError(f"Model {model.name!r} is not built: it has no weights to save.")
    weights = _weights_bytes(model)
    with atomic_write(path) as f:
        f.write(weights)


def load_weights(model: Any, filepath: str | os.PathLike) -> None:
    """Load weights (and optimizer state, when the model is compiled) from ``.weights.h5`` or ``.keras``.

    Every array is checked (count, shape, dtype) before any weight changes.
    """
    path = _path(filepath, (".weights.h5", ".keras", *LEGACY_SUFFIXES), "load_weights")
    _ensure_built(model, path)
    if _is_legacy(path):
        _check_source(path)
        with _open_h5(path, path) as h5:
            legacy_h5.assign(legacy_h5.read_weights(h5, model, path))
        return
    if path.endswith(".keras"):
        _, _, weights = _read_archive(path)
        with _open_h5(io.BytesIO(weights), f"{path} ({WEIGHTS_NAME})") as h5:
            _load_h5(model, h5, path)
        return
    _check_source(path)
    with _open_h5(path, path) as h5:
        _load_h5(model, h5, path)
