"""Callbacks against hand-traced expectations, using a fake model.

The fake model has exactly the interface callbacks may rely on:
``stop_training``, ``optimizer.learning_rate``, ``get_weights``/``set_weights``,
``save(path)`` and ``save_weights(path)``.
"""

from __future__ import annotations

import json
import math
import sys
import warnings

import numpy as np
import pytest

from jitnet import callbacks as cbs
from jitnet.callbacks import (
    CALLBACKS,
    Callback,
    CallbackList,
    CSVLogger,
    EarlyStopping,
    History,
    LambdaCallback,
    LearningRateScheduler,
    ModelCheckpoint,
    ProgbarLogger,
    ReduceLROnPlateau,
    TerminateOnNaN,
    infer_mode,
)
from jitnet.utils import progbar as progbar_module

BAR20 = "━" * 20


class FakeOptimizer:
    def __init__(self, learning_rate: float) -> None:
        self.learning_rate = learning_rate


class FakeModel:
    def __init__(self, learning_rate: float = 0.01) -> None:
        self.stop_training = False
        self.optimizer = FakeOptimizer(learning_rate)
        self.weights = [np.zeros((2, 2)), np.zeros(2)]
        self.saved: list[tuple[str, str]] = []

    def get_weights(self) -> list[np.ndarray]:
        return [w.copy() for w in self.weights]

    def set_weights(self, weights: list[np.ndarray]) -> None:
        self.weights = [np.array(w, copy=True) for w in weights]

    def save(self, path: str) -> None:
        self.saved.append(("model", path))
        with open(path, "w") as f:
            f.write("model")

    def save_weights(self, path: str) -> None:
        self.saved.append(("weights", path))
        with open(path, "w") as f:
            f.write("weights")


def mark_weights(model: FakeModel, epoch: int) -> None:
    """Weights that tell which epoch produced them."""
    model.weights = [np.full((2, 2), float(epoch)), np.full(2, float(epoch))]


def weights_epoch(model: FakeModel) -> float:
    return float(model.weights[0][0, 0])


def run(callback: Callback, values, monitor="val_loss", model=None):
    """Drive ``callback`` like fit does with one monitored value per epoch.

    The model's weights are set to the epoch number before each epoch end.
    Returns (model, number of epochs run).
    """
    model = model or FakeModel()
    callback.set_model(model)
    callback.on_train_begin()
    epochs = 0
    for epoch, value in enumerate(values):
        epochs += 1
        mark_weights(model, epoch)
        callback.on_epoch_end(epoch, {"loss": 1.0, monitor: value})
        if model.stop_training:
            break
    callback.on_train_end()
    return model, epochs


# ---------------------------------------------------------------------------
# EarlyStopping
# ---------------------------------------------------------------------------
def test_early_stopping_patience_counting():
    es = EarlyStopping(patience=2)
    # e0 best=1.0 wait 0 | e1 0.9 improves, wait 0 | e2 0.95 wait 1
    # e3 0.92 wait 2 >= patience -> stop at epoch 3
    model, epochs = run(es, [1.0, 0.9, 0.95, 0.92, 0.91, 0.5])
    assert epochs == 4
    assert model.stop_training
    assert es.stopped_epoch == 3
    assert es.wait == 2
    assert es.best == 0.9
    assert es.best_epoch == 1


def test_early_stopping_patience_zero_stops_at_first_non_improvement():
    es = EarlyStopping(monitor="loss", patience=0)
    model = FakeModel()
    es.set_model(model)
    es.on_train_begin()
    es.on_epoch_end(0, {"loss": 1.0})
    es.on_epoch_end(1, {"loss": 0.5})
    assert not model.stop_training
    es.on_epoch_end(2, {"loss": 0.5})  # equal is not better
    assert model.stop_training and es.stopped_epoch == 2


def test_early_stopping_min_delta():
    es = EarlyStopping(min_delta=-0.1, patience=2)  # sign is ignored
    assert es.min_delta == 0.1
    # e0 best 1.0 | e1 0.95: 0.95 + 0.1 < 1.0? no, wait 1
    # e2 0.85: 0.95 < 1.0 yes, best 0.85 wait 0 | e3 0.8: 0.9 < 0.85? no, wait 1
    model, epochs = run(es, [1.0, 0.95, 0.85, 0.8])
    assert epochs == 4 and not model.stop_training
    assert es.best == 0.85 and es.wait == 1


def test_early_stopping_infers_max_for_accuracy():
    es = EarlyStopping(monitor="val_accuracy", patience=1)
    # e0 0.5 | e1 0.6 better | e2 0.55 wait 1 -> stop
    _, epochs = run(es, [0.5, 0.6, 0.55, 0.58], monitor="val_accuracy")
    assert es.direction == "max"
    assert epochs == 3 and es.stopped_epoch == 2 and es.best == 0.6


