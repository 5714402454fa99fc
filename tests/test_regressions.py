"""One test per bug fixed (the bug in the docstring)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lcai.measure.runfile import RunWriter, Sample
from lcai.spec.loading import load_source
from lcai.whatif.scenarios import compare

LCAI = str(Path(sys.executable).with_name("lcai"))


def _run_file(path: Path, kwh: float, start: float) -> None:
    w = RunWriter(path)
    w.sample(Sample(start, "gpu:0", "nvml", 0.0, 500.0))
    w.sample(Sample(start + 3599.0, "gpu:0", "nvml", kwh * 3.6e6, 500.0))
    w.close(start + 3600, 0)


def _measured_assessment(folder: Path) -> Path:
    (folder / "runs").mkdir(parents=True)
    _run_file(folder / "runs" / "train-1.jsonl", 10.0, 1_699_999_200.0)
    f = folder / "a.yaml"
    f.write_text("name: m\ngrid: {region: FR}\ntraining:\n  measured: runs/train-*.jsonl\n")
    return f


def test_scenarios_keep_the_files_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Scenarios re-parsed the file and lost its folder: relative run files were looked up
    in the current folder ("no run file matches 'runs/train-*.jsonl' (in .)")."""
    f = _measured_assessment(tmp_path / "project")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    (c,) = compare(load_source(f), ["liquid-cooling"])
    assert c.result["total"]["energy_kwh"] < c.baseline["total"]["energy_kwh"]


def test_report_runs_outside_the_files_folder(tmp_path: Path) -> None:
    """`lcai report` (scenarios on by default) failed for relative measured run files
    unless run from the file's folder."""
    f = _measured_assessment(tmp_path / "project")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "r.html"
    proc = subprocess.run(
        [LCAI, "report", str(f), "-o", str(out)],
        cwd=elsewhere, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "measured" in out.read_text(encoding="utf-8")
