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


def test_the_stored_baseline_compares_with_itself(tmp_path):
    baseline = json.loads((COMPARE.parent / "baseline.json").read_text())
    proc = run(tmp_path, baseline, baseline)
    assert proc.returncode == 0 and "no regression" in proc.stdout
