"""The thread policy: other processes' load decides, unless the user fixed the count."""

import pytest

import jitnet as keras
from jitnet import _cpu, config


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