@pytest.mark.parametrize(
    "monitor, mode",
    [("loss", "min"), ("val_loss", "min"), ("accuracy", "max"), ("val_acc", "max"),
     ("val_sparse_categorical_accuracy", "max"), ("auc", "max"), ("val_auc", "max"),
     ("precision", "max"), ("val_recall", "max"), ("mean_squared_error", "min"),
     ("val_mae", "min"), ("val_binary_crossentropy", "min"), ("reconstruction_loss", "min")],
)  # fmt: skip
def test_infer_mode(monitor, mode):
    assert infer_mode(monitor) == mode


def test_infer_mode_prefers_metric_direction():
    class Metric:
        name = "custom"
        _direction = "up"

    class Model:
        def __init__(self):
            self.metrics = [Metric()]

    assert infer_mode("val_custom", Model()) == "max"


def test_unknown_direction_raises_at_first_epoch_and_explicit_mode_works():
    es = EarlyStopping(monitor="val_foo")
    es.set_model(FakeModel())
    with pytest.raises(ValueError, match="mode='max'"):
        es.on_epoch_end(0, {"val_foo": 1.0})
    es = EarlyStopping(monitor="val_foo", mode="max", patience=0)
    model, epochs = run(es, [1.0, 0.5], monitor="val_foo")
    assert epochs == 2 and model.stop_training


def test_unknown_mode_warns_and_falls_back_to_auto():
    with pytest.warns(UserWarning, match="mode 'bogus' is unknown"):
        es = EarlyStopping(mode="bogus")
    assert es.mode == "auto"


def test_early_stopping_baseline_not_beaten_keeps_counting():
    # baseline 0.5: e0 0.8 improves on None but not on the baseline -> wait 1
    # e1 0.9 no improvement, wait 2 >= 2 -> stop at epoch 1
    es = EarlyStopping(patience=2, baseline=0.5)
    _, epochs = run(es, [0.8, 0.9, 0.85])
    assert epochs == 2 and es.stopped_epoch == 1 and es.wait == 2
    # without a baseline: wait 0, 1, 2 -> stop at epoch 2
    es = EarlyStopping(patience=2)
    _, epochs = run(es, [0.8, 0.9, 0.85])
    assert epochs == 3 and es.stopped_epoch == 2


def test_early_stopping_baseline_beaten_resets_wait():
    es = EarlyStopping(patience=2, baseline=0.5)
    # e0 0.4 beats baseline: wait 0 | e1 wait 1 | e2 wait 2 -> stop
    _, epochs = run(es, [0.4, 0.45, 0.42, 0.41])
    assert epochs == 3 and es.stopped_epoch == 2 and es.best == 0.4


def test_early_stopping_start_from_epoch():
    es = EarlyStopping(monitor="loss", patience=0, start_from_epoch=2)
    # e0, e1 ignored | e2 best 3.0 | e3 wait 1 -> stop at 3
    _, epochs = run(es, [1.0, 2.0, 3.0, 4.0, 5.0], monitor="loss")
    assert epochs == 4 and es.stopped_epoch == 3 and es.best == 3.0
    es = EarlyStopping(monitor="loss", patience=0)
    _, epochs = run(es, [1.0, 2.0, 3.0, 4.0, 5.0], monitor="loss")
    assert epochs == 2 and es.stopped_epoch == 1


def test_restore_best_weights_on_early_stop(capsys):
    es = EarlyStopping(patience=2, restore_best_weights=True, verbose=1)
    # best at epoch 1; stops at epoch 3 with epoch-3 weights, then restores epoch 1
    model, epochs = run(es, [1.0, 0.5, 0.7, 0.8, 0.1])
    assert epochs == 4
    assert es.best_epoch == 1
    assert weights_epoch(model) == 1.0
    assert capsys.readouterr().out == (
        "Epoch 4: early stopping\n"
        "Restoring model weights from the end of the best epoch: 2.\n"
    )


def test_restore_best_weights_without_early_stop():
    es = EarlyStopping(patience=10, restore_best_weights=True)
    model, epochs = run(es, [1.0, 0.5, 0.7])
    assert epochs == 3 and not model.stop_training and es.stopped_epoch == 0
    assert weights_epoch(model) == 1.0  # Keras 3 restores at train end regardless


def test_restore_best_weights_keeps_best_even_below_baseline():
    es = EarlyStopping(patience=2, baseline=0.1, restore_best_weights=True)
    # baseline never beaten, so wait is never reset: e0 best 0.8, wait 1 |
    # e1 0.6 improves (best epoch 1), wait 2 | e2 wait 3 >= 2 -> stop at epoch 2
    model, epochs = run(es, [0.8, 0.6, 0.7, 0.9])
    assert epochs == 3 and es.stopped_epoch == 2
    assert weights_epoch(model) == 1.0


def test_no_restore_when_never_monitored():
    es = EarlyStopping(monitor="val_loss", restore_best_weights=True)
    model = FakeModel()
    mark_weights(model, 7)
    es.set_model(model)
    es.on_train_begin()
    with pytest.warns(UserWarning):
        es.on_epoch_end(0, {"loss": 1.0})
    es.on_train_end()
    assert weights_epoch(model) == 7.0


