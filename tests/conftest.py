"""Shared fixtures: a fixed seed and float32 restored after every test.

Compile reports are off (outputs compared exactly would depend on what the
cache already holds); ``tests/program/test_compile_report.py`` turns them on.
"""

import numpy as np
import pytest

import jitnet
from jitnet import config
from jitnet.models import trainer


@pytest.fixture(autouse=True)
def _isolate(monkeypatch):
    monkeypatch.setattr(trainer, "REPORT_SECONDS", float("inf"))
    floatx = config.floatx()
    jitnet.utils.set_random_seed(1234)
    yield
    config.set_floatx(floatx)


@pytest.fixture
def float64():
    """Run the test in float64 (gradient checks)."""
    config.set_floatx("float64")
    yield


@pytest.fixture
def rng():
    return np.random.default_rng(0)
