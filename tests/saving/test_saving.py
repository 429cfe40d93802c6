"""save / load_model / save_weights / load_weights: round trips, Keras layout, crashes and hostile files."""

from __future__ import annotations

import base64
import io
import json
import marshal
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
import zipfile

import h5py
import numpy as np
import pytest

import jitnet as keras
from jitnet.saving import h5_store

L = keras.layers


def data(n=48, dim=6, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, dim)).astype("float32"), rng.integers(0, classes, n)


def every_layer_model():
    """One model with every layer type jitnet saves."""
    return keras.Sequential([
        keras.Input(shape=(6,)),
        L.Dense(8, activation="relu", kernel_regularizer="l2", kernel_constraint="max_norm"),
        L.BatchNormalization(),
        L.Dropout(0.2),
        L.Reshape((2, 4)),
        L.LayerNormalization(),
        L.Flatten(),
        L.PReLU(),
        L.Dense(6),
        L.LeakyReLU(0.1),
        L.GaussianNoise(0.05),
        L.ELU(),
        L.GaussianDropout(0.1),
        L.ReLU(max_value=6.0),
        L.AlphaDropout(0.1),
        L.Activation("tanh"),
        L.Dense(3),
        L.Softmax(),
    ])


def small_model(units=5):
    return keras.Sequential([keras.Input(shape=(6,)), L.Dense(units, activation="relu"), L.BatchNormalization(),
                             L.Dropout(0.25), L.Dense(3, activation="softmax")])


def assert_same_weights(a, b):
    wa, wb = a.get_weights(), b.get_weights()
    assert len(wa) == len(wb)
    for x, y in zip(wa, wb):
        np.testing.assert_array_equal(x, y)


# ---------------------------------------------------------------------------
# Round trips
# ---------------------------------------------------------------------------
def test_save_load_gives_bit_identical_predictions_and_config(tmp_path):
    x, y = data()
    model = every_layer_model()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_array_equal(model.predict(x, verbose=0), loaded.predict(x, verbose=0))
    assert_same_weights(model, loaded)
    assert loaded.get_config() == model.get_config()
    assert loaded.get_compile_config() == model.get_compile_config()
    assert loaded.optimizer.iterations == model.optimizer.iterations == 3


