"""jitnet <-> Keras 3 through .keras files, checked with a real Keras in another interpreter.

Set ``JITNET_KERAS_PYTHON`` to a Python that has Keras 3, torch and h5py
(``tox -e interop`` does). The Keras side runs in a subprocess
(``keras_interop_script.py``, ``KERAS_BACKEND=torch``), so jitnet's own
environment needs no Keras. Every architecture of
``every_layer.ARCHITECTURES`` goes both ways: the dense one with several
optimizers, the convolutional ones with Adam. Run with ``-rP`` to see the
largest prediction differences.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import h5py
import numpy as np
import pytest

import jitnet as keras

KERAS_PYTHON = os.environ.get("JITNET_KERAS_PYTHON")
pytestmark = pytest.mark.skipif(
    not KERAS_PYTHON,
    reason="JITNET_KERAS_PYTHON is not set: point it to a Python with Keras 3 + torch (tox -e interop does)",
)
from tests.saving import every_layer

SCRIPT = Path(__file__).with_name("keras_interop_script.py")
ARCHITECTURES = sorted(every_layer.ARCHITECTURES)
# float32 predictions of both libraries agree to this (the dense model's to 1e-6)
ATOL = {**dict.fromkeys(ARCHITECTURES, 1e-5), "dense": 1e-6}
ITERATIONS = 6  # 2 epochs of 48 samples in batches of 16
STEPS = 5  # Adam steps of the recurrent layers in both libraries

JITNET_OPTIMIZERS = {
    "jitnet_adam": lambda: keras.optimizers.Adam(0.01),
    "jitnet_amsgrad_schedule": lambda: keras.optimizers.Adam(
        keras.optimizers.schedules.ExponentialDecay(0.01, 3, 0.5), amsgrad=True),
    "jitnet_rmsprop": lambda: keras.optimizers.RMSprop(0.01, momentum=0.5, centered=True),
    "jitnet_nadam": lambda: keras.optimizers.Nadam(0.01),
    "jitnet_sgd": lambda: keras.optimizers.SGD(0.05, momentum=0.9, nesterov=True),
    "jitnet_adadelta": lambda: keras.optimizers.Adadelta(1.0),
    "jitnet_untrained_adagrad": lambda: keras.optimizers.Adagrad(0.01),  # compiled, never fitted
}
KERAS_OPTIMIZERS = ("adam", "rmsprop", "nadam", "sgd")  # keras_interop_script.OPTIMIZERS


def _files(optimizers: list[str]) -> dict[str, tuple[str, str]]:
    """``'<arch>-<optimizer>' -> (arch, optimizer)``: every optimizer for the dense model, the first for the others."""
    return {f"{arch}-{opt}": (arch, opt) for arch in ARCHITECTURES
            for opt in (optimizers if arch == "dense" else optimizers[:1])}


JITNET_FILES = _files(list(JITNET_OPTIMIZERS))
KERAS_FILES = _files([f"keras_{opt}" for opt in KERAS_OPTIMIZERS])
KERAS_UNTRAINED = "dense-keras_untrained_adagrad"


def build(arch: str):
    """``every_layer.ARCHITECTURES[arch]``, with jitnet."""
    return every_layer.ARCHITECTURES[arch][0](keras)


def data(folder: Path, arch: str) -> tuple[np.ndarray, np.ndarray]:
    return np.load(folder / f"{arch}.x.npy"), np.load(folder / f"{arch}.y.npy")


def assert_close(got, expected, atol, what):
    """``assert_allclose`` with ``atol`` only, printing the largest difference (seen with ``-rP``)."""
    got, expected = np.asarray(got), np.asarray(expected)
    assert got.shape == expected.shape, what
    print(f"{what}: max |jitnet - Keras| = {np.max(np.abs(got - expected)):.3g}", file=sys.stderr)
    np.testing.assert_allclose(got, expected, rtol=0, atol=atol, err_msg=what)


def layer_configs(model) -> list:
    """``[class name, get_config() without the name]`` of each layer, through JSON (tuples become lists).

    Two ways of writing the same thing are made one: a built Keras LayerNormalization writes ``axis=[-1]``
    where jitnet keeps the ``-1`` it was given, and jitnet's ``Flatten()`` keeps ``data_format=None`` where
    Keras writes its meaning, ``'channels_last'`` (test_configs.py::test_flatten_data_format_as_keras).
    """
    configs = json.loads(json.dumps([[type(layer).__name__, every_layer.unnamed(layer.get_config())]
                                     for layer in model.layers]))
    for class_name, config in configs:
        if class_name == "LayerNormalization" and isinstance(config["axis"], int):
            config["axis"] = [config["axis"]]
        if class_name == "Flatten" and config["data_format"] is None:
            config["data_format"] = "channels_last"
    return configs


def optimizer_datasets(path: Path) -> list[np.ndarray]:
    """``optimizer/vars/0, 1, ...`` of a .keras file."""
    with zipfile.ZipFile(path) as zf, h5py.File(io.BytesIO(zf.read("model.weights.h5")), "r") as h5:
        group = h5["optimizer/vars"]
        return [np.asarray(group[str(i)][()]) for i in range(len(group))]


@pytest.fixture(scope="module")
def exchange(tmp_path_factory):
    """Write jitnet files, run Keras on them and let Keras write its own; returns (folder, report)."""
    folder = tmp_path_factory.mktemp("interop")
    for arch in ARCHITECTURES:
        x, y = every_layer.arch_data(arch)
        np.save(folder / f"{arch}.x.npy", x)
        np.save(folder / f"{arch}.y.npy", y)
    keras.utils.set_random_seed(0)
    for name, (arch, opt) in JITNET_FILES.items():
        x, y = data(folder, arch)
        model = build(arch)
        model.compile(optimizer=JITNET_OPTIMIZERS[opt](), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        if "untrained" not in name:
            model.fit(x, y, epochs=2, batch_size=16, verbose=0)
        model.save(folder / f"{name}.keras")
        np.save(folder / f"{name}.pred.npy", model.predict(x, verbose=0))
        if not (folder / f"{arch}.legacy.h5").exists():
            model.save(folder / f"{arch}.legacy.h5")
            np.save(folder / f"{arch}.legacy.pred.npy", model.predict(x, verbose=0))
    x, y = every_layer.data((8,), n=STEPS * 16, seed=3, ids=True)
    np.save(folder / "steps.x.npy", x)
    np.save(folder / "steps.y.npy", y)
    np.savez(folder / "steps.start.npz", *every_layer.build_recurrent_steps(keras).get_weights())
    keras_files = {name: [arch, opt.removeprefix("keras_")] for name, (arch, opt) in KERAS_FILES.items()}
    plan = {"architectures": ARCHITECTURES, "jitnet_files": {name: arch for name, (arch, _) in JITNET_FILES.items()},
            "keras_files": {**keras_files, KERAS_UNTRAINED: ["dense", "untrained_adagrad"]}}
    (folder / "plan.json").write_text(json.dumps(plan))
    env = {**os.environ, "KERAS_BACKEND": "torch"}
    result = subprocess.run([KERAS_PYTHON, str(SCRIPT), str(folder)], env=env, capture_output=True, text=True,
                            timeout=900, check=False)
    assert result.returncode == 0, f"Keras script failed:\n{result.stdout}\n{result.stderr}"
    return folder, json.loads((folder / "report.json").read_text())


def test_keras_version_and_backend(exchange):
    _, report = exchange
    assert report["keras_version"].startswith("3.") and report["backend"] == "torch"
    print(f"Keras {report['keras_version']} ({report['backend']}) via {KERAS_PYTHON}", file=sys.stderr)


@pytest.mark.parametrize("name", sorted(JITNET_FILES))
def test_keras_loads_jitnet_files(exchange, name):
    folder, report = exchange
    arch = JITNET_FILES[name][0]
    loaded = report["loaded"][name]
    assert loaded["warnings"] == []  # e.g. no "Skipping variable loading for optimizer"
    assert loaded["iterations"] == (0 if "untrained" in name else ITERATIONS)
    assert_close(np.load(folder / f"{name}.pred.npy"), np.load(folder / f"{name}.keras_pred.npy"), ATOL[arch],
                 f"{name} predictions, jitnet-trained, loaded in Keras")
    written = optimizer_datasets(folder / f"{name}.keras")
    in_keras = np.load(folder / f"{name}.keras_opt.npz")
    assert len(in_keras.files) == len(written)
    for i, value in enumerate(written):  # Keras holds exactly the state jitnet wrote (in float32)
        np.testing.assert_array_equal(in_keras[f"arr_{i}"], value.astype(in_keras[f"arr_{i}"].dtype))


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_keras_reads_the_layer_configs_jitnet_writes(exchange, arch):
    """Every option jitnet writes means to Keras what it means to jitnet: Keras's reading equals its own build."""
    folder, _ = exchange
    read = json.loads((folder / f"{arch}-jitnet_adam.keras_layers.json").read_text())
    own = json.loads((folder / f"{arch}.keras_layers.json").read_text())
    assert [c for c, _ in read] == [c for c, _ in own]
    for (class_name, got), (_, expected) in zip(read, own):
        assert got == expected, class_name