def test_missing_monitor_warns_with_available_keys():
    es = EarlyStopping(monitor="val_loss")
    es.set_model(FakeModel())
    with pytest.warns(UserWarning, match=r"`val_loss` which is not available\. "
                      r"Available metrics are: loss,accuracy"):  # fmt: skip
        es.on_epoch_end(0, {"loss": 1.0, "accuracy": 0.5})
    assert es.wait == 0 and es.best is None


def test_early_stopping_is_reusable():
    es = EarlyStopping(patience=0)
    run(es, [1.0, 2.0])
    assert es.stopped_epoch == 1
    _, epochs = run(es, [1.0, 0.5, 0.4])
    assert epochs == 3 and es.stopped_epoch == 0 and es.best == 0.4


@pytest.mark.parametrize("cls", [EarlyStopping, ReduceLROnPlateau])
def test_negative_patience_is_rejected(cls):
    with pytest.raises(ValueError, match="patience"):
        cls(patience=-1)


# ---------------------------------------------------------------------------
# ReduceLROnPlateau
# ---------------------------------------------------------------------------
def test_reduce_lr_with_cooldown_and_min_lr():
    model = FakeModel(learning_rate=1.0)
    cb = ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1, cooldown=2,
                           min_lr=0.2, min_delta=0.0)  # fmt: skip
    cb.set_model(model)
    cb.on_train_begin()
    logged = []
    for epoch in range(9):
        logs = {"loss": 1.0}
        cb.on_epoch_end(epoch, logs)
        logged.append(logs["learning_rate"])
    # e0 best 1.0 | e1 wait 1 -> 0.5, cooldown 2 | e2 cooldown 1 | e3 cooldown 0,
    # wait 1 -> 0.25 | e4 cooldown 1 | e5 wait 1 -> max(0.125, 0.2) = 0.2 |
    # e6 cooldown 1 | e7, e8: 0.2 is not above float32(0.2): no change.
    # The logged rate is the one used during the epoch (before a change).
    assert logged == [1.0, 1.0, 0.5, 0.5, 0.25, 0.25, 0.2, 0.2, 0.2]
    assert model.optimizer.learning_rate == 0.2
    assert cb.wait == 2  # not reset when the rate is already at min_lr


def test_reduce_lr_improvement_resets_wait():
    model = FakeModel(learning_rate=0.1)
    cb = ReduceLROnPlateau(monitor="val_accuracy", factor=0.1, patience=2)
    cb.set_model(model)
    cb.on_train_begin()
    for epoch, acc in enumerate([0.5, 0.5, 0.6, 0.6, 0.6]):
        cb.on_epoch_end(epoch, {"val_accuracy": acc})
    # mode max: e0 best 0.5 | e1 wait 1 | e2 better, wait 0 | e3 wait 1 | e4 wait 2 -> reduce
    assert cb.direction == "max" and cb.best == 0.6
    assert model.optimizer.learning_rate == pytest.approx(0.01)
    assert cb.wait == 0


def test_reduce_lr_min_delta_default():
    model = FakeModel(learning_rate=1.0)
    cb = ReduceLROnPlateau(monitor="loss", patience=1, factor=0.5)
    cb.set_model(model)
    cb.on_train_begin()
    cb.on_epoch_end(0, {"loss": 1.0})
    cb.on_epoch_end(1, {"loss": 0.99995})  # less than 1e-4 better: no improvement
    assert model.optimizer.learning_rate == 0.5


def test_reduce_lr_verbose_message(capsys):
    model = FakeModel(learning_rate=1.0)
    cb = ReduceLROnPlateau(monitor="loss", patience=0, factor=0.5, verbose=1)
    cb.set_model(model)
    cb.on_epoch_end(0, {"loss": 1.0})
    cb.on_epoch_end(1, {"loss": 1.0})
    assert capsys.readouterr().out == "\nEpoch 2: ReduceLROnPlateau reducing learning rate to 0.5.\n"


def test_reduce_lr_rejects_factor_of_one():
    with pytest.raises(ValueError, match="factor >= 1.0"):
        ReduceLROnPlateau(factor=1.0)


def test_reduce_lr_missing_monitor_warns_but_logs_rate():
    cb = ReduceLROnPlateau()
    cb.set_model(FakeModel(learning_rate=0.3))
    logs = {"loss": 1.0}
    with pytest.warns(UserWarning, match="Available metrics are: loss,learning_rate"):
        cb.on_epoch_end(0, logs)
    assert logs["learning_rate"] == 0.3


def test_reduce_lr_unknown_name_defaults_to_min():
    cb = ReduceLROnPlateau(monitor="val_foo")
    assert cb.direction == "min"