OPTIMIZERS = {
    "adam": lambda: keras.optimizers.Adam(0.01),
    "adam_amsgrad_schedule": lambda: keras.optimizers.AdamW(
        keras.optimizers.schedules.ExponentialDecay(0.01, 2, 0.5), amsgrad=True),
    "sgd_nesterov": lambda: keras.optimizers.SGD(0.05, momentum=0.9, nesterov=True, clipnorm=1.0),
    "rmsprop_centered": lambda: keras.optimizers.RMSprop(0.01, momentum=0.5, centered=True),
    "nadam": lambda: keras.optimizers.Nadam(0.01),
    "adamax": lambda: keras.optimizers.Adamax(0.01),
    "adagrad": lambda: keras.optimizers.Adagrad(0.05),
    "adadelta": lambda: keras.optimizers.Adadelta(1.0),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_training_continues_exactly_after_load(tmp_path, name):
    x, y = data()
    model = small_model()
    model.compile(optimizer=OPTIMIZERS[name](), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    for m in (model, loaded):
        keras.utils.set_random_seed(7)  # same shuffling for both
        m.fit(x, y, epochs=1, batch_size=16, verbose=0)
    assert loaded.optimizer.iterations == model.optimizer.iterations == 6
    assert_same_weights(model, loaded)
    np.testing.assert_array_equal(model.optimizer.slots, loaded.optimizer.slots)


def test_save_weights_and_load_weights(tmp_path):
    x, y = data()
    model = small_model()
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy")
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    model.save_weights(tmp_path / "w.weights.h5")
    other = small_model()
    other.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy")
    other.load_weights(tmp_path / "w.weights.h5")
    assert_same_weights(model, other)
    assert other.optimizer.iterations == 3
    np.testing.assert_array_equal(model.predict(x, verbose=0), other.predict(x, verbose=0))
    # a .keras file works for load_weights too; an uncompiled model takes only the layer weights
    model.save(tmp_path / "m.keras")
    plain = small_model()
    plain.load_weights(tmp_path / "m.keras")
    assert_same_weights(model, plain)


def test_keras_weights_layout(tmp_path):
    model = keras.Sequential([keras.Input((3,)), L.Dense(4), L.Dropout(0.1), L.Dense(2), L.BatchNormalization(),
                              L.PReLU()])
    model.compile(optimizer="adam", loss="mse")
    model.fit(np.ones((4, 3), "float32"), np.ones((4, 2), "float32"), verbose=0)
    model.save_weights(tmp_path / "w.weights.h5")
    with h5py.File(tmp_path / "w.weights.h5") as h5:
        assert sorted(h5["layers"]) == ["batch_normalization", "dense", "dense_1", "dropout", "p_re_lu"]
        assert h5["layers/dense/vars"].attrs["name"] == model.layers[0].name
        assert [h5[f"layers/dense/vars/{i}"].shape for i in range(2)] == [(3, 4), (4,)]
        assert [h5[f"layers/batch_normalization/vars/{i}"].shape for i in range(4)] == [(2,)] * 4
        assert len(h5["layers/dropout/vars"]) == 0
        opt = h5["optimizer/vars"]
        assert len(opt) == 2 + 2 * 7  # iterations, learning rate, (momentum, velocity) x 7 variables
        assert int(opt["0"][()]) == 1 and float(opt["1"][()]) == 0.001
        # Keras interleaves the slots per variable: m(kernel), v(kernel), m(bias), v(bias), ...
        slots = model.optimizer.slots
        np.testing.assert_array_equal(opt["2"][()].ravel(), slots[0, :12])
        np.testing.assert_array_equal(opt["3"][()].ravel(), slots[1, :12])
        np.testing.assert_array_equal(opt["4"][()], slots[0, 12:16])
    with zipfile.ZipFile(_saved(model, tmp_path)) as zf:
        assert zf.namelist() == ["metadata.json", "config.json", "model.weights.h5"]
        config = json.loads(zf.read("config.json"))
        assert set(config) == {"module", "class_name", "config", "registered_name", "build_config", "compile_config"}
        assert config["build_config"] == {"input_shape": [None, 3]}
        assert json.loads(zf.read("metadata.json"))["keras_version"].startswith("3.")


def _saved(model, folder, name="m.keras"):
    path = folder / name
    model.save(path)
    return path


def test_uncompiled_and_compile_false(tmp_path):
    model = small_model()
    path = _saved(model, tmp_path)
    loaded = keras.models.load_model(path)
    assert not loaded.compiled
    assert_same_weights(model, loaded)
    model.compile("adam", "mse")
    path = _saved(model, tmp_path)
    assert not keras.models.load_model(path, compile=False).compiled


def test_model_checkpoint_writes_loadable_files(tmp_path):
    x, y = data()
    model = small_model()
    model.compile("adam", "sparse_categorical_crossentropy")
    callbacks = [keras.callbacks.ModelCheckpoint(str(tmp_path / "e{epoch}.keras")),
                 keras.callbacks.ModelCheckpoint(str(tmp_path / "e{epoch}.weights.h5"), save_weights_only=True)]
    model.fit(x, y, epochs=2, batch_size=16, verbose=0, callbacks=callbacks)
    assert keras.models.load_model(tmp_path / "e2.keras").optimizer.iterations == 6
    other = small_model()
    other.load_weights(tmp_path / "e2.weights.h5")
    assert_same_weights(model, other)


# ---------------------------------------------------------------------------
# Paths and extensions
# ---------------------------------------------------------------------------
def test_extensions_and_paths_are_checked(tmp_path):
    model = small_model()
    with pytest.raises(ValueError, match=r"'\.keras' or '\.h5' or '\.hdf5'"):
        model.save(tmp_path / "m.txt")
    with pytest.raises(ValueError, match=r"\.weights\.h5"):
        model.save_weights(tmp_path / "m.h5")
    with pytest.raises(ValueError, match=r"\.weights\.h5"):
        model.save_weights(tmp_path / "m.keras")
    with pytest.raises(ValueError, match=r"\.keras"):
        keras.models.load_model(tmp_path / "m.weights.h5")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        model.save(tmp_path / "missing" / "m.keras")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        model.save_weights(tmp_path / "missing" / "m.weights.h5")
    with pytest.raises(FileNotFoundError, match="m2.keras"):
        keras.models.load_model(tmp_path / "m2.keras")
    path = _saved(model, tmp_path)
    with pytest.raises(FileExistsError):
        model.save(path, overwrite=False)
    assert os.listdir(tmp_path) == ["m.keras"]  # no temporary files left behind


# ---------------------------------------------------------------------------
# A process killed while saving
# ---------------------------------------------------------------------------
_SAVER = textwrap.dedent("""
    import sys
    import numpy as np
    import jitnet as keras

    model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(256), keras.layers.Dense(64)])
    model.compile("adam", "mse")
    shapes = [w.shape for w in model.get_weights()]
    k = 0
    while True:
        k += 1
        model.set_weights([np.full(s, k, "float32") for s in shapes])
        model.save(sys.argv[1])
        if k == 1:
            print("ready", flush=True)
""")


def test_killed_while_saving_leaves_a_loadable_file(tmp_path):
    path = tmp_path / "m.keras"
    script = tmp_path / "saver.py"
    script.write_text(_SAVER)
    rng = random.Random(0)
    seen = []
    for _ in range(4):
        proc = subprocess.Popen([sys.executable, str(script), str(path)], stdout=subprocess.PIPE, text=True)
        try:
            assert proc.stdout.readline().strip() == "ready"
            time.sleep(rng.uniform(0.0, 0.05))
        finally:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            proc.stdout.close()
        weights = keras.models.load_model(path).get_weights()  # never corrupt: the previous or the new file
        k = weights[0].flat[0]
        assert k >= 1 and all(np.all(w == k) for w in weights)
        seen.append(k)
    assert os.path.exists(path)


# ---------------------------------------------------------------------------
# Hostile and damaged files
# ---------------------------------------------------------------------------
def _zip(path, members):
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _members(path):
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def test_member_with_parent_path_is_refused(tmp_path):
    good = _members(_saved(small_model(), tmp_path))
    folder = tmp_path / "inner"
    folder.mkdir()
    evil = _zip(folder / "evil.keras", {**good, "../evil": b"boom"})
    with pytest.raises(ValueError, match=r"\.\./evil"):
        keras.models.load_model(evil)
    absolute = _zip(folder / "abs.keras", {**good, "/tmp/evil": b"boom"})
    with pytest.raises(ValueError, match="absolute"):
        keras.models.load_model(absolute)
    assert not (tmp_path / "evil").exists()


def _lambda_config(marker):
    code = compile(f"open({str(marker)!r}, 'w').write('pwned')", "<lambda>", "exec")
    return {"module": "keras.layers", "class_name": "Lambda", "registered_name": None,
            "config": {"name": "lambda", "function": {"class_name": "__lambda__", "config": {
                "code": base64.b64encode(marshal.dumps(code)).decode(), "defaults": None, "closure": None}}}}


def test_unknown_classes_are_refused_and_nothing_runs(tmp_path):
    good = _members(_saved(small_model(), tmp_path))
    marker = tmp_path / "pwned"
    config = json.loads(good["config.json"])
    config["config"]["layers"].insert(2, _lambda_config(marker))
    path = _zip(tmp_path / "lambda.keras", {**good, "config.json": json.dumps(config)})
    with pytest.raises(ValueError, match="Lambda") as err:
        keras.models.load_model(path, safe_mode=False)
    assert "lambda.keras" in str(err.value)
    assert not marker.exists()
    # a known class name from a foreign module is refused too
    config = json.loads(good["config.json"])
    config["config"]["layers"][1]["module"] = "os"
    path = _zip(tmp_path / "module.keras", {**good, "config.json": json.dumps(config)})
    with pytest.raises(ValueError, match="module 'os'"):
        keras.models.load_model(path)
    # Keras options jitnet does not implement are refused by name
    config = json.loads(good["config.json"])
    config["config"]["layers"][2]["config"]["renorm"] = True
    path = _zip(tmp_path / "renorm.keras", {**good, "config.json": json.dumps(config)})
    with pytest.raises(ValueError, match="renorm=True"):
        keras.models.load_model(path)


def test_truncated_and_corrupt_files_give_clear_errors(tmp_path):
    good_path = _saved(small_model(), tmp_path)
    raw = good_path.read_bytes()
    truncated = tmp_path / "truncated.keras"
    truncated.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ValueError, match="truncated.keras.*(corrupt|truncated)"):
        keras.models.load_model(truncated)
    good = _members(good_path)
    bad_h5 = _zip(tmp_path / "badh5.keras", {**good, "model.weights.h5": b"not hdf5" * 10})
    with pytest.raises(ValueError, match="badh5.keras.*HDF5"):
        keras.models.load_model(bad_h5)
    bad_json = _zip(tmp_path / "badjson.keras", {**good, "config.json": b"{\"module\": "})
    with pytest.raises(ValueError, match="badjson.keras.*config.json"):
        keras.models.load_model(bad_json)
    weights = tmp_path / "w.weights.h5"
    weights.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 40)
    with pytest.raises(ValueError, match="w.weights.h5"):
        small_model().load_weights(weights)


