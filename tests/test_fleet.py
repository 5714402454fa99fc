"""Fleet accounting: hand-worked, conservation, data faults, readers, against pandas, CLI."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

pl = pytest.importorskip("polars", reason="fleet accounting needs polars (lcai[fleet])")

from lcai.errors import SpecError  # noqa: E402
from lcai.fleet import account, synthesize  # noqa: E402
from lcai.fleet.readers import read_jobs, read_power  # noqa: E402
from tests.test_bad_input import run_cli  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def _write_power(folder: Path, rows: list[tuple[int, str, int, float]], name: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    t, node, gpu, p = zip(*rows, strict=True)
    pl.DataFrame({"t_ms": t, "node": node, "gpu": gpu, "power_w": p}).write_parquet(folder / name)


def test_hand_worked(tmp_path: Path) -> None:
    """One GPU at 100 W then 300 W: samples at 0, 1, 2, 3 s (100, 100, 300, 300 W).
    Trapezoids: 100 J, 200 J, 300 J = 600 J. A job holds the GPU from 1 s to 2.5 s: the
    intervals starting at 1 s and 2 s (200 + 300 J) are the job's (an interval belongs to
    whoever holds the GPU at its start); the first (100 J) is idle. The interval from 1 s to
    2 s crosses the file boundary and is closed by the next file's first sample."""
    _write_power(tmp_path / "p", [(0, "n1", 0, 100.0), (1000, "n1", 0, 100.0)], "a.parquet")
    _write_power(tmp_path / "p", [(2000, "n1", 0, 300.0), (3000, "n1", 0, 300.0)], "b.parquet")
    (tmp_path / "jobs.csv").write_text(
        "job_id,node,gpus,start,end,project,model\n"
        "j1,n1,0,1970-01-01T00:00:01+00:00,1970-01-01T00:00:02.5+00:00,p,m\n"
    )
    (tmp_path / "sites.csv").write_text("node,region,pue,wue_l_per_kwh\nn1,FR,1.5,0\n")
    r = account(tmp_path / "p", tmp_path / "jobs.csv", sites=tmp_path / "sites.csv")
    e = {row["job_id"]: row["it_energy_kwh"] * 3.6e6 for row in r.jobs.iter_rows(named=True)}
    assert e["j1"] == pytest.approx(500.0) and e["idle"] == pytest.approx(100.0)
    assert r.total_energy_j == pytest.approx(600.0)
    job = r.jobs.filter(pl.col("job_id") == "j1").row(0, named=True)
    assert job["energy_kwh"] == pytest.approx(500 * 1.5 / 3.6e6)  # x PUE
    assert job["gpu_hours"] == pytest.approx(2 / 3600)


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("fleet")
    synthesize(d, nodes=3, hours=3, seed=1, faults=True)
    return d


def test_conservation_and_faults(fleet: Path) -> None:
    r = account(fleet / "power", fleet / "jobs.csv", intensity=fleet / "intensity.csv",
                sites=fleet / "sites.csv")  # fmt: skip
    jobs_plus_idle = float(r.jobs["it_energy_kwh"].sum()) * 3.6e6
    assert jobs_plus_idle == pytest.approx(r.total_energy_j, rel=1e-9)
    # independent integration of the cleaned telemetry with numpy
    raw = pl.concat([read_power(f) for f in sorted((fleet / "power").glob("*.parquet"))])
    total = 0.0
    for _, g in raw.to_pandas().groupby(["node", "gpu"]):
        g = g.drop_duplicates("t_ms")
        g = g[g["power_w"].notna() & (g["power_w"] >= 0)]
        g = g.sort_values("t_ms")
        t = g["t_ms"].to_numpy() / 1000.0
        p = np.minimum(g["power_w"].to_numpy(), 700.0)
        dt = np.diff(t)
        ok = (dt > 0) & (dt <= 10)
        total += float(((p[:-1] + p[1:]) / 2 * dt)[ok].sum())
    # the clock-step sample (dropped by the rule) is the only difference: a few J at most
    assert r.total_energy_j == pytest.approx(total, rel=1e-5)
    q = r.quality.to_dict()
    assert {k: v["count"] for k, v in q.items()} == {
        "duplicate": 5, "missing_power": 2, "negative_power": 3, "impossible_power": 2,
        "clock_step": 1, "gap": 1, "overlapping_jobs": q["overlapping_jobs"]["count"],
        "job_without_samples": 1,
    }  # fmt: skip
    assert q["overlapping_jobs"]["count"] >= 1 and q["gap"]["examples"]
    assert all(v["rule"] for v in q.values())