# ---------------------------------------------------------------------------
# ModelCheckpoint
# ---------------------------------------------------------------------------
def test_checkpoint_file_naming(tmp_path):
    model = FakeModel()
    cb = ModelCheckpoint(str(tmp_path / "m-{epoch:02d}-{val_loss:.2f}.keras"))
    cb.set_model(model)
    cb.on_train_begin()
    for epoch, loss in enumerate([0.5123, 0.4]):
        cb.on_epoch_begin(epoch)
        cb.on_epoch_end(epoch, {"loss": 1.0, "val_loss": loss})
    assert model.saved == [
        ("model", str(tmp_path / "m-01-0.51.keras")),
        ("model", str(tmp_path / "m-02-0.40.keras")),
    ]


def test_checkpoint_save_best_only(tmp_path, capsys):
    model = FakeModel()
    path = str(tmp_path / "best.keras")
    cb = ModelCheckpoint(path, save_best_only=True, verbose=1)
    cb.set_model(model)
    for epoch, loss in enumerate([0.5, 0.6, 0.4]):
        cb.on_epoch_end(epoch, {"val_loss": loss})
    assert model.saved == [("model", path), ("model", path)]
    assert cb.best == 0.4
    assert capsys.readouterr().out == (
        f"\nEpoch 1: val_loss improved from inf to 0.50000, saving model to {path}\n"
        "\nEpoch 2: val_loss did not improve from 0.50000\n"
        f"\nEpoch 3: val_loss improved from 0.50000 to 0.40000, saving model to {path}\n"
    )


def test_checkpoint_mode_max_and_initial_value_threshold(tmp_path):
    model = FakeModel()
    cb = ModelCheckpoint(str(tmp_path / "e{epoch}.keras"), monitor="val_accuracy",
                         save_best_only=True, initial_value_threshold=0.7)  # fmt: skip
    cb.set_model(model)
    for epoch, acc in enumerate([0.6, 0.8, 0.75, 0.9]):
        cb.on_epoch_end(epoch, {"val_accuracy": acc})
    assert [p for _, p in model.saved] == [str(tmp_path / "e2.keras"), str(tmp_path / "e4.keras")]


def test_checkpoint_save_weights_only(tmp_path):
    model = FakeModel()
    cb = ModelCheckpoint(tmp_path / "w{epoch}.weights.h5", save_weights_only=True)
    cb.set_model(model)
    cb.on_epoch_end(0, {"val_loss": 1.0})
    assert model.saved == [("weights", str(tmp_path / "w1.weights.h5"))]


def test_checkpoint_creates_directories(tmp_path):
    model = FakeModel()
    cb = ModelCheckpoint(str(tmp_path / "a" / "b" / "m.keras"))
    cb.set_model(model)
    cb.on_epoch_end(0, {})
    assert (tmp_path / "a" / "b" / "m.keras").read_text() == "model"


@pytest.mark.parametrize(
    "path, weights_only",
    [("model.h5", False), ("model", False), ("model.weights.h5", False),
     ("model.keras", True), ("model.h5", True)],
)  # fmt: skip
def test_checkpoint_rejects_bad_suffix(path, weights_only):
    with pytest.raises(ValueError, match="Received: filepath="):
        ModelCheckpoint(path, save_weights_only=weights_only)


def test_checkpoint_rejects_bad_save_freq():
    with pytest.raises(ValueError, match="save_freq"):
        ModelCheckpoint("m.keras", save_freq="batch")


def test_checkpoint_missing_format_key(tmp_path):
    cb = ModelCheckpoint(str(tmp_path / "{val_acc:.2f}.keras"))
    cb.set_model(FakeModel())
    with pytest.raises(KeyError, match="Failed to format"):
        cb.on_epoch_end(0, {"loss": 1.0})


def test_checkpoint_save_best_only_without_monitor_warns_and_saves(tmp_path):
    model = FakeModel()
    cb = ModelCheckpoint(str(tmp_path / "m.keras"), save_best_only=True)
    cb.set_model(model)
    with pytest.warns(UserWarning, match="Can save best model only with val_loss available"):
        cb.on_epoch_end(0, {"loss": 1.0})
    assert len(model.saved) == 1


def test_checkpoint_integer_save_freq_counts_batches(tmp_path):
    model = FakeModel()
    cb = ModelCheckpoint(str(tmp_path / "e{epoch}-b{batch}.keras"), save_freq=2)
    cb.set_model(model)
    cb.on_epoch_begin(0)
    for batch in range(5):
        cb.on_train_batch_end(batch, {"loss": 1.0})
    cb.on_epoch_end(0, {"loss": 1.0})  # no save at epoch end
    cb.on_epoch_begin(1)
    cb.on_train_batch_end(2, {"loss": 1.0})  # sparse call: 1 + 3 batches -> save
    cb.on_train_batch_end(4, {"loss": 1.0})  # 2 more -> save
    names = [p.rsplit("/", 1)[1] for _, p in model.saved]
    assert names == ["e1-b2.keras", "e1-b4.keras", "e2-b3.keras", "e2-b5.keras"]


