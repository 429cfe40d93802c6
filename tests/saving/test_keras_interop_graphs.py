"""A functional model of two inputs and two outputs between jitnet and Keras 3, both ways, through .keras files.

Runs when ``JITNET_KERAS_PYTHON`` names a Python with Keras 3 and torch (``tox -e interop``); the Keras side is
``keras_graph_script.py``.
"""

import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

import jitnet as keras
from tests.saving import every_layer

KERAS_PYTHON = os.environ.get("JITNET_KERAS_PYTHON")
pytestmark = pytest.mark.skipif(not KERAS_PYTHON, reason="JITNET_KERAS_PYTHON is not set (tox -e interop sets it)")
SCRIPT = Path(__file__).with_name("keras_graph_script.py")


@pytest.fixture(scope="module")
def exchange(tmp_path_factory):
    """jitnet trains and saves the model, then Keras loads it and writes its own; returns the folder."""
    folder = tmp_path_factory.mktemp("graphs")
    x, y = every_layer.two_in_two_out_data()
    keras.backend.clear_session()
    keras.utils.set_random_seed(0)
    model = every_layer.build_two_in_two_out(keras)
    every_layer.compile_two_in_two_out(keras, model)
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    model.save(folder / "jitnet.keras")
    np.savez(folder / "jitnet.pred.npz", *model.predict(x, verbose=0))
    (folder / "jitnet.eval.json").write_text(json.dumps(model.evaluate(x, y, verbose=0, return_dict=True)))
    result = subprocess.run([KERAS_PYTHON, str(SCRIPT), str(folder)], env={**os.environ, "KERAS_BACKEND": "torch", "COLUMNS": "200"},
                            capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, f"Keras script failed:\n{result.stdout}\n{result.stderr}"
    return folder


def arrays(path):
    with np.load(path) as f:
        return [f[f"arr_{i}"] for i in range(len(f.files))]


def test_keras_loads_the_jitnet_file_and_predicts_the_same(exchange):
    for got, want in zip(arrays(exchange / "jitnet.keras_pred.npz"), arrays(exchange / "jitnet.pred.npz")):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-5)
    theirs = json.loads((exchange / "jitnet.keras_eval.json").read_text())
    mine = json.loads((exchange / "jitnet.eval.json").read_text())
    assert sorted(theirs) == sorted(mine)
    np.testing.assert_allclose([theirs[k] for k in sorted(mine)], [mine[k] for k in sorted(mine)], rtol=1e-4)


def test_jitnet_loads_the_keras_file_and_predicts_the_same(exchange):
    model = keras.models.load_model(exchange / "keras.keras")
    assert model.output_names == ["o1", "o2"] and [t.name for t in model.inputs] == ["a", "b"]
    x, y = every_layer.two_in_two_out_data()
    for got, want in zip(model.predict(x, verbose=0), arrays(exchange / "keras.pred.npz")):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-5)
    history = model.fit(x, y, epochs=1, batch_size=16, verbose=0)  # its compile config came along
    assert sorted(history.history) == json.loads((exchange / "keras.history.json").read_text())


def test_summary_text_is_keras(exchange):
    keras.backend.clear_session()
    lines = []
    every_layer.build_two_in_two_out(keras).summary(line_length=100, print_fn=lines.append)
    assert "\n".join(lines) == (exchange / "summary.txt").read_text().rstrip("\n")