@pytest.mark.parametrize("name", sorted(KERAS_FILES))
def test_jitnet_loads_keras_files(exchange, name, tmp_path):
    folder, _ = exchange
    arch = KERAS_FILES[name][0]
    x, y = data(folder, arch)
    model = keras.models.load_model(folder / f"{name}.keras")
    assert_close(model.predict(x, verbose=0), np.load(folder / f"{name}.pred.npy"), ATOL[arch],
                 f"{name} predictions, Keras-trained, loaded in jitnet")
    assert model.optimizer.iterations == ITERATIONS
    # the optimizer state jitnet restored, written back in Keras's layout, equals Keras's variables
    model.save(tmp_path / "again.keras")
    again = optimizer_datasets(tmp_path / "again.keras")
    in_keras = np.load(folder / f"{name}.opt.npz")
    assert len(again) == len(in_keras.files)
    for i, value in enumerate(again):
        np.testing.assert_array_equal(value.astype(in_keras[f"arr_{i}"].dtype), in_keras[f"arr_{i}"])
    before = model.get_weights()
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)  # training continues
    assert model.optimizer.iterations == ITERATIONS + 3
    after = model.get_weights()
    assert all(np.all(np.isfinite(w)) for w in after)
    assert any(not np.array_equal(a, b) for a, b in zip(before, after))


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_legacy_h5_model_files_load_both_ways(exchange, arch):
    folder, report = exchange
    x, _ = data(folder, arch)
    assert_close(np.load(folder / f"{arch}.legacy.keras_pred.npy"), np.load(folder / f"{arch}.legacy.pred.npy"),
                 ATOL[arch], f"{arch} jitnet .h5 predictions in Keras")
    assert report["legacy_optimizers"][arch] == "Adam"  # the compile settings came along
    model = keras.models.load_model(folder / f"{arch}.keras_legacy.h5")
    assert_close(model.predict(x, verbose=0), np.load(folder / f"{arch}.keras_legacy.pred.npy"), ATOL[arch],
                 f"{arch} Keras .h5 predictions in jitnet")
    assert isinstance(model.optimizer, keras.optimizers.Adam) and model.loss is not None


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_jitnet_reads_the_layer_configs_keras_writes(exchange, arch):
    """jitnet's reading of a Keras file equals jitnet's own build of the same architecture."""
    folder, _ = exchange
    loaded = keras.models.load_model(folder / f"{arch}-keras_adam.keras", compile=False)
    assert layer_configs(loaded) == layer_configs(build(arch))


