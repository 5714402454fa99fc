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


def _annotation(hours: str, annotators: int = 50) -> dict[str, object]:
    return {
        "name": "a",
        "annotation": {"grid": {"region": "KE"}, "annotators": annotators, "hours": hours},
    }


def test_months_of_annotation_are_working_hours() -> None:
    """`annotation.hours: 3 months` per annotator was 24/7 (2,190 h, 109,500 person-hours
    for 50 people); a calendar period of a person's work counts full-time working hours
    (40 h a week, ILO C047: 173.3 h a month)."""
    import lcai

    r = lcai.assess(_annotation("3 months"))
    (ph,) = [a for a in r.assumptions if a.name == "annotation.person_hours"]
    assert ph.value == pytest.approx(50 * 3 * 2080 / 12, rel=1e-6)
    assert "ilo1935c047" in ph.note and "3 months of full-time work" in ph.note
    assert not r.warnings or all("full-time working year" not in w for w in r.warnings)
    assert lcai.assess(_annotation("400 h")).phases["annotation"].impact.energy_kwh == (
        pytest.approx(lcai.assess(_annotation("0.5 weeks", annotators=50 * 20)).phases[
            "annotation"].impact.energy_kwh)
    )  # fmt: skip


def test_more_than_a_working_year_per_annotator_is_flagged() -> None:
    import lcai

    r = lcai.assess(_annotation("3000 h"))
    assert any("more than a full-time working year (2,080 h" in w for w in r.warnings)
    r = lcai.assess(_annotation("2 years"))  # 2 x 2,080 h
    assert any("4,160 h of work per annotator" in w for w in r.warnings)


LLAMA33 = {
    "name": "Llama 3.3 70B as its card row reads",
    "grid": {"region": "US"},
    "training": {
        "accelerators": {"type": "H100", "gpu_hours": "7.0M h"},
        "reported": {"co2e": "12.9 t", "source": "a model-card row"},
    },
    "manufacturing": {"components": [{"hardware": "H100"}]},
}


def test_a_reported_total_keeps_the_gpu_hours_and_checks_them() -> None:
    """A file stating GPU-hours and a reported total (7.0M H100-hours, 12.9 t) dropped the
    GPU-hours; now they are kept (manufacturing follows them) and the implied 1.84 g per
    H100-hour is flagged: at least 700 W x 0.15 x PUE 1.0 x 20.8 g/kWh = 2.19 g."""
    import lcai

    r = lcai.assess(LLAMA33)
    assert r.phases["training"].impact.co2e_kg == pytest.approx(12_900)
    assert any("1.84 gCO2e per accelerator-hour" in w for w in r.warnings), r.warnings
    assert r.phases["manufacturing"].impact.co2e_kg > 0  # allocated by the 7.0M hours
    plausible = {**LLAMA33, "training": {**LLAMA33["training"], "reported": {  # type: ignore[dict-item]
        "co2e": "2040 t", "source": "Llama 3.3 card"}}}  # fmt: skip
    assert not any("per accelerator-hour" in w for w in lcai.assess(plausible).warnings)


def test_a_reported_market_figure_without_a_location_figure_is_kept() -> None:
    """A reported result with energy and co2e_market (no co2e) reported the market-based
    carbon as the location-based one (the grid branch ignored co2e_market)."""
    import lcai

    r = lcai.assess(
        {
            "name": "r",
            "grid": {"region": "FR"},
            "training": {
                "reported": {"energy": "1000 kWh", "co2e_market": "0 kg", "source": "a report"}
            },
        }
    )
    tr = r.phases["training"].impact
    assert tr.co2e_kg > 0 and tr.co2e_market_kg == 0.0


def test_uncertain_annotators_and_hours_are_sampled() -> None:
    """`annotators: 10 +- 50%` and `hours: 400 h +- 50%` were dropped from the Monte Carlo
    (person-hours were a constant)."""
    import lcai

    spec = {"name": "a", "annotation": {"grid": {"region": "KE"}, "annotators": "10 +- 50%",
                                        "hours": "400 h +- 50%"}}  # fmt: skip
    r = lcai.assess(spec, samples=2000, seed=0)
    assert r.uncertainty is not None
    assert {"annotation.annotators", "annotation.hours"} <= set(r.uncertainty.uncertain_inputs)
    e = r.uncertainty.total["energy_kwh"]
    assert e.p95 > 1.5 * e.p5


def test_hourly_intensity_keeps_the_market_instruments(tmp_path: Path) -> None:
    """With an hourly intensity, a renewable share of 1.0 stopped applying: market-based
    carbon followed the hourly location factor."""
    import lcai

    f = _measured_assessment(tmp_path)
    (tmp_path / "hourly.csv").write_text(
        "timestamp,region,gco2e_per_kwh\n2023-11-14T22:00:00Z,FR,50\n"
    )
    f.write_text(
        "name: m\ngrid: {region: FR, renewable_share: 1.0}\ntraining:\n  measured:\n"
        "    runs: [runs/train-*.jsonl]\n    hourly_intensity: hourly.csv\n"
    )
    r = lcai.assess_file(f)
    assert r.total.co2e_kg > 0 and r.total.co2e_market_kg == pytest.approx(0.0)