def test_agrees_with_pandas(fleet: Path) -> None:
    spec = importlib.util.spec_from_file_location("fp", ROOT / "benchmarks" / "fleet_pandas.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    ref = mod.energy_per_job_j(fleet / "power", fleet / "jobs.csv")
    r = account(fleet / "power", fleet / "jobs.csv")
    ours = {row["job_id"]: row["it_energy_kwh"] * 3.6e6 for row in r.jobs.iter_rows(named=True)}
    assert set(ours) == set(ref)
    for k in ref:
        assert ours[k] == pytest.approx(ref[k], rel=1e-9), k


def test_allocate_idle_conserves(fleet: Path) -> None:
    a = account(fleet / "power", fleet / "jobs.csv")
    b = account(fleet / "power", fleet / "jobs.csv", allocate_idle="proportional")
    assert float(b.jobs["it_energy_kwh"].sum()) == pytest.approx(
        float(a.jobs["it_energy_kwh"].sum()), rel=1e-9
    )
    idle_a = a.jobs.filter(pl.col("job_id") == "idle")["it_energy_kwh"].sum()
    idle_b = b.jobs.filter(pl.col("job_id") == "idle")["it_energy_kwh"].sum()
    assert idle_b < idle_a


def test_readers(tmp_path: Path) -> None:
    dcgm = tmp_path / "dcgm.csv"
    dcgm.write_text(
        "timestamp,Hostname,gpu,DCGM_FI_DEV_POWER_USAGE\n"
        "2026-01-05T00:00:00Z,n1,0,250.5\n2026-01-05T00:00:01Z,n1,0,251.0\n"
    )
    df = read_power(dcgm)
    assert df.columns == ["t_ms", "node", "gpu", "power_w"] and df["power_w"][0] == 250.5
    sacct = tmp_path / "sacct.txt"
    sacct.write_text(
        "JobID|JobName|Account|User|NodeList|Start|End|AllocTRES\n"
        "42|llama-ft|proj-a|alice|n1|2026-01-05T00:00:00|2026-01-05T01:00:00|"
        "cpu=8,gres/gpu=2\n42.batch|batch|proj-a|alice|n1|2026-01-05T00:00:00|"
        "2026-01-05T01:00:00|cpu=8\n"
    )
    jobs = read_jobs(sacct)
    assert jobs["job_id"].to_list() == ["42", "42"] and jobs["gpu"].to_list() == [0, 1]
    assert jobs["model"][0] == "llama-ft"
    bad = tmp_path / "bad.csv"
    bad.write_text("when,host,watts\n1,n1,3\n")
    with pytest.raises(SpecError, match="time column"):
        read_power(bad)
    (tmp_path / "j.csv").write_text("job,node\n1,n1\n")
    with pytest.raises(SpecError, match="needs columns"):
        read_jobs(tmp_path / "j.csv")


def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = tmp_path / "synth"
    code, out, err = run_cli(["fleet", "synth", "-o", str(d), "--nodes", "2", "--hours", "1"],
                             capsys)  # fmt: skip
    assert code == 0, err
    outdir = tmp_path / "out"
    code, out, err = run_cli(
        ["fleet", "account", "--power", str(d / "power"), "--jobs", str(d / "jobs.csv"),
         "--intensity", str(d / "intensity.csv"), "--sites", str(d / "sites.csv"),
         "-o", str(outdir)], capsys,
    )  # fmt: skip
    assert code == 0, err
    assert (outdir / "jobs.parquet").exists() and (outdir / "projects.csv").exists()
    q = json.loads((outdir / "quality.json").read_text())
    assert q["samples"] > 0 and "gap" in q["faults"]
    assert "idle" in out
    code, _, err = run_cli(["fleet", "account", "--power", str(tmp_path / "nope"),
                            "--jobs", str(d / "jobs.csv"), "-o", str(outdir)], capsys)  # fmt: skip
    assert code == 2 and "no such file" in err


def test_dask_engine_gives_identical_results(fleet: Path) -> None:
    """The same per-file kernel on a Dask LocalCluster of 2 workers."""
    pytest.importorskip("distributed", reason="the dask engine needs dask.distributed")
    a = account(fleet / "power", fleet / "jobs.csv", intensity=fleet / "intensity.csv",
                sites=fleet / "sites.csv")  # fmt: skip
    b = account(fleet / "power", fleet / "jobs.csv", intensity=fleet / "intensity.csv",
                sites=fleet / "sites.csv", engine="dask")  # fmt: skip
    cols = ["job_id", "it_energy_kwh", "co2e_kg", "water_l", "gpu_hours"]
    left = a.jobs.select(cols).sort("job_id")
    right = b.jobs.select(cols).sort("job_id")
    assert left["job_id"].to_list() == right["job_id"].to_list()
    for c in cols[1:]:
        for x, y in zip(left[c].to_list(), right[c].to_list(), strict=True):
            assert x == pytest.approx(y, rel=1e-12), c
    assert a.quality.counts == b.quality.counts and a.samples == b.samples
    with pytest.raises(SpecError, match="--engine"):
        account(fleet / "power", fleet / "jobs.csv", engine="spark")


def test_tracker_run_files_as_telemetry(tmp_path: Path) -> None:
    from lcai.measure.runfile import RunWriter, Sample

    w = RunWriter(tmp_path / "p" / "n1.jsonl")
    for i in range(4):  # 100 W for 3 s: 300 J
        w.sample(Sample(1000.0 + i, "gpu:0", "nvml", 100.0 * i, 100.0))
        w.sample(Sample(1000.0 + i, "cpu:estimate", "utilisation-estimate", 5.0 * i, 5.0))
    w.close(1004.0, 0)
    df = read_power(tmp_path / "p" / "n1.jsonl")
    assert df["node"].unique().to_list() == ["n1"] and df.height == 4
    (tmp_path / "jobs.csv").write_text("job_id,node,gpus,start,end\nj,n1,0,1000,1010\n")
    r = account(tmp_path / "p", tmp_path / "jobs.csv")
    assert r.total_energy_j == pytest.approx(300.0)


def test_energy_counter_is_used_where_present(tmp_path: Path) -> None:
    """DCGM's total-energy counter (mJ): 0, 150 000, 450 000 mJ -> 150 J + 300 J, although
    the power readings alone would give (100+100)/2 + (100+100)/2 = 200 J."""
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "a.csv").write_text(
        "timestamp,Hostname,gpu,DCGM_FI_DEV_POWER_USAGE,DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION\n"
        "1000,n1,0,100,0\n1001,n1,0,100,150000\n1002,n1,0,100,450000\n"
    )
    (tmp_path / "jobs.csv").write_text("job_id,node,gpus,start,end\nj,n1,0,1000,1010\n")
    r = account(tmp_path / "p", tmp_path / "jobs.csv")
    assert r.total_energy_j == pytest.approx(450.0)


