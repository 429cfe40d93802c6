"""``model.summary()`` in Keras 3's layout: a box table and parameter totals."""

from __future__ import annotations

import shutil
import unicodedata
from collections.abc import Callable
from typing import Any

_TOP = ("┏", "━", "┳", "┓")
_HEAD_SEP = ("┡", "━", "╇", "┩")
_ROW_SEP = ("├", "─", "┼", "┤")
_BOTTOM = ("└", "─", "┴", "┘")


def display_width(text: str) -> int:
    """Terminal columns taken by ``text`` (East Asian wide characters count 2)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _wrap(text: str, width: int) -> list[str]:
    """Greedy word wrap by display width; words longer than a line are split."""
    lines, line = [], ""
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        if display_width(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        for ch in word:
            if display_width(line + ch) > width:
                lines.append(line)
                line = ""
            line += ch
    return lines + [line]


def _pad(text: str, width: int, right: bool) -> str:
    gap = " " * (width - display_width(text))
    return gap + text if right else text + gap


def column_widths(line_length: int, positions: list[float]) -> list[int]:
    """Content widths of the columns, reduced as ``rich`` does to fit the borders."""
    widths, current = [], 0
    for pos in positions:
        width = int(pos * line_length) - current
        widths.append(width)
        current += width
    excess = sum(widths) + 3 * len(widths) + 1 - line_length
    remaining, ratio = excess, len(widths)
    for i in range(len(widths)):
        if remaining <= 0:
            break
        cut = min(widths[i], round(remaining / ratio))
        widths[i] -= cut
        remaining -= cut
        ratio -= 1
    return widths


def readable_size(n_bytes: float) -> str:
    """``1626200`` -> ``'1.55 MB'``."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if n_bytes / 1024 < 1:
            return f"{n_bytes:.2f} {unit}"
        n_bytes /= 1024
    return f"{n_bytes:.2f} PB"


def render(name: str, rows: list[tuple[str, ...]], totals: list[tuple[str, int, int]],
           line_length: int | None = None, positions: list[float] | None = None) -> str:
    """The summary text: ``rows`` of (layer, shape, params) or, for a graph, (layer, shape, params,
    connected to); ``totals`` of (label, count, bytes)."""
    graph = bool(rows) and len(rows[0]) == 4
    line_length = line_length or min(108 if graph else 88, shutil.get_terminal_size().columns - 4)
    widths = column_widths(line_length, positions or ([0.3, 0.56, 0.74, 1.0] if graph else [0.45, 0.80, 1.0]))
    header = ("Layer (type)", "Output Shape", "Param #", "Connected to")[:len(widths)]

    def rule(chars: tuple[str, str, str, str]) -> str:
        return chars[0] + chars[2].join(chars[1] * (w + 2) for w in widths) + chars[3]

    def cells(fields: tuple[str, ...], border: str) -> list[str]:
        wrapped = [_wrap(f, w) for f, w in zip(fields, widths)]
        height = max(len(w) for w in wrapped)
        out = []
        for k in range(height):
            parts = [_pad(w[k] if k < len(w) else "", width, right=(i == 2))
                     for i, (w, width) in enumerate(zip(wrapped, widths))]
            out.append(border + border.join(f" {p} " for p in parts) + border)
        return out

    lines = [f'Model: "{name}"', rule(_TOP), *cells(header, "┃"),
             rule(_HEAD_SEP)]
    for i, row in enumerate(rows):
        if i:
            lines.append(rule(_ROW_SEP))
        lines.extend(cells(row, "│"))
    lines.append(rule(_BOTTOM))
    for label, count, size in totals:
        lines.append(f" {label}: {count:,} ({readable_size(size)})")
    return "\n".join(lines)


def print_summary(model: Any, line_length: int | None = None, positions: list[float] | None = None,
                  print_fn: Callable[[str], None] | None = None) -> None:
    """Print ``model``'s summary with ``print_fn`` (default ``print``)."""
    rows = []
    connections = model.connections() if hasattr(model, "connections") else None
    for layer in model.layers:
        shape = "?" if layer.output_shape is None else "(" + ", ".join(map(str, (None, *layer.output_shape))) + ")"
        params = f"{layer.count_params():,}" if layer.built else "0 (unbuilt)"
        row = (f"{layer.name} ({type(layer).__name__})", shape, params)
        rows.append(row if connections is None else (*row, connections.get(id(layer), "-")))
    itemsize = model.dtype_size()
    trainable = sum(w.size for w in model.trainable_weights)
    frozen = sum(w.size for w in model.non_trainable_weights)
    opt_count = model.optimizer_params_count()
    totals = [("Total params", trainable + frozen + opt_count, (trainable + frozen + opt_count) * itemsize),
              ("Trainable params", trainable, trainable * itemsize),
              ("Non-trainable params", frozen, frozen * itemsize)]
    if opt_count:
        totals.append(("Optimizer params", opt_count, opt_count * itemsize))
    (print_fn or print)(render(model.name, rows, totals, line_length, positions))
