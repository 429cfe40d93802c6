"""``fit``, ``evaluate`` and ``predict`` on data given batch by batch: a Python generator (or any
iterator) or a ``keras.utils.PyDataset``.

Each batch is checked like an array would be, then copied into the compiled
program's buffers and run as one compiled call, so a step costs what
``train_on_batch`` costs. A generator without ``steps_per_epoch`` ends its
epoch when it is exhausted, and running out of data ends training with a
warning, as in Keras. A PyDataset's batches come in index order (shuffled
per epoch by ``fit(shuffle=True)``), fetched ahead by its workers.
"""

from __future__ import annotations

import itertools
import warnings
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

import numpy as np

from .. import config, random
from ..utils.py_dataset import PyDataset
from . import loops
from .trainer import Inputs


def is_source(x: Any) -> bool:
    """True for data given batch by batch: a PyDataset, a generator or another iterator."""
    return isinstance(x, PyDataset) or (isinstance(x, Iterator) and not isinstance(x, np.ndarray))


_worker_dataset: PyDataset | None = None


def _init_worker(dataset: PyDataset) -> None:
    global _worker_dataset
    _worker_dataset = dataset


def _worker_item(index: int) -> Any:
    return _worker_dataset[index]


class BatchSource:
    """The batches of a generator or PyDataset, one epoch at a time."""

    def __init__(self, data_: Any, name: str) -> None:
        self.name = name
        self.dataset = data_ if isinstance(data_, PyDataset) else None
        self.iterator = None if self.dataset is not None else data_

    @property
    def steps(self) -> int | None:
        """Batches per epoch, when known (a PyDataset's length)."""
        return None if self.dataset is None else self.dataset.num_batches

    def epoch(self, steps: int | None, shuffle: bool = False) -> Iterator[Any]:
        """The batches of one epoch: ``steps`` of them, or all there are."""
        if self.dataset is None:
            return itertools.islice(self.iterator, steps)
        self.dataset.on_epoch_begin()
        n = len(self.dataset)
        order = random.generator().permutation(n) if shuffle else np.arange(n)
        return self._fetch([int(i) for i in order[:steps]])

    def end_epoch(self) -> None:
        """Tell a PyDataset its epoch is over."""
        if self.dataset is not None:
            self.dataset.on_epoch_end()

    def _item(self, index: int, fetch) -> Any:
        try:
            return fetch(index)
        except Exception as err:
            err.add_note(f"(raised by `{self.name}`: {type(self.dataset).__name__}.__getitem__({index}))")
            raise

    def _fetch(self, order: list[int]) -> Iterator[Any]:
        ds = self.dataset
        if ds.workers <= 1:
            for i in order:
                yield self._item(i, ds.__getitem__)
            return
        pool = ProcessPoolExecutor(ds.workers, initializer=_init_worker, initargs=(ds,)) \
            if ds.use_multiprocessing else ThreadPoolExecutor(ds.workers)
        submit = (lambda i: pool.submit(_worker_item, i)) if ds.use_multiprocessing else \
            (lambda i: pool.submit(ds.__getitem__, i))
        indices = iter(order)
        pending = deque((i, submit(i)) for i in itertools.islice(indices, ds.max_queue_size))
        try:
            while pending:
                i, future = pending.popleft()
                for j in itertools.islice(indices, 1):
                    pending.append((j, submit(j)))
                yield self._item(i, lambda _, done=future: done.result())
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def unpack(batch: Any) -> tuple[Any, Any, Any]:
    """``(x, y, sample_weight)`` of a batch given as ``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``."""
    if isinstance(batch, list):
        batch = tuple(batch)
    if not isinstance(batch, tuple):
        return batch, None, None
    if not 1 <= len(batch) <= 3:
        raise ValueError(f"A batch must be x, (x, y) or (x, y, sample_weight). Received a tuple of {len(batch)}.")
    return (*batch, None, None)[:3]


