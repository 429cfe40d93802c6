"""``fit``, ``evaluate`` and ``predict``: short Python loops around compiled chunks.

Training runs in chunks of batches, each one compiled call; a chunk is
sized to take about ``CHUNK_SECONDS`` so the progress bar and Ctrl-C stay
responsive while Python costs nothing measurable. When a callback needs
every batch (it overrides a per-batch hook), chunks are one batch long.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import config, random
from .._validate import integer, real
from ..callbacks import CallbackList
from .trainer import Inputs


class NotCompiledError(RuntimeError, ValueError):
    """Training or evaluating a model before ``compile``: a RuntimeError, as in Keras, and a ValueError."""


CHUNK_SECONDS = 0.1  # also how often the thread count follows other processes' load


def _next_chunk(chunk: int, seconds: float) -> int:
    """Grow or shrink the chunk so the next call takes about CHUNK_SECONDS."""
    if seconds <= 0:
        return chunk * 2
    return max(1, min(chunk * 4, int(chunk * CHUNK_SECONDS / seconds)))


def _callbacks(model, callbacks, verbose, epochs: int, steps: int) -> CallbackList:
    if verbose not in ("auto", 0, 1, 2):
        raise ValueError(f"Argument `verbose` must be 'auto', 0, 1 or 2. Received: verbose={verbose!r}")
    return CallbackList(callbacks, add_history=True, add_progbar=verbose != 0, model=model, verbose=verbose,
                        epochs=epochs, steps=steps)


def _print_compile(seconds: float) -> None:
    print(f"Compiled the program for this model in {seconds:.1f} s "
          "(done once: later runs load it from the cache).", flush=True)


def _warm_up(trainer, verbose: Any, *calls: tuple) -> None:
    """Compile (or load) each ``(method, args)`` step before the first batch, saying so when slow.

    Each call runs zero batches; at ``verbose >= 1`` a compile longer than a second prints one line.
    """
    calls = [(method, args) for method, args in calls if not trainer.compiled_for(args[0])]
    if not calls:  # every step is compiled already: no zero-batch call (a dispatch's cost) is needed
        return
    trainer.on_compile = _print_compile if verbose != 0 else None
    try:
        for method, args in calls:
            method(*args)
    finally:
        trainer.on_compile = None


def _split(x, y, sw, validation_split: float):
    validation_split = real("validation_split", validation_split, 0.0, 1.0, high_open=True)
    if validation_split == 0.0:
        return (x, y, sw), None
    n = x.shape[0]
    cut = int(n * (1.0 - validation_split))
    if cut == 0 or cut == n:
        raise ValueError(f"validation_split={validation_split} leaves no training or no validation samples out of {n}.")
    return (x[:cut], y[:cut], sw[:cut]), (x[cut:], y[cut:], sw[cut:])


def validation_arrays(model: Any, validation_data: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``validation_data`` given as arrays, checked and converted: ``(x, y, weights)``."""
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
        raise ValueError("Argument `validation_data` must be a tuple (x_val, y_val) or (x_val, y_val, "
                         "sample_weight), a generator or a PyDataset.")
    try:
        xs, ys, sw = prepare(model, *validation_data)
    except (ValueError, TypeError) as err:
        raise type(err)(f"Invalid `validation_data`: {err}") from None
    return xs, ys, sw


