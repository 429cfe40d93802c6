"""Optimizers against the Keras 3 update formulas re-computed in NumPy.

``reference_run`` applies Keras 3's ``Optimizer.apply`` one variable at a
time (clip, weight decay, ``update_step``), written out plainly in float64;
the fused kernel must agree with it for every optimizer and option. Golden
values come from Keras 3's own tests (``keras/src/optimizers/*_test.py``).
"""

import itertools
import json
import math
import warnings

import numba
import numpy as np
import pytest

import jitnet as keras
from jitnet import optimizers
from jitnet.kernels import optimizers as kernels
from jitnet.optimizers import SGD, Adadelta, Adagrad, Adam, Adamax, AdamW, Nadam, RMSprop, schedules
from jitnet.program import optimizer_program
from tests.reference import reference_run

SIZES = [3, 5, 1, 4]  # four variables in one arena
SEGMENTS = np.cumsum([0, *SIZES]).astype(np.int64)
GRAD_SCALES = [0.1, 3.0, 1.0, 10.0]  # variable norms ~0.17, 6.7, 1, 20: clipnorm=1 clips some, not all
LRS = [0.1, 0.05, 0.2, 0.1, 0.02, 0.1]  # a different rate at each of the 6 steps
RTOL64, ATOL64 = 1e-12, 1e-13  # float64 kernel vs reference: rounding only (seen: 2.3e-14)


# -- the cases ------------------------------------------------------------------------

CLASSES = {"sgd": SGD, "rmsprop": RMSprop, "adam": Adam, "adamw": AdamW, "adagrad": Adagrad,
           "adadelta": Adadelta, "adamax": Adamax, "nadam": Nadam}
OWN_OPTIONS = {
    "sgd": [{}, {"momentum": 0.9}, {"momentum": 0.9, "nesterov": True}],
    "rmsprop": [{}, {"momentum": 0.5}, {"centered": True}, {"momentum": 0.5, "centered": True, "rho": 0.8}],
    "adam": [{}, {"amsgrad": True, "beta_2": 0.6}, {"beta_1": 0.5, "beta_2": 0.67, "epsilon": 0.05}],
    "adamw": [{}, {"amsgrad": True, "beta_2": 0.6, "weight_decay": 0.3}],
    "adagrad": [{}, {"initial_accumulator_value": 0.5, "epsilon": 0.05}],
    "adadelta": [{}, {"rho": 0.8, "epsilon": 1e-6}],
    "adamax": [{}, {"beta_1": 0.85, "beta_2": 0.95}],
    "nadam": [{}, {"beta_1": 0.5, "beta_2": 0.67, "epsilon": 0.05}],
}
COMMON_OPTIONS = [{}, {"clipnorm": 1.0}, {"clipvalue": 0.5}, {"global_clipnorm": 5.0}, {"weight_decay": 0.1}]
CASES = [
    pytest.param(kind, {**own, **common}, id=f"{kind}-{json.dumps({**own, **common})}")
    for kind, owns in OWN_OPTIONS.items()
    for own in owns
    for common in COMMON_OPTIONS
]


def problem(seed=0, steps=6):
    """Arena params and a gradient sequence, with per-variable gradient scales."""
    rng = np.random.default_rng(seed)
    params = rng.standard_normal(SEGMENTS[-1])
    scale = np.repeat(GRAD_SCALES, SIZES)
    grads_seq = [rng.standard_normal(SEGMENTS[-1]) * scale for _ in range(steps)]
    return params, grads_seq


def split(x):
    return [x[lo:hi] for lo, hi in itertools.pairwise(SEGMENTS)]


def run(kind, config, dtype=np.float64, lrs=LRS, seed=0):
    """The jitnet optimizer over the problem; returns (params, optimizer)."""
    params, grads_seq = problem(seed, len(lrs))
    params = params.astype(dtype)
    opt = CLASSES[kind](**config)
    opt.build(params.size, dtype, SEGMENTS)
    for grads, lr in zip(grads_seq, lrs):
        opt.step(params, grads.astype(dtype), lr=lr)
    return params, opt


