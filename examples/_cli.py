"""Command-line flags and plotting shared by the example programs."""

from __future__ import annotations

import argparse
from pathlib import Path

import jitnet as keras


def parse_args(description: str, epochs: int, jobs: int | None = None) -> argparse.Namespace:
    """``--epochs``, ``--quick`` (a small slice of the data, for CI), ``--plot``, ``--seed`` (and ``--jobs``)."""
    parser = argparse.ArgumentParser(description=description)
    if jobs is not None:
        parser.add_argument("--jobs", type=int, default=jobs, help=f"processes for the search (default {jobs})")
    parser.add_argument("--epochs", type=int, default=epochs, help=f"training epochs (default {epochs})")
    parser.add_argument("--quick", action="store_true", help="a small slice of the data and 1-2 epochs")
    parser.add_argument("--plot", default=None, help="where to write the PNG of the curves")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    if args.quick:
        args.epochs = min(args.epochs, 2)
    keras.utils.set_random_seed(args.seed)
    return args


def plot(history, path: str, metrics=None) -> None:
    """Write the training curves to ``path`` when matplotlib is installed."""
    try:
        keras.utils.plot_history(history, metrics=metrics, path=path)
        print(f"curves written to {Path(path).resolve()}")
    except ImportError as err:
        print(f"(no plot: {err})")


def imdb_split(num_words: int, quick: bool, seed: int, maxlen: int = 100):
    """IMDB reviews padded to ``maxlen``, split 80/20 into train and validation (``train_test_split(test_size=0.2)``).

    With ``quick``, 2,000 training and 500 validation reviews.
    """
    import numpy as np

    (reviews, target), _ = keras.datasets.imdb.load_data(num_words=num_words)
    order = np.random.default_rng(seed).permutation(len(reviews))
    val_idx, train_idx = order[:len(order) // 5], order[len(order) // 5:]
    if quick:
        train_idx, val_idx = train_idx[:2000], val_idx[:500]
    pad = keras.preprocessing.sequence.pad_sequences
    return (pad(reviews[train_idx], maxlen=maxlen), target[train_idx]), \
        (pad(reviews[val_idx], maxlen=maxlen), target[val_idx])


def fit_until_stopped(model, name: str, train, val, epochs: int, patience: int = 3):
    """Adam, batch 64, binary cross-entropy, the best model kept by ModelCheckpoint and EarlyStopping, as the
    book trains its recurrent networks; prints the epochs run and the best validation accuracy."""
    import tempfile
    import time

    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    best = Path(tempfile.mkdtemp()) / f"best-{name}-model.keras"
    callbacks = [keras.callbacks.ModelCheckpoint(str(best), save_best_only=True),
                 keras.callbacks.EarlyStopping(patience=patience, restore_best_weights=True)]
    start = time.perf_counter()
    history = model.fit(*train, epochs=epochs, batch_size=64, validation_data=val, callbacks=callbacks, verbose=2)
    seconds = time.perf_counter() - start
    print(f"{name}: {len(history.history['loss'])} epochs in {seconds:.1f} s; "
          f"best val_accuracy {max(history.history['val_accuracy']):.4f}")
    return history