def prepare(model: Any, x: Any, y: Any, sample_weight: Any = None,
            class_weight: dict | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Check and convert ``x``, ``y`` and weights for the compiled model (building it from ``x`` if needed).

    Every check on ``x`` runs before the model is built, so bad data leaves an unbuilt model unbuilt.
    """
    if model.loss is None:
        raise NotCompiledError(
            "You must call `compile()` before using the model for training or evaluation, "
            "e.g. model.compile(optimizer='rmsprop', loss='binary_crossentropy')."
        )
    xs = inputs(model, x)
    if y is None:
        raise ValueError("Argument `y` is required: this model is trained on (x, y) pairs.")
    ys, sw = model.convert_targets(y, xs.shape[0], sample_weight, class_weight)
    return xs, ys, sw


def inputs(model: Any, x: Any) -> np.ndarray:
    """``x`` checked and flattened per sample; builds the model from its shape if needed."""
    xs = model.convert_inputs(x)
    if not model.built:
        model.ensure_built(x)
    return xs


def fit(model: Any, x: Any = None, y: Any = None, batch_size: int | None = None, epochs: int = 1,
        verbose: Any = "auto", callbacks: Any = None, validation_split: float = 0.0, validation_data: Any = None,
        shuffle: bool = True, class_weight: dict | None = None, sample_weight: Any = None, initial_epoch: int = 0,
        steps_per_epoch: int | None = None, validation_steps: int | None = None,
        validation_batch_size: int | None = None, validation_freq: int = 1) -> Any:
    """See ``Sequential.fit``."""
    batch_size = integer("batch_size", 32 if batch_size is None else batch_size, 1)
    epochs = integer("epochs", epochs, 1)
    initial_epoch = integer("initial_epoch", initial_epoch, 0)
    validation_freq = integer("validation_freq", validation_freq, 1)
    steps_per_epoch = integer("steps_per_epoch", steps_per_epoch, 1, none=True)
    validation_steps = integer("validation_steps", validation_steps, 1, none=True)
    from . import batches

    if batches.is_source(x):
        batches.refuse_arrays_beside("x", y=y, sample_weight=sample_weight,
                                     validation_split=validation_split or None)
        return batches.fit(model, x, epochs, verbose, callbacks, validation_data, shuffle, class_weight,
                           initial_epoch, steps_per_epoch, validation_steps, validation_batch_size, validation_freq)
    xs, ys, sw = prepare(model, x, y, sample_weight, class_weight)
    val = None
    if validation_data is None:  # as Keras: an explicit validation set wins over validation_split
        (xs, ys, sw), val = _split(xs, ys, sw, validation_split)
    elif not batches.is_source(validation_data):
        val = validation_arrays(model, validation_data)
    trainer = model.trainer(ys)
    if val is not None:
        val = (trainer.inputs(val[0], validation_batch_size or batch_size), *val[1:])
    n = xs.shape[0]
    train_inputs = trainer.inputs(xs, batch_size)
    steps = min(math.ceil(n / batch_size), steps_per_epoch or n)
    cbs = _callbacks(model, callbacks, verbose, epochs, steps)
    warm = [(trainer.train, (train_inputs, ys, sw, np.arange(1), 0, 0, batch_size, np.zeros(1), 0))]
    if val is not None:
        warm.append((trainer.test, (val[0], *val[1:], np.arange(1), 0, 0, validation_batch_size or batch_size)))
    _warm_up(trainer, verbose, *warm)
    rng = random.generator()

    def train_epoch(epoch: int) -> dict:
        order = rng.permutation(n) if shuffle else np.arange(n)
        return _train_epoch(model, trainer, cbs, train_inputs, ys, sw, order, steps, batch_size)

    validate = None
    if val is not None:
        def validate() -> dict:
            return _evaluate(trainer, *val, validation_batch_size or batch_size, cbs, validation_steps)
    elif validation_data is not None:
        def validate() -> dict:
            return batches.validate(model, trainer, validation_data, validation_steps)
    return run_epochs(model, trainer, cbs, range(initial_epoch, epochs), train_epoch, validate, validation_freq)


def run_epochs(model: Any, trainer: Any, cbs: CallbackList, epochs: range, train_epoch: Callable,
               validate: Callable | None, validation_freq: int) -> Any:
    """The epoch loop of every ``fit``: ``train_epoch(epoch)`` trains one epoch and returns its logs (None when
    no data was left), ``validate()`` returns the validation logs."""
    model.stop_training = False
    logs: dict[str, float] = {}
    cbs.on_train_begin()
    try:
        for epoch in epochs:
            cbs.on_epoch_begin(epoch)
            trainer.refresh_optimizer()  # callbacks may have changed its hyperparameters
            trainer.reset_metrics()
            epoch_logs = train_epoch(epoch)
            if epoch_logs is None:
                break
            logs = epoch_logs
            if validate is not None and (epoch + 1) % validation_freq == 0:
                cbs.on_test_begin()
                val_logs = validate()
                cbs.on_test_end(val_logs)
                logs.update({"val_" + k: v for k, v in val_logs.items()})
                trainer.reset_metrics()
            cbs.on_epoch_end(epoch, logs)
            if model.stop_training:
                break
    except KeyboardInterrupt:
        # Weights and history hold every completed batch and epoch; callbacks close, then Ctrl-C goes on.
        cbs.on_train_end(logs)
        raise
    cbs.on_train_end(logs)
    return model.history


def _train_epoch(model, trainer, cbs, inputs, ys, sw, order, steps, batch_size) -> dict:
    try:
        return _train_steps(model, trainer, cbs, inputs, ys, sw, order, steps, batch_size)
    finally:
        trainer.release()


def _train_steps(model, trainer, cbs, inputs, ys, sw, order, steps, batch_size) -> dict:
    per_batch = cbs.needs_batch_hooks()
    opt = trainer.optimizer
    b = 0
    logs: dict[str, float] = {}
    while b < steps:
        n = 1 if per_batch else min(trainer.chunk, steps - b)
        if per_batch:
            cbs.on_train_batch_begin(b)
        lrs = opt.learning_rates(n)
        config.adapt_num_threads()
        start = time.perf_counter()
        done = trainer.train(inputs, ys, sw, order, b, n, batch_size, lrs, opt.iterations)
        if not per_batch:
            trainer.chunk = _next_chunk(n, time.perf_counter() - start)
        b += done  # the optimizer's iterations advanced inside the call
        logs = trainer.logs()
        if done < n:  # batch b gave a non-finite loss; its update was not applied
            cbs.on_train_batch_end(b, logs)
            warnings.warn(f"Loss became {logs.get('loss')} at batch {b}: training stopped.", RuntimeWarning,
                          stacklevel=4)
            model.stop_training = True
            break
        cbs.on_train_batch_end(b - 1, logs)
        if model.stop_training and per_batch:
            break
    return dict(sorted(logs.items()))


def _evaluate(trainer, inputs, ys, sw, batch_size: int, cbs: CallbackList | None = None,
              max_steps: int | None = None) -> dict:
    """Loss and metrics over the data (at most ``max_steps`` batches), in inference mode."""
    trainer.reset_metrics()
    n = inputs.n
    steps = min(math.ceil(n / batch_size), max_steps or n)
    order = np.arange(n)
    per_batch = cbs is not None and cbs.needs_batch_hooks("test")
    chunk = 1
    b = 0
    while b < steps:
        k = 1 if per_batch else min(chunk, steps - b)
        if per_batch:
            cbs.on_test_batch_begin(b)
        start = time.perf_counter()
        trainer.test(inputs, ys, sw, order, b, k, batch_size)
        chunk = _next_chunk(k, time.perf_counter() - start)
        b += k
        if cbs is not None:
            cbs.on_test_batch_end(b - 1, trainer.logs())
    return dict(sorted(trainer.logs().items()))


def evaluate(model: Any, x: Any = None, y: Any = None, batch_size: int | None = None, verbose: Any = "auto",
             sample_weight: Any = None, steps: int | None = None, callbacks: Any = None,
             return_dict: bool = False) -> Any:
    """See ``Sequential.evaluate``."""
    from . import batches

    batch_size = integer("batch_size", 32 if batch_size is None else batch_size, 1)
    steps = integer("steps", steps, 1, none=True)
    if batches.is_source(x):
        batches.refuse_arrays_beside("x", y=y, sample_weight=sample_weight)
        logs = batches.evaluate(model, x, verbose, steps, callbacks)
        trainer = model.trainer(None)
    else:
        xs, ys, sw = prepare(model, x, y, sample_weight)
        trainer = model.trainer(ys)
        cbs = _callbacks(model, callbacks, verbose, 1, min(math.ceil(xs.shape[0] / batch_size), steps or xs.shape[0]))
        rows = trainer.inputs(xs, batch_size)
        _warm_up(trainer, verbose, (trainer.test, (rows, ys, sw, np.arange(1), 0, 0, batch_size)))
        cbs.on_test_begin()
        logs = _evaluate(trainer, rows, ys, sw, batch_size, cbs, steps)
        cbs.on_test_end(logs)
    return _ordered(trainer, logs, return_dict)


def predict(model: Any, x: Any, batch_size: int | None = None, verbose: Any = "auto", steps: int | None = None,
            callbacks: Any = None, training: bool = False,
            step: int = 0) -> np.ndarray:
    """See ``Sequential.predict``."""
    batch_size = integer("batch_size", 32 if batch_size is None else batch_size, 1)
    steps = integer("steps", steps, 1, none=True)
    if not isinstance(x, np.ndarray):
        from . import batches

        if batches.is_source(x):
            return batches.predict(model, x, verbose, steps, callbacks, training)
    xs = inputs(model, x)
    if steps is not None:
        xs = xs[:steps * batch_size]
    trainer = model.trainer(None)
    n = xs.shape[0]
    rows = trainer.inputs(xs, batch_size)
    order = np.arange(n)
    out = np.empty((n, trainer.output_width), xs.dtype)
    if n <= batch_size and not verbose and callbacks is None:  # one batch and nothing to report: one call
        trainer.predict(rows, order, 0, 1, batch_size, out, training, step)
        return model.split_outputs(out)
    steps = math.ceil(n / batch_size)
    cbs = _callbacks(model, callbacks, verbose, 1, steps) if verbose or callbacks else None
    _warm_up(trainer, verbose, (trainer.predict, (rows, order, 0, 0, batch_size, out, training, step)))
    if cbs is not None:
        cbs.on_predict_begin()
    chunk, b = 1, 0
    while b < steps:
        k = min(chunk, steps - b)
        start = time.perf_counter()
        trainer.predict(rows, order, b, k, batch_size, out, training, step)
        chunk = _next_chunk(k, time.perf_counter() - start)
        b += k
        if cbs is not None:
            cbs.on_predict_batch_end(b - 1, {})
    if cbs is not None:
        cbs.on_predict_end()
    return model.split_outputs(out)


def train_on_batch(model: Any, x: Any, y: Any, sample_weight: Any = None, class_weight: dict | None = None,
                   return_dict: bool = False) -> Any:
    """See ``Sequential.train_on_batch``."""
    xs, ys, sw = prepare(model, x, y, sample_weight, class_weight)
    trainer = model.trainer(ys)
    opt = trainer.optimizer
    trainer.reset_metrics()
    n = xs.shape[0]
    done = trainer.train(Inputs(xs), ys, sw, np.arange(n), 0, 1, n, opt.learning_rates(1), opt.iterations)
    if not done:
        warnings.warn(f"Loss became {trainer.logs().get('loss')}: the update was not applied.", RuntimeWarning,
                      stacklevel=3)
    return _result(trainer, return_dict)


def test_on_batch(model: Any, x: Any, y: Any, sample_weight: Any = None, return_dict: bool = False) -> Any:
    """See ``Sequential.test_on_batch``."""
    xs, ys, sw = prepare(model, x, y, sample_weight)
    trainer = model.trainer(ys)
    trainer.reset_metrics()
    trainer.test(Inputs(xs), ys, sw, np.arange(xs.shape[0]), 0, 1, xs.shape[0])
    return _result(trainer, return_dict)


def _result(trainer, return_dict: bool) -> Any:
    return _ordered(trainer, trainer.logs(), return_dict)


def _ordered(trainer, logs: dict, return_dict: bool) -> Any:
    """The logs as a dict (by name), or as ``[loss, *output losses, *metrics]`` (the loss alone without others)."""
    if return_dict:
        return dict(sorted(logs.items()))
    ordered = [logs[name] for name in trainer.log_names()]
    return ordered[0] if len(ordered) == 1 else ordered