@pytest.mark.parametrize(("kind", "config"), CASES)
def test_matches_keras_formula(kind, config):
    got, opt = run(kind, config)
    params, grads_seq = problem()
    want = np.concatenate(reference_run(kind, config, split(params), [split(g) for g in grads_seq], LRS))
    np.testing.assert_allclose(got, want, rtol=RTOL64, atol=ATOL64)
    assert opt.iterations == len(LRS)


@pytest.mark.parametrize(("kind", "config"), [c for c in CASES if c.values[1]])
def test_each_option_changes_the_result(kind, config):
    """Every option is live on this problem (dropping it changes the result),
    so the formula test would catch an option the kernel ignores."""
    params, grads_seq = problem()

    def final(c):
        return np.concatenate(reference_run(kind, c, split(params), [split(g) for g in grads_seq], LRS))

    got = final(config)
    for key in config:
        assert np.max(np.abs(got - final({k: v for k, v in config.items() if k != key}))) > 1e-4, key


def test_clipnorm_is_per_variable():
    """The same gradients clipped as one variable give another result."""
    params, grads_seq = problem()
    got, _ = run("sgd", {"clipnorm": 1.0})
    opt = SGD(clipnorm=1.0)
    for grads, lr in zip(grads_seq, LRS):
        opt.step(params, grads, lr=lr)  # built with a single segment
    assert np.max(np.abs(got - params)) > 1e-2


# -- worked examples ----------------------------------------------------------


def test_worked_example_sgd_momentum():
    opt = SGD(learning_rate=0.1, momentum=0.9)
    p = np.array([1.0, -2.0])
    g = np.array([0.5, 1.0])
    opt.step(p, g)
    # m = 0.9 * 0 - 0.1 * [0.5, 1.0] = [-0.05, -0.1];  p = [1 - 0.05, -2 - 0.1]
    np.testing.assert_allclose(p, [0.95, -2.1], rtol=1e-15)
    opt.step(p, g)
    # m = 0.9 * [-0.05, -0.1] - [0.05, 0.1] = [-0.095, -0.19];  p = [0.855, -2.29]
    np.testing.assert_allclose(p, [0.855, -2.29], rtol=1e-15)
    np.testing.assert_allclose(opt.slots[0], [-0.095, -0.19], rtol=1e-15)

    nesterov = SGD(learning_rate=0.1, momentum=0.9, nesterov=True)
    p = np.array([1.0, -2.0])
    nesterov.step(p, g)
    # m = [-0.05, -0.1];  p += 0.9 * m - 0.1 * g = [-0.045 - 0.05, -0.09 - 0.1]
    np.testing.assert_allclose(p, [0.905, -2.19], rtol=1e-15)


def test_worked_example_adam():
    opt = Adam()  # lr 0.001, beta_1 0.9, beta_2 0.999, epsilon 1e-7
    p = np.array([1.0, 1.0])
    opt.step(p, np.array([2.0, -0.5]))
    # t = 1: m = 0.1 * g = [0.2, -0.05];  v = 0.001 * g**2 = [0.004, 0.00025]
    # alpha = 0.001 * sqrt(1 - 0.999) / (1 - 0.9) = 3.16227766016838e-04
    # sqrt(v) = [0.0632455532033676, 0.0158113883008419]
    # p -= alpha * m / (sqrt(v) + 1e-7):
    #   alpha * 0.2 = 6.32455532033676e-05;    / 0.0632456532033676 = 9.99998418863670e-04
    #   alpha * -0.05 = -1.58113883008419e-05; / 0.0158114883008419 = -9.99993675484679e-04
    np.testing.assert_allclose(p, [1 - 9.99998418863670e-04, 1 + 9.99993675484679e-04], rtol=0, atol=1e-15)
    np.testing.assert_allclose(opt.slots, [[0.2, -0.05], [0.004, 0.00025]], rtol=1e-12)


# -- Keras 3's own numbers ------------------------------------------------------

