"""Keras 3's HDF5 weights layout (``model.weights.h5`` in a ``.keras`` zip, or ``*.weights.h5``).

::

    vars/                                   attrs name=<model name>, no datasets
    layers/<class>[_<k>]/vars/0, 1, ...     one group per layer, attrs name=<layer name>
    optimizer/vars/0, 1, ...                attrs name=<optimizer name>

Layer groups are named after the layer's *class* in snake case, numbered in
model order (``dense``, ``dense_1``, ``batch_normalization``...), as Keras's
``saving_lib`` names the items of ``model.layers``; the InputLayer has none.
A layer's datasets are its weights in ``layer.weights`` order (trainable,
then non-trainable: Dense ``kernel, bias``; BatchNormalization ``gamma,
beta, moving_mean, moving_variance``).

Optimizer datasets are ``optimizer.variables`` of Keras: ``iterations``,
``learning_rate`` (absent when it is a schedule), then the slots, then
scalars such as Nadam's ``u_product``. Keras creates slots one
``add_optimizer_variables(trainable_variables, names)`` call at a time and,
within a call, per variable and then per name: Adam writes ``m(kernel),
v(kernel), m(bias), v(bias), ...`` and, with AMSGrad, the ``velocity_hat``
of every variable after them. ``SLOT_CALLS`` records which slot names
Keras creates in one call.

Reading checks everything (links, dataset kinds, counts, shapes, dtypes)
before any weight changes, so a bad file leaves the model untouched.
"""

from __future__ import annotations

import warnings
from typing import Any

import h5py
import numpy as np

from .._registry import to_snake_case
from ..layers.base import Layer, Variable
from ..optimizers import schedules

SLOT_CALLS = (("momentum", "velocity"), ("momentum", "norm"), ("accumulated_grad", "accumulated_delta_var"))
LEGACY_LAYERS_GROUP = "_layer_checkpoint_dependencies"  # tf.keras 2.13-2.15 .keras files


class WeightsFileError(ValueError):
    """A weights file that does not fit the model, or is not a plain Keras weights file."""


# ---------------------------------------------------------------------------
# Layout
# ---------------------------------------------------------------------------
def layer_group_names(layers: list[Layer]) -> list[str]:
    """Keras's group name of each layer: snake-case class name, ``_1``, ``_2``... for repeats."""
    used: dict[str, int] = {}
    names = []
    for layer in layers:
        base = to_snake_case(type(layer).__name__)
        if base in used:
            used[base] += 1
            names.append(f"{base}_{used[base]}")
        else:
            used[base] = 0
            names.append(base)
    return names


def trainable_variables(layers: list[Layer]) -> list[Variable]:
    """The optimizer's variables, in the order of the model's trainable-parameter arena (and of Keras)."""
    return [v for layer in layers for v in layer.arena_weights if v.trainable and not v.state]


def slot_groups(names: tuple[str, ...]) -> list[tuple[str, ...]]:
    """Slot names grouped as Keras creates them: ``('momentum', 'velocity', 'velocity_hat')`` -> two calls."""
    groups, i = [], 0
    while i < len(names):
        pair = tuple(names[i:i + 2])
        if pair in SLOT_CALLS:
            groups.append(pair)
            i += 2
        else:
            groups.append((names[i],))
            i += 1
    return groups


def _has_lr_variable(optimizer: Any) -> bool:
    return not isinstance(optimizer.learning_rate_schedule, schedules.LearningRateSchedule)


def optimizer_spec(optimizer: Any, variables: list[Variable]) -> list[tuple[str, str, tuple[int, ...], Any]]:
    """``(kind, name, shape, variable)`` per Keras optimizer variable; kind is iterations, lr, slot or scalar."""
    spec: list[tuple[str, str, tuple[int, ...], Any]] = [("iterations", "iterations", (), None)]
    if _has_lr_variable(optimizer):
        spec.append(("lr", "learning_rate", (), None))
    for group in slot_groups(optimizer.slot_names()):
        for var in variables:
            spec += [("slot", name, var.shape, var) for name in group]
    spec += [("scalar", name, (), None) for name in optimizer.scalar_names]
    return spec


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------
def _vars_group(h5: h5py.File, path: str, name: str) -> h5py.Group:
    group = h5.require_group(path).create_group("vars") if path else h5.create_group("vars")
    group.attrs["name"] = name
    return group


