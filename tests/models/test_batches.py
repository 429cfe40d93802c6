"""fit, evaluate and predict on data given batch by batch: generators and keras.utils.PyDataset."""

import warnings

import numpy as np
import pytest

import jitnet as keras

RNG = np.random.default_rng(0)
X = RNG.normal(size=(200, 8)).astype("float32")
Y = (X[:, 0] + X[:, 1] > 0).astype("int64")
BATCH = 32
STEPS = -(-len(X) // BATCH)


def batches(x=X, y=Y, loops=1):
    """The batches an unshuffled array fit takes, ``loops`` times over."""
    for _ in range(loops):
        for i in range(0, len(x), BATCH):
            yield x[i:i + BATCH], y[i:i + BATCH]


class Batches(keras.utils.PyDataset):
    def __init__(self, fail_at=None, **kwargs):
        super().__init__(**kwargs)
        self.fail_at, self.epochs_ended, self.seen = fail_at, 0, []

    def __len__(self):
        return STEPS

    def __getitem__(self, index):
        if index == self.fail_at:
            raise KeyError("no such record")
        self.seen.append(index)
        return X[index * BATCH:(index + 1) * BATCH], Y[index * BATCH:(index + 1) * BATCH]

    def on_epoch_end(self):
        self.epochs_ended += 1


def model():
    keras.utils.set_random_seed(7)
    m = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dropout(0.2),
                          keras.layers.Dense(2, activation="softmax")])
    m.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return m


def fitted_on_arrays(**kwargs):
    m = model()
    history = m.fit(X, Y, batch_size=BATCH, epochs=3, shuffle=False, verbose=0, **kwargs)
    return m, history.history


