"""Compare two perf suite results; exit 1 when a figure regressed.

    python perf/compare.py BASE.json NEW.json [--threshold 0.15] [--by ratio|time]

``--by time`` compares jitnet's medians directly (same machine);
``--by ratio`` (the default) compares speed-ups over the NumPy reference run
in the same process, which carries across machines. Figures without a NumPy
twin fall back to times.
"""

from __future__ import annotations

import argparse
import json
import sys


def rows(base: dict, new: dict, by: str) -> list[tuple[str, str, float, float, float]]:
    """``(name, what, before, after, slowdown)`` for every figure in both results."""
    out = []
    for name, b in base["results"].items():
        n = new["results"].get(name)
        if n is None:
            continue
        if by == "ratio" and "speedup_vs_numpy" in b and "speedup_vs_numpy" in n:
            before, after = b["speedup_vs_numpy"], n["speedup_vs_numpy"]
            out.append((name, "x numpy", before, after, before / after))
        else:
            before, after = b["jitnet"]["median"], n["jitnet"]["median"]
            out.append((name, b["unit"], before, after, after / before))
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("base")
    parser.add_argument("new")
    parser.add_argument("--threshold", type=float, default=0.15, help="allowed slowdown (0.15 = 15%%)")
    parser.add_argument("--by", choices=("ratio", "time"), default="ratio")
    args = parser.parse_args(argv)
    with open(args.base) as f:
        base = json.load(f)
    with open(args.new) as f:
        new = json.load(f)
    table = rows(base, new, args.by)
    print(f"{'figure':26s} {'unit':9s} {'before':>10s} {'after':>10s} {'slowdown':>9s}")
    failed = []
    for name, unit, before, after, slowdown in table:
        flag = "  REGRESSED" if slowdown > 1 + args.threshold else ""
        print(f"{name:26s} {unit:9s} {before:10.4f} {after:10.4f} {slowdown:8.2f}x{flag}")
        if flag:
            failed.append(name)
    if not table:
        print("no figures in common", file=sys.stderr)
        return 2
    if failed:
        print(f"{len(failed)} figure(s) regressed by more than {args.threshold:.0%}: {', '.join(failed)}")
        return 1
    print(f"no regression beyond {args.threshold:.0%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
