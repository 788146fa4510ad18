"""The benchmark harness end to end on a sliver of its work: one round of the
small Inception step, quiet mode only. Checks that the PyTorch twin of
SmallInception (benchmarks/torch_models.py) computes the same logits and
losses from the same weights, and that the report is written. Asserts no
timing. Skipped without PyTorch."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

RUN = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"

pytestmark = pytest.mark.skipif(importlib.util.find_spec("torch") is None,
                                reason="PyTorch is not installed")


def test_harness_checks_equivalence_and_writes_report(tmp_path):
    out = tmp_path / "RESULTS.md"
    done = subprocess.run(
        [sys.executable, str(RUN), "--quick", "--modes", "quiet", "--only", "Inception",
         "--rounds", "1", "--turn-seconds", "0.01", "--skip-example", "--skip-startup",
         "--out", str(out)],
        capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "FAILED" not in done.stdout
    assert "4 of 4 checks passed." in done.stdout  # the logits and the first 3 losses
    text = out.read_text(encoding="utf-8")
    for expected in ("## Targets", "## Equivalence checks", "| quiet | Inception step |",
                     "| Inception step | minidl vs PyTorch | logits |"):
        assert expected in text
