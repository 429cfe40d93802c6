"""Sliding-window geometry shared by the convolution and pooling ops.

A window op reads a buffer of ``h * w`` rows of ``c`` features per sample
(1-D layers have ``h = 1``) and writes ``oh * ow`` rows. Window ``(oy, ox)``
covers input row ``oy * sh - ph + ky * dh`` and column ``ox * sw - pw + kx * dw``
for ``ky < kh``, ``kx < kw``; positions outside the input are padding, which
the kernels test for, so only the buffer sizes need checking.
"""

from __future__ import annotations

from .._jit import inline_kernel

GEOMETRY = ("h", "w", "c", "oh", "ow", "kh", "kw", "sh", "sw", "dh", "dw", "ph", "pw")


def check_geometry(row: dict, slots, out_features: int | None = None) -> None:
    """Refuse a window row whose sizes do not match its ``src`` and ``dst`` buffers."""
    g = {k: int(row[k]) for k in GEOMETRY}
    positive = ("h", "w", "c", "oh", "ow", "kh", "kw", "sh", "sw", "dh", "dw")
    src, dst = slots[row["src"]], slots[row["dst"]]
    if (min(g[k] for k in positive) < 1 or min(g["ph"], g["pw"]) < 0 or int(src[1]) != g["h"] * g["w"] or int(src[2]) != g["c"]
            or int(dst[1]) != g["oh"] * g["ow"] or int(dst[2]) != (g["c"] if out_features is None else out_features)):
        raise ValueError(f"Window geometry {g} does not match its buffers.")


@inline_kernel
def span(o, s, p, d, k, n):
    """Taps ``lo <= t < hi`` of window ``o`` whose position ``o * s - p + t * d`` lies in ``[0, n)``."""
    first = o * s - p
    lo = 0 if first >= 0 else min(k, (-first + d - 1) // d)
    hi = min(k, (n - 1 - first) // d + 1) if n - 1 - first >= 0 else 0
    return lo, max(lo, hi)


@inline_kernel
def tap_row(iv, g, n, oy, ox, ky, kx):
    """The input row under tap ``(ky, kx)`` of window ``(oy, ox)`` of sample ``n``; ``g`` indexes ``h`` in ``iv``."""
    iy = oy * iv[g + 7] - iv[g + 11] + ky * iv[g + 9]
    ix = ox * iv[g + 8] - iv[g + 12] + kx * iv[g + 10]
    return (n * iv[g] + iy) * iv[g + 1] + ix
