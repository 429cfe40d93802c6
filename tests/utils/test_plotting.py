"""plot_history: a PNG of the right size, clear errors, matplotlib optional."""

from __future__ import annotations

import struct
import sys

import pytest

from jitnet.utils.plotting import plot_history

HISTORY = {
    "loss": [0.9, 0.6, 0.4],
    "accuracy": [0.5, 0.7, 0.8],
    "val_loss": [1.0, 0.7, 0.6],
    "val_accuracy": [0.45, 0.65, 0.7],
}


class FakeHistory:
    def __init__(self, history):
        self.history = history
        self.epoch = list(range(len(history["loss"])))


def png_size(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])  # IHDR width, height


def test_writes_png_that_decodes_with_figure_size(tmp_path):
    pytest.importorskip("matplotlib")
    import matplotlib.image

    path = tmp_path / "history.png"
    fig = plot_history(FakeHistory(HISTORY), path=path)
    width, height = (fig.get_size_inches() * fig.dpi).round().astype(int)
    assert png_size(path) == (width, height)
    pixels = matplotlib.image.imread(path)
    assert pixels.shape[:2] == (height, width)
    assert pixels.std() > 0  # something was drawn
    titles = [ax.get_title() for ax in fig.axes if ax.get_visible()]
    assert titles == ["loss", "accuracy"]
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    assert labels == ["train", "validation"]


def test_metrics_argument_and_dict_input(tmp_path):
    pytest.importorskip("matplotlib")
    fig = plot_history(HISTORY, metrics="accuracy", path=tmp_path / "acc.png")
    assert [ax.get_title() for ax in fig.axes] == ["accuracy"]
    fig = plot_history(
        {"loss": [1.0, 0.5], "mae": [2, 1], "lr": [0.1, 0.1], "auc": [0.5, 0.6]}, path=tmp_path / "many.png"
    )
    visible = [ax.get_title() for ax in fig.axes if ax.get_visible()]
    assert visible == ["loss", "mae", "lr", "auc"]
    assert png_size(tmp_path / "many.png")[0] > 0


def test_errors():
    with pytest.raises(ValueError, match="Unknown metric"):
        plot_history(HISTORY, metrics=["precision"])
    with pytest.raises(ValueError, match="empty"):
        plot_history({})
    with pytest.raises(TypeError, match="History"):
        plot_history([1, 2, 3])


def test_missing_matplotlib_names_the_extra(monkeypatch, tmp_path):
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes `import matplotlib` fail
    with pytest.raises(ImportError, match=r'pip install "jitnet\[plot\]"'):
        plot_history(HISTORY, path=tmp_path / "x.png")
    assert not (tmp_path / "x.png").exists()


def test_without_path_shows_the_figure(monkeypatch):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = []
    monkeypatch.setattr(plt, "show", lambda *a, **k: shown.append(True))
    fig = plot_history(HISTORY)
    assert shown == [True]
    assert len([ax for ax in fig.axes if ax.get_visible()]) == 2
    plt.close(fig)
