"""One test per bug fixed (the bug in the docstring)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lcai.errors import SpecError
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


def test_hourly_intensity_reads_the_region_column(tmp_path: Path) -> None:
    """The assessment's hourly-intensity reader ignored the region column: a FR assessment
    given FR 50 and DE 400 gCO2e/kWh for the same hour used 400."""
    f = _measured_assessment(tmp_path)
    (tmp_path / "hourly.csv").write_text(
        "timestamp,region,gco2e_per_kwh\n2023-11-14T22:00:00Z,FR,50\n2023-11-14T22:00:00Z,DE,400\n"
    )
    f.write_text(
        "name: m\ngrid: {region: FR}\nfacility: {pue: 1.5, wue: 0 L/kWh}\ntraining:\n"
        "  measured:\n    runs: [runs/train-*.jsonl]\n    hourly_intensity: hourly.csv\n"
    )
    from lcai.api import assess_file

    r = assess_file(f)
    # 10 kWh of IT energy x PUE 1.5 at 50 g/kWh
    assert r.total.co2e_kg == pytest.approx(10 * 1.5 * 0.050)
    f.write_text(f.read_text().replace("region: FR", "region: SE"))
    with pytest.raises(SpecError, match="no hours for region SE"):
        assess_file(f)
