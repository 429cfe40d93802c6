"""jitnet <-> Keras 3 through .keras files, checked with a real Keras in another interpreter.

Set ``JITNET_KERAS_PYTHON`` to a Python that has Keras 3, torch and h5py
(``tox -e interop`` does). The Keras side runs in a subprocess
(``keras_interop_script.py``, ``KERAS_BACKEND=torch``), so jitnet's own
environment needs no Keras.
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
L = keras.layers
ATOL = 1e-6


def every_layer_model():
    """``every_layer.build``, with jitnet."""
    return every_layer.build(keras)


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
KERAS_OPTIMIZERS = ("adam", "rmsprop", "nadam", "sgd")


def optimizer_datasets(path: Path) -> list[np.ndarray]:
    """``optimizer/vars/0, 1, ...`` of a .keras file."""
    with zipfile.ZipFile(path) as zf, h5py.File(io.BytesIO(zf.read("model.weights.h5")), "r") as h5:
        group = h5["optimizer/vars"]
        return [np.asarray(group[str(i)][()]) for i in range(len(group))]


@pytest.fixture(scope="module")
def exchange(tmp_path_factory):
    """Write jitnet files, run Keras on them and let Keras write its own; returns (folder, report)."""
    folder = tmp_path_factory.mktemp("interop")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(48, 2, 6)).astype("float32")
    y = rng.integers(0, 3, 48)
    np.save(folder / "x.npy", x)
    np.save(folder / "y.npy", y)
    for name, make in JITNET_OPTIMIZERS.items():
        model = every_layer_model()
        model.compile(optimizer=make(), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        if "untrained" not in name:
            model.fit(x, y, epochs=2, batch_size=16, verbose=0)
        model.save(folder / f"{name}.keras")
        np.save(folder / f"{name}.pred.npy", model.predict(x, verbose=0))
    (folder / "jitnet_files.json").write_text(json.dumps(sorted(JITNET_OPTIMIZERS)))
    env = {**os.environ, "KERAS_BACKEND": "torch"}
    result = subprocess.run([KERAS_PYTHON, str(SCRIPT), str(folder)], env=env, capture_output=True, text=True,
                            timeout=600, check=False)
    assert result.returncode == 0, f"Keras script failed:\n{result.stdout}\n{result.stderr}"
    return folder, json.loads((folder / "report.json").read_text())


def test_keras_version_and_backend(exchange):
    _, report = exchange
    assert report["keras_version"].startswith("3.") and report["backend"] == "torch"
    print(f"Keras {report['keras_version']} ({report['backend']}) via {KERAS_PYTHON}", file=sys.stderr)


@pytest.mark.parametrize("name", sorted(JITNET_OPTIMIZERS))
def test_keras_loads_jitnet_files(exchange, name):
    folder, report = exchange
    loaded = report["loaded"][name]
    assert loaded["warnings"] == []  # e.g. no "Skipping variable loading for optimizer"
    assert loaded["iterations"] == (0 if "untrained" in name else 6)
    np.testing.assert_allclose(np.load(folder / f"{name}.keras_pred.npy"), np.load(folder / f"{name}.pred.npy"),
                               rtol=0, atol=ATOL)
    written = optimizer_datasets(folder / f"{name}.keras")
    in_keras = np.load(folder / f"{name}.keras_opt.npz")
    assert len(in_keras.files) == len(written)
    for i, value in enumerate(written):  # Keras holds exactly the state jitnet wrote (in float32)
        np.testing.assert_array_equal(in_keras[f"arr_{i}"], value.astype(in_keras[f"arr_{i}"].dtype))


@pytest.mark.parametrize("name", KERAS_OPTIMIZERS)
def test_jitnet_loads_keras_files(exchange, name, tmp_path):
    folder, _ = exchange
    model = keras.models.load_model(folder / f"keras_{name}.keras")
    x = np.load(folder / "x.npy")
    np.testing.assert_allclose(model.predict(x, verbose=0), np.load(folder / f"keras_{name}.pred.npy"),
                               rtol=0, atol=ATOL)
    assert model.optimizer.iterations == 6
    # the optimizer state jitnet restored, written back in Keras's layout, equals Keras's variables
    model.save(tmp_path / "again.keras")
    again = optimizer_datasets(tmp_path / "again.keras")
    in_keras = np.load(folder / f"keras_{name}.opt.npz")
    assert len(again) == len(in_keras.files)
    for i, value in enumerate(again):
        np.testing.assert_array_equal(value.astype(in_keras[f"arr_{i}"].dtype), in_keras[f"arr_{i}"])
    model.fit(x, np.load(folder / "y.npy"), epochs=1, batch_size=16, verbose=0)  # training continues
    assert model.optimizer.iterations == 9


def test_jitnet_loads_a_compiled_but_untrained_keras_file(exchange):
    folder, _ = exchange
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = keras.models.load_model(folder / "keras_untrained_adagrad.keras")
    assert model.optimizer.iterations == 0 and model.optimizer.learning_rate == np.float32(0.02)
    model.predict(np.load(folder / "x.npy"), verbose=0)
    np.testing.assert_array_equal(model.optimizer.slots, np.float32(0.1))  # Adagrad's initial accumulator
