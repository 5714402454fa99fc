"""Fleet accounting: hand-worked, conservation, data faults, readers, against pandas, CLI."""

from __future__ import annotations

import dataclasses
import errno
import importlib
import importlib.util
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pl = pytest.importorskip("polars", reason="fleet accounting needs polars (lcai[fleet])")

from lcai.errors import SpecError  # noqa: E402
from lcai.fleet import FleetResult, account, synthesize  # noqa: E402
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
        "duplicate": 5, "missing_power": 2, "missing_energy": 0, "negative_power": 3,
        "impossible_power": 2, "impossible_counter": 0,
        "clock_step": 1, "gap": 1, "overlapping_jobs": q["overlapping_jobs"]["count"],
        "job_without_samples": 1,
    }  # fmt: skip
    assert q["overlapping_jobs"]["count"] >= 1 and q["gap"]["examples"]
    assert all(v["rule"] for v in q.values())


def _pandas_energy_per_job_j(power: Path, jobs: Path) -> dict[str, float]:
    spec = importlib.util.spec_from_file_location("fp", ROOT / "benchmarks" / "fleet_pandas.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    out: dict[str, float] = mod.energy_per_job_j(power, jobs)
    return out


def test_agrees_with_pandas(fleet: Path) -> None:
    ref = _pandas_energy_per_job_j(fleet / "power", fleet / "jobs.csv")
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
    (outdir / "notes.txt").write_text("")  # -o is replaced as a whole: refused, not a traceback
    code, _, err = run_cli(["fleet", "account", "--power", str(d / "power"),
                            "--jobs", str(d / "jobs.csv"), "-o", str(outdir)], capsys)  # fmt: skip
    assert code == 2 and "not a fleet result" in err and "Traceback" not in err


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
    with pytest.raises(SpecError, match="engine: expected 'polars' or 'dask'"):
        account(fleet / "power", fleet / "jobs.csv", engine="spark")


def test_dask_engine_reads_interleaving_files_together(tmp_path: Path) -> None:
    """The second round (files whose samples interleave, read together) on Dask too."""
    pytest.importorskip("distributed", reason="the dask engine needs dask.distributed")
    rows = [(t * 1000, n, 0, 100.0 + t) for n in ("a", "b") for t in range(0, 60)]
    _csv_power(tmp_path / "p" / "even.csv", rows[0::2])
    _csv_power(tmp_path / "p" / "odd.csv", rows[1::2])
    _csv_power(tmp_path / "p" / "later.csv", [(t * 1000, "a", 0, 50.0) for t in range(60, 70)])
    (tmp_path / "jobs.csv").write_text("job_id,node,gpus,start,end\nj,a,0,10,65\n")
    a = account(tmp_path / "p", tmp_path / "jobs.csv")
    b = account(tmp_path / "p", tmp_path / "jobs.csv", engine="dask")
    assert a.jobs.sort("job_id").equals(b.jobs.sort("job_id"))
    assert a.total_energy_j == pytest.approx(_raw_energy_j([*rows, *((t * 1000, "a", 0, 50.0)
                                             for t in range(60, 70))]), rel=1e-12)  # fmt: skip


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
        t_ms = np.array([x[0] for x in s], dtype=np.int64)  # in ms: 10 s is exactly 10 s
        p = np.minimum(np.array([x[1] for x in s], dtype=float), cap_w)
        dt_ms = np.diff(t_ms)
        ok = (dt_ms > 0) & (dt_ms <= gap_s * 1000)
        total += float(((p[:-1] + p[1:]) / 2 * dt_ms / 1000.0)[ok].sum())
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


def _one_gpu(tmp_path: Path, watts: float = 100.0, seconds: int = 600) -> Path:
    """n1/gpu0 at ``watts``, a sample every second from 0 to ``seconds``."""
    _csv_power(tmp_path / "p" / "a.csv", [(t * 1000, "n1", 0, watts) for t in range(seconds + 1)])
    return tmp_path / "p"


def test_same_region_and_hour_twice_in_intensity_is_an_error(tmp_path: Path) -> None:
    """Was: the join took both rows and accounted 0.2 kWh of carbon-bearing energy for 0.1
    kWh measured (the shared reader now keeps the last silently); now an error naming the
    file, both lines and the (region, hour)."""
    power = _one_gpu(tmp_path)
    (tmp_path / "jobs.csv").write_text("job_id,node,gpus,start,end\nj,n1,0,0,600\n")
    (tmp_path / "sites.csv").write_text("node,region\nn1,FR\n")
    (tmp_path / "i.csv").write_text(
        "timestamp,region,gco2e_per_kwh\n1970-01-01T00:00:00Z,FR,50\n"
        "1970-01-01T00:00:00Z,DE,400\n1970-01-01T00:30:00Z,FR,60\n"
    )
    with pytest.raises(SpecError, match=r"line 4: the hour of .* in FR is also on line 2"):
        account(power, tmp_path / "jobs.csv", intensity=tmp_path / "i.csv",
                sites=tmp_path / "sites.csv")  # fmt: skip


def test_same_node_twice_in_sites_is_an_error(tmp_path: Path) -> None:
    """Was: the join duplicated the node's rows (0.2 kWh accounted for 0.1 kWh measured)."""
    power = _one_gpu(tmp_path)
    (tmp_path / "jobs.csv").write_text("job_id,node,gpus,start,end\nj,n1,0,0,600\n")
    (tmp_path / "sites.csv").write_text("node,region,pue\nn1,FR,1.2\nn2,DE,1.1\nn1,FR,1.3\n")
    with pytest.raises(SpecError, match=r"node 'n1': listed twice \(lines 2 and 4\)") as info:
        account(power, tmp_path / "jobs.csv", sites=tmp_path / "sites.csv")
    assert info.value.file == str(tmp_path / "sites.csv") and info.value.line == 4


@pytest.mark.parametrize(
    ("sites", "fragment", "line"),
    [
        ("node,pue\nn1,0.5\n", "pue: expected a PUE of 1 to 5 .*, got '0.5'", 2),
        ("node,wue_l_per_kwh\nn1,1\nn2,x\n", "wue_l_per_kwh: expected a number >= 0", 3),
        ("node,accelerator\nn1,H100-SXM5-80GB\nn2,GPU-9000\n", "accelerator", 3),
        ("node,region\nn1,Atlantis\n", "region", 2),
        ("node,region\n,FR\n", "node: empty", 2),
    ],
)
def test_bad_sites_values_are_located(tmp_path: Path, sites: str, fragment: str,
                                      line: int) -> None:  # fmt: skip
    """Each bad value in the sites file is one error naming file, line and column."""
    power = _one_gpu(tmp_path)
    (tmp_path / "jobs.csv").write_text("job_id,node,gpus,start,end\nj,n1,0,0,600\n")
    (tmp_path / "sites.csv").write_text(sites)
    with pytest.raises(SpecError, match=fragment) as info:
        account(power, tmp_path / "jobs.csv", sites=tmp_path / "sites.csv")
    assert info.value.line == line and info.value.file == str(tmp_path / "sites.csv")


def test_proportional_idle_where_jobs_drew_nothing_goes_by_gpu_seconds(tmp_path: Path) -> None:
    """Was: the only job of an hour drew 0 W, its share was 0/0 = NaN, and the hour's idle
    energy disappeared. Now the idle energy goes by GPU-seconds there (stated)."""
    rows = [(t * 1000, "n1", 0, 0.0) for t in range(601)]  # the job's GPU: 0 W
    rows += [(t * 1000, "n1", 1, 100.0) for t in range(601)]  # an idle GPU: 60 kJ
    _csv_power(tmp_path / "p" / "a.csv", rows)
    (tmp_path / "jobs.csv").write_text("job_id,node,gpus,start,end\nj,n1,0,0,600\n")
    r = account(tmp_path / "p", tmp_path / "jobs.csv", allocate_idle="proportional")
    e = {row["job_id"]: row["it_energy_kwh"] * 3.6e6 for row in r.jobs.iter_rows(named=True)}
    assert e["j"] == pytest.approx(60_000.0) and e.get("idle", 0.0) == pytest.approx(0.0)
    assert r.total_energy_j == pytest.approx(60_000.0)
    assert any("GPU-seconds" in a for a in r.assumptions)


def test_a_job_inside_another_gives_the_gpu_back(tmp_path: Path) -> None:
    """Was: A (0-600 s) and B (100-200 s) on one GPU: A's 200-600 s went to idle (the
    latest-starting job was looked up and had ended). Now B holds the GPU while it runs,
    then A again; the overlap is counted."""
    power = _one_gpu(tmp_path)  # 100 W: 60 kJ
    (tmp_path / "jobs.csv").write_text("job_id,node,gpus,start,end\nA,n1,0,0,600\nB,n1,0,100,200\n")
    r = account(power, tmp_path / "jobs.csv")
    e = {row["job_id"]: row["it_energy_kwh"] * 3.6e6 for row in r.jobs.iter_rows(named=True)}
    assert e == {"A": pytest.approx(50_000.0), "B": pytest.approx(10_000.0)}
    gpu_h = {row["job_id"]: row["gpu_hours"] for row in r.jobs.iter_rows(named=True)}
    assert gpu_h["A"] == pytest.approx(500 / 3600) and gpu_h["B"] == pytest.approx(100 / 3600)
    assert r.quality.counts["overlapping_jobs"] == 1
    assert _pandas_energy_per_job_j(power, tmp_path / "jobs.csv") == pytest.approx(e)


def test_holders_nested_and_equal_starts() -> None:
    """The rule on three jobs: C inside B inside A, then D starting with A's end."""
    from lcai.fleet.account import holders

    jobs = pl.DataFrame(
        {"job_id": ["A", "B", "C", "D", "E"], "node": ["n"] * 5, "gpu": [0] * 5,
         "start_ms": [0, 100, 150, 600, 600], "end_ms": [600, 400, 200, 700, 650]}
    )  # fmt: skip
    got = holders(jobs).sort("start_ms").select("start_ms", "end_ms", "job_id").rows()
    # E and D start together: E, listed later, holds until it ends, then D
    assert got == [(0, 100, "A"), (100, 150, "B"), (150, 200, "C"), (200, 400, "B"),
                   (400, 600, "A"), (600, 650, "E"), (650, 700, "D")]  # fmt: skip


def test_each_node_has_its_own_accelerator(tmp_path: Path) -> None:
    """Was: the first sites row's accelerator was used for every node: 600 W on an A100
    node (TDP 400 W) was not capped when the first row said H100, and every node got the
    H100's embodied carbon."""
    rows = [(t * 1000, n, 0, 600.0) for n in ("h", "a") for t in range(11)]
    _csv_power(tmp_path / "p" / "x.csv", rows)
    (tmp_path / "jobs.csv").write_text("job_id,node,gpus,start,end\njh,h,0,0,10\nja,a,0,0,10\n")
    (tmp_path / "sites.csv").write_text("node,accelerator\nh,H100-SXM5-80GB\na,A100-SXM4-80GB\n")
    r = account(tmp_path / "p", tmp_path / "jobs.csv", sites=tmp_path / "sites.csv")
    e = {row["job_id"]: row["it_energy_kwh"] * 3.6e6 for row in r.jobs.iter_rows(named=True)}
    assert e["jh"] == pytest.approx(6000.0) and e["ja"] == pytest.approx(4000.0)  # capped
    assert r.quality.counts["impossible_power"] == 11
    emb = {row["job_id"]: row["embodied_co2e_kg"] for row in r.jobs.iter_rows(named=True)}
    from lcai import catalog

    acc = catalog.table("accelerators")
    h100 = acc.factor("H100-SXM5-80GB", "embodied_manufacturer", "kg").value
    a100 = acc.factor("A100-SXM4-80GB", "embodied_bottom_up", "kg").value
    assert emb["ja"] / emb["jh"] == pytest.approx(a100 / h100)
    assert sum("embodied carbon of" in a for a in r.assumptions) == 2


# --- the result set is written as one -----------------------------------------------


def _small_result(tmp_path: Path) -> FleetResult:
    power = _one_gpu(tmp_path, seconds=20)
    (tmp_path / "jobs.csv").write_text("job_id,node,gpus,start,end,project,model\n"
                                       "j,n1,0,0,10,p,m\n")  # fmt: skip
    return account(power, tmp_path / "jobs.csv")


def _other(r: FleetResult, k: int) -> FleetResult:
    """A result told apart from ``r`` by its samples and its jobs' energy (x k)."""
    jobs = r.jobs.with_columns(pl.col("it_energy_kwh") * k)
    return dataclasses.replace(r, jobs=jobs, samples=r.samples * k)


def _consistent(out: Path, r: FleetResult) -> int:
    """The set in ``out`` is one run's: its k, from quality.json, matches jobs.csv."""
    k = json.loads((out / "quality.json").read_text())["samples"] // r.samples
    jobs = pl.read_csv(out / "jobs.csv").sort("job_id")
    assert jobs["it_energy_kwh"].to_list() == pytest.approx(
        (r.jobs.sort("job_id")["it_energy_kwh"] * k).to_list(), rel=1e-12
    )
    assert pl.read_parquet(out / "jobs.parquet").sort("job_id")["it_energy_kwh"].to_list() == (
        jobs["it_energy_kwh"].to_list()
    )
    return k


def test_a_write_that_fails_midway_leaves_the_previous_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Was: each file was replaced in turn, so a full disk at models.csv left this run's
    jobs.csv beside the last run's quality.json (and a traceback). Now the set is written
    into a new folder that takes the old one's place only when complete."""
    r = _small_result(tmp_path)
    out = tmp_path / "res" / "fleet"
    r.write(out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    real = pl.DataFrame.write_csv

    def full_disk(self: Any, file: Any = None, **kw: Any) -> Any:
        if str(file).endswith("models.csv"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, file, **kw)

    monkeypatch.setattr(pl.DataFrame, "write_csv", full_disk)
    with pytest.raises(SpecError, match="No space left"):
        _other(r, 2).write(out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in out.parent.iterdir()] == ["fleet"]  # no temporary folder left
    monkeypatch.undo()
    _other(r, 3).write(out)
    assert _consistent(out, r) == 3


@pytest.mark.parametrize("exchange", [True, False], ids=["exchange", "move aside"])
def test_concurrent_writes_leave_one_whole_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exchange: bool
) -> None:
    """Was: every run used the same temporary names (.jobs.csv.tmp), so two runs into one
    -o failed or mixed their files. Now each run has its own folder, and one whole set is
    left: the last put in place."""
    import threading

    mod = importlib.import_module("lcai.files")

    if not exchange:  # a system without renameat2: the old set is moved aside first
        monkeypatch.setattr(mod, "exchange", lambda a, b: False)
    r = _small_result(tmp_path)
    out = tmp_path / "res"
    errors: list[BaseException] = []
    start = threading.Barrier(3)

    def writer(k: int) -> None:
        start.wait()
        try:
            for _ in range(15):
                _other(r, k).write(out)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(k,)) for k in (2, 3, 4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert _consistent(out, r) in (2, 3, 4)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_output_folder_with_other_files_is_refused(tmp_path: Path) -> None:
    """A run replaces the whole -o folder, so one holding other files is refused (they
    are left as they are)."""
    r = _small_result(tmp_path)
    out = tmp_path / "res"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(SpecError, match=r"notes\.txt"):
        r.write(out)
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    (tmp_path / "file").write_text("")
    with pytest.raises(SpecError, match="not a folder"):
        r.write(tmp_path / "file")


# --- property: any slicing of the files gives the same per-job energy -----------------


@st.composite
def _fleets(draw: st.DrawFn) -> tuple[list[tuple[int, str, int, float]], str]:
    """Up to 4 GPUs on 2 nodes, samples 0.1-12 s apart (some gaps over 10 s, some jumps
    of up to 40 min across hours), power 0-800 W (over the TDP sometimes), and jobs."""
    rows = []
    devices = draw(st.integers(1, 4))
    for d in range(devices):
        n = draw(st.integers(2, 25))
        steps = draw(st.lists(st.one_of(st.integers(100, 12_000), st.integers(12_000, 2_400_000)),
                              min_size=n - 1, max_size=n - 1))  # fmt: skip
        t = draw(st.integers(0, 7_200_000)) + np.concatenate([[0], np.cumsum(steps)])
        power = draw(st.lists(st.floats(0, 800), min_size=n, max_size=n))
        rows += [(int(ti), f"n{d % 2}", d // 2, p) for ti, p in zip(t, power, strict=True)]
    jobs = ["job_id,node,gpus,start,end"]
    for i in range(draw(st.integers(1, 4))):
        d = draw(st.integers(0, devices - 1))
        s = draw(st.integers(0, 9_000_000))
        e = s + draw(st.integers(1, 3_000_000))
        jobs.append(f"j{i},n{d % 2},{d // 2},{s / 1000},{e / 1000}")
    return rows, "\n".join(jobs) + "\n"


def _slices(draw: st.DrawFn, rows: list[tuple[int, str, int, float]]) -> list[list[Any]]:
    """The rows as files: by node, by hour, cut in time order, cut in device order, or
    scattered over files (interleaving in time); each keeping the rows' order."""
    how = draw(st.sampled_from(["node", "hour", "time cuts", "device cuts", "scatter"]))
    if how in ("node", "hour"):
        key = (lambda r: r[1]) if how == "node" else (lambda r: r[0] // 3_600_000)
        by: dict[Any, list[Any]] = {}
        for r in sorted(rows):
            by.setdefault(key(r), []).append(r)
        return list(by.values())
    if how == "scatter":
        k = draw(st.integers(2, 4))
        where = draw(st.lists(st.integers(0, k - 1), min_size=len(rows), max_size=len(rows)))
        files: list[list[Any]] = [[] for _ in range(k)]
        for r, w in zip(sorted(rows), where, strict=True):
            files[w].append(r)
        return [f for f in files if f]
    order = sorted(rows) if how == "time cuts" else sorted(rows, key=lambda r: (r[1], r[2], r[0]))
    cuts = sorted(draw(st.sets(st.integers(1, len(rows) - 1), max_size=5)))
    return [order[a:b] for a, b in zip([0, *cuts], [*cuts, len(rows)], strict=True)]


@settings(max_examples=40, deadline=None)
@given(fleet=_fleets(), data=st.data())
def test_any_slicing_gives_the_same_energy_per_job(
    fleet: tuple[list[tuple[int, str, int, float]], str], data: st.DataObject
) -> None:
    """Was: files were assumed to partition time; sliced by node, by hour, at random cut
    points, or scattered, with shuffled names and mixed formats, the energy per job
    changed and went unreported. Now the same to 1e-9, and the total is that of an
    independent numpy integration of the raw samples."""
    import tempfile

    rows, jobs = fleet
    files = _slices(data.draw, rows)
    names = data.draw(st.permutations(range(len(files))))
    kinds = data.draw(st.lists(st.sampled_from(["csv", "parquet"]), min_size=len(files),
                               max_size=len(files)))  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        (d / "jobs.csv").write_text(jobs)
        _csv_power(d / "one" / "all.csv", rows)
        for part, name, kind in zip(files, names, kinds, strict=True):
            if kind == "csv":
                _csv_power(d / "split" / f"f{name}.csv", part)
            else:
                _write_power(d / "split", part, f"f{name}.parquet")
        whole = account(d / "one", d / "jobs.csv")
        split = account(d / "split", d / "jobs.csv")
    want = dict(whole.jobs.select("job_id", "it_energy_kwh").iter_rows())
    got = dict(split.jobs.select("job_id", "it_energy_kwh").iter_rows())
    assert got.keys() == want.keys()
    for job, kwh in want.items():
        assert got[job] == pytest.approx(kwh, rel=1e-9, abs=1e-15), job
    assert split.quality.counts == whole.quality.counts
    raw_j = _raw_energy_j(rows)
    assert whole.total_energy_j == pytest.approx(raw_j, rel=1e-9, abs=1e-9)
    assert split.total_energy_j == pytest.approx(raw_j, rel=1e-9, abs=1e-9)
    assert float(split.jobs["it_energy_kwh"].sum()) * 3.6e6 == pytest.approx(raw_j, rel=1e-9,
                                                                            abs=1e-9)  # fmt: skip


def test_faulty_fleet_sliced_per_node_and_hour(fleet: Path, tmp_path: Path) -> None:
    """Was: the synthetic fleet (with every data fault) re-sliced into one file per node and
    hour, named in reverse order, lost most of its energy without a word. Now the same
    energy per job and the same fault counts as the hourly files."""
    d = tmp_path / "power"
    d.mkdir()
    files = sorted((fleet / "power").glob("*.parquet"))
    for h, f in enumerate(files):
        df = pl.read_parquet(f)
        for n, part in df.group_by("node", maintain_order=True):
            part.write_parquet(d / f"{999 - h}-{n[0]}.parquet")  # the row order kept
    a = account(fleet / "power", fleet / "jobs.csv", sites=fleet / "sites.csv")
    b = account(d, fleet / "jobs.csv", sites=fleet / "sites.csv")
    want = dict(a.jobs.select("job_id", "it_energy_kwh").iter_rows())
    got = dict(b.jobs.select("job_id", "it_energy_kwh").iter_rows())
    assert got.keys() == want.keys()
    for job, kwh in want.items():
        assert got[job] == pytest.approx(kwh, rel=1e-9), job
    assert b.quality.counts == a.quality.counts and b.samples == a.samples


def test_result_csvs_neutralise_formulas(tmp_path: Path) -> None:
    """Fleet jobs.csv / projects.csv emitted a project `=cmd|' /C calc'!A0` as is
    (spreadsheet formula injection); the CSVs now neutralise it, Parquet keeps it."""
    import csv as _csv

    synthesize(tmp_path, nodes=1, hours=1, seed=3)
    jobs = tmp_path / "jobs.csv"
    rows = list(_csv.DictReader(jobs.open()))
    rows[0]["project"] = "=cmd|' /C calc'!A0"
    with jobs.open("w", newline="") as fh:
        w = _csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    r = account(tmp_path / "power", jobs)
    r.write(tmp_path / "out")
    written = (tmp_path / "out" / "projects.csv").read_text()
    assert "'=cmd|' /C calc'!A0" in written and "\n=cmd" not in written
    assert (
        "=cmd|' /C calc'!A0"
        in pl.read_parquet(tmp_path / "out" / "projects.parquet")["project"].to_list()
    )


def test_synth_refuses_an_old_folder_and_writes_one_set(tmp_path: Path) -> None:
    """`fleet synth` into an old folder left stale hour files that `fleet account` then
    counted. A non-empty folder is refused unless replaced; a replacement is one new set."""
    out = tmp_path / "fleet"
    synthesize(out, nodes=1, hours=2, seed=1)
    with pytest.raises(SpecError, match="exists and is not empty"):
        synthesize(out, nodes=1, hours=1, seed=1)
    synthesize(out, nodes=1, hours=1, seed=1, replace=True)
    assert len(list((out / "power").glob("*.parquet"))) == 1  # no hour left from before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no leftovers
    with pytest.raises(SpecError, match="nodes: expected 1 to 512"):
        synthesize(tmp_path / "big", nodes=10_000)


# --- hostile inputs: one clear error naming the file, line and field ------------------

_T0 = "2026-01-05T00:00:00+00:00"
_JOBS_OK = f'job_id,node,gpus,start,end\nj1,n0,"0,1",{_T0},2026-01-05T00:00:05+00:00\n'
_SACCT = "JobID|NodeList|Start|End|AllocTRES\n1|n0|2026-01-05T00:00:00|2026-01-05T00:00:05|{}\n"


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"", "empty"),
        ("job_id,node,gpus,start,end\n", "empty"),
        (_JOBS_OK.replace('"0,1"', '"x,y"'), ":2: gpus: expected 'all' or GPU indices 0-63"),
        (_JOBS_OK.replace('"0,1"', "64"), ":2: gpus"),
        (_JOBS_OK.replace('"0,1"', "-1"), ":2: gpus"),
        (_JOBS_OK.replace('"0,1"', '"1,1"'), ":2: gpus: GPU 1 listed twice"),
        (_JOBS_OK.encode().replace(b"j1", b"j\xff"), ":2: the job table is not UTF-8"),
        (_JOBS_OK.replace(_T0, "9" * 400), ":2: start: expected a time from 1970 to 2109"),
        (_JOBS_OK.replace(_T0, "-5"), ":2: start: not a time"),
        (_JOBS_OK.replace(_T0, "5000000000000"), ":2: start: expected a time from 1970"),
        (_JOBS_OK.replace(_T0, "0001-01-01T00:00:00+00:00"), ":2: start: expected a time"),
        ("job_id,node,gpus,start,end\nj1,n0\n", ":2: 2 field(s), the header has 5"),
        (_JOBS_OK.replace('"0,1"', "0,1"), ":2: 6 field(s), the header has 5 (a list of GPUs"),
        (_JOBS_OK.replace("j1,", ","), ":2: job_id: empty"),
        (_SACCT.format("gres/gpu=x"), ":2: AllocTRES: gres/gpu: expected 0 to 64 GPUs"),
        (_SACCT.format("gres/gpu=65"), ":2: AllocTRES: gres/gpu: expected 0 to 64 GPUs"),
        (_SACCT.format("gres/gpu=100000000"), ":2: AllocTRES"),
        (_SACCT.format("gres/gpu=" + "9" * 5000), ":2: AllocTRES"),
        (_SACCT.format("gres/gpu=0"), "no job on a GPU"),
    ],
)
def test_bad_job_tables_are_one_clear_error(
    content: str | bytes, says: str, tmp_path: Path
) -> None:
    """Were: an IndexError (0 bytes), ValueError (gpus x,y; gres/gpu=x), UnicodeDecodeError,
    OverflowError (a start of 400 digits), AttributeError (a short row), or accepted (GPU
    64 or -1; gres/gpu=65; gres/gpu=1e8 built 1e8 rows). Now a SpecError with the line."""
    f = tmp_path / "jobs.csv"
    f.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(SpecError) as e:
        read_jobs(f)
    assert str(e.value).startswith(str(f)) and says in str(e.value), str(e.value)


def test_job_times_are_exact_and_gres_gives_the_gpus(tmp_path: Path) -> None:
    """Was: 1.001 s read as 1000 ms (float), so a job of 1 ms ended at its start."""
    f = tmp_path / "jobs.csv"
    f.write_text("job_id,node,gpus,start,end\nj,n0,3,1.0,1.001\n\n")
    jobs = read_jobs(f)
    assert jobs.select("gpu", "start_ms", "end_ms").row(0) == (3, 1000, 1001)
    f.write_text(_SACCT.format("cpu=4,gres/gpu=64") + "2|n1|0|1|cpu=4,gres/gpu=0\n")
    assert read_jobs(f)["gpu"].to_list() == list(range(64))  # the CPU-only job: no rows


def test_job_table_and_telemetry_sizes_are_bounded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lcai.fleet import readers

    assert readers.MAX_JOBS_BYTES == 512 * 2**20 and readers.MAX_POWER_BYTES == 2 * 2**30
    monkeypatch.setattr(readers, "MAX_JOBS_BYTES", 64)
    monkeypatch.setattr(readers, "MAX_POWER_BYTES", 64)
    (tmp_path / "jobs.csv").write_text(_JOBS_OK)
    with pytest.raises(SpecError, match=r"jobs\.csv: job table: the file is .* MiB, larger than"):
        read_jobs(tmp_path / "jobs.csv")
    _csv_power(tmp_path / "p.csv", [(i * 1000, "n0", 0, 100.0) for i in range(10)])
    with pytest.raises(SpecError, match=r"p\.csv: telemetry: the file is .* larger than"):
        read_power(tmp_path / "p.csv")


def test_an_energy_counter_jump_is_capped_at_tdp(tmp_path: Path) -> None:
    """A counter that rises by 5 MJ in 1 s (a corrupt reading; an H100 draws at most
    700 W) counts the interval from its power samples instead (100 W x 1 s), and the jump
    is a counted fault: 100 + 100 + 100 + 100 = 400 J, not 5 MJ."""
    t0 = 1_767_571_200_000
    pl.DataFrame(
        {"t_ms": [t0 + i * 1000 for i in range(5)], "node": ["n0"] * 5, "gpu": [0] * 5,
         "power_w": [100.0] * 5, "energy_j": [0.0, 100.0, 5e6, 5e6 + 100, 5e6 + 200]}
    ).write_parquet(tmp_path / "p.parquet")  # fmt: skip
    (tmp_path / "jobs.csv").write_text(_JOBS_OK)
    r = account(tmp_path / "p.parquet", tmp_path / "jobs.csv")
    assert r.total_energy_j == pytest.approx(400.0)
    assert r.quality.counts["impossible_counter"] == 1


def test_an_energy_counter_jump_between_two_files_is_capped_too(tmp_path: Path) -> None:
    """The same rule across the seam of two files of one device: 2 samples each, the
    counter jumping by 5 MJ from the first file's last to the second's first (1 s)."""
    t0 = 1_767_571_200_000
    (tmp_path / "p").mkdir()
    for name, ts, es in (("a", (0, 1), (0.0, 100.0)), ("b", (2, 3), (5e6, 5e6 + 100))):
        pl.DataFrame(
            {"t_ms": [t0 + i * 1000 for i in ts], "node": ["n0"] * 2, "gpu": [0] * 2,
             "power_w": [100.0] * 2, "energy_j": list(es)}
        ).write_parquet(tmp_path / "p" / f"{name}.parquet")  # fmt: skip
    (tmp_path / "jobs.csv").write_text(_JOBS_OK)
    r = account(tmp_path / "p", tmp_path / "jobs.csv")
    assert r.total_energy_j == pytest.approx(300.0)
    assert r.quality.counts["impossible_counter"] == 1


def test_non_finite_energy_counter_is_a_counted_fault(tmp_path: Path) -> None:
    """Was: NaN in energy_j reached jobs.csv and quality.json ("total_energy_kwh": NaN).
    Now, like NaN power, the sample is dropped under its own rule, and the counter's
    increase over the samples either side is the energy."""
    from lcai.fleet.account import RULES

    t0 = 1_767_571_200_000
    pl.DataFrame(
        {"t_ms": [t0 + i * 1000 for i in range(5)], "node": ["n0"] * 5, "gpu": [0] * 5,
         "power_w": [100.0] * 5, "energy_j": [0.0, float("nan"), 200.0, float("inf"), 400.0]}
    ).write_parquet(tmp_path / "p.parquet")  # fmt: skip
    (tmp_path / "jobs.csv").write_text(_JOBS_OK)
    r = account(tmp_path / "p.parquet", tmp_path / "jobs.csv")
    assert r.total_energy_j == pytest.approx(400.0)
    assert r.quality.counts["missing_energy"] == 2 and "NaN" in RULES["missing_energy"]
    r.write(tmp_path / "out")
    q = json.loads((tmp_path / "out" / "quality.json").read_text())  # strict JSON: no NaN
    assert q["total_energy_kwh"] == pytest.approx(400.0 / 3.6e6)


def test_run_file_device_and_telemetry_time_are_checked(tmp_path: Path) -> None:
    """Were: gpu:x an internal ValueError, gpu:64 an internal polars error; a time past
    2109 overlapped the next device's keys."""
    from lcai.measure.runfile import RunWriter, Sample

    for i, device in enumerate(("gpu:x", "gpu:64", "gpu:-1")):
        w = RunWriter(tmp_path / f"r{i}.jsonl")
        w.sample(Sample(1000.0, device, "nvml", 0.0, 100.0))
        w.close(1001.0, 0)
        with pytest.raises(SpecError, match=rf"r{i}\.jsonl: device: expected gpu:0 to gpu:63"):
            read_power(tmp_path / f"r{i}.jsonl")
    _csv_power(tmp_path / "late.csv", [(2**42, "n0", 0, 1.0)])
    with pytest.raises(SpecError, match=r"late\.csv: telemetry: t_ms: expected times from 1970"):
        read_power(tmp_path / "late.csv")


@pytest.mark.parametrize("gap", [float("nan"), float("inf"), -1.0, 0.0])
def test_gap_must_be_finite_and_positive(gap: float, tmp_path: Path) -> None:
    (tmp_path / "jobs.csv").write_text(_JOBS_OK)
    _csv_power(tmp_path / "p.csv", [(i * 1000, "n0", 0, 100.0) for i in range(3)])
    with pytest.raises(SpecError) as e:
        account(tmp_path / "p.csv", tmp_path / "jobs.csv", gap_s=gap)
    assert e.value.path == ("gap_s",) and "finite number of seconds > 0" in str(e.value)


@pytest.mark.parametrize(("field", "value"), [("seed", -1), ("seed", 2**63), ("gpus_per_node", 65),
                                               ("hours", 0), ("busy_w", float("nan"))])  # fmt: skip
def test_synth_parameters_are_checked(field: str, value: Any, tmp_path: Path) -> None:
    """Was: --seed -1 an internal numpy ValueError (exit 70)."""
    with pytest.raises(SpecError) as e:
        synthesize(tmp_path / "s", **{field: value})
    assert e.value.path == (field,)
    assert not (tmp_path / "s").exists()
    synthesize(tmp_path / "s", nodes=1, hours=1, seed=2**63 - 1)  # the largest seed is one


def test_the_terminal_table_says_how_many_rows_it_leaves_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The terminal shows the 15 rows with the most carbon; the one more of the default
    synth (15 jobs + idle) was dropped without a word."""
    d = tmp_path / "synth"
    assert run_cli(["fleet", "synth", "-o", str(d)], capsys)[0] == 0
    outdir = tmp_path / "out"
    code, out, err = run_cli(
        ["fleet", "account", "--power", str(d / "power"), "--jobs", str(d / "jobs.csv"),
         "-o", str(outdir)], capsys,
    )  # fmt: skip
    assert code == 0, err
    rows = len(pl.read_csv(outdir / "jobs.csv"))
    assert rows == 16  # 15 jobs and the idle row
    assert "and 1 more row with less carbon" in out
