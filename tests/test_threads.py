"""The thread policy: other processes' load decides, unless the user fixed the count."""

import warnings

import numba
import numpy as np
import pytest

import jitnet as keras
from jitnet import _blas, _cpu, config
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


def _stat(*cpus):
    """/proc/stat text: one (busy, idle) tick pair per CPU."""
    lines = ["cpu  0 0 0 0 0 0 0 0"]
    lines += [f"cpu{i} {busy} 0 0 {idle} 0 0 0 0" for i, (busy, idle) in enumerate(cpus)]
    return "\n".join(lines) + "\n"


@pytest.fixture
def fake_root(tmp_path, monkeypatch):
    """``_cpu`` reads /proc and /sys from ``tmp_path``; returns a writer of files there.

    No pool's share applies (a thread limit such as ``OMP_NUM_THREADS`` that an earlier test's pool left in the
    environment would cap the cores): ``test_a_pools_thread_share_caps_the_cores`` checks it alone.
    """
    monkeypatch.setattr(_cpu, "ROOT", tmp_path)
    monkeypatch.setattr(_cpu, "_last", None)
    monkeypatch.setattr(_cpu, "worker_share", lambda: None)

    def write(path, text):
        f = tmp_path / path.lstrip("/")
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(text)
    return write


def test_cpuset_counts_only_the_load_on_its_own_cpus(fake_root, monkeypatch):
    monkeypatch.setattr(_cpu, "allowed_cpus", lambda: {2, 3})
    monkeypatch.setattr(_cpu.os, "times", lambda: type("T", (), {"user": 0.0, "system": 0.0})())
    clock = iter([0.0, 1.0, 1.0, 2.0, 2.0])  # the first call reads the clock once, later ones twice
    monkeypatch.setattr(_cpu.time, "monotonic", lambda: next(clock))
    tick = _cpu._TICK
    fake_root("/proc/stat", _stat((0, 0), (0, 0), (0, 0), (0, 0)))
    assert _cpu.free_cores(2) is None
    # other tenants keep CPUs 0 and 1 fully busy: outside the cpuset, so both cores stay free
    fake_root("/proc/stat", _stat((tick, 0), (tick, 0), (0, tick), (0, tick)))
    assert _cpu.free_cores(2) == 2
    # now CPU 2, one of ours, is busy with another process
    fake_root("/proc/stat", _stat((2 * tick, 0), (2 * tick, 0), (tick, tick), (0, 2 * tick)))
    assert _cpu.free_cores(2) == 1


def test_cgroup_v2_quota_caps_the_cores_and_its_usage_is_the_competing_load(fake_root, monkeypatch):
    monkeypatch.setattr(_cpu, "allowed_cpus", lambda: set(range(8)))
    fake_root("/proc/self/cgroup", "0::/job/42\n")
    fake_root("/sys/fs/cgroup/job/42/cpu.max", "250000 100000\n")
    assert _cpu.usable_cores() == 2  # 2.5 cores of quota: a third thread would be throttled
    fake_root("/sys/fs/cgroup/job/42/cpu.stat", "usage_usec 5000000\nuser_usec 1\n")
    assert _cpu._competing_busy() == 5.0
    fake_root("/proc/stat", _stat(*[(10**9, 0)] * 8))  # the host's load does not count under a quota
    assert _cpu._competing_busy() == 5.0
    fake_root("/sys/fs/cgroup/job/42/cpu.max", "max 100000\n")
    assert _cpu.usable_cores() == 8
    assert _cpu._competing_busy() == 8 * 10**9 / _cpu._TICK


def test_cgroup_v1_quota_and_no_files_at_all(fake_root, monkeypatch):
    monkeypatch.setattr(_cpu, "allowed_cpus", lambda: {0, 1, 2, 3})
    assert _cpu.usable_cores() == 4 and _cpu.free_cores(4) == 4  # nothing to read: every core is free
    fake_root("/proc/self/cgroup", "4:cpu,cpuacct:/docker/abc\n3:memory:/docker/abc\n")
    fake_root("/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_quota_us", "100000\n")
    fake_root("/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_period_us", "100000\n")
    fake_root("/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpuacct.usage", "3000000000\n")
    assert _cpu.usable_cores() == 1
    assert _cpu._competing_busy() == 3.0
    fake_root("/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_quota_us", "-1\n")
    assert _cpu.usable_cores() == 4


@pytest.fixture
def blas_state(monkeypatch):
    """Put back the libraries, the warning flag and the thread count afterwards."""
    threads, fixed = config.get_num_threads(), config._FIXED
    monkeypatch.setattr(_blas, "_warned", False)
    yield
    monkeypatch.undo()
    config._NUM_THREADS = None
    config._apply(threads)
    config._FIXED = fixed


@pytest.mark.parametrize("found, named", [([], "accelerate"),
                                          ([_blas.Library("/opt/lib/libmkl_rt.so.2", "MKL", "scipy")], "MKL")])
def test_a_blas_that_cannot_be_limited_is_named_once_and_counted(found, named, monkeypatch, blas_state):
    monkeypatch.setattr(_blas, "_libraries", found)
    monkeypatch.setattr(_blas, "scipy_blas_name", lambda: "accelerate")
    monkeypatch.setattr(config, "_NUM_THREADS", None)
    with pytest.warns(RuntimeWarning, match=f"cannot limit the threads of scipy's BLAS \\({named}"):
        config._apply(1)
    assert config.get_num_threads() == (config.os.cpu_count() or 1)  # not the 1 asked for
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        keras.config.set_num_threads(1)  # said once only


def test_the_automatic_policy_leaves_numpys_blas_alone(monkeypatch, blas_state):
    numpy_libs = [lib for lib in _blas.libraries() if lib.owner == "numpy" and lib.setter and lib.getter]
    if not numpy_libs:
        pytest.skip("numpy's BLAS has no thread getter here")
    keras.config.set_num_threads(1)
    monkeypatch.setattr(config, "_FIXED", False)
    monkeypatch.setattr(_cpu, "free_cores", lambda cores, min_interval=0.2: 2)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    x = np.ones((64, 4), "float32")
    model.fit(x, x[:, :1], epochs=2, verbose=0)
    model.evaluate(x, x[:, :1], verbose=0)
    model.predict(x, verbose=0)
    assert _blas.numpy_threads() == [1] * len(_blas.numpy_threads())
    keras.config.set_num_threads(2)
    assert all(n == min(2, config.os.cpu_count()) for n in _blas.numpy_threads())


def test_a_pools_thread_share_caps_the_cores(monkeypatch):
    monkeypatch.setattr(_cpu, "allowed_cpus", lambda: set(range(8)))
    monkeypatch.setattr(_cpu, "_quota", lambda: None)
    for name in _cpu._SHARE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    assert _cpu.worker_share() is None and _cpu.usable_cores() == 8
    monkeypatch.setenv("OMP_NUM_THREADS", "4")  # joblib's loky worker with inner_max_num_threads=4
    assert _cpu.usable_cores() == 4
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")  # a Dask nanny sets 1
    assert _cpu.worker_share() == 1 and _cpu.usable_cores() == 1
    monkeypatch.setenv("OMP_NUM_THREADS", "lots")
    assert _cpu.worker_share() == 1
