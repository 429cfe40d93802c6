"""The thread policy: other processes' load decides, unless the user fixed the count."""

import numba
import numpy as np
import pytest

import jitnet as keras
from jitnet import _cpu, config
from tests.saving.every_layer import ARCHITECTURES, arch_data, data


@pytest.fixture
def samples(monkeypatch):
    """Feed ``free_cores`` chosen (wall, machine busy, own cpu) seconds."""
    queue = []
    monkeypatch.setattr(_cpu, "_sample", lambda: queue.pop(0))
    monkeypatch.setattr(_cpu, "_last", None)
    return queue


def test_free_cores_subtracts_this_process(samples):
    samples += [(0.0, 0.0, 0.0), (1.0, 2.0, 2.0), (2.0, 4.0, 3.0), (3.0, 5.6, 4.0), (3.1, 5.7, 4.1)]
    assert _cpu.free_cores(2) is None  # first call: nothing to compare with
    assert _cpu.free_cores(2) == 2  # both busy cores were ours
    assert _cpu.free_cores(2) == 1  # others kept a whole core busy
    assert _cpu.free_cores(2) == 2  # others at 60%: below the 70% needed to count a core
    assert _cpu.free_cores(2) is None  # too soon after the last call


def test_adaptive_threads_follow_the_load_unless_fixed(monkeypatch):
    monkeypatch.setattr(config, "_FIXED", False)
    monkeypatch.setattr(_cpu, "free_cores", lambda cores: 1)
    keras.config.get_num_threads()
    assert config.adapt_num_threads() == 1
    monkeypatch.setattr(_cpu, "free_cores", lambda cores: 2)
    assert config.adapt_num_threads() == min(2, config.os.cpu_count())
    keras.config.set_num_threads(1)
    assert config.adapt_num_threads() == 1
    monkeypatch.setattr(config, "_FIXED", False)
    config._apply(config.os.cpu_count())


def _train(build, x, y, threads, free=None):
    """Weights after two epochs at ``threads`` (None: the automatic policy, with ``free`` faking the load)."""
    if threads is None:
        config._FIXED = False
    else:
        keras.config.set_num_threads(threads)
    keras.utils.set_random_seed(3)
    model = build(keras)
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(x, y, epochs=2, batch_size=256, verbose=0)
    return [w.copy() for w in model.get_weights()]


def _wide(keras):
    L = keras.layers
    return keras.Sequential([keras.Input((784,)), L.Dense(512, activation="relu"), L.BatchNormalization(),
                             L.Dropout(0.3), L.Dense(3, activation="softmax")])


@pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2, reason="needs two threads")
@pytest.mark.parametrize("arch", ["wide", *ARCHITECTURES])
def test_same_weights_on_one_and_two_threads_and_while_the_load_changes(arch, monkeypatch):
    """Long inner dimensions (784 inputs, a convolution's kernel gradient over a whole batch, the recurrent
    kernels' over every step) are where OpenBLAS's result depends on its threads."""
    monkeypatch.setattr(config, "_FIXED", config._FIXED)  # restored afterwards, with the thread count
    threads = keras.config.get_num_threads()
    build, (x, y) = (_wide, data((784,), n=512)) if arch == "wide" else \
        (ARCHITECTURES[arch][0], arch_data(arch, n=512))
    one = _train(build, x, y, 1)
    two = _train(build, x, y, 2)
    load = iter([1, 2] * 1000)
    monkeypatch.setattr(_cpu, "free_cores", lambda cores, min_interval=0.2: next(load))
    auto = _train(build, x, y, None)
    config._apply(threads)
    for a, b, c in zip(one, two, auto):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)
