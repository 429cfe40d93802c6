"""``views.unowned``: the arrays a program takes, as aliases that count no references."""

import sys

import numpy as np

import jitnet as keras
from jitnet.kernels._jit import entry_kernel
from jitnet.kernels.views import unowned, view2d


@entry_kernel
def _write_through(group):
    """Through ``unowned``: doubles ``a``'s second row via a view, returns ``n`` and ``b``'s sum."""
    (a, n), b = unowned(group)
    row = view2d(a, 3, 1, 3)
    for j in range(3):
        row[0, j] *= 2.0
    return n, b.sum()


def test_unowned_aliases_every_array_of_nested_tuples():
    a, b = np.arange(9.0), np.ones(4, np.int64)
    n, total = _write_through(((a, 7), b))
    assert (n, total) == (7, 4)
    np.testing.assert_array_equal(a, [0, 1, 2, 6, 8, 10, 6, 7, 8])


def test_a_program_leaves_the_reference_counts_of_its_arrays_as_they_were():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="relu"), keras.layers.Dense(1)])
    model.compile("adam", "mse")
    x, y = np.random.default_rng(0).random((64, 4), np.float32), np.zeros((64, 1), np.float32)
    model.fit(x, y, batch_size=16, verbose=0)
    model.predict(x[:1], batch_size=16, verbose=0)
    trainer = model.trainer(None)
    arrays = [trainer.ws, trainer.dws, trainer.slots, *trainer.arena_group, x]
    counts = [sys.getrefcount(a) for a in arrays]
    for _ in range(3):
        model.fit(x, y, batch_size=16, verbose=0)
        model.predict(x[:1], batch_size=16, verbose=0)
        model.evaluate(x, y, batch_size=16, verbose=0)
    assert [sys.getrefcount(a) for a in arrays] == counts