def _prepared(model, batch, index: int, name: str, class_weight=None) -> tuple[np.ndarray, ...]:
    try:
        return loops.prepare(model, *unpack(batch), class_weight=class_weight)
    except (ValueError, TypeError) as err:
        raise type(err)(f"Batch {index} of `{name}`: {err}") from None


def refuse_arrays_beside(name: str, **given: Any) -> None:
    """Keras's rule: targets and weights come inside the batches of a generator or PyDataset."""
    for arg, value in given.items():
        if value is not None:
            raise ValueError(f"Argument `{arg}` is not supported when `{name}` is a generator or PyDataset: "
                             "its batches carry the targets and sample weights.")


def _order(n: int, cache: dict) -> np.ndarray:
    if cache.get("order") is None or cache["order"].shape[0] < n:
        cache["order"] = np.arange(max(n, 2 * (0 if cache.get("order") is None else cache["order"].shape[0])))
    return cache["order"][:n]


def _ran_out(model, what: str) -> None:
    warnings.warn(f"Your input ran out of data; interrupting {what}. Make sure that `x` can generate at least "
                  "`steps_per_epoch * epochs` batches.", UserWarning, stacklevel=5)
    model.stop_training = True


def fit(model: Any, x: Any, epochs: int, verbose: Any, callbacks: Any, validation_data: Any, shuffle: bool,
        class_weight: dict | None, initial_epoch: int, steps_per_epoch: int | None, validation_steps: int | None,
        validation_batch_size: int | None, validation_freq: int) -> Any:
    """``fit`` on a generator or PyDataset ``x`` (see ``Sequential.fit``)."""
    source = BatchSource(x, "x")
    steps = steps_per_epoch or source.steps
    batches = source.epoch(steps, shuffle)
    first = next(batches, None)
    if first is None:
        raise ValueError("Argument `x` yielded no batches.")
    xs, ys, sw = _prepared(model, first, 0, "x", class_weight)
    trainer = model.trainer(ys)
    cache: dict = {}
    loops._warm_up(trainer, verbose, (trainer.train, (Inputs(xs), ys, sw, _order(1, cache), 0, 0, 1,
                                                      np.zeros(1), 0)))
    val = None if validation_data is None or is_source(validation_data) else \
        loops.validation_arrays(model, validation_data)
    if val is not None:
        val = (trainer.inputs(val[0], validation_batch_size or 32), *val[1:])
    cbs = loops._callbacks(model, callbacks, verbose, epochs, steps)
    pending = [first]  # the batch read to build the model opens the first epoch

    def train_epoch(epoch: int) -> dict | None:
        epoch_batches = itertools.chain([pending.pop()], batches) if pending else source.epoch(steps, shuffle)
        logs, count = _train_epoch(model, trainer, cbs, epoch_batches, class_weight, cache)
        source.end_epoch()
        if count == 0 or (steps_per_epoch and count < steps_per_epoch and source.dataset is None):
            _ran_out(model, "training")
        return logs if count else None

    run_validation = None
    if val is not None:
        def run_validation() -> dict:
            return loops._evaluate(trainer, *val, validation_batch_size or 32, cbs, validation_steps)
    elif validation_data is not None:
        def run_validation() -> dict:
            return validate(model, trainer, validation_data, validation_steps, cache)
    return loops.run_epochs(model, trainer, cbs, range(initial_epoch, epochs), train_epoch, run_validation,
                            validation_freq)


def _train_epoch(model, trainer, cbs, batches, class_weight, cache) -> tuple[dict, int]:
    opt = trainer.optimizer
    logs: dict[str, float] = {}
    count = 0
    for b, batch in enumerate(batches):
        xs, ys, sw = _prepared(model, batch, b, "x", class_weight)
        n = xs.shape[0]
        cbs.on_train_batch_begin(b)
        config.adapt_num_threads()
        done = trainer.train(Inputs(xs), ys, sw, _order(n, cache), 0, 1, n, opt.learning_rates(1), opt.iterations)
        count += 1
        logs = trainer.logs()
        cbs.on_train_batch_end(b, logs)
        if not done:
            warnings.warn(f"Loss became {logs.get('loss')} at batch {b}: training stopped.", RuntimeWarning,
                          stacklevel=4)
            model.stop_training = True
        if model.stop_training:
            break
    return dict(sorted(logs.items())), count