@pytest.mark.parametrize("kind", ["fresh", "random"])
@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_keras_weights_give_keras_predictions(exchange, arch, kind):
    """``set_weights(keras_model.get_weights())``: the same layouts (kernels (kh, kw, in, out)), order and Flatten."""
    folder, _ = exchange
    weights = np.load(folder / f"{arch}.{kind}.weights.npz")
    weights = [weights[f"arr_{i}"] for i in range(len(weights.files))]
    model = build(arch)
    assert [w.shape for w in model.get_weights()] == [w.shape for w in weights]
    model.set_weights(weights)
    assert_close(model.predict(data(folder, arch)[0], verbose=0), np.load(folder / f"{arch}.{kind}.pred.npy"),
                 ATOL[arch], f"{arch} predictions, {kind} Keras weights in jitnet")


def test_jitnet_loads_a_compiled_but_untrained_keras_file(exchange):
    folder, _ = exchange
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = keras.models.load_model(folder / f"{KERAS_UNTRAINED}.keras")
    assert model.optimizer.iterations == 0 and model.optimizer.learning_rate == np.float32(0.02)
    model.predict(data(folder, "dense")[0], verbose=0)
    np.testing.assert_array_equal(model.optimizer.slots, np.float32(0.1))  # Adagrad's initial accumulator


def test_recurrent_layers_train_to_the_same_weights_as_keras(exchange):
    """Embedding (masking), LSTM, GRU, Bidirectional SimpleRNN: 5 Adam steps from the same weights on the same batches."""
    folder, _ = exchange
    start, after = np.load(folder / "steps.start.npz"), np.load(folder / "steps.keras_after.npz")
    model = every_layer.build_recurrent_steps(keras)
    model.set_weights([start[f"arr_{i}"] for i in range(len(start.files))])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy")
    model.fit(np.load(folder / "steps.x.npy"), np.load(folder / "steps.y.npy"), epochs=1, batch_size=16,
              shuffle=False, verbose=0)
    assert model.optimizer.iterations == STEPS
    for i, (got, w) in enumerate(zip(model.get_weights(), (after[f"arr_{i}"] for i in range(len(after.files))),
                                     strict=True)):
        assert_close(got, w, 1e-5, f"weight {i} after {STEPS} Adam steps")