def _optimizer_values(optimizer: Any, variables: list[Variable], dtype: np.dtype) -> list[np.ndarray]:
    names = optimizer.slot_names()
    n = sum(v.size for v in variables)
    built = optimizer.built and optimizer.slots is not None and optimizer.slots.shape[1] == n
    offsets = {}
    start = 0
    for var in variables:  # arena order: trainable variables are packed from offset 0
        offsets[id(var)] = start
        start += var.size
    values = []
    for kind, name, shape, var in optimizer_spec(optimizer, variables):
        if kind == "iterations":
            values.append(np.array(optimizer.iterations, np.int64))
        elif kind == "lr":
            values.append(np.array(optimizer.learning_rate, np.float64))
        elif kind == "slot":
            lo = offsets[id(var)]
            if built:
                row = optimizer.slots[names.index(name)]
                values.append(np.array(row[lo:lo + var.size], dtype).reshape(shape))
            else:
                values.append(np.full(shape, optimizer.slot_initial(name), dtype))
        else:
            i = optimizer.scalar_names.index(name)
            initial = optimizer.scalar_initial[i] if optimizer.scalar_initial else 0.0
            values.append(np.array(optimizer.scalars[i] if built else initial, np.float64))
    return values


def write_model(h5: h5py.File, model: Any) -> None:
    """Write the model's weights, and its optimizer state when compiled, in Keras 3's layout."""
    _vars_group(h5, "", model.name)
    for group_name, layer in zip(layer_group_names(model.layers), model.layers):
        for sub, name, weights in layer.weight_groups():
            group = _vars_group(h5, f"layers/{group_name}/{sub}".rstrip("/"), name)
            for i, var in enumerate(weights):
                group.create_dataset(str(i), data=np.asarray(var.value))
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and model.built:
        dtype = np.dtype(model.weights[0].dtype) if model.weights else np.dtype(np.float32)
        group = _vars_group(h5, "optimizer", optimizer.name)
        for i, value in enumerate(_optimizer_values(optimizer, trainable_variables(model.layers), dtype)):
            group.create_dataset(str(i), data=value)


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------
def _child(group: h5py.Group, name: str, kind: type, where: str) -> Any:
    """``group[name]`` if it is a plain (hard-linked, local) group or dataset of ``kind``; None if absent."""
    link = group.get(name, getlink=True)
    if link is None:
        return None
    if not isinstance(link, h5py.HardLink):
        raise WeightsFileError(f"{where}: '{group.name}/{name}' is a {type(link).__name__}; not allowed in a weights file.")
    obj = group[name]
    if not isinstance(obj, kind):
        raise WeightsFileError(f"{where}: expected '{obj.name}' to be a {kind.__name__}. Found a {type(obj).__name__}.")
    if isinstance(obj, h5py.Dataset) and (obj.external or obj.is_virtual):
        raise WeightsFileError(f"{where}: '{obj.name}' stores its data outside the file; not allowed.")
    return obj


def _vars_of(h5: h5py.File, path: str, where: str) -> h5py.Group | None:
    group: Any = h5
    for part in path.split("/"):
        group = _child(group, part, h5py.Group, where)
        if group is None:
            return None
    return _child(group, "vars", h5py.Group, where)


def _read_datasets(vars_group: h5py.Group | None, expected: list[tuple[str, tuple[int, ...]]], what: str,
                   where: str) -> list[np.ndarray]:
    """The datasets ``0..n-1`` of ``vars_group``, checked against ``expected`` (label, shape) before reading."""
    keys = sorted(vars_group.keys()) if vars_group is not None else []
    wanted = [str(i) for i in range(len(expected))]
    if sorted(keys) != sorted(wanted):
        raise WeightsFileError(
            f"{where}: {what} expects {len(expected)} weight arrays ({', '.join(label for label, _ in expected) or 'none'}). "
            f"The file has {len(keys)}."
        )
    values = []
    for key, (label, shape) in zip(wanted, expected):
        ds = _child(vars_group, key, h5py.Dataset, where)
        if tuple(ds.shape) != tuple(shape):
            raise WeightsFileError(
                f"{where}: {what} weight {label!r} expects shape {tuple(shape)}. The file has shape {tuple(ds.shape)}."
            )
        if ds.dtype.kind not in "biuf":
            raise WeightsFileError(f"{where}: {what} weight {label!r} must hold numbers. The file has dtype {ds.dtype}.")
        values.append(np.asarray(ds[()]))
    return values


def _layers_root(h5: h5py.File, where: str) -> str:
    if _child(h5, "layers", h5py.Group, where) is None and _child(h5, LEGACY_LAYERS_GROUP, h5py.Group, where):
        return LEGACY_LAYERS_GROUP
    return "layers"