# ---------------------------------------------------------------------------
# LearningRateScheduler
# ---------------------------------------------------------------------------
def halve(epoch, lr):
    return lr * 0.5


def test_scheduler_sets_rate_and_logs_it(capsys):
    model = FakeModel(learning_rate=1.0)
    cb = LearningRateScheduler(halve, verbose=1)
    cb.set_model(model)
    for epoch in range(3):
        cb.on_epoch_begin(epoch)
        logs = {"loss": 1.0}
        cb.on_epoch_end(epoch, logs)
    assert model.optimizer.learning_rate == 0.125
    assert logs["learning_rate"] == 0.125
    assert capsys.readouterr().out.splitlines()[1] == (
        "Epoch 1: LearningRateScheduler setting learning rate to 0.5."
    )


def test_scheduler_accepts_epoch_only_schedule_and_numpy_floats():
    model = FakeModel(learning_rate=1.0)
    cb = LearningRateScheduler(lambda epoch: np.float32(0.1 * (epoch + 1)))
    cb.set_model(model)
    cb.on_epoch_begin(2)
    assert model.optimizer.learning_rate == pytest.approx(0.3)
    assert isinstance(model.optimizer.learning_rate, float)


def test_scheduler_rejects_non_numbers():
    cb = LearningRateScheduler(lambda epoch, lr: "fast")
    cb.set_model(FakeModel())
    with pytest.raises(ValueError, match="`learning_rate` must be a float >= 0. Received: learning_rate='fast'"):
        cb.on_epoch_begin(0)


# ---------------------------------------------------------------------------
# CSVLogger
# ---------------------------------------------------------------------------
def test_csv_logger_content_and_append(tmp_path):
    path = tmp_path / "log.csv"
    cb = CSVLogger(path)
    cb.set_model(FakeModel())
    cb.on_train_begin()
    cb.on_epoch_end(0, {"loss": 0.5, "accuracy": 0.8})
    cb.on_epoch_end(1, {"loss": 0.25, "accuracy": 0.9})
    cb.on_train_end()
    assert path.read_bytes() == b"epoch,accuracy,loss\r\n0,0.8,0.5\r\n1,0.9,0.25\r\n"

    again = CSVLogger(path, append=True)
    again.on_train_begin()
    again.on_epoch_end(0, {"loss": 0.125, "accuracy": 0.95})
    again.on_train_end()
    assert path.read_bytes().endswith(b"1,0.9,0.25\r\n0,0.95,0.125\r\n")
    assert path.read_text().count("epoch") == 1

    CSVLogger(path).on_train_begin()  # overwrite
    assert path.read_text() == ""


def test_csv_logger_append_to_new_file_writes_header(tmp_path):
    path = tmp_path / "new.csv"
    cb = CSVLogger(path, separator=";", append=True)
    cb.on_train_begin()
    cb.on_epoch_end(0, {"loss": 1.0})
    cb.on_epoch_end(1, {"loss": 0.5, "extra": 3})  # keys are fixed by the first epoch
    cb.on_train_end()
    assert path.read_bytes() == b"epoch;loss\r\n0;1.0\r\n1;0.5\r\n"


def test_csv_logger_missing_keys_and_arrays(tmp_path):
    path = tmp_path / "log.csv"
    cb = CSVLogger(path)
    cb.on_train_begin()
    cb.on_epoch_end(0, {"loss": 1.0, "val_loss": 2.0, "per_class": np.array([1, 2])})
    cb.on_epoch_end(1, {"loss": 0.5})
    cb.on_train_end()
    lines = path.read_text().splitlines()
    assert lines == ["epoch,loss,per_class,val_loss", '0,1.0,"""[1, 2]""",2.0', "1,0.5,NA,NA"]


# ---------------------------------------------------------------------------
# TerminateOnNaN, LambdaCallback, History
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("loss", [float("nan"), float("inf"), np.float32("nan")])
def test_terminate_on_nan(capsys, loss):
    model = FakeModel()
    cbl = CallbackList([TerminateOnNaN()], model=model)
    cbl.on_train_batch_end(2, {"loss": 0.5})
    assert not model.stop_training
    cbl.on_train_batch_end(3, {"loss": loss})
    assert model.stop_training
    assert capsys.readouterr().out == "Batch 3: Invalid loss, terminating training\n"


def test_terminate_on_nan_raise_error():
    cb = TerminateOnNaN(raise_error=True)
    cb.set_model(FakeModel())
    cb.on_train_batch_end(0, {})  # no loss: nothing to check
    with pytest.raises(RuntimeError, match="NaN or Inf loss encountered at batch 1"):
        cb.on_train_batch_end(1, {"loss": math.nan})