X_GRADS = np.arange(0.1, 1.1, 0.1)  # Keras: ops.arange(0.1, 1.1, 0.1)
GOLDEN = {  # keras/src/optimizers/*_test.py: test_correctness_with_golden, rtol = atol = 5e-4
    "sgd": (SGD(nesterov=True), [
        [0.9999] * 10,
        [0.9989, 0.9979, 0.9969, 0.9959, 0.9949, 0.9939, 0.9929, 0.9919, 0.9909, 0.9899],
        [0.9979, 0.9959, 0.9939, 0.9919, 0.9899, 0.9879, 0.9859, 0.9839, 0.9819, 0.9799],
        [0.9969, 0.9939, 0.9909, 0.9879, 0.9849, 0.9819, 0.9789, 0.9759, 0.9729, 0.9699],
        [0.9959, 0.9919, 0.9879, 0.9839, 0.9799, 0.9759, 0.9719, 0.9679, 0.9639, 0.9599]]),
    "rmsprop": (RMSprop(centered=True), [[v] * 10 for v in (0.9967, 0.9933, 0.9908, 0.9885, 0.9864)]),
    "adam": (Adam(amsgrad=True), [[v] * 10 for v in (0.999, 0.9982, 0.9974, 0.9965, 0.9955)]),
    "adamw": (AdamW(learning_rate=1.0, weight_decay=0.5, epsilon=2), [
        [0.4998] * 10,
        [0.2486, 0.2475, 0.2463, 0.2451, 0.244, 0.2428, 0.2417, 0.2405, 0.2394, 0.2382],
        [0.1223, 0.1198, 0.1174, 0.1149, 0.1124, 0.11, 0.1075, 0.1051, 0.1027, 0.1003],
        [0.0586, 0.0549, 0.0512, 0.0475, 0.0439, 0.0402, 0.0366, 0.033, 0.0294, 0.0258],
        [0.0263, 0.0215, 0.0167, 0.012, 0.0073, 0.0026, -0.0021, -0.0067, -0.0113, -0.0159]]),
    "adagrad": (Adagrad(learning_rate=0.2, initial_accumulator_value=0.3, epsilon=1e-6), [
        [0.9963] * 10,
        [0.9604, 0.9278, 0.9003, 0.8784, 0.8615, 0.8487, 0.8388, 0.8313, 0.8255, 0.8209],
        [0.9251, 0.8629, 0.8137, 0.7768, 0.7497, 0.7298, 0.7151, 0.704, 0.6956, 0.6891],
        [0.8903, 0.8012, 0.7342, 0.6862, 0.6521, 0.6277, 0.6099, 0.5967, 0.5867, 0.579],
        [0.856, 0.7422, 0.6604, 0.6037, 0.5644, 0.5367, 0.5168, 0.5021, 0.491, 0.4825]]),
    "adadelta": (Adadelta(learning_rate=1.0, rho=0.8, epsilon=1e-6),
                 [[v] * 10 for v in (0.9978, 0.9947, 0.9915, 0.9882, 0.9849)]),
    "adamax": (Adamax(learning_rate=0.2, beta_1=0.85, beta_2=0.95, epsilon=1e-6), [
        [0.8] * 10,
        [0.6827, 0.6873, 0.6888, 0.6896, 0.6901, 0.6904, 0.6906, 0.6908, 0.6909, 0.691],
        [0.5333, 0.5407, 0.5431, 0.5444, 0.5451, 0.5456, 0.546, 0.5462, 0.5464, 0.5466],
        [0.368, 0.3773, 0.3804, 0.382, 0.3829, 0.3835, 0.384, 0.3843, 0.3846, 0.3848],
        [0.1933, 0.204, 0.2076, 0.2094, 0.2105, 0.2112, 0.2117, 0.2121, 0.2124, 0.2126]]),
    "nadam": (Nadam(learning_rate=0.5, beta_1=0.5, beta_2=0.67, epsilon=1e-5), [
        [0.4281] * 10,
        [-0.1738, -0.1731, -0.1726, -0.1723, -0.1721, -0.172, -0.1719, -0.1718, -0.1718, -0.1717],
        [-0.7115, -0.7103, -0.7096, -0.7092, -0.709, -0.7088, -0.7086, -0.7085, -0.7085, -0.7084],
        [-1.2335, -1.2322, -1.2313, -1.2309, -1.2306, -1.2304, -1.2302, -1.2301, -1.23, -1.2299],
        [-1.7492, -1.7478, -1.7469, -1.7464, -1.7461, -1.7459, -1.7457, -1.7456, -1.7455, -1.7454]]),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", list(GOLDEN))
def test_keras_golden(kind, dtype):
    """Keras's golden trajectory: one step with grads 0.01, then 0.1..1.0."""
    template, golden = GOLDEN[kind]
    opt = optimizers.deserialize(optimizers.serialize(template))  # a fresh copy
    x = np.ones(10, dtype)
    opt.step(x, np.full(10, 0.01, dtype))
    for row in golden:
        np.testing.assert_allclose(x, row, rtol=5e-4, atol=5e-4)
        opt.step(x, X_GRADS.astype(dtype))


SINGLE_STEP = {  # keras/src/optimizers/*_test.py: test_single_step, learning_rate=0.5, rtol = atol = 1e-4
    "sgd": [0.5, -1.0, -0.5, 3.0], "rmsprop": [-0.5811, 0.4189, 1.4189, 2.4189], "adam": [0.5, 1.5, 2.5, 3.5],
    "adamw": [0.4980, 1.4960, 2.494, 3.492], "adagrad": [0.5233, 1.5007, 2.5005, 3.5061],
    "adadelta": [0.9993, 1.9993, 2.9993, 3.9993], "adamax": [0.5, 1.5, 2.5, 3.5],
    "nadam": [0.4686, 1.4686, 2.4686, 3.4686],
}


@pytest.mark.parametrize("kind", list(SINGLE_STEP))
def test_keras_single_step(kind):
    x = np.array([1.0, 2.0, 3.0, 4.0])
    CLASSES[kind](learning_rate=0.5).step(x, np.array([1.0, 6.0, 7.0, 2.0]))
    np.testing.assert_allclose(x, SINGLE_STEP[kind], rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("kind", list(CLASSES))
def test_keras_weight_decay(kind):
    """Keras test_weight_decay: 3 steps, zero gradients, lr 1, decay 0.004: 2 * 0.996**3."""
    opt = CLASSES[kind](learning_rate=1.0, weight_decay=0.004)
    x = np.array([2.0])
    for _ in range(3):
        opt.step(x, np.zeros(1))
    np.testing.assert_allclose(x, [1.9760959], rtol=0, atol=1e-7)


@pytest.mark.parametrize(("option", "want"), [("clipnorm", [2**0.5 / 2] * 2), ("clipvalue", [1.0, 1.0])])
def test_keras_clip(option, want):
    """Keras test_clip_norm / test_clip_value: gradient [100, 100], clip 1 (seen through SGD, lr 1)."""
    x = np.zeros(2)
    SGD(learning_rate=1.0, **{option: 1.0}).step(x, np.array([100.0, 100.0]))
    np.testing.assert_allclose(-x, want, rtol=1e-12)


def test_global_clipnorm_of_infinite_gradients_gives_nan():
    """As Keras 3 ``clip_by_global_norm``: a non-finite norm makes every update NaN."""
    x = np.zeros(3)
    SGD(global_clipnorm=1.0).step(x, np.array([np.inf, 1.0, 1.0]))
    assert np.isnan(x).all()


# -- float32 --------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "config"), CASES)
def test_float32_agrees_with_float64(kind, config):
    got32, opt = run(kind, config, np.float32)
    got64, _ = run(kind, config, np.float64)
    assert got32.dtype == np.float32 and opt.slots.dtype == np.float32
    # 6 steps in float32 arithmetic on values of order 1 drift by a few float32
    # ulps (1.2e-7): at most 3.2e-7 * max(|x|, 1) over these cases.
    np.testing.assert_allclose(got32, got64, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("kind", ["rmsprop", "adam"])
def test_float32_reciprocal_estimate_is_as_accurate_as_a_division(kind):
    """Default RMSprop and Adam divide through the reciprocal estimate in float32. Over gradients and
    slots spread across 8 decades, one step's increments stay within 3e-7 of the exact quotient of the
    float32 slots the step computed (float32 arithmetic before the division is Keras's own)."""
    rng = np.random.default_rng(0)
    n = 50_000
    f = np.float32
    g = (rng.standard_normal(n) * 10.0 ** rng.uniform(-6, 1, n)).astype(f)
    opt = CLASSES[kind]()
    opt.build(n, f, np.array([0, n]))
    opt.slots[:] = (rng.random((opt.slots.shape[0], n)) * 10.0 ** rng.uniform(-8, 1, n)).astype(f)
    params = np.zeros(n, f)
    opt.step(params, g, lr=1e-3)
    if kind == "rmsprop":  # lr * g / sqrt(v + epsilon)
        numerator, denominator = f(1e-3) * g, np.sqrt(opt.slots[0] + f(1e-7))
    else:  # alpha * m / (sqrt(v) + epsilon)
        numerator = f(1e-3 * math.sqrt(1 - 0.999) / (1 - 0.9)) * opt.slots[0]
        denominator = np.sqrt(opt.slots[1]) + f(1e-7)
    exact = numerator.astype(np.float64) / denominator.astype(np.float64)
    np.testing.assert_allclose(-params.astype(np.float64), exact, rtol=3e-7, atol=0)


@pytest.mark.skipif(numba.config.DISABLE_JIT, reason="no compiled specializations without the JIT")
def test_kernel_has_exactly_two_specializations():
    run("adam", {}, np.float32)
    run("adam", {}, np.float64)
    step = optimizer_program(kernels.ADAM).apply
    arrays = {np.float32: "float32", np.float64: "float64"}
    for signature in step.signatures:
        names = [str(t) for t in signature]
        assert names[3] == "float64" and names[4] == "int64", names
        assert names[0].split(",")[0] in {f"array({d}" for d in arrays.values()}, names
    assert len(step.signatures) == 2


# -- state, schedules and build -------------------------------------------------------


@pytest.mark.parametrize("kind", list(CLASSES))
def test_state_round_trip_continues_identically(kind):
    config = {"momentum": 0.9} if kind == "sgd" else {}
    params, grads_seq = problem(steps=6)
    a = CLASSES[kind](**config)
    a.build(params.size, np.float64, SEGMENTS)
    for g in grads_seq[:3]:
        a.step(params, g)
    state = a.get_state()
    saved = params.copy()
    for g in grads_seq[3:]:
        a.step(params, g)
    b = CLASSES[kind](**config)
    b.set_state(state)
    b.build(saved.size, np.float64, SEGMENTS)  # same size: keeps the restored state
    assert b.iterations == 3
    for g in grads_seq[3:]:
        b.step(saved, g)
    np.testing.assert_array_equal(saved, params)


def test_build_keeps_state_for_same_size_and_resets_for_another():
    opt = Adagrad()
    opt.build(4, np.float64)
    p = np.ones(4)
    opt.step(p, np.ones(4))
    acc = opt.slots.copy()
    np.testing.assert_allclose(acc, [[1.1] * 4])  # initial_accumulator_value 0.1 + g**2
    opt.build(4, np.float32, np.array([0, 1, 4]))
    np.testing.assert_allclose(opt.slots, acc)
    assert opt.slots.dtype == np.float32 and opt.segments.tolist() == [0, 1, 4]
    opt.build(6, np.float64)
    np.testing.assert_allclose(opt.slots, [[0.1] * 6])


def test_step_reallocates_when_an_option_adds_a_slot():
    opt = RMSprop(learning_rate=0.1)
    p = np.ones(3)
    opt.step(p, np.ones(3))
    opt.momentum = 0.5  # now needs a momentum row
    opt.step(p, np.ones(3))
    assert opt.slots.shape == (2, 3) and opt.hyper[5] == 0.5


def test_slot_counts_and_variables():
    counts = {SGD(): 1, SGD(momentum=0.5): 1, RMSprop(): 1, RMSprop(momentum=0.5, centered=True): 3,
              Adam(): 2, Adam(amsgrad=True): 3, AdamW(): 2, Adagrad(): 1, Adadelta(): 2, Adamax(): 2, Nadam(): 2}
    for opt, k in counts.items():
        opt.build(7, np.float32)
        assert opt.slots.shape == (k, 7) and opt.scalars.dtype == np.float64 and opt.hyper.dtype == np.float64
    adam = Adam()
    adam.build(10, np.float32, np.array([0, 6, 10]))
    # Keras 3 counts iterations, learning_rate and one momentum and velocity per variable
    assert adam.variables_count() == 2 + 2 * 10 and len(adam.variables) == 2 + 2 * 2
    nadam = Nadam()
    nadam.build(3, np.float64)
    assert float(nadam.get_state()["u_product"]) == 1.0 and nadam.variables_count() == 2 + 6 + 1


def test_hyper_layout():
    opt = RMSprop(rho=0.8, momentum=0.5, epsilon=1e-6, centered=True, clipvalue=2.0)
    opt.build(3, np.float64)
    h = opt.hyper
    assert math.isnan(h[kernels.CLIPNORM]) and h[kernels.CLIPVALUE] == 2.0
    assert math.isnan(h[kernels.GLOBAL_CLIPNORM]) and math.isnan(h[kernels.WEIGHT_DECAY])
    assert h[4:].tolist() == [0.8, 0.5, 1e-6, 1.0]
    assert opt.code == kernels.RMSPROP


def test_schedule_drives_the_steps():
    schedule = schedules.ExponentialDecay(0.1, decay_steps=2, decay_rate=0.5)
    opt = SGD(learning_rate=schedule)
    assert opt.learning_rate == pytest.approx(0.1)
    np.testing.assert_allclose(opt.learning_rates(4), 0.1 * 0.5 ** (np.arange(4) / 2), rtol=1e-15)
    p = np.zeros(1)
    for _ in range(3):
        opt.step(p, np.ones(1))
    # Keras evaluates the schedule at iterations = 0, 1, 2
    np.testing.assert_allclose(p, [-(0.1 + 0.1 * 0.5**0.5 + 0.05)], rtol=1e-14)
    assert opt.learning_rate == pytest.approx(0.1 * 0.5**1.5)
    np.testing.assert_allclose(opt.learning_rates(2), [0.1 * 0.5**1.5, 0.025], rtol=1e-14)


def test_learning_rates_of_user_callables():
    class Halving(schedules.LearningRateSchedule):  # scalar-only: called per step
        def __call__(self, step):
            return 1.0 / 2 ** int(step)

    opt = Adam(learning_rate=Halving())
    opt.iterations = 2
    np.testing.assert_array_equal(opt.learning_rates(3), [0.25, 0.125, 0.0625])
    opt = Adam(learning_rate=lambda: 0.3)
    np.testing.assert_array_equal(opt.learning_rates(2), [0.3, 0.3])
    assert Adam(learning_rate=0.01).learning_rates(3).tolist() == [0.01] * 3


def test_learning_rate_is_settable():
    opt = RMSprop()
    opt.learning_rate = 0.5
    assert opt.learning_rate == 0.5 and opt.lr == 0.5
    opt.lr = np.float32(0.25)
    assert opt.learning_rate == 0.25 and isinstance(opt.learning_rate, float)
    with pytest.raises(TypeError, match="not settable"):
        SGD(learning_rate=schedules.InverseTimeDecay(0.1, 10, 0.5)).learning_rate = 0.1


def test_legacy_lr_keyword():
    with pytest.warns(DeprecationWarning, match="learning_rate") as record:
        opt = RMSprop(lr=0.01)
    with pytest.warns(DeprecationWarning, match="learning_rate") as record_adamw:
        AdamW(lr=0.02)
    # attributed to the caller, so Python shows it when a script uses `lr=`
    assert record[0].filename == record_adamw[0].filename == __file__
    assert opt.learning_rate == 0.01
    assert opt.get_config()["learning_rate"] == 0.01
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        RMSprop(learning_rate=0.01)  # no warning without `lr`


# -- config and registry -----------------------------------------------------------

CONFIGS = [
    SGD(learning_rate=0.5, momentum=0.06, nesterov=True, weight_decay=0.004),
    RMSprop(learning_rate=0.5, rho=0.8, momentum=0.05, epsilon=1e-6, centered=True, clipnorm=2.0),
    Adam(learning_rate=0.5, beta_1=0.5, beta_2=0.67, epsilon=1e-5, amsgrad=True, global_clipnorm=1.0),
    AdamW(learning_rate=0.5, weight_decay=0.008, beta_1=0.5, beta_2=0.67, epsilon=1e-5, amsgrad=True),
    Adagrad(learning_rate=0.5, initial_accumulator_value=0.2, epsilon=1e-5, clipvalue=0.3),
    Adadelta(learning_rate=0.5, rho=0.9, epsilon=1e-5, name="custom"),
    Adamax(learning_rate=0.5, beta_1=0.8, beta_2=0.95, epsilon=1e-5),
    Nadam(learning_rate=schedules.CosineDecay(0.1, 100, alpha=0.1, warmup_target=0.2, warmup_steps=10)),
]


@pytest.mark.parametrize("opt", CONFIGS, ids=lambda o: type(o).__name__)
def test_config_round_trip(opt):
    config = opt.get_config()
    again = type(opt).from_config(json.loads(json.dumps(config)))
    assert json.dumps(again.get_config()) == json.dumps(config)
    restored = optimizers.get(json.loads(json.dumps(optimizers.serialize(opt))))
    assert type(restored) is type(opt) and restored.get_config() == config


def test_config_matches_keras3_layout():
    assert Adam().get_config() == {  # keras.optimizers.Adam().get_config(), Keras 3
        "name": "adam", "learning_rate": 0.001, "weight_decay": None, "clipnorm": None,
        "global_clipnorm": None, "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
        "ema_overwrite_frequency": None, "loss_scale_factor": None, "gradient_accumulation_steps": None,
        "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-07, "amsgrad": False,
    }
    assert list(SGD().get_config())[-2:] == ["momentum", "nesterov"]
    assert optimizers.serialize(SGD())["class_name"] == "SGD"
    # a tf.keras 2.11+ config carries extra keys
    opt = Adam.from_config({**Adam().get_config(), "jit_compile": True, "is_legacy_optimizer": False})
    assert isinstance(opt, Adam)


def test_schedule_config_in_optimizer_config():
    config = CONFIGS[-1].get_config()
    assert config["learning_rate"]["class_name"] == "CosineDecay"
    assert config["learning_rate"]["module"] == "keras.optimizers.schedules"
    restored = Nadam.from_config(config)
    assert isinstance(restored._learning_rate, schedules.CosineDecay)


@pytest.mark.parametrize(
    ("name", "cls"),
    [("sgd", SGD), ("SGD", SGD), ("rmsprop", RMSprop), ("RMSprop", RMSprop), ("adam", Adam), ("Adam", Adam),
     ("adamw", AdamW), ("AdamW", AdamW), ("adagrad", Adagrad), ("adadelta", Adadelta), ("adamax", Adamax),
     ("nadam", Nadam), ("Nadam", Nadam)],
)
def test_get_by_name(name, cls):
    assert type(optimizers.get(name)) is cls


def test_get_other_identifiers():
    opt = Adam()
    assert optimizers.get(opt) is opt
    assert isinstance(optimizers.get(Adamax), Adamax)
    assert optimizers.get(None) is None
    assert optimizers.get({"class_name": "rmsprop", "config": {"learning_rate": 0.1}}).learning_rate == 0.1
    with pytest.raises(ValueError, match="Unknown optimizer: 'adamm'.*'adam'"):
        optimizers.get("adamm")
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier"):
        optimizers.get(print)


# -- bad input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: SGD(learning_rate=-1), "Received: learning_rate=-1"),
        (lambda: Adam(learning_rate="fast"), "Received: learning_rate='fast'"),
        (lambda: Adam(learning_rate=float("nan")), "learning_rate"),
        (lambda: SGD(momentum=1.5), r"`momentum` must be a float in \[0, 1\]. Received: momentum=1.5"),
        (lambda: RMSprop(rho=-0.1), "Received: rho=-0.1"),
        (lambda: RMSprop(epsilon=0), "`epsilon` must be a float > 0. Received: epsilon=0"),
        (lambda: Adam(beta_1=1.0), r"`beta_1` must be a float in \[0, 1\)"),
        (lambda: Nadam(beta_2=2), "Received: beta_2=2"),
        (lambda: Adagrad(initial_accumulator_value=-1.0), "initial_accumulator_value"),
        (lambda: Adam(weight_decay=-0.1), "Received: weight_decay=-0.1"),
        (lambda: AdamW(weight_decay=None), "Received: weight_decay=None"),
        (lambda: Adam(clipnorm=0), "Received: clipnorm=0"),
        (lambda: Adam(clipnorm=1.0, global_clipnorm=1.0), "Only one of `clipnorm`, `clipvalue` and `global_clipnorm`"),
        (lambda: Adam(clipnorm=1.0, clipvalue=1.0), "Only one of"),
        (lambda: Adam(betta_1=0.9), "not recognized"),
    ],
)
def test_bad_arguments_raise_value_error(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_bad_types_and_unsupported_options():
    with pytest.raises(TypeError, match="`nesterov` must be a bool"):
        SGD(nesterov="yes")
    with pytest.raises(NotImplementedError, match="use_ema"):
        Adam(use_ema=True)


def test_bad_build_and_step_inputs():
    opt = Adam()
    with pytest.raises(ValueError, match="float32 or float64"):
        opt.build(3, np.int32)
    with pytest.raises(ValueError, match="segments"):
        opt.build(3, np.float32, np.array([0, 2]))
    with pytest.raises(ValueError, match="same dtype"):
        opt.step(np.zeros(3), np.zeros(3, np.float32))
    with pytest.raises(ValueError, match="contiguous 1-D"):
        opt.step(np.zeros(6)[::2], np.zeros(3))
    opt.build(3, np.float64)
    with pytest.raises(ValueError, match="Expected state keys"):
        opt.set_state({"iterations": np.array(1)})


@pytest.mark.parametrize("name", sorted({type(keras.optimizers.get(n)).__name__ for n in keras.optimizers.OPTIMIZERS.names()}))
def test_every_optimizer_declares_its_kernel_layout_and_round_trips_its_state(name, tmp_path):
    """The class's hyperparameters are the kernel's ``hyper[4:]`` layout (kernels.optimizers.HYPER); its state
    (slots, scalars, iterations) comes back from a .keras file and training goes on as if never saved."""
    opt = keras.optimizers.get(name)
    assert opt.hyperparameters == kernels.HYPER[opt.code]
    assert len(opt._hyper_values()) == kernels.N_COMMON + len(kernels.HYPER[opt.code])
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(64, 4)).astype("float32"), rng.normal(size=(64, 1)).astype("float32")

    def model():
        keras.utils.set_random_seed(0)
        m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="tanh"), keras.layers.Dense(1)])
        m.compile(optimizer=keras.optimizers.get(name), loss="mse")
        return m

    straight, saved = model(), model()
    straight.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0)
    saved.fit(x, y, epochs=1, batch_size=16, shuffle=False, verbose=0)
    saved.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert loaded.optimizer.iterations == 4
    assert set(loaded.optimizer.get_state()) == {"iterations", *loaded.optimizer.slot_names(),
                                                 *loaded.optimizer.scalar_names}
    loaded.fit(x, y, epochs=1, batch_size=16, shuffle=False, verbose=0)
    for a, b in zip(loaded.get_weights(), straight.get_weights()):
        np.testing.assert_array_equal(a, b)
