"""The program cache: keys, damaged entries and concurrent writers."""

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import jitnet as keras
from jitnet import program
from jitnet.program import cache

SMALL = "from jitnet.kernels._jit import entry_kernel\n\n\n@entry_kernel\ndef plus_one(x):\n    return x + 1\n"


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
    assert relu.program()[0].__jitnet_folder__ != tanh.program()[0].__jitnet_folder__
    # Sizes and depth are not part of the structure: a wider or deeper model shares the program.
    wide = _model("relu", units=9).trainer(None)
    assert wide.program()[0] is relu.program()[0]
    deep = keras.Sequential([keras.Input(shape=(3,)), *[keras.layers.Dense(4, activation="relu") for _ in range(3)],
                             keras.layers.Dense(1)])
    deep.compile(optimizer="sgd", loss="mse")
    assert deep.trainer(None).program()[0] is relu.program()[0]


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
    folder = Path(module.plus_one._cache._cache_path)  # beside the program, or under NUMBA_CACHE_DIR
    compiled = list(folder.glob("program.plus_one*.nb*"))
    assert compiled, "Numba cached the compiled function"
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