def test_lambda_callback_calls_its_functions():
    calls = []
    cb = LambdaCallback(
        on_epoch_begin=lambda epoch, logs: calls.append(("epoch_begin", epoch)),
        on_epoch_end=lambda epoch, logs: calls.append(("epoch_end", epoch, logs["loss"])),
        on_train_begin=lambda logs: calls.append(("train_begin",)),
        on_train_end=lambda logs: calls.append(("train_end",)),
        on_train_batch_begin=lambda batch, logs: calls.append(("batch_begin", batch)),
        on_train_batch_end=lambda batch, logs: calls.append(("batch_end", batch)),
        on_test_end=lambda logs: calls.append(("test_end",)),
    )
    cbl = CallbackList([cb], model=FakeModel())
    cbl.on_train_begin()
    cbl.on_epoch_begin(0)
    cbl.on_train_batch_begin(0)
    cbl.on_train_batch_end(0, {"loss": 1.0})
    cbl.on_test_end({})
    cbl.on_epoch_end(0, {"loss": 0.5})
    cbl.on_train_end()
    assert calls == [("train_begin",), ("epoch_begin", 0), ("batch_begin", 0), ("batch_end", 0),
                     ("test_end",), ("epoch_end", 0, 0.5), ("train_end",)]  # fmt: skip


def test_lambda_callback_rejects_unknown_hooks():
    with pytest.raises(ValueError, match="on_epoch_ends"):
        LambdaCallback(on_epoch_ends=print)


def test_history_records_epochs():
    model = FakeModel()
    cbl = CallbackList([], add_history=True, model=model)
    assert model.history is cbl._history
    cbl.on_train_begin()
    cbl.on_epoch_end(0, {"loss": np.float32(0.5), "val_loss": 0.75})
    cbl.on_epoch_end(1, {"loss": 0.25, "val_loss": 0.5})
    history = model.history
    assert isinstance(history, History)
    assert history.history == {"loss": [0.5, 0.25], "val_loss": [0.75, 0.5]}
    assert type(history.history["loss"][0]) is float
    assert history.epoch == [0, 1]
    assert history.model is model


# ---------------------------------------------------------------------------
# CallbackList
# ---------------------------------------------------------------------------
HOOKS = [
    ("on_train_begin", ()), ("on_epoch_begin", (0,)), ("on_train_batch_begin", (0,)),
    ("on_train_batch_end", (0,)), ("on_batch_begin", (0,)), ("on_batch_end", (0,)),
    ("on_test_begin", ()), ("on_test_batch_begin", (0,)), ("on_test_batch_end", (0,)),
    ("on_test_end", ()), ("on_epoch_end", (0,)), ("on_train_end", ()),
    ("on_predict_begin", ()), ("on_predict_batch_begin", (0,)),
    ("on_predict_batch_end", (0,)), ("on_predict_end", ()),
]  # fmt: skip


class Recorder(Callback):
    """Records every hook call in a shared list."""

    def __init__(self, name, log):
        super().__init__()
        self.name, self.log = name, log

    def __getattribute__(self, attr):
        if attr.startswith("on_"):
            log, name = object.__getattribute__(self, "log"), object.__getattribute__(self, "name")
            return lambda *args, **kwargs: log.append((name, attr, args, kwargs))
        return object.__getattribute__(self, attr)


def test_callback_list_dispatches_every_hook_in_order():
    log = []
    model = FakeModel()
    cbl = CallbackList([Recorder("a", log), [Recorder("b", log)]], model=model,
                       verbose=1, epochs=3, steps=10)  # fmt: skip
    for hook, args in HOOKS:
        log.clear()
        getattr(cbl, hook)(*args)
        assert [(n, h) for n, h, _, _ in log] == [("a", hook), ("b", hook)], hook
    assert cbl.params == {"verbose": 1, "epochs": 3, "steps": 10}


def test_callback_list_sets_model_and_params():
    es = EarlyStopping()
    model = FakeModel()
    CallbackList([es], model=model, verbose=2, epochs=4, steps=7)
    assert es.model is model
    assert es.params == {"verbose": 2, "epochs": 4, "steps": 7}


def test_callback_list_batch_logs_are_sorted_floats():
    seen = {}
    cb = LambdaCallback(on_train_batch_end=lambda batch, logs: seen.update(batch=batch, logs=logs))
    CallbackList([cb]).on_train_batch_end(4, {"loss": np.float32(0.5), "accuracy": np.float64(1)})
    assert seen["batch"] == 4
    assert list(seen["logs"]) == ["accuracy", "loss"]
    assert all(type(v) is float for v in seen["logs"].values())


def test_epoch_logs_are_shared_so_learning_rate_reaches_history():
    model = FakeModel(learning_rate=0.5)
    cbl = CallbackList([ReduceLROnPlateau(monitor="loss")], add_history=True, model=model)
    cbl.on_train_begin()
    logs = {"loss": 1.0}
    cbl.on_epoch_end(0, logs)
    assert logs["learning_rate"] == 0.5
    assert model.history.history == {"loss": [1.0], "learning_rate": [0.5]}


