"""Learning-rate schedules against the Keras 3 formulas, scalar and vectorized."""

import json
import math

import numpy as np
import pytest

from jitnet.optimizers import schedules

STEPS = [0, 1, 7, 10, 15, 100, 101, 250, 1000]


def expected(schedule, step):
    """The Keras 3 formula of each schedule, in plain math."""
    c = schedule.get_config()
    if isinstance(schedule, schedules.ExponentialDecay):
        p = step / c["decay_steps"]
        return c["initial_learning_rate"] * c["decay_rate"] ** (math.floor(p) if c["staircase"] else p)
    if isinstance(schedule, schedules.InverseTimeDecay):
        p = step / c["decay_steps"]
        return c["initial_learning_rate"] / (1 + c["decay_rate"] * (math.floor(p) if c["staircase"] else p))
    if isinstance(schedule, schedules.PiecewiseConstantDecay):
        for boundary, value in zip(c["boundaries"], c["values"]):
            if step <= boundary:
                return value
        return c["values"][-1]
    if isinstance(schedule, schedules.PolynomialDecay):
        decay_steps = c["decay_steps"]
        if c["cycle"]:
            decay_steps *= 1 if step == 0 else math.ceil(step / decay_steps)
        else:
            step = min(step, decay_steps)
        span = c["initial_learning_rate"] - c["end_learning_rate"]
        return span * (1 - step / decay_steps) ** c["power"] + c["end_learning_rate"]
    if isinstance(schedule, schedules.CosineDecay):
        lr0, warm = c["initial_learning_rate"], c["warmup_steps"]
        if c["warmup_target"] is not None:
            step = min(step, c["decay_steps"] + warm)
            if step < warm:
                return lr0 + (c["warmup_target"] - lr0) * step / warm
            step, lr0 = step - warm, c["warmup_target"]
        step = min(step, c["decay_steps"])
        cosine = 0.5 * (1 + math.cos(math.pi * step / c["decay_steps"]))
        return lr0 * ((1 - c["alpha"]) * cosine + c["alpha"])
    raise AssertionError(schedule)


SCHEDULES = [
    schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.96),
    schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5, staircase=True),
    schedules.InverseTimeDecay(0.1, decay_steps=1.0, decay_rate=0.5),
    schedules.InverseTimeDecay(0.2, decay_steps=10, decay_rate=2.0, staircase=True),
    schedules.PiecewiseConstantDecay([10, 100], [1.0, 0.5, 0.1]),
    schedules.PolynomialDecay(0.1, decay_steps=100, end_learning_rate=0.01, power=0.5),
    schedules.PolynomialDecay(0.1, decay_steps=100, cycle=True),
    schedules.CosineDecay(0.1, decay_steps=100),
    schedules.CosineDecay(0.1, decay_steps=100, alpha=0.2),
    schedules.CosineDecay(0.0, decay_steps=100, warmup_target=0.1, warmup_steps=10),
]
IDS = [f"{type(s).__name__}-{i}" for i, s in enumerate(SCHEDULES)]


@pytest.mark.parametrize("schedule", SCHEDULES, ids=IDS)
def test_scalar_matches_formula(schedule):
    for step in STEPS:
        got = schedule(step)
        assert isinstance(got, float)
        assert got == pytest.approx(expected(schedule, step), rel=1e-13, abs=1e-16), step


@pytest.mark.parametrize("schedule", SCHEDULES, ids=IDS)
def test_vectorized_equals_scalar(schedule):
    got = schedule(np.array(STEPS))
    assert got.dtype == np.float64 and got.shape == (len(STEPS),)
    np.testing.assert_array_equal(got, [schedule(s) for s in STEPS])


def test_keras_examples():
    # Keras docstring: 1.0 for the first 100001 steps, 0.5 for the next 10000, then 0.1
    piecewise = schedules.PiecewiseConstantDecay([100000, 110000], [1.0, 0.5, 0.1])
    assert [piecewise(s) for s in (0, 100000, 100001, 110000, 110001)] == [1.0, 1.0, 0.5, 0.5, 0.1]
    # decay 0.96 every 100000 steps, staircase: constant within a window
    exponential = schedules.ExponentialDecay(0.1, 100000, 0.96, staircase=True)
    assert exponential(99999) == 0.1 and exponential(100000) == pytest.approx(0.096)
    # warmup from 0 to 0.1 over 1000 steps, then cosine down to 0 over 1000 more
    cosine = schedules.CosineDecay(0.0, 1000, warmup_target=0.1, warmup_steps=1000)
    assert cosine(500) == pytest.approx(0.05) and cosine(1000) == pytest.approx(0.1)
    assert cosine(1500) == pytest.approx(0.05) and cosine(5000) == pytest.approx(0.0, abs=1e-18)
    # polynomial with cycle: at step 150 of 100-step cycles, decay_steps becomes 200
    polynomial = schedules.PolynomialDecay(0.1, 100, end_learning_rate=0.0, cycle=True)
    assert polynomial(150) == pytest.approx(0.1 * (1 - 150 / 200))


@pytest.mark.parametrize("schedule", SCHEDULES, ids=IDS)
def test_config_round_trip(schedule):
    config = json.loads(json.dumps(schedules.serialize(schedule)))
    assert config["module"] == "keras.optimizers.schedules"
    again = schedules.deserialize(config)
    assert type(again) is type(schedule) and again.get_config() == schedule.get_config()
    np.testing.assert_array_equal(again(np.array(STEPS)), schedule(np.array(STEPS)))


def test_deserialize_custom_schedule():
    class Constant(schedules.LearningRateSchedule):
        def __init__(self, value):
            self.value = value

        def __call__(self, step):
            return self.value

        def get_config(self):
            return {"value": self.value}

    config = schedules.serialize(Constant(0.3))
    assert schedules.deserialize(config, {"Constant": Constant})(5) == 0.3
    with pytest.raises(ValueError, match="Unknown learning rate schedule: 'Constant'"):
        schedules.deserialize(config)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: schedules.ExponentialDecay(0.1, 0, 0.5), "Received: decay_steps=0"),
        (lambda: schedules.InverseTimeDecay(0.1, -1, 0.5), "Received: decay_steps=-1"),
        (lambda: schedules.PolynomialDecay(0.1, 0), "`decay_steps` must be a float > 0"),
        (lambda: schedules.CosineDecay(0.1, 0), "decay_steps"),
        (lambda: schedules.CosineDecay(0.1, 10, warmup_steps=-1), "Received: warmup_steps=-1"),
        (lambda: schedules.PiecewiseConstantDecay([10, 20], [1.0, 0.5]), "1 less than the length of values"),
        (lambda: schedules.PiecewiseConstantDecay([20, 10], [1.0, 0.5, 0.1]), "strictly increasing"),
    ],
)
def test_bad_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_base_class_must_be_overridden():
    with pytest.raises(NotImplementedError, match="__call__"):
        schedules.LearningRateSchedule()(0)
