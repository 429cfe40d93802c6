"""Command-line flags and plotting shared by the example programs."""

from __future__ import annotations

import argparse
from pathlib import Path

import jitnet as keras


def parse_args(description: str, epochs: int) -> argparse.Namespace:
    """``--epochs``, ``--quick`` (a small slice of the data, for CI), ``--plot`` and ``--seed``."""
    parser = argparse.ArgumentParser(description=description)
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