def test_default_callbacks_are_added_once():
    cbl = CallbackList([], add_history=True, add_progbar=True, verbose=1, epochs=1, steps=1)
    assert [type(c) for c in cbl.callbacks] == [History, ProgbarLogger]
    history, progbar = History(), ProgbarLogger()
    cbl = CallbackList([progbar, history], add_history=True, add_progbar=True)
    assert cbl.callbacks == [progbar, history]
    assert CallbackList(None).callbacks == []


def test_needs_batch_hooks():
    class PerBatch(Callback):
        def on_train_batch_end(self, batch, logs=None):
            pass

    class OldStyle(Callback):
        def on_batch_begin(self, batch, logs=None):
            pass

    class TestOnly(Callback):
        def on_test_batch_end(self, batch, logs=None):
            pass

    def needs(*callbacks, mode="train"):
        return CallbackList(list(callbacks)).needs_batch_hooks(mode)

    assert not needs()
    assert not CallbackList([], add_history=True, add_progbar=True).needs_batch_hooks()
    assert not needs(EarlyStopping(), ReduceLROnPlateau(), TerminateOnNaN(), CSVLogger("x.csv"))
    assert not needs(ModelCheckpoint("m.keras"))
    assert needs(ModelCheckpoint("m.keras", save_freq=10))
    assert needs(PerBatch()) and needs(OldStyle())
    assert needs(LambdaCallback(on_train_batch_end=print))
    assert not needs(LambdaCallback(on_epoch_end=print))
    assert not needs(TestOnly()) and needs(TestOnly(), mode="test")
    assert not needs(PerBatch(), mode="predict")
    with pytest.raises(ValueError, match="mode"):
        needs(mode="eval")


# ---------------------------------------------------------------------------
# ProgbarLogger through CallbackList (not a tty; an injected clock)
# ---------------------------------------------------------------------------
class Clock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(progbar_module, "_default_clock", clock)
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    monkeypatch.delenv("PYCHARM_HOSTED", raising=False)
    return clock


def fit_like(cbl, clock, epochs=2, steps=3, val=True):
    """One batch-end call per step, 0.5 s per step; validation in between."""
    cbl.on_train_begin()
    for epoch in range(epochs):
        cbl.on_epoch_begin(epoch)
        for step in range(steps):
            clock.t += 0.5
            cbl.on_train_batch_end(step, {"loss": 1.0 / (step + 1), "accuracy": 0.5})
        logs = {"accuracy": 0.5, "loss": 0.6}
        if val:
            cbl.on_test_begin()
            cbl.on_test_batch_end(0, {"loss": 0.9})
            cbl.on_test_end({"loss": 0.9})
            logs["val_loss"] = 0.9
        cbl.on_epoch_end(epoch, logs)
    cbl.on_train_end(logs)


def test_progbar_logger_verbose1_not_a_tty(capsys, clock):
    cbl = CallbackList([], add_history=True, add_progbar=True, model=FakeModel(),
                       verbose="auto", epochs=2, steps=3)  # fmt: skip
    fit_like(cbl, clock)
    line = f"3/3 {BAR20} 2s 500ms/step - accuracy: 0.5000 - loss: 0.6000 - val_loss: 0.9000\n"
    # (1.5 s elapsed, "%.0f" -> "2s"; (1.5 - 0.5) / 2 steps = 500 ms/step)
    assert capsys.readouterr().out == "Epoch 1/2\n" + line + "Epoch 2/2\n" + line


def test_progbar_logger_verbose2(capsys, clock):
    cbl = CallbackList([], add_progbar=True, verbose=2, epochs=2, steps=3)
    fit_like(cbl, clock)
    # verbose 2 never sees step 1, so 1.5 s / 3 steps
    line = "3/3 - 2s - 500ms/step - accuracy: 0.5000 - loss: 0.6000 - val_loss: 0.9000\n"
    assert capsys.readouterr().out == "Epoch 1/2\n" + line + "Epoch 2/2\n" + line


def test_progbar_logger_single_epoch_has_no_epoch_line(capsys, clock):
    cbl = CallbackList([], add_progbar=True, verbose=2, epochs=1, steps=3)
    fit_like(cbl, clock, epochs=1, val=False)
    assert capsys.readouterr().out == "3/3 - 2s - 500ms/step - accuracy: 0.5000 - loss: 0.6000\n"


def test_progbar_logger_evaluate_and_predict(capsys, clock):
    cbl = CallbackList([], add_progbar=True, verbose=1, epochs=1, steps=4)
    cbl.on_test_begin()
    clock.t = 1.0
    cbl.on_test_batch_end(3, {"loss": np.float32(0.25)})
    cbl.on_test_end({"loss": 0.25, "accuracy": 0.0005})
    assert capsys.readouterr().out == (
        f"4/4 {BAR20} 1s 250ms/step - loss: 0.2500 - accuracy: 5.0000e-04\n"
    )
    cbl = CallbackList([], add_progbar=True, verbose=1, epochs=1, steps=None)
    cbl.on_predict_begin()
    clock.t = 2.0
    cbl.on_predict_batch_end(0, {"outputs": np.ones(3)})
    cbl.on_predict_batch_end(1, {"outputs": np.ones(3)})
    cbl.on_predict_end()
    # Unknown steps: the target becomes the number of batches seen.
    assert capsys.readouterr().out == f"2/2 {BAR20} 1s 0s/step\n"


