"""An assessment phase fed from a fleet result keeps what the fleet measured."""

from __future__ import annotations

from pathlib import Path

import pytest

pl = pytest.importorskip("polars", reason="the fleet extra (polars) is not installed")

import lcai  # noqa: E402
from lcai.errors import SpecError  # noqa: E402
from lcai.fleet import account, synthesize  # noqa: E402


@pytest.fixture(scope="module")
def fleet_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("fleet")
    synthesize(d, nodes=3, hours=3, seed=1)
    r = account(d / "power", d / "jobs.csv", intensity=d / "intensity.csv", sites=d / "sites.csv")
    r.write(d / "out")
    return d


def _model_totals(d: Path) -> tuple[str, dict[str, float]]:
    jobs = pl.read_csv(d / "out" / "jobs.csv")
    model = jobs.filter(pl.col("model").is_not_null())["model"][0]
    mine = jobs.filter(pl.col("model") == model)
    cols = ("it_energy_kwh", "energy_kwh", "co2e_kg", "water_l")
    return model, {c: float(mine[c].sum()) for c in cols}


def test_fleet_totals_are_kept(fleet_out: Path) -> None:
    """The fleet's facility energy, hourly carbon and water per job, as the fleet gave them;
    the assessment's own grid (here a fixed 900 g/kWh) and PUE (1.58 default) apply to none
    of it (issue 13: 5.91 kWh / 0.91 kg in the fleet became 7.83 kWh / 1.92 kg)."""
    model, want = _model_totals(fleet_out)
    f = fleet_out / "a.yaml"
    f.write_text(
        "name: m\ngrid: {co2e_intensity: 900 gCO2e/kWh}\ntraining:\n  measured:\n"
        f"    fleet: out/jobs.csv\n    model: {model}\n"
    )
    res = lcai.assess_file(f)
    tr = res.phases["training"].impact
    assert tr.energy_kwh == pytest.approx(want["energy_kwh"], rel=1e-9)
    assert tr.co2e_kg == pytest.approx(want["co2e_kg"], rel=1e-9)
    assert tr.water_l == pytest.approx(want["water_l"], rel=1e-9)
    (item,) = [it for it in res.phases["training"].items if it.kind == "measured"]
    assert item.method == "measured"
    overhead = [it for it in res.phases["training"].items if it.kind == "overhead"]
    assert all(it.energy_kwh == 0 for it in overhead)


def test_unknown_model_is_an_error(fleet_out: Path) -> None:
    f = fleet_out / "b.yaml"
    f.write_text("name: m\ntraining:\n  measured:\n    fleet: out/jobs.csv\n    model: nope\n")
    with pytest.raises(SpecError, match="no job"):
        lcai.assess_file(f)


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("job_id,it_energy_kwh\nj1,5\n", "not a jobs.csv"),
        (
            "job_id,it_energy_kwh,energy_kwh,co2e_kg,water_l\nj1,5,6,-1,2\n",
            "co2e_kg: expected a number >= 0",
        ),
        ("job_id,it_energy_kwh,energy_kwh,co2e_kg,water_l\nj1,nan,6,1,2\n", "it_energy_kwh"),
    ],
)
def test_bad_fleet_results(tmp_path: Path, content: str, fragment: str) -> None:
    (tmp_path / "jobs.csv").write_text(content)
    f = tmp_path / "a.yaml"
    f.write_text("name: m\ntraining:\n  measured:\n    fleet: jobs.csv\n")
    with pytest.raises(SpecError, match=fragment) as info:
        lcai.assess_file(f)
    assert "training.measured.fleet" in str(info.value)


def test_a_project_named_like_a_formula_reads_back(tmp_path: Path) -> None:
    """jobs.csv neutralises '-ml-team' as "'-ml-team"; the assessment's filter matched the
    raw cell and found no job. A job named 'idle' (the no-job bucket) is refused."""
    import csv as _csv

    synthesize(tmp_path, nodes=1, hours=1, seed=2)
    jobs = tmp_path / "jobs.csv"
    rows = list(_csv.DictReader(jobs.open()))
    for r in rows:
        r["project"] = "-ml-team"
    with jobs.open("w", newline="") as fh:
        w = _csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    account(tmp_path / "power", jobs).write(tmp_path / "out")
    f = tmp_path / "a.yaml"
    f.write_text(
        "name: m\ntraining:\n  measured:\n    fleet: out/jobs.csv\n    project: '-ml-team'\n"
    )
    assert lcai.assess_file(f).phases["training"].impact.energy_kwh > 0
    rows[0]["job_id"] = "idle"
    with jobs.open("w", newline="") as fh:
        w = _csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    with pytest.raises(SpecError, match="'idle' is reserved"):
        account(tmp_path / "power", jobs)
