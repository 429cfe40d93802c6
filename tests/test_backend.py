"""keras.config.backend(), the keras.backend module and the class_weight warning."""

import warnings

import numpy as np
import pytest

import jitnet as keras
from jitnet import backend as K


def test_backend_names_and_settings():
    assert keras.config.backend() == K.backend() == "jitnet"
    assert K.floatx() == "float32" and K.epsilon() == 1e-7
    K.set_floatx("float64")
    try:
        assert keras.config.floatx() == "float64"
        assert keras.layers.Dense(2).build_for((3,)) == (2,)
    finally:
        K.set_floatx("float32")


def test_clear_session_starts_the_layer_names_over():
    keras.layers.Dense(2)
    before = keras.layers.Dense(2).name
    K.clear_session()
    after = keras.layers.Dense(2).name
    assert before.startswith("dense_") and after == "dense"


def _model():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    return model


def test_class_weight_naming_a_missing_class_warns():
    x, y = np.zeros((4, 3)), np.array([0, 1, 0, 1])
    with pytest.warns(UserWarning, match=r"class_weight.*2 classes.*\[5, 7\]") as caught:
        _model().fit(x, y, class_weight={0: 1.0, 1: 2.0, 5: 3.0, 7: 1.0}, verbose=0)
    assert caught[0].filename == __file__  # points at the caller's line
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _model().fit(x, y, class_weight={0: 1.0, 1: 2.0}, verbose=0)


def test_argument_checks_go_through_one_validator():
    """No hand-written "a number, not a bool" check outside jitnet/_validate.py: one message form for all."""
    import re
    from pathlib import Path

    root = Path(keras.__file__).parent
    pattern = re.compile(r"isinstance\([^()]*,\s*bool\)")
    found = [f"{path.relative_to(root)}:{i}" for path in root.rglob("*.py") if path.name != "_validate.py"
             for i, line in enumerate(path.read_text().splitlines(), 1) if pattern.search(line)]
    assert found == []


@pytest.mark.parametrize("module", ["optimizers", "losses", "metrics", "activations", "initializers", "regularizers",
                                    "constraints", "callbacks"])
def test_every_get_refuses_what_it_cannot_interpret_with_a_value_error(module):
    get = getattr(keras, module).get
    for identifier in (42, object()):
        with pytest.raises(ValueError, match="Could not interpret"):
            get(identifier)
    with pytest.raises(ValueError, match="Unknown"):
        get("no_such_name")
