"""perf/compare.py: the regression check of the perf suite."""

import json
import subprocess
import sys
from pathlib import Path

COMPARE = Path(__file__).resolve().parents[1] / "perf" / "compare.py"


def result(ratio: float, seconds: float) -> dict:
    return {"results": {
        "a_mnist_mlp": {"unit": "s/epoch", "jitnet": {"median": seconds}, "speedup_vs_numpy": ratio},
        "import": {"unit": "s", "jitnet": {"median": 0.5}},
    }}


def run(tmp_path, base, new, *args):
    (tmp_path / "base.json").write_text(json.dumps(base))
    (tmp_path / "new.json").write_text(json.dumps(new))
    return subprocess.run([sys.executable, str(COMPARE), str(tmp_path / "base.json"), str(tmp_path / "new.json"),
                           *args], check=False, capture_output=True, text=True)


def test_a_ratio_regression_fails(tmp_path):
    proc = run(tmp_path, result(2.0, 0.5), result(1.5, 0.5))
    assert proc.returncode == 1
    assert "a_mnist_mlp" in proc.stdout and "REGRESSED" in proc.stdout and "1.33x" in proc.stdout


def test_within_threshold_passes_and_time_mode_uses_seconds(tmp_path):
    assert run(tmp_path, result(2.0, 0.5), result(1.9, 0.5)).returncode == 0
    proc = run(tmp_path, result(2.0, 0.5), result(2.0, 0.7), "--by", "time")
    assert proc.returncode == 1 and "1.40x" in proc.stdout


def test_every_figure_of_the_stored_baseline_is_compared(tmp_path):
    """Each figure of perf/baseline.json, made 1.5x slower alone, is the one flagged (the others are not)."""
    baseline = json.loads((COMPARE.parent / "baseline.json").read_text())
    assert len(baseline["results"]) >= 5
    for name, figure in baseline["results"].items():
        slower = json.loads(json.dumps(baseline))
        entry = slower["results"][name]
        if "speedup_vs_numpy" in figure:
            entry["speedup_vs_numpy"] /= 1.5
        else:
            entry["jitnet"]["median"] *= 1.5
        proc = run(tmp_path, baseline, slower)
        flagged = [line.split()[0] for line in proc.stdout.splitlines() if line.endswith("REGRESSED")]
        assert proc.returncode == 1 and flagged == [name], (name, proc.stdout)