def test_wrong_shapes_are_refused_and_leave_the_model_untouched(tmp_path):
    source = small_model(units=5)
    source.save_weights(tmp_path / "five.weights.h5")
    target = small_model(units=7)
    before = target.get_weights()
    with pytest.raises(ValueError, match=r"five.weights.h5.*expects shape \(6, 7\).*\(6, 5\)"):
        target.load_weights(tmp_path / "five.weights.h5")
    for a, b in zip(before, target.get_weights()):
        np.testing.assert_array_equal(a, b)
    # the same inside a .keras file: config of one model, weights of another
    good = _members(_saved(target, tmp_path, "seven.keras"))
    five = _members(_saved(source, tmp_path, "five.keras"))
    mixed = _zip(tmp_path / "mixed.keras", {**good, "model.weights.h5": five["model.weights.h5"]})
    with pytest.raises(ValueError, match="mixed.keras.*shape"):
        keras.models.load_model(mixed)
    # a different architecture altogether
    with pytest.raises(ValueError, match="layers the model lacks: \\['batch_normalization'\\]"):
        keras.Sequential([keras.Input((6,)), L.Dense(5), L.Dense(3)]).load_weights(tmp_path / "five.weights.h5")
    with pytest.raises(ValueError, match="no weights for layer"):
        keras.Sequential([keras.Input((6,)), L.Dense(5), L.Dense(3), L.Dense(2)]).load_weights(
            tmp_path / "five.weights.h5")