def assert_same(m, reference):
    for a, b in zip(m.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("source", ["generator", "generator_without_steps", "dataset", "dataset_threads",
                                    "dataset_processes"])
def test_batch_sources_train_exactly_like_the_same_batches_from_arrays(source):
    reference, expected = fitted_on_arrays(validation_data=(X[:50], Y[:50]))
    m = model()
    x, steps = {
        "generator": (batches(loops=3), STEPS),
        "generator_without_steps": (batches(loops=1), None),
        "dataset": (Batches(), None),
        "dataset_threads": (Batches(workers=3, max_queue_size=2), None),
        "dataset_processes": (Batches(workers=2, use_multiprocessing=True), None),
    }[source]
    epochs = 1 if source == "generator_without_steps" else 3
    history = m.fit(x, epochs=epochs, steps_per_epoch=steps, shuffle=False, verbose=0,
                    validation_data=(X[:50], Y[:50]))
    if epochs == 1:
        reference, expected = model(), None
        reference.fit(X, Y, batch_size=BATCH, epochs=1, shuffle=False, verbose=0)
    else:
        assert history.history == expected
    assert_same(m, reference)
    if isinstance(x, Batches):
        assert x.epochs_ended == 3
        if x.workers == 1:
            assert x.seen == list(range(STEPS)) * 3  # in index order when not shuffled


def test_validation_evaluate_and_predict_take_generators_and_datasets():
    _, expected = fitted_on_arrays(validation_data=(X, Y))
    m = model()
    history = m.fit(X, Y, batch_size=BATCH, epochs=3, shuffle=False, verbose=0,
                    validation_data=Batches(workers=2))
    assert history.history == expected
    logs = m.evaluate(X, Y, verbose=0, return_dict=True)
    assert m.evaluate(batches(), verbose=0, return_dict=True) == logs
    assert m.evaluate(Batches(), verbose=0, return_dict=True) == logs
    assert m.evaluate(batches(loops=5), steps=STEPS, verbose=0, return_dict=True) == logs
    expected_out = m.predict(X, verbose=0)
    np.testing.assert_array_equal(m.predict(Batches(workers=2), verbose=0), expected_out)
    np.testing.assert_array_equal(m.predict((x for x, _ in batches()), verbose=0), expected_out)
    np.testing.assert_array_equal(m.predict(batches(loops=9), steps=2, verbose=0), expected_out[:2 * BATCH])


def test_a_generator_with_sample_weights_and_validation_from_a_generator():
    w = np.linspace(0.5, 1.5, len(X)).astype("float32")
    reference = model()
    ref = reference.fit(X, Y, sample_weight=w, batch_size=BATCH, epochs=2, shuffle=False, verbose=0,
                        validation_data=(X[:64], Y[:64]))
    m = model()

    def weighted():
        while True:
            for i in range(0, len(X), BATCH):
                yield X[i:i + BATCH], Y[i:i + BATCH], w[i:i + BATCH]

    history = m.fit(weighted(), steps_per_epoch=STEPS, epochs=2, verbose=0,
                    validation_data=batches(X[:64], Y[:64], loops=2), validation_steps=2)
    assert history.history == ref.history
    assert_same(m, reference)


def test_pydataset_shuffles_its_batch_order_per_epoch_for_a_seed():
    orders = []
    for _ in range(2):
        ds = Batches()
        model().fit(ds, epochs=2, verbose=0)
        orders.append(ds.seen)
    assert orders[0] == orders[1]  # same seed, same order
    assert sorted(orders[0][:STEPS]) == list(range(STEPS)) and orders[0][:STEPS] != list(range(STEPS))
    assert orders[0][:STEPS] != orders[0][STEPS:]


def test_running_out_of_data_warns_and_stops_training():
    m = model()
    with pytest.warns(UserWarning, match="ran out of data"):
        history = m.fit(batches(loops=1), steps_per_epoch=4, epochs=3, verbose=0)
    assert len(history.history["loss"]) == 2  # 4 batches, then the last 3, then nothing
    assert m.optimizer.iterations == STEPS
    with pytest.warns(UserWarning, match="validation data ran out"):  # one pass of validation for two epochs
        history = m.fit(X, Y, epochs=2, verbose=0, validation_data=batches())
    assert len(history.history["val_loss"]) == 1 and len(history.history["loss"]) == 2


def test_bad_batches_are_refused_naming_the_batch():
    def changing_width():
        yield X[:BATCH], Y[:BATCH]
        yield X[:BATCH, :5], Y[:BATCH]

    m = model()
    with pytest.raises(ValueError, match=r"Batch 1 of `x`: Argument `x` must have shape \(n, 8\)"):
        m.fit(changing_width(), epochs=1, verbose=0)
    with pytest.raises(ValueError, match="Batch 0 of `x`: Argument `x` must have shape"):
        m.predict(iter([X[:4, None]]), verbose=0)
    with pytest.raises(ValueError, match="yielded no batches"):
        m.fit(iter([]), verbose=0)
    with pytest.raises(ValueError, match="`y` is not supported when `x` is a generator"):
        m.fit(batches(), Y, verbose=0)
    with pytest.raises(ValueError, match="A batch must be x, \\(x, y\\)"):
        m.fit(iter([(X, Y, None, None)]), verbose=0)
    with pytest.raises(KeyError, match="no such record") as info:
        m.fit(Batches(fail_at=2), verbose=0)
    assert "Batches.__getitem__(2)" in "".join(info.value.__notes__)
    with pytest.raises(KeyError) as info:
        m.evaluate(Batches(fail_at=0, workers=2), verbose=0)
    assert "Batches.__getitem__(0)" in "".join(info.value.__notes__)


def test_keras_names_and_arguments():
    assert keras.utils.Sequence is keras.utils.PyDataset
    ds = Batches(workers=4, use_multiprocessing=True, max_queue_size=3)
    assert (ds.workers, ds.use_multiprocessing, ds.max_queue_size, ds.num_batches) == (4, True, 3, STEPS)
    with pytest.raises(ValueError, match="workers"):
        Batches(workers=0)

    class NoInit(keras.utils.PyDataset):  # a subclass that skips super().__init__ still works
        def __len__(self):
            return 1

        def __getitem__(self, index):
            return X[:8], Y[:8]

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model().fit(NoInit(), verbose=0)