def _test(model, trainer, batches, cache: dict, name: str, cbs=None) -> dict:
    """Loss and metrics over ``batches``, in inference mode."""
    trainer.reset_metrics()
    for b, batch in enumerate(batches):
        xs, ys, sw = _prepared(model, batch, b, name)
        if cbs is not None:
            cbs.on_test_batch_begin(b)
        trainer.test(Inputs(xs), ys, sw, _order(xs.shape[0], cache), 0, 1, xs.shape[0])
        if cbs is not None:
            cbs.on_test_batch_end(b, trainer.logs())
    return dict(sorted(trainer.logs().items()))


def validate(model, trainer, validation_data, steps: int | None, cache: dict | None = None) -> dict:
    """Loss and metrics over one pass of a generator or PyDataset ``validation_data``."""
    cache = {} if cache is None else cache
    source = BatchSource(validation_data, "validation_data")
    seen = []
    counted = (seen.append(b) or b for b in source.epoch(steps or source.steps))
    logs = _test(model, trainer, counted, cache, "validation_data")
    source.end_epoch()
    if not seen:
        warnings.warn("Your validation data ran out: this epoch has no validation logs. Give `validation_steps` "
                      "and a generator that yields that many batches per epoch.", UserWarning, stacklevel=4)
        return {}
    return logs


def evaluate(model: Any, x: Any, verbose: Any, steps: int | None, callbacks: Any) -> dict:
    """``evaluate`` on a generator or PyDataset ``x``: its logs."""
    source = BatchSource(x, "x")
    batches = source.epoch(steps or source.steps)
    first = next(batches, None)
    if first is None:
        raise ValueError("Argument `x` yielded no batches.")
    xs, ys, sw = _prepared(model, first, 0, "x")
    trainer = model.trainer(ys)
    cache: dict = {}
    loops._warm_up(trainer, verbose, (trainer.test, (Inputs(xs), ys, sw, _order(1, cache), 0, 0, 1)))
    cbs = loops._callbacks(model, callbacks, verbose, 1, steps or source.steps)
    cbs.on_test_begin()
    logs = _test(model, trainer, itertools.chain([first], batches), cache, "x", cbs)
    source.end_epoch()
    cbs.on_test_end(logs)
    return logs


def predict(model: Any, x: Any, verbose: Any, steps: int | None, callbacks: Any, training: bool = False) -> np.ndarray:
    """``predict`` on a generator or PyDataset ``x``: the outputs of every batch, stacked."""
    source = BatchSource(x, "x")
    steps = steps or source.steps
    cbs = loops._callbacks(model, callbacks, verbose, 1, steps) if verbose or callbacks else None
    outputs, cache = [], {}
    trainer = None
    for b, batch in enumerate(source.epoch(steps)):
        try:
            xs = loops.inputs(model, unpack(batch)[0])
        except (ValueError, TypeError) as err:
            raise type(err)(f"Batch {b} of `x`: {err}") from None
        if trainer is None:
            trainer = model.trainer(None)
            if cbs is not None:
                cbs.on_predict_begin()
        out = np.empty((xs.shape[0], trainer.output_width), xs.dtype)
        trainer.predict(Inputs(xs), _order(xs.shape[0], cache), 0, 1, xs.shape[0], out, training)
        outputs.append(out)
        if cbs is not None:
            cbs.on_predict_batch_end(b, {})
    source.end_epoch()
    if not outputs:
        raise ValueError("Argument `x` yielded no batches.")
    if cbs is not None:
        cbs.on_predict_end()
    return model.split_outputs(np.concatenate(outputs))