def test_links_to_other_files_are_refused(tmp_path):
    model = keras.Sequential([keras.Input((2,)), L.Dense(2)])
    path = tmp_path / "w.weights.h5"
    model.save_weights(path)
    with h5py.File(tmp_path / "other.h5", "w") as other:
        other["kernel"] = np.zeros((2, 2), "float32")
    with h5py.File(path, "a") as h5:
        del h5["layers/dense/vars/0"]
        h5["layers/dense/vars/0"] = h5py.ExternalLink(str(tmp_path / "other.h5"), "kernel")
    with pytest.raises(ValueError, match="ExternalLink"):
        model.load_weights(path)


def test_weights_file_written_atomically_from_memory(tmp_path):
    """save_weights builds the HDF5 file in memory and writes it in one atomic step."""
    model = small_model()
    path = tmp_path / "w.weights.h5"
    model.save_weights(path)
    first = path.read_bytes()
    with h5py.File(io.BytesIO(first), "r") as h5:
        assert "layers" in h5 and "vars" in h5
    assert h5_store.layer_group_names(model.layers) == ["dense", "batch_normalization", "dropout", "dense_1"]


def _edit_weights(path, edit):
    """Rewrite the model.weights.h5 member of a .keras file with ``edit(h5)``."""
    members = _members(path)
    buffer = io.BytesIO(members["model.weights.h5"])
    with h5py.File(buffer, "a") as h5:
        edit(h5)
    _zip(path, {**members, "model.weights.h5": buffer.getvalue()})


def test_optimizer_state_without_slots_or_with_another_count(tmp_path):
    model = small_model()
    model.compile(keras.optimizers.Adagrad(0.02), "sparse_categorical_crossentropy")
    path = _saved(model, tmp_path)

    def keep_two(h5):  # as Keras writes a compiled model that never trained: iterations and learning rate
        group = h5["optimizer/vars"]
        for key in list(group):
            if int(key) >= 2:
                del group[key]
        group["0"][()] = 5

    _edit_weights(path, keep_two)
    loaded = keras.models.load_model(path)
    assert loaded.optimizer.iterations == 5
    np.testing.assert_array_equal(loaded.optimizer.slots, np.float32(0.1))  # Adagrad's initial accumulator

    _edit_weights(path, lambda h5: h5["optimizer/vars"].create_dataset("2", data=np.zeros(3)))
    with pytest.warns(UserWarning, match="skipping the optimizer state"):
        keras.models.load_model(path)


def test_unbuilt_model_round_trip(tmp_path):
    model = keras.Sequential([L.Dense(4), L.Dense(2)])
    with pytest.warns(UserWarning, match="not built"):
        model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert not loaded.built and [type(layer) for layer in loaded.layers] == [L.Dense, L.Dense]
    with pytest.raises(ValueError, match="not built"):
        loaded.load_weights(tmp_path / "m.keras")