def _holds_datasets(group: Any) -> bool:
    """True when ``group`` or a group below it holds a dataset."""
    found = []
    group.visititems(lambda _, obj: found.append(True) if isinstance(obj, h5py.Dataset) else None)
    return bool(found)


def read_layer_values(h5: h5py.File, model: Any, where: str) -> list[tuple[Variable, np.ndarray]]:
    """Every layer weight of ``model`` from the file, checked; nothing is assigned."""
    root = _layers_root(h5, where)
    names = layer_group_names(model.layers)
    pairs = []
    for group_name, layer in zip(names, model.layers):
        for sub, _, weights in layer.weight_groups():
            path = f"{root}/{group_name}/{sub}".rstrip("/")
            expected = [(v.name, v.shape) for v in weights]
            vars_group = _vars_of(h5, path, where)
            if vars_group is None and expected:
                raise WeightsFileError(
                    f"{where}: no weights for layer {layer.name!r} ({type(layer).__name__}); expected a group "
                    f"'{path}/vars'. The file may belong to a different model."
                )
            values = _read_datasets(vars_group, expected, f"layer {layer.name!r}", where)
            pairs += list(zip(weights, values))
    layers_group = _child(h5, root, h5py.Group, where)
    extra = sorted(set(layers_group.keys()) - set(names)) if layers_group is not None else []
    extra = [name for name in extra if _holds_datasets(layers_group[name])]
    if extra:
        raise WeightsFileError(f"{where}: the file has weights for layers the model lacks: {extra}.")
    return pairs


def read_optimizer_state(h5: h5py.File, model: Any, where: str) -> dict[str, Any] | None:
    """The optimizer state of the file as ``{'state': get_state()-style dict, 'learning_rate': float|None}``.

    None when the model has no optimizer or the file holds none. A different
    number of variables warns (as Keras does) and returns None; a wrong shape
    raises ``WeightsFileError``.
    """
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None:
        return None
    vars_group = _vars_of(h5, "optimizer", where)
    if vars_group is None:
        return None
    variables = trainable_variables(model.layers)
    spec = optimizer_spec(optimizer, variables)
    head = [entry for entry in spec if entry[0] in ("iterations", "lr")]
    if len(vars_group) == len(head) < len(spec):
        spec = head  # an optimizer that never stepped: Keras has no slots to write yet
    if len(vars_group) != len(spec):
        warnings.warn(
            f"{where}: skipping the optimizer state: optimizer {optimizer.name!r} has {len(spec)} variables, "
            f"the file has {len(vars_group)}.",
            stacklevel=4,
        )
        return None
    labels = [(f"{var.path}/{name}" if var is not None else name, shape) for _, name, shape, var in spec]
    values = _read_datasets(vars_group, labels, f"optimizer {optimizer.name!r}", where)
    names = optimizer.slot_names()
    n = sum(v.size for v in variables)
    state: dict[str, Any] = {name: np.full(n, optimizer.slot_initial(name), np.float64) for name in names}
    initial = optimizer.scalar_initial or (0.0,) * len(optimizer.scalar_names)
    state.update({name: np.array(value) for name, value in zip(optimizer.scalar_names, initial)})
    offsets, start = {}, 0
    for var in variables:
        offsets[id(var)] = start
        start += var.size
    lr = None
    for (kind, name, _, var), value in zip(spec, values):
        if kind == "iterations":
            state["iterations"] = np.array(int(value), np.int64)
        elif kind == "lr":
            lr = float(value)
        elif kind == "slot":
            lo = offsets[id(var)]
            state[name][lo:lo + var.size] = value.reshape(-1)
        else:
            state[name] = np.array(float(value))
    if int(state["iterations"]) < 0:
        raise WeightsFileError(f"{where}: the optimizer's iteration count is negative.")
    return {"state": state, "learning_rate": lr}


def apply_optimizer_state(model: Any, loaded: dict[str, Any]) -> None:
    """Restore slots, scalars, iterations and learning rate read by ``read_optimizer_state``."""
    optimizer = model.optimizer
    trainer = model.trainer(None)  # builds the optimizer for the model's trainable-parameter arena
    assert trainer.optimizer is optimizer
    optimizer.set_state(dict(loaded["state"]))
    lr = loaded["learning_rate"]
    if lr is not None and optimizer.learning_rate_schedule is None:
        optimizer.learning_rate = lr
