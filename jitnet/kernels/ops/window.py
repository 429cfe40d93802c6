"""Sliding-window geometry shared by the convolution and pooling ops.

A window op reads a buffer of ``h * w`` rows of ``c`` features per sample
(1-D layers have ``h = 1``) and writes ``oh * ow`` rows. Window ``(oy, ox)``
covers input row ``oy * sh - ph + ky * dh`` and column ``ox * sw - pw + kx * dw``
for ``ky < kh``, ``kx < kw``; positions outside the input are padding, which
the kernels test for, so only the buffer sizes need checking.
"""

from __future__ import annotations

GEOMETRY = ("h", "w", "c", "oh", "ow", "kh", "kw", "sh", "sw", "dh", "dw", "ph", "pw")


def check_geometry(row: dict, slots, out_features: int | None = None) -> None:
    """Refuse a window row whose sizes do not match its ``src`` and ``dst`` buffers."""
    g = {k: int(row[k]) for k in GEOMETRY}
    positive = ("h", "w", "c", "oh", "ow", "kh", "kw", "sh", "sw", "dh", "dw")
    src, dst = slots[row["src"]], slots[row["dst"]]
    if (min(g[k] for k in positive) < 1 or int(src[1]) != g["h"] * g["w"] or int(src[2]) != g["c"]
            or int(dst[1]) != g["oh"] * g["ow"] or int(dst[2]) != (g["c"] if out_features is None else out_features)):
        raise ValueError(f"Window geometry {g} does not match its buffers.")