def test_progbar_logger_shows_the_step_the_engine_passes(monkeypatch, clock):
    class FakeTTY:
        def __init__(self):
            self.text = ""

        def write(self, s):
            self.text += s

        def flush(self):
            pass

        def isatty(self):
            return True

    tty = FakeTTY()
    monkeypatch.setattr(sys, "stdout", tty)
    cbl = CallbackList([], add_progbar=True, verbose=1, epochs=1, steps=500)
    cbl.on_train_begin()
    cbl.on_epoch_begin(0)
    clock.t = 1.0
    cbl.on_train_batch_end(249, {"loss": 2.0})  # sparse call after 250 batches
    assert "250/500" in tty.text and "loss: 2.0000" in tty.text
    clock.t = 2.0
    cbl.on_train_batch_end(299, {"loss": 1.0})  # running mean shown as given
    assert tty.text.rsplit("\r", 1)[1].endswith("loss: 1.0000")


# ---------------------------------------------------------------------------
# Configs and the registry
# ---------------------------------------------------------------------------
def all_callbacks(tmp_path):
    return [
        EarlyStopping(monitor="val_accuracy", min_delta=0.01, patience=3, verbose=1, mode="max",
                      baseline=0.5, restore_best_weights=True, start_from_epoch=2),
        ModelCheckpoint(str(tmp_path / "w.weights.h5"), monitor="loss", verbose=1,
                        save_best_only=True, save_weights_only=True, mode="min", save_freq=5,
                        initial_value_threshold=0.3),
        ReduceLROnPlateau(monitor="loss", factor=0.2, patience=4, verbose=1, mode="min",
                          min_delta=0.01, cooldown=1, min_lr=1e-5),
        LearningRateScheduler(halve, verbose=1),
        CSVLogger(str(tmp_path / "log.csv"), separator=";", append=True),
        TerminateOnNaN(raise_error=True),
        LambdaCallback(on_epoch_end=halve),
        History(),
        ProgbarLogger(),
    ]  # fmt: skip


def test_get_config_round_trip(tmp_path):
    for cb in all_callbacks(tmp_path):
        config = json.loads(json.dumps(cb.get_config()))
        rebuilt = type(cb).from_config(config)
        assert type(rebuilt) is type(cb)
        assert json.dumps(rebuilt.get_config()) == json.dumps(cb.get_config())


def test_get_config_holds_constructor_arguments():
    assert EarlyStopping().get_config() == {
        "monitor": "val_loss", "min_delta": 0, "patience": 0, "verbose": 0, "mode": "auto",
        "baseline": None, "restore_best_weights": False, "start_from_epoch": 0,
    }  # fmt: skip
    assert ReduceLROnPlateau().get_config() == {
        "monitor": "val_loss", "factor": 0.1, "patience": 10, "verbose": 0, "mode": "auto",
        "min_delta": 1e-4, "cooldown": 0, "min_lr": 0.0,
    }  # fmt: skip
    assert LearningRateScheduler(halve).get_config()["schedule"] == {
        "module": __name__, "class_name": "function", "config": "halve",
        "registered_name": "function",
    }  # fmt: skip


def test_serialize_deserialize_through_registry(tmp_path):
    for cb in all_callbacks(tmp_path):
        data = json.loads(json.dumps(cbs.serialize(cb)))
        assert data["class_name"] == type(cb).__name__
        rebuilt = cbs.deserialize(data)
        assert type(rebuilt) is type(cb)
        assert rebuilt.get_config() == cb.get_config()


def test_registry_lookup():
    assert isinstance(cbs.get("EarlyStopping"), EarlyStopping)
    assert isinstance(cbs.get("terminate_on_nan"), TerminateOnNaN)
    es = EarlyStopping()
    assert cbs.get(es) is es
    assert "ModelCheckpoint" in CALLBACKS.names()
    with pytest.raises(ValueError, match="Did you mean"):
        cbs.get("EarlyStoping")


def test_lambdas_cannot_be_rebuilt():
    config = LambdaCallback(on_epoch_end=lambda epoch, logs: None).get_config()
    json.dumps(config)
    with pytest.raises(ValueError, match="lambdas"):
        LambdaCallback.from_config(config)


def test_no_warnings_in_normal_use(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _, epochs = run(EarlyStopping(patience=1), [1.0, 0.5, 0.7, 0.8])
        model, _ = run(ModelCheckpoint(str(tmp_path / "m.keras"), save_best_only=True), [1.0, 0.5])
    assert epochs == 3  # stopped one epoch after the best
    assert model.saved == [("model", str(tmp_path / "m.keras"))] * 2  # both epochs improved
