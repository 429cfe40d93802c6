"""Compare two perf suite results; exit 1 when a figure regressed or is missing.

    python perf/compare.py BASE.json NEW.json [--max-slowdown 1.5] [--by ratio|time]

``--by ratio`` (the default, CI's gate) compares each workload's speed-up
over the NumPy reference run in the same process, which carries across
machines and load: every figure of BASE that has one must be in NEW and
must not have slowed by more than ``--max-slowdown`` (1.5x). ``--by time``
compares jitnet's medians of every figure of BASE directly (the same
machine, quiet). A figure of BASE that NEW lacks fails either way; runs of
different kinds (quick or full, or other thread counts) are not compared.
"""

from __future__ import annotations

import argparse
import json
import sys

MISSING = float("inf")


def rows(base: dict, new: dict, by: str) -> list[tuple[str, str, float, float, float]]:
    """``(name, what, before, after, slowdown)`` for every figure of ``base`` compared ``by`` ratio or time;
    a figure missing from ``new`` has ``after`` NaN and an infinite slowdown."""
    out = []
    for name, b in base["results"].items():
        n = new["results"].get(name, {})
        if by == "ratio":
            if "speedup_vs_numpy" not in b:
                continue
            before, after = b["speedup_vs_numpy"], n.get("speedup_vs_numpy")
            out.append((name, "x numpy", before, after, before / after if after else MISSING))
        else:
            before, after = b["jitnet"]["median"], n.get("jitnet", {}).get("median")
            out.append((name, b["unit"], before, after, after / before if after else MISSING))
    return out


def kind(result: dict) -> tuple:
    """What must match for two runs to be compared: quick or full, and the threads asked for."""
    threads = result.get("threads")
    return result.get("quick"), threads.get("requested") if isinstance(threads, dict) else threads


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("base")
    parser.add_argument("new")
    parser.add_argument("--max-slowdown", type=float, default=1.5, help="allowed slowdown factor (1.5 = 1.5x)")
    parser.add_argument("--by", choices=("ratio", "time"), default="ratio")
    args = parser.parse_args(argv)
    with open(args.base) as f:
        base = json.load(f)
    with open(args.new) as f:
        new = json.load(f)
    if kind(base) != kind(new):
        print(f"runs of different kinds (quick, threads): {args.base} {kind(base)}, {args.new} {kind(new)}",
              file=sys.stderr)
        return 2
    table = rows(base, new, args.by)
    if not table:
        print("no figures to compare", file=sys.stderr)
        return 2
    print(f"{'figure':26s} {'unit':9s} {'before':>10s} {'after':>10s} {'slowdown':>9s}")
    failed, missing = [], []
    for name, unit, before, after, slowdown in table:
        if slowdown == MISSING:
            missing.append(name)
            print(f"{name:26s} {unit:9s} {before:10.4f} {'-':>10s} {'':9s}  MISSING")
            continue
        flag = "  REGRESSED" if slowdown > args.max_slowdown else ""
        print(f"{name:26s} {unit:9s} {before:10.4f} {after:10.4f} {slowdown:8.2f}x{flag}")
        if flag:
            failed.append(name)
    if missing:
        print(f"{len(missing)} figure(s) of {args.base} missing from {args.new}: {', '.join(missing)}")
    if failed:
        print(f"{len(failed)} figure(s) slowed by more than {args.max_slowdown:g}x: {', '.join(failed)}")
    if failed or missing:
        return 1
    print(f"no figure slowed by more than {args.max_slowdown:g}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