# --- issue 13.1: the accounting conserves energy on every layout of the input ---------


def _csv_power(path: Path, rows: list[tuple[int, str, int, float]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "t_ms,node,gpu,power_w\n" + "".join(f"{t},{n},{g},{p}\n" for t, n, g, p in rows)
    )


def _raw_energy_j(rows: list[tuple[int, str, int, float]], gap_s: float = 10.0,
                  cap_w: float = 700.0) -> float:  # fmt: skip
    """An independent integration of the raw samples with numpy: per device, sorted by
    time, trapezoids over intervals of 0 < dt <= gap, power capped at the TDP."""
    total = 0.0
    devices = {(n, g) for _, n, g, _ in rows}
    for dev in devices:
        s = sorted((t, p) for t, n, g, p in rows if (n, g) == dev)
        t = np.array([x[0] for x in s], dtype=float) / 1000.0
        p = np.minimum(np.array([x[1] for x in s], dtype=float), cap_w)
        dt = np.diff(t)
        ok = (dt > 0) & (dt <= gap_s)
        total += float(((p[:-1] + p[1:]) / 2 * dt)[ok].sum())
    return total


def _two_nodes_two_hours() -> list[tuple[int, str, int, float]]:
    """Nodes a and b, one GPU each, at 300 W for 2 h, a sample every 10 s: 1.20 kWh."""
    return [(t * 1000, n, 0, 300.0) for n in ("a", "b") for t in range(0, 7201, 10)]


@pytest.mark.parametrize(
    "layout",
    ["one file", "node and hour", "hour, names out of time order", "node, one file each"],
)
def test_energy_does_not_depend_on_how_files_slice_the_telemetry(
    tmp_path: Path, layout: str
) -> None:
    """Was: each file's intervals ended at the next file's first timestamp, whatever node
    that file held: power/a-h0 a-h1 b-h0 b-h1 accounted 0.90 of 1.20 kWh with no fault,
    and hourly files named out of time order lost half (the last sample of a device in a
    file must be joined to that device's next sample, in whichever file it is)."""
    rows = _two_nodes_two_hours()
    files: dict[str, list[tuple[int, str, int, float]]] = {}
    for r in rows:
        hour = r[0] // 3_600_000
        name = {
            "one file": "all.csv",
            "node and hour": f"{r[1]}-h{min(hour, 1)}.csv",
            "hour, names out of time order": f"{'zy'[min(hour, 1)]}.csv",
            "node, one file each": f"{r[1]}.csv",
        }[layout]
        files.setdefault(name, []).append(r)
    for name, part in files.items():
        _csv_power(tmp_path / "power" / name, part)
    (tmp_path / "jobs.csv").write_text("job_id,node,gpus,start,end\nj,a,0,0,7200\n")
    r = account(tmp_path / "power", tmp_path / "jobs.csv")
    e = {row["job_id"]: row["it_energy_kwh"] for row in r.jobs.iter_rows(named=True)}
    assert _raw_energy_j(rows) / 3.6e6 == pytest.approx(1.2)
    assert sum(e.values()) == pytest.approx(1.2, rel=1e-12)
    assert r.total_energy_j == pytest.approx(_raw_energy_j(rows), rel=1e-12)
    assert e["j"] == pytest.approx(0.6, rel=1e-12) and e["idle"] == pytest.approx(0.6, rel=1e-12)
    assert r.quality.counts["gap"] == 0


def test_files_that_interleave_in_time_are_read_together(tmp_path: Path) -> None:
    """Was: every other sample of a GPU in a second file gave intervals across the other
    file's samples (and windows that cut them off). Files whose samples of one device
    interleave are read again together: the result is that of one file."""
    rows = [(t * 1000, "a", 0, 100.0 + t) for t in range(0, 60)]
    _csv_power(tmp_path / "p" / "even.csv", rows[0::2])
    _csv_power(tmp_path / "p" / "odd.csv", rows[1::2])
    _csv_power(tmp_path / "one" / "all.csv", rows)
    (tmp_path / "jobs.csv").write_text("job_id,node,gpus,start,end\nj,a,0,10,30\n")
    split = account(tmp_path / "p", tmp_path / "jobs.csv")
    whole = account(tmp_path / "one", tmp_path / "jobs.csv")
    assert split.jobs.sort("job_id").equals(whole.jobs.sort("job_id"))
    assert split.total_energy_j == pytest.approx(_raw_energy_j(rows), rel=1e-12)
    assert split.quality.counts == whole.quality.counts
