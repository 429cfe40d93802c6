"""The ``hyper`` layout table in the docstring of ``jitnet.kernels.optimizers`` against ``HYPER``: the text
readers see must say what the kernels index."""

import re

from jitnet.kernels import optimizers as kernels

_ENTRY = re.compile(r"(\d+) (\w+)")


def _table() -> list[str]:
    """The table's lines: from the line after "``hyper`` layout" to the next blank line."""
    lines = kernels.__doc__.splitlines()
    start = next(i for i, line in enumerate(lines) if "``hyper`` layout" in line)
    body = []
    for line in lines[start + 1:]:
        if not line.strip():
            if body:
                break
            continue
        if "::" not in line:
            body.append(line.strip())
    return body


def _entries(text: str) -> list[tuple[int, str]]:
    return [(int(i), name) for i, name in _ENTRY.findall(text)]


def test_the_common_row_names_the_common_constants_in_order():
    common = _entries(_table()[0])
    assert common == [(kernels.CLIPNORM, "clipnorm"), (kernels.CLIPVALUE, "clipvalue"),
                      (kernels.GLOBAL_CLIPNORM, "global_clipnorm"), (kernels.WEIGHT_DECAY, "weight_decay")]
    assert len(common) == kernels.N_COMMON


def test_each_rule_row_matches_hyper():
    rows = {}
    for line in _table()[1:]:
        rule, rest = line.split(maxsplit=1)
        rows[getattr(kernels, rule)] = _entries(rest)
    assert sorted(rows) == sorted(kernels.HYPER)
    for code, entries in rows.items():
        assert entries == list(enumerate(kernels.HYPER[code], start=kernels.N_COMMON)), code
