"""The program cache: keys, damaged entries and concurrent writers."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest

import jitnet as keras
from jitnet import program
from jitnet.program import cache

SMALL = "from jitnet.kernels._jit import kernel\n\n\n@kernel\ndef plus_one(x):\n    return x + 1\n"


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("JITNET_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(cache, "_LOADED", {})
    return tmp_path


def _model(activation, units=4):
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(units, activation=activation),
                              keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model


def test_programs_live_in_the_user_cache_folder(cache_dir):
    module = cache.load(SMALL)
    assert module.__jitnet_folder__.parent == cache_dir / "programs"
    assert module.plus_one(1) == 2


def test_structures_that_differ_only_in_activation_get_different_programs(cache_dir):
    relu, tanh = _model("relu").trainer(None), _model("tanh").trainer(None)
    assert relu.program(False).__jitnet_folder__ != tanh.program(False).__jitnet_folder__
    # Sizes are not part of the structure: a wider model shares the program.
    wide = _model("relu", units=9).trainer(None)
    assert wide.program(False) is relu.program(False)
    assert len(list((cache_dir / "programs").iterdir())) == 2


def test_a_kernel_change_gives_a_new_key(monkeypatch):
    before = cache.key_of(SMALL)
    monkeypatch.setattr(cache, "fingerprint", lambda: "another kernel floor")
    assert cache.key_of(SMALL) != before


def test_a_damaged_source_file_is_rebuilt(cache_dir):
    path = cache.load(SMALL).__jitnet_folder__ / "program.py"
    path.write_text("this is not python (")
    cache._LOADED.clear()
    assert cache.load(SMALL).plus_one(2) == 3
    assert path.read_text() == SMALL


def test_damaged_compiled_files_are_rebuilt(cache_dir):
    module = cache.load(SMALL)
    fn, _ = program.compile_entry(module, "plus_one", (1,))
    assert fn(1) == 2
    compiled = list((module.__jitnet_folder__ / "__pycache__").glob("*.nb*"))
    assert compiled, "Numba wrote its cache beside the program"
    for f in compiled:
        f.write_bytes(b"\x80garbage")
    cache._LOADED.clear()
    fn, _ = program.compile_entry(cache.load(SMALL), "plus_one", (5,))
    assert fn(5) == 6


def test_two_processes_filling_the_cache_at_once_both_succeed(cache_dir):
    script = textwrap.dedent("""
        import numpy as np, jitnet as keras
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(2, activation="softsign"),
                                  keras.layers.Dense(1)])
        model.compile(optimizer="adagrad", loss="log_cosh")
        x = np.linspace(-1, 1, 30).reshape(10, 3)
        model.fit(x, x[:, :1], epochs=2, verbose=0)
        print(float(model.predict(x, verbose=0).sum()))
    """)
    env = {**__import__("os").environ, "JITNET_CACHE_DIR": str(cache_dir)}
    procs = [subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env=env, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=600) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err
    assert outs[0][0] == outs[1][0]
    assert np.isfinite(float(outs[0][0]))
