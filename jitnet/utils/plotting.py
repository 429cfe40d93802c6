"""Training-curve plots. Needs matplotlib: ``pip install "jitnet[plot]"``."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_INSTALL_HINT = 'plot_history needs matplotlib. Install it with: pip install "jitnet[plot]"'


def _history_dict(history: Any) -> Mapping[str, Sequence[float]]:
    hist = getattr(history, "history", history)
    if not isinstance(hist, Mapping):
        raise TypeError(
            "Expected a History object (as returned by fit) or a dict of metric lists, "
            f"received: {type(history).__name__}"
        )
    return hist


def _metric_names(hist: Mapping[str, Sequence[float]], metrics: str | Sequence[str] | None) -> list[str]:
    bases = list(dict.fromkeys(k.removeprefix("val_") for k in hist))
    if metrics is None:
        names = (["loss"] if "loss" in bases else []) + [b for b in bases if b != "loss"]
    else:
        names = [metrics] if isinstance(metrics, str) else list(metrics)
        unknown = [m for m in names if m not in bases]
        if unknown:
            raise ValueError(
                f"Unknown metric(s) {unknown} for plot_history. The history holds: {', '.join(bases) or 'nothing'}."
            )
    if not names:
        raise ValueError("Nothing to plot: the history is empty.")
    return names


def plot_history(
    history: Any, metrics: str | Sequence[str] | None = None, path: str | os.PathLike | None = None
) -> Figure:
    """Plot the loss and metrics recorded during training.

    One subplot per quantity, each with the training curve and, when
    recorded, the validation curve (``val_`` prefix), against the epoch.

    Args:
        history: the ``History`` object returned by ``fit`` (anything with a
            ``.history`` dict), or such a dict itself.
        metrics: names to plot (without ``val_``), e.g. ``["loss",
            "accuracy"]``. Defaults to every quantity in the history, loss
            first.
        path: file to save the figure to (PNG unless the extension names
            another format matplotlib knows). Defaults to ``None``: show the
            figure with ``matplotlib.pyplot.show()``.

    Returns:
        The matplotlib ``Figure``.
    """
    hist = _history_dict(history)
    names = _metric_names(hist, metrics)
    try:
        from matplotlib.figure import Figure
    except ImportError as e:
        raise ImportError(_INSTALL_HINT) from e

    ncols = min(len(names), 3)
    nrows = math.ceil(len(names) / ncols)
    size = (4.5 * ncols, 3.5 * nrows)
    if path is None:
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=size, dpi=100, layout="constrained")
    else:
        fig = Figure(figsize=size, dpi=100, layout="constrained")  # no GUI backend needed
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, name in zip(axes, names):
        for key, label in ((name, "train"), ("val_" + name, "validation")):
            if key in hist:
                values = list(hist[key])
                ax.plot(range(1, len(values) + 1), values, marker="o" if len(values) <= 30 else None, label=label)
        ax.set_title(name)
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        ax.legend()
    for ax in axes[len(names) :]:
        ax.set_visible(False)

    if path is None:
        plt.show()
    else:
        from .file_utils import atomic_write

        ext = os.path.splitext(os.fspath(path))[1].lstrip(".").lower()
        with atomic_write(path) as f:
            fig.savefig(f, format=ext or "png")
    return fig
