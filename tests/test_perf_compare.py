"""perf/compare.py: the regression gate of the perf suite."""

import json
import subprocess
import sys
from pathlib import Path

COMPARE = Path(__file__).resolve().parents[1] / "perf" / "compare.py"


def result(ratio: float, seconds: float, quick: bool = True, threads: int = 1) -> dict:
    return {"quick": quick, "threads": {"requested": threads}, "results": {
        "a_mnist_mlp": {"unit": "s/epoch", "jitnet": {"median": seconds}, "speedup_vs_numpy": ratio},
        "import": {"unit": "s", "jitnet": {"median": 0.5}},
    }}


def run(tmp_path, base, new, *args):
    (tmp_path / "base.json").write_text(json.dumps(base))
    (tmp_path / "new.json").write_text(json.dumps(new))
    return subprocess.run([sys.executable, str(COMPARE), str(tmp_path / "base.json"), str(tmp_path / "new.json"),
                           *args], check=False, capture_output=True, text=True)


def flagged(proc, word: str) -> list[str]:
    return [line.split()[0] for line in proc.stdout.splitlines() if line.endswith(word)]


def test_a_ratio_regression_beyond_the_threshold_fails(tmp_path):
    proc = run(tmp_path, result(2.0, 0.5), result(1.2, 0.5))
    assert proc.returncode == 1
    assert flagged(proc, "REGRESSED") == ["a_mnist_mlp"] and "1.67x" in proc.stdout


def test_within_the_threshold_passes_and_time_mode_uses_seconds(tmp_path):
    assert run(tmp_path, result(2.0, 0.5), result(1.4, 0.5)).returncode == 0  # 1.43x worse: noise
    proc = run(tmp_path, result(2.0, 0.5), result(2.0, 0.8), "--by", "time")
    assert proc.returncode == 1 and "1.60x" in proc.stdout
    assert run(tmp_path, result(2.0, 0.5), result(2.0, 0.6), "--by", "time", "--max-slowdown", "1.1").returncode == 1


def test_the_ratio_gate_reads_only_ratios(tmp_path):
    """A figure without a NumPy twin (here the import time) does not gate by ratio, however much it moved."""
    slow_import = result(2.0, 0.5)
    slow_import["results"]["import"]["jitnet"]["median"] = 5.0
    proc = run(tmp_path, result(2.0, 0.5), slow_import)
    assert proc.returncode == 0 and "import" not in proc.stdout
    assert flagged(run(tmp_path, result(2.0, 0.5), slow_import, "--by", "time"), "REGRESSED") == ["import"]


def test_a_figure_missing_from_the_new_run_fails(tmp_path):
    for by in ("ratio", "time"):
        new = result(2.0, 0.5)
        del new["results"]["a_mnist_mlp"]
        proc = run(tmp_path, result(2.0, 0.5), new, "--by", by)
        assert proc.returncode == 1 and flagged(proc, "MISSING") == ["a_mnist_mlp"], (by, proc.stdout)
    no_ratio = result(2.0, 0.5)
    del no_ratio["results"]["a_mnist_mlp"]["speedup_vs_numpy"]
    proc = run(tmp_path, result(2.0, 0.5), no_ratio)
    assert proc.returncode == 1 and flagged(proc, "MISSING") == ["a_mnist_mlp"]
    time_only = result(2.0, 0.5)
    del time_only["results"]["import"]
    assert flagged(run(tmp_path, result(2.0, 0.5), time_only, "--by", "time"), "MISSING") == ["import"]


def test_a_figure_only_in_the_new_run_passes(tmp_path):
    new = result(2.0, 0.5)
    new["results"]["e_bn_dropout"] = {"unit": "s/epoch", "jitnet": {"median": 0.3}, "speedup_vs_numpy": 0.1}
    assert run(tmp_path, result(2.0, 0.5), new).returncode == 0


def test_runs_of_different_kinds_are_not_compared(tmp_path):
    for other in (result(2.0, 0.5, quick=False), result(2.0, 0.5, threads=2)):
        proc = run(tmp_path, result(2.0, 0.5), other)
        assert proc.returncode == 2 and "different kinds" in proc.stderr


def test_every_ratio_of_the_stored_baseline_is_gated(tmp_path):
    """perf/baseline.json is a quick run (what CI compares); each of its ratios, made 1.6x worse alone, is the one
    flagged, and each of its figures, taken out alone, is the one missing."""
    baseline = json.loads((COMPARE.parent / "baseline.json").read_text())
    assert baseline["quick"] is True
    ratios = [name for name, figure in baseline["results"].items() if "speedup_vs_numpy" in figure]
    assert {"a_mnist_mlp", "b_imdb_multihot", "c_mnist_adam_b32", "d_tiny_adam_fit", "e_bn_dropout"} <= set(ratios)
    assert run(tmp_path, baseline, baseline).returncode == 0
    for name in ratios:
        worse = json.loads(json.dumps(baseline))
        worse["results"][name]["speedup_vs_numpy"] /= 1.6
        proc = run(tmp_path, baseline, worse)
        assert proc.returncode == 1 and flagged(proc, "REGRESSED") == [name], (name, proc.stdout)
    for name in baseline["results"]:
        fewer = json.loads(json.dumps(baseline))
        del fewer["results"][name]
        proc = run(tmp_path, baseline, fewer, "--by", "time")
        assert proc.returncode == 1 and flagged(proc, "MISSING") == [name], (name, proc.stdout)
