"""Audit: fleet accounting (``lcai fleet synth|account``), grid capacity (``lcai capacity``)
and demand projections (``lcai project``), recomputed by hand on small inputs of our own.

Each test states the hand figure with its arithmetic in a comment or docstring and asserts
lcai's value at 1e-9 relative (pure arithmetic). The catalog rows the hand figures use are
pinned in ``test_catalog_rows_used_by_the_hand_figures``, so a changed row is reported
there, not as a wrong equation.

Tests whose docstring starts with "FIXED" pin a place where lcai did otherwise than
docs/fleet.md, docs/what-if.md or the code's own contract says, and its fix.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from lcai import catalog
from lcai.fleet import account, synthesize
from lcai.whatif.capacity import plan_capacity
from lcai.whatif.projection import preset, projection
from tests.test_bad_input import run_cli

REL = 1e-9
H_MS = 3_600_000
T0 = 490_000 * H_MS  # an hour boundary: 2025-11-24T16:00:00Z
S = 1000  # ms
J_PER_KWH = 3.6e6

# catalog rows (pinned below)
FR_KG, SE_KG, WORLD_KG, US_KG, US_TN_KG = 0.04144, 0.03526, 0.45829, 0.3844, 0.329689
FR_EWIF, SE_EWIF, WORLD_EWIF, US_EWIF = 3.6737, 6.0315, 4.81, 3.1321
PUE_AVG, WUE_AVG = 1.58, 0.84
LIFE_H, UTIL = 52_560.0, 0.85  # 6 years x 8,760 h; servers:default utilisation
H100_EMB, A100_EMB = 164.0, 567.7  # kg: NVIDIA PCF (manufacturer); Boavizta (bottom-up)
EMB_DIV = LIFE_H * UTIL  # 44,676 GPU-hours of useful life


def close(got: float | None, want: float, rel: float = REL) -> None:
    assert got is not None
    assert got == pytest.approx(want, rel=rel, abs=1e-15)


def test_catalog_rows_used_by_the_hand_figures() -> None:
    grid = catalog.table("grid_intensity")
    water = catalog.table("electricity_water")
    for region, kg in (("FR", FR_KG), ("SE", SE_KG), ("WORLD", WORLD_KG), ("US", US_KG),
                       ("US-TN", US_TN_KG)):  # fmt: skip
        close(grid.factor(region, "co2e_intensity", "kg/kWh").value, kg)
    for region, ewif in (("FR", FR_EWIF), ("SE", SE_EWIF), ("WORLD", WORLD_EWIF), ("US", US_EWIF)):
        close(water.factor(region, "water_consumption", "L/kWh").value, ewif)
    fac = catalog.table("facility")
    close(fac.factor("industry_average", "pue", "1").value, PUE_AVG)
    close(fac.factor("industry_average", "wue", "L/kWh").value, WUE_AVG)
    servers = catalog.table("servers")
    close(servers.factor("default", "lifetime", "h").value, LIFE_H)
    close(servers.factor("default", "utilization", "1").value, UTIL)
    acc = catalog.table("accelerators")
    close(acc.factor("H100-SXM5-80GB", "embodied_manufacturer", "kg").value, H100_EMB)
    close(acc.factor("A100-SXM4-80GB", "embodied_bottom_up", "kg").value, A100_EMB)
    assert not acc.has("A100-SXM4-80GB", "embodied_manufacturer")
    for key, tdp in (("H100-SXM5-80GB", 700), ("A100-SXM4-80GB", 400), ("L4", 72),
                     ("V100-SXM2-32GB", 300), ("B200", 1000), ("GB200", 1200)):  # fmt: skip
        close(acc.factor(key, "tdp", "W").value, tdp)
    for key, watts in (("system:dgx-h100", 10_200), ("system:dgx-a100", 6_500),
                       ("system:dgx-b200", 14_300), ("system:gb200-nvl72", 120_000)):  # fmt: skip
        close(servers.factor(key, "max_power", "W").value, watts)
    serving = catalog.table("serving")
    for row, q, v in (("power:default", "compute_fraction", 1.0),
                      ("power:default", "idle_fraction", 0.107),
                      ("power:A100", "idle_fraction", 0.158),
                      ("power:V100", "idle_fraction", 0.177)):  # fmt: skip
        close(serving.factor(row, q, "1").value, v)
    assert not serving.has("power:V100", "compute_fraction")


# =======================================================================================
# Fleet accounting
# =======================================================================================


@pytest.fixture(scope="module")
def polars() -> Any:
    """Polars (lcai[fleet]); the fleet tests are skipped without it."""
    return pytest.importorskip("polars", reason="fleet accounting needs polars (lcai[fleet])")


fleet = pytest.mark.usefixtures("polars")


def iso(ms: int, hours: int = 0) -> str:
    """A time in ms since the epoch as ISO 8601, in the zone UTC + ``hours``."""
    return dt.datetime.fromtimestamp(ms / 1000, dt.timezone(dt.timedelta(hours=hours))).isoformat()


def write_power(path: Path, rows: list[tuple[Any, ...]], *, counter: bool = False) -> None:
    """Telemetry rows (t_ms, node, gpu, power_w[, energy_j]) in the order given."""
    import polars as pl

    path.parent.mkdir(parents=True, exist_ok=True)
    cols: dict[str, list[Any]] = {
        "t_ms": [int(r[0]) for r in rows],
        "node": [r[1] for r in rows],
        "gpu": [r[2] for r in rows],
        "power_w": [r[3] for r in rows],
    }
    schema: dict[str, Any] = {"t_ms": pl.Int64, "node": pl.Utf8, "gpu": pl.Int32,
                              "power_w": pl.Float64}  # fmt: skip
    if counter:
        cols["energy_j"] = [r[4] for r in rows]
        schema["energy_j"] = pl.Float64
    df = pl.DataFrame(cols, schema=schema)
    if path.suffix == ".csv":
        df.write_csv(path)
    else:
        df.write_parquet(path)


def write_jobs(path: Path, rows: list[tuple[str, str, str, int, int]], meta: bool = False) -> Path:
    """Jobs (job_id, node, gpus, start_ms, end_ms); with ``meta``, project p<id>, model m."""
    head = "job_id,node,gpus,start,end" + (",project,model" if meta else "")
    lines = [head]
    for job, node, gpus, s, e in rows:
        extra = f",p{job},m" if meta else ""
        lines.append(f'{job},{node},"{gpus}",{iso(s)},{iso(e)}{extra}')
    path.write_text("\n".join(lines) + "\n")
    return path


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def by_job(res: Any) -> dict[str, dict[str, Any]]:
    return {r["job_id"]: r for r in res.jobs.iter_rows(named=True)}


def energy_j(res: Any) -> dict[str, float]:
    return {j: r["it_energy_kwh"] * J_PER_KWH for j, r in by_job(res).items()}


def faults(res: Any) -> dict[str, int]:
    return {k: v["count"] for k, v in res.quality.to_dict().items() if v["count"]}


SITE_FR1 = "node,region,pue,wue_l_per_kwh\nn1,FR,1.0,0\n"
LATER = (T0 + 10 * H_MS, T0 + 11 * H_MS)  # a job after the telemetry: everything is idle


def one_gpu(tmp_path: Path, files: dict[str, list[tuple[Any, ...]]], **kw: Any) -> Any:
    """Account telemetry of node n1 (FR, PUE 1, WUE 0) with one job after it ends."""
    for name, rows in files.items():
        write_power(tmp_path / "p" / name, rows, counter=kw.pop("counter", False))
    jobs = write_jobs(tmp_path / "jobs.csv", [("j", "n1", "0", *LATER)])
    return account(tmp_path / "p", jobs, sites=write(tmp_path / "s.csv", SITE_FR1), **kw)


# --- two nodes x three hours, constant power, hourly intensity that changes by hour -----


def _two_node_rows() -> list[tuple[int, str, int, float]]:
    """Samples every 5 s from T0 to T0 + 3 h inclusive (2,161 per GPU): n1 GPUs 0 and 1 at
    300 W, n2 GPU 0 at 200 W."""
    return [
        (T0 + k * 5 * S, node, gpu, w)
        for node, gpus, w in (("n1", (0, 1), 300.0), ("n2", (0,), 200.0))
        for gpu in gpus
        for k in range(3 * 720 + 1)
    ]


def _two_node_inputs(d: Path) -> dict[str, Path]:
    jobs = write(d / "jobs.csv", "job_id,node,gpus,start,end,project,model\n"
                 f"j1,n1,0,{iso(T0 + H_MS // 2)},{iso(T0 + 3 * H_MS // 2)},pa,ma\n"
                 f"j2,n2,0,{iso(T0)},{iso(T0 + 3 * H_MS)},pb,ma\n")  # fmt: skip
    sites = write(d / "sites.csv", "node,region,pue,wue_l_per_kwh,accelerator\n"
                  "n1,FR,1.5,0.5,H100\nn2,SE,1.2,0.2,A100-80GB\n")  # fmt: skip
    # FR: 100 g in hour 0, 200 g in hour 1, hour 2 not given (annual 41.44 g)
    # SE: 10, 20 (a timestamp at half past: the clock hour it falls in), 30 g
    intensity = write(d / "int.csv", "timestamp,region,gco2e_per_kwh\n"
                      f"{iso(T0)},FR,100\n{iso(T0 + H_MS)},FR,200\n{iso(T0)},SE,10\n"
                      f"{iso(T0 + 3 * H_MS // 2)},SE,20\n{iso(T0 + 2 * H_MS)},SE,30\n")  # fmt: skip
    return {"jobs": jobs, "sites": sites, "intensity": intensity}


@pytest.fixture(scope="module")
def two_nodes(polars: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("two_nodes")
    write_power(d / "p" / "all.parquet", _two_node_rows())
    _two_node_inputs(d)
    return d


def _account_two_nodes(d: Path, power: Path, **kw: Any) -> Any:
    return account(power, d / "jobs.csv", intensity=d / "int.csv", sites=d / "sites.csv", **kw)


# Hand figures (per clock hour a GPU holds 720 intervals of 5 s):
#   n1: 300 W x 1 h = 0.3 kWh per GPU-hour; n2: 200 W x 1 h = 0.2 kWh.
#   total IT = 2 x 0.3 x 3 + 0.2 x 3 = 2.4 kWh = 8.64e6 J
#   j1 (n1 GPU 0, T0+0.5 h .. T0+1.5 h): 0.15 kWh in hour 0, 0.15 kWh in hour 1 = 0.3 kWh;
#      facility x 1.5 = 0.45 kWh; CO2e = 0.225 x 0.100 + 0.225 x 0.200 = 0.0675 kg;
#      water = 0.3 x 0.5 + 0.45 x 3.6737 = 0.15 + 1.653165 = 1.803165 L;
#      embodied = 164 kg x 1 GPU-h / 44,676 h; 1 GPU-hour.
#   j2 (n2 GPU 0, all 3 h): 0.6 kWh; facility x 1.2 = 0.72 kWh (0.24 per hour);
#      CO2e = 0.24 x (0.010 + 0.020 + 0.030) = 0.0144 kg;
#      water = 0.6 x 0.2 + 0.72 x 6.0315 = 0.12 + 4.34268 = 4.46268 L;
#      embodied = 567.7 kg x 3 / 44,676; 3 GPU-hours.
#   idle (n1: GPU 0's other 2 h, GPU 1's 3 h): hour 0 0.15 + 0.3 = 0.45 kWh, hour 1 0.45,
#      hour 2 0.6 = 1.5 kWh; facility 2.25 kWh;
#      CO2e = 0.675 x 0.100 + 0.675 x 0.200 + 0.9 x 0.04144 = 0.0675 + 0.135 + 0.037296
#           = 0.239796 kg; water = 1.5 x 0.5 + 2.25 x 3.6737 = 9.015825 L;
#      embodied = 164 x 5 / 44,676; 5 GPU-hours.
TWO_NODES = {
    "j1": dict(it_energy_kwh=0.3, energy_kwh=0.45, co2e_kg=0.0675, water_l=1.803165,
               embodied_co2e_kg=H100_EMB * 1 / EMB_DIV, gpu_hours=1.0),
    "j2": dict(it_energy_kwh=0.6, energy_kwh=0.72, co2e_kg=0.0144, water_l=4.46268,
               embodied_co2e_kg=A100_EMB * 3 / EMB_DIV, gpu_hours=3.0),
    "idle": dict(it_energy_kwh=1.5, energy_kwh=2.25, co2e_kg=0.239796, water_l=9.015825,
                 embodied_co2e_kg=H100_EMB * 5 / EMB_DIV, gpu_hours=5.0),
}  # fmt: skip


def _check_two_nodes(res: Any) -> None:
    got = by_job(res)
    assert set(got) == set(TWO_NODES)
    for job, want in TWO_NODES.items():
        for col, value in want.items():
            close(got[job][col], value)
    close(res.total_energy_j, 8.64e6)


@fleet
def test_two_nodes_three_hours_every_figure(two_nodes: Path) -> None:
    res = _account_two_nodes(two_nodes, two_nodes / "p")
    _check_two_nodes(res)
    assert res.samples == 3 * 2161
    # jobs + idle = the total; projects and models are sums of the non-idle jobs
    close(sum(r["it_energy_kwh"] for r in by_job(res).values()) * J_PER_KWH, res.total_energy_j)
    projects = {r["project"]: r for r in res.projects.iter_rows(named=True)}
    close(projects["pa"]["co2e_kg"], 0.0675)
    close(projects["pb"]["water_l"], 4.46268)
    (model,) = res.models.iter_rows(named=True)
    # model ma = j1 + j2: 0.9 kWh IT, 1.17 kWh, 0.0819 kg, 1.803165 + 4.46268 L, 4 GPU-h
    assert model["model"] == "ma"
    close(model["it_energy_kwh"], 0.9)
    close(model["energy_kwh"], 1.17)
    close(model["co2e_kg"], 0.0819)
    close(model["water_l"], 6.265845)
    close(model["gpu_hours"], 4.0)
    # the one (region, hour) without hourly data (FR, hour 2) is recorded
    assert any(a.startswith("1 (region, hour) pairs not in the hourly") for a in res.assumptions)
    assert faults(res) == {}


@fleet
def test_two_nodes_sliced_per_node_and_hour_in_csv_and_parquet(
    two_nodes: Path, tmp_path: Path
) -> None:
    """The same samples as a file per node and clock hour (the sample at T0 + 3 h alone in
    a fourth), alternately CSV and Parquet, names in no order: the same figures, the
    intervals from 3,595 s to 3,600 s closed across files."""
    rows = _two_node_rows()
    for i, (node, h) in enumerate((n, h) for n in ("n1", "n2") for h in range(4)):
        part = [r for r in rows if r[1] == node and (r[0] - T0) // H_MS == h]
        write_power(tmp_path / "p" / f"{7 - i:02d}-{node}-{h}.{'csv' if i % 2 else 'parquet'}",
                    part)  # fmt: skip
    _check_two_nodes(_account_two_nodes(two_nodes, tmp_path / "p"))


@fleet
def test_two_nodes_through_the_cli(
    two_nodes: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`lcai fleet account` writes the same figures to jobs.csv, and quality.json the
    total (2.4 kWh) and the samples (3 GPUs x 2,161)."""
    out = tmp_path / "out"
    code, stdout, _ = run_cli(["fleet", "account", "--power", str(two_nodes / "p"),
                               "--jobs", str(two_nodes / "jobs.csv"),
                               "--intensity", str(two_nodes / "int.csv"),
                               "--sites", str(two_nodes / "sites.csv"), "-o", str(out)],
                              capsys)  # fmt: skip
    assert code == 0 and "0.0675 kg" in stdout
    with (out / "jobs.csv").open() as fh:
        rows = {r["job_id"]: r for r in csv.DictReader(fh)}
    for job, want in TWO_NODES.items():
        for col, value in want.items():
            close(float(rows[job][col]), value)
    quality = json.loads((out / "quality.json").read_text())
    close(quality["total_energy_kwh"], 2.4)
    assert quality["samples"] == 6483


@fleet
def test_two_nodes_dask_engine(two_nodes: Path) -> None:
    pytest.importorskip("distributed")
    _check_two_nodes(_account_two_nodes(two_nodes, two_nodes / "p", engine="dask"))


# --- integration rules: gaps, duplicates, faults, counters, hour and job boundaries ------


@fleet
def test_gap_limit_default_and_given(tmp_path: Path) -> None:
    """100 W at 0, 10, 12.5, 15.5 s. --gap 10 (default): dt = 10 s counts (<=), so
    10 x 100 + 2.5 x 100 + 3 x 100 = 1,550 J, no gap. --gap 2.5: only the 2.5 s interval
    counts: 250 J, two gaps."""
    rows = [(T0 + t, "n1", 0, 100.0) for t in (0, 10_000, 12_500, 15_500)]
    res = one_gpu(tmp_path, {"a.parquet": rows})
    close(energy_j(res)["idle"], 1550.0)
    assert "gap" not in faults(res)
    res = one_gpu(tmp_path, {"a.parquet": rows}, gap_s=2.5)
    close(energy_j(res)["idle"], 250.0)
    assert faults(res)["gap"] == 2
    close(res.total_energy_j, 250.0)


@fleet
def test_gap_between_two_files(tmp_path: Path) -> None:
    """File a: 0, 1 s; file b: 21, 22 s (100 W). 100 J + 100 J; the 20 s across the files
    is a gap (reported, no energy)."""
    res = one_gpu(tmp_path, {"a.parquet": [(T0, "n1", 0, 100.0), (T0 + S, "n1", 0, 100.0)],
                             "b.parquet": [(T0 + 21 * S, "n1", 0, 100.0),
                                           (T0 + 22 * S, "n1", 0, 100.0)]})  # fmt: skip
    close(energy_j(res)["idle"], 200.0)
    assert faults(res)["gap"] == 1
    assert by_job(res)["idle"]["gpu_hours"] == pytest.approx(2 / 3600, rel=REL)


@fleet
def test_duplicate_in_a_file_first_written_kept(tmp_path: Path) -> None:
    """0 s 100 W, 1 s 100 W, 1 s 500 W (duplicate, written later: dropped), 2 s 100 W:
    100 + 100 = 200 J (keeping the 500 W one would give 600 J)."""
    rows = [(T0, "n1", 0, 100.0), (T0 + S, "n1", 0, 100.0), (T0 + S, "n1", 0, 500.0),
            (T0 + 2 * S, "n1", 0, 100.0)]  # fmt: skip
    res = one_gpu(tmp_path, {"a.parquet": rows})
    close(energy_j(res)["idle"], 200.0)
    assert faults(res)["duplicate"] == 1


@fleet
@pytest.mark.parametrize("names", [("a", "b"), ("b", "a")])
def test_duplicate_across_files_earlier_file_kept(tmp_path: Path, names: tuple[str, str]) -> None:
    """File X: 0, 1, 2 s at 100 W; file Y: 2 s at 500 W, 3, 4 s at 300 W. The 2 s sample is
    in both: the file that starts earlier is "first written", whatever the names:
    100 + 100 + (100 + 300) / 2 + 300 = 700 J (Y's 2 s would give 1,100 J)."""
    x = [(T0 + t * S, "n1", 0, 100.0) for t in (0, 1, 2)]
    y = [(T0 + 2 * S, "n1", 0, 500.0), (T0 + 3 * S, "n1", 0, 300.0), (T0 + 4 * S, "n1", 0, 300.0)]
    res = one_gpu(tmp_path, {f"{names[0]}.parquet": x, f"{names[1]}.parquet": y})
    close(energy_j(res)["idle"], 700.0)
    assert faults(res)["duplicate"] == 1


@fleet
def test_negative_missing_and_impossible_power(tmp_path: Path) -> None:
    """0 s 100 W, 1 s -10 W (dropped), 2 s 100 W, 3 s 5,000 W (capped at the H100's 700 W),
    4 s 100 W, 5 s NaN (dropped): (100 + 100) / 2 x 2 + (100 + 700) / 2 + (700 + 100) / 2
    = 200 + 400 + 400 = 1,000 J."""
    rows = [(T0, "n1", 0, 100.0), (T0 + S, "n1", 0, -10.0), (T0 + 2 * S, "n1", 0, 100.0),
            (T0 + 3 * S, "n1", 0, 5000.0), (T0 + 4 * S, "n1", 0, 100.0),
            (T0 + 5 * S, "n1", 0, math.nan)]  # fmt: skip
    res = one_gpu(tmp_path, {"a.parquet": rows})
    close(energy_j(res)["idle"], 1000.0)
    assert faults(res) == {"negative_power": 1, "impossible_power": 1, "missing_power": 1,
                           "job_without_samples": 1}  # fmt: skip


@fleet
def test_tdp_cap_is_each_nodes_accelerator(tmp_path: Path) -> None:
    """1,000 W for 2 s on n1 (H100, 700 W TDP) and n2 (A100, 400 W): 1,400 + 800 = 2,200 J."""
    write_power(tmp_path / "p" / "a.parquet",
                [(T0 + t * S, n, 0, 1000.0) for n in ("n1", "n2") for t in (0, 1, 2)])  # fmt: skip
    sites = write(tmp_path / "s.csv", "node,region,pue,wue_l_per_kwh,accelerator\n"
                  "n1,FR,1,0,H100\nn2,FR,1,0,A100-80GB\n")  # fmt: skip
    jobs = write_jobs(tmp_path / "j.csv", [("a", "n1", "0", T0, T0 + H_MS),
                                           ("b", "n2", "0", T0, T0 + H_MS)])  # fmt: skip
    res = account(tmp_path / "p", jobs, sites=sites)
    e = energy_j(res)
    close(e["a"], 1400.0)
    close(e["b"], 800.0)
    assert faults(res)["impossible_power"] == 6


@fleet
def test_energy_counter_nan_reset_and_empty(tmp_path: Path) -> None:
    """Counter [J] at 0..5 s: 0, 100, NaN, 400, 10 (reset), empty; power 1 W throughout.
    0-1 s: 100 J; the NaN sample is dropped, its rise still counts: 1-3 s 300 J; 3-4 s
    the counter fell: trapezoid 1 J; 4-5 s no counter: trapezoid 1 J. Total 402 J."""
    vals = (0.0, 100.0, math.nan, 400.0, 10.0, None)
    rows = [(T0 + i * S, "n1", 0, 1.0, v) for i, v in enumerate(vals)]
    res = one_gpu(tmp_path, {"a.parquet": rows}, counter=True)
    close(energy_j(res)["idle"], 402.0)
    assert faults(res)["missing_energy"] == 1


@fleet
def test_dcgm_export_and_sacct(polars: Any, tmp_path: Path) -> None:
    """DCGM columns: timestamp in epoch s, Hostname, DCGM_FI_DEV_POWER_USAGE (100 W) and
    DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION in mJ: 1.0e6, 1.25e6, 1.6e6 mJ -> 250 J + 350 J
    = 600 J (the power would give 200 J). sacct job 7 (gres/gpu=1: GPU 0) holds it; its
    step 7.0 is skipped; project = Account, model = JobName."""
    (tmp_path / "p").mkdir()
    t0 = T0 / 1000
    polars.DataFrame({
        "timestamp": [t0, t0 + 1, t0 + 2], "Hostname": ["h1"] * 3, "gpu": [0, 0, 0],
        "DCGM_FI_DEV_POWER_USAGE": [100.0] * 3,
        "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION": [1.0e6, 1.25e6, 1.6e6],
    }).write_csv(tmp_path / "p" / "dcgm.csv")  # fmt: skip
    jobs = write(tmp_path / "sacct.txt", "JobID|JobName|Account|User|NodeList|Start|End|AllocTRES\n"
                 f"7|llm|acct|u|h1|{iso(T0, 1)}|{iso(T0 + H_MS, 1)}|cpu=4,gres/gpu=1\n"
                 f"7.0|step|acct|u|h1|{iso(T0, 1)}|{iso(T0 + H_MS, 1)}|\n")  # fmt: skip
    sites = write(tmp_path / "s.csv", "node,region,pue,wue_l_per_kwh\nh1,FR,1,0\n")
    res = account(tmp_path / "p", jobs, sites=sites)
    assert set(by_job(res)) == {"7"}
    close(energy_j(res)["7"], 600.0)
    row = by_job(res)["7"]
    assert (row["project"], row["model"]) == ("acct", "llm")
    close(row["co2e_kg"], 600 / J_PER_KWH * FR_KG)  # no hourly file: FR's annual factor


@fleet
def test_time_zones_in_telemetry_job_table_and_intensity(polars: Any, tmp_path: Path) -> None:
    """Telemetry as ISO times in +02:00, -05:00 and UTC for 10, 11, 12 s after T0
    (100, 300, 100 W); a job from 11 s written in +03:00; T0's hour in the intensity file
    written in +05:00 (100 g). The 10-11 s interval (200 J) is idle, 11-12 s (200 J) the
    job's; CO2e = 200 J / 3.6e6 x 0.1 kg/kWh."""
    (tmp_path / "p").mkdir()
    stamps = [iso(T0 + 10 * S, 2), iso(T0 + 11 * S, -5), iso(T0 + 12 * S)]
    telemetry = {"timestamp": stamps, "node": ["n1"] * 3, "gpu": [0] * 3,
                 "power_w": [100.0, 300.0, 100.0]}  # fmt: skip
    polars.DataFrame(telemetry).write_csv(tmp_path / "p" / "t.csv")
    jobs = write(tmp_path / "j.csv", "job_id,node,gpus,start,end\n"
                 f"j,n1,0,{iso(T0 + 11 * S, 3)},{iso(T0 + H_MS, 3)}\n")  # fmt: skip
    intensity = write(tmp_path / "i.csv", f"timestamp,region,gco2e_per_kwh\n{iso(T0, 5)},FR,100\n")
    res = account(tmp_path / "p", jobs, sites=write(tmp_path / "s.csv", SITE_FR1),
                  intensity=intensity)  # fmt: skip
    e = energy_j(res)
    close(e["idle"], 200.0)
    close(e["j"], 200.0)
    close(by_job(res)["j"]["co2e_kg"], 200 / J_PER_KWH * 0.1)
    assert not any("not in the hourly" in a for a in res.assumptions)


@fleet
def test_interval_across_an_hour_and_a_job_start_goes_by_its_start(tmp_path: Path) -> None:
    """360 W at 3,590, 3,595, 3,605, 3,610 s; a job from 3,600 s; 100 g in hour 0, 300 g in
    hour 1. 3,590-3,595 s: 1,800 J idle (hour 0); 3,595-3,605 s: 3,600 J idle, all in hour 0
    (the interval's start); 3,605-3,610 s: 1,800 J the job's (hour 1).
    CO2e: idle 5,400 J = 0.0015 kWh x 0.1 = 1.5e-4 kg; job 0.0005 kWh x 0.3 = 1.5e-4 kg;
    GPU-hours 15 s and 5 s."""
    rows = [(T0 + t * S, "n1", 0, 360.0) for t in (3590, 3595, 3605, 3610)]
    write_power(tmp_path / "p" / "a.parquet", rows)
    jobs = write_jobs(tmp_path / "j.csv", [("j", "n1", "0", T0 + H_MS, T0 + 2 * H_MS)])
    intensity = write(tmp_path / "i.csv", "timestamp,region,gco2e_per_kwh\n"
                      f"{iso(T0)},FR,100\n{iso(T0 + H_MS)},FR,300\n")  # fmt: skip
    res = account(tmp_path / "p", jobs, sites=write(tmp_path / "s.csv", SITE_FR1),
                  intensity=intensity)  # fmt: skip
    e, rows_ = energy_j(res), by_job(res)
    close(e["idle"], 5400.0)
    close(e["j"], 1800.0)
    close(rows_["idle"]["co2e_kg"], 1.5e-4)
    close(rows_["j"]["co2e_kg"], 1.5e-4)
    close(rows_["idle"]["gpu_hours"], 15 / 3600)
    close(rows_["j"]["gpu_hours"], 5 / 3600)


@fleet
def test_overlapping_jobs_later_start_holds_then_gives_back(tmp_path: Path) -> None:
    """100 W at 1 Hz, 0..120 s. A 0-100 s; B 20-50 s; C 20-30 s (same start as B, listed
    later: C holds first). C 20-30 s: 10 intervals = 1,000 J; B 30-50 s: 2,000 J; A 0-20 s
    and 50-100 s: 7,000 J; idle 100-120 s: 2,000 J. Sum 12,000 J = 120 s x 100 W."""
    write_power(tmp_path / "p" / "a.parquet", [(T0 + t * S, "n1", 0, 100.0) for t in range(121)])
    jobs = write_jobs(tmp_path / "j.csv", [("A", "n1", "0", T0, T0 + 100 * S),
                                           ("B", "n1", "0", T0 + 20 * S, T0 + 50 * S),
                                           ("C", "n1", "0", T0 + 20 * S, T0 + 30 * S)])  # fmt: skip
    res = account(tmp_path / "p", jobs, sites=write(tmp_path / "s.csv", SITE_FR1))
    e = energy_j(res)
    for job, want in (("A", 7000.0), ("B", 2000.0), ("C", 1000.0), ("idle", 2000.0)):
        close(e[job], want)
    close(res.total_energy_j, 12_000.0)
    assert faults(res)["overlapping_jobs"] == 2


@fleet
def test_node_without_a_site_row_takes_the_defaults(tmp_path: Path) -> None:
    """Node nx (not in the sites file) at 3,600 W, 0..10 s: capped at the H100's 700 W ->
    7,000 J = 0.0019444 kWh IT; x PUE 1.58 = 0.0030722 kWh; CO2e x 0.45829 (world);
    water = IT x 0.84 + facility x 4.81; embodied 164 x (10 / 3,600) / 44,676."""
    write_power(tmp_path / "p" / "a.parquet", [(T0 + t * S, "nx", 0, 3600.0) for t in range(11)])
    jobs = write_jobs(tmp_path / "j.csv", [("j", "nx", "0", T0, T0 + H_MS)])
    res = account(tmp_path / "p", jobs, sites=write(tmp_path / "s.csv", SITE_FR1))
    row = by_job(res)["j"]
    it = 7000 / J_PER_KWH
    close(row["it_energy_kwh"], it)
    close(row["energy_kwh"], it * PUE_AVG)
    close(row["co2e_kg"], it * PUE_AVG * WORLD_KG)
    close(row["water_l"], it * WUE_AVG + it * PUE_AVG * WORLD_EWIF)
    close(row["embodied_co2e_kg"], H100_EMB * (10 / 3600) / EMB_DIV)
    assert faults(res)["impossible_power"] == 11


@fleet
def test_a_job_on_two_nodes_is_summed(tmp_path: Path) -> None:
    """Job j on n1 (FR, PUE 1.5) 0-5 s and on n2 (SE, PUE 1.2) 5-3,600 s; 100 W on both,
    0..10 s. j: 500 J on n1 + 500 J on n2; facility 750 + 600 = 1,350 J;
    CO2e = 750 / 3.6e6 x 0.04144 + 600 / 3.6e6 x 0.03526 (annual factors)."""
    write_power(tmp_path / "p" / "a.parquet",
                [(T0 + t * S, n, 0, 100.0) for n in ("n1", "n2") for t in range(11)])  # fmt: skip
    jobs = write_jobs(tmp_path / "j.csv", [("j", "n1", "0", T0, T0 + 5 * S),
                                           ("j", "n2", "0", T0 + 5 * S, T0 + H_MS)])  # fmt: skip
    sites = write(tmp_path / "s.csv", "node,region,pue,wue_l_per_kwh\nn1,FR,1.5,0\nn2,SE,1.2,0\n")
    res = account(tmp_path / "p", jobs, sites=sites)
    row = by_job(res)["j"]
    close(row["it_energy_kwh"] * J_PER_KWH, 1000.0)
    close(row["energy_kwh"] * J_PER_KWH, 1350.0)
    close(row["co2e_kg"], 750 / J_PER_KWH * FR_KG + 600 / J_PER_KWH * SE_KG)
    close(energy_j(res)["idle"], 1000.0)


# --- idle allocation ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def idle_fleet(polars: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """n1 GPUs 0 and 1 sampled every 10 s for 2 h (0..7,200 s). GPU 0 at 200 W before
    1,800 s, else 100 W; GPU 1 at 300 W before 900 s, else 100 W. Job A holds GPU 0 for
    0-1,800 s, job B GPU 1 for 0-900 s."""
    d = tmp_path_factory.mktemp("idle")
    rows = []
    for t in range(0, 7201, 10):
        rows.append((T0 + t * S, "n1", 0, 200.0 if t < 1800 else 100.0))
        rows.append((T0 + t * S, "n1", 1, 300.0 if t < 900 else 100.0))
    write_power(d / "p" / "a.parquet", rows)
    write_jobs(d / "jobs.csv", [("A", "n1", "0", T0, T0 + 1800 * S),
                                ("B", "n1", "1", T0, T0 + 900 * S)])  # fmt: skip
    write(d / "s.csv", SITE_FR1)
    return d


@fleet
def test_idle_allocation_by_hand(idle_fleet: Path) -> None:
    """Without allocation: A = 179 x 10 s x 200 W + (200 + 100) / 2 x 10 s = 359,500 J;
    B = 89 x 3,000 + 2,000 = 269,000 J; idle = 5,400 s x 100 W + 6,300 s x 100 W
    = 1,170,000 J. Proportional: hour 0's idle (1,800 s + 2,700 s at 100 W = 450,000 J)
    goes to A and B by energy: A + 450,000 x 359,500 / 628,500, B + 450,000 x 269,000 /
    628,500; hour 1's idle (2 x 3,600 s x 100 W = 720,000 J) has no job and stays idle."""
    d = idle_fleet
    res = account(d / "p", d / "jobs.csv", sites=d / "s.csv")
    e = energy_j(res)
    close(e["A"], 359_500.0)
    close(e["B"], 269_000.0)
    close(e["idle"], 1_170_000.0)
    close(
        by_job(res)["idle"]["gpu_hours"], 3.25
    )  # GPU 0 1,800-7,200 s + GPU 1 900-7,200 s = 1.5 + 1.75 h
    res = account(d / "p", d / "jobs.csv", sites=d / "s.csv", allocate_idle="proportional")
    e = energy_j(res)
    close(e["A"], 359_500 + 450_000 * 359_500 / 628_500)
    close(e["B"], 269_000 + 450_000 * 269_000 / 628_500)
    close(e["idle"], 720_000.0)
    close(sum(e.values()), 1_798_500.0)  # conserved


@fleet
def test_idle_allocation_keeps_the_gpu_hours(idle_fleet: Path) -> None:
    """FIXED (src/lcai/fleet/account.py, _allocate_idle): --allocate-idle proportional
    is documented to spread idle *energy* (docs/fleet.md; "idle with no job there stays
    idle"), but it also deletes the idle GPU-hours and with them the idle embodied carbon:
    the idle that stays idle (hour 1: 2 GPUs x 1 h) is rebuilt with device_s = 0, and the
    idle GPU-hours of hour 0 (1.25 h) go to nobody. Hand: total GPU-hours 0.5 + 0.25 + 3.25
    = 4.0 and embodied 164 x 4 / 44,676 kg either way; lcai: 0.75 GPU-hours and the idle
    row 0 GPU-hours next to 720,000 J."""
    d = idle_fleet
    res = account(d / "p", d / "jobs.csv", sites=d / "s.csv", allocate_idle="proportional")
    rows = by_job(res)
    close(sum(r["gpu_hours"] for r in rows.values()), 4.0)
    close(sum(r["embodied_co2e_kg"] for r in rows.values()), H100_EMB * 4 / EMB_DIV)
    assert rows["idle"]["gpu_hours"] >= 2.0


# --- clock steps (samples out of order in a file) -----------------------------------------


@fleet
def test_one_sample_written_late_is_dropped(tmp_path: Path) -> None:
    """As the synthetic fault: 0, 1, 2, 3 s at 100 W, then a 1.5 s sample at 900 W written
    last (after later-stamped ones): dropped, 300 J (keeping it would give 700 J)."""
    rows = [(T0 + t * S, "n1", 0, 100.0) for t in range(4)] + [(T0 + 1500, "n1", 0, 900.0)]
    res = one_gpu(tmp_path, {"a.parquet": rows})
    close(energy_j(res)["idle"], 300.0)
    assert faults(res)["clock_step"] == 1


@fleet
def test_clock_step_rule_for_several_samples_out_of_order(tmp_path: Path) -> None:
    """FIXED (docs/fleet.md "clock steps (a sample written after a later-stamped one of
    the same device in the same file: dropped)" vs src/lcai/fleet/account.py, _clean, which
    compares each sample only with its next in time). Written in this order: 0 s 100 W,
    4 s 100 W, 1 s 500 W, 2 s 100 W, 3 s 100 W. By the rule, 1, 2 and 3 s are each written
    after the 4 s sample: 3 clock steps, kept 0 and 4 s: (100 + 100) / 2 x 4 = 400 J.
    lcai drops only 3 s (1 clock step) and keeps the 500 W sample: 300 + 300 + 200 = 800 J.
    (A fully shuffled file likewise keeps samples the rule drops.)"""
    order = ((0, 100.0), (4, 100.0), (1, 500.0), (2, 100.0), (3, 100.0))
    res = one_gpu(tmp_path, {"a.parquet": [(T0 + t * S, "n1", 0, p) for t, p in order]})
    assert faults(res).get("clock_step") == 3
    close(energy_j(res)["idle"], 400.0)


# --- readers --------------------------------------------------------------------------------


@fleet
def test_node_names_with_leading_zeros_in_csv_telemetry(tmp_path: Path) -> None:
    """FIXED (src/lcai/fleet/readers.py, read_power): a CSV telemetry file's node column
    is type-inferred, so node "001" is read as the integer 1 and becomes "1", while the job
    table and the sites file keep "001". Hand: job j on 001 GPU 0, 100 W for 10 s = 1,000 J,
    x PUE 1.5 (its site row). lcai: the job has no samples, the 1,000 J go to idle on a
    node "1" with the industry-average PUE and the world grid."""
    write_power(tmp_path / "p" / "a.csv", [(T0 + t * S, "001", 0, 100.0) for t in range(11)])
    jobs = write_jobs(tmp_path / "j.csv", [("j", "001", "0", T0, T0 + H_MS)])
    sites = write(tmp_path / "s.csv", "node,region,pue,wue_l_per_kwh\n001,FR,1.5,0\n")
    res = account(tmp_path / "p", jobs, sites=sites)
    assert "j" in by_job(res), faults(res)
    close(energy_j(res)["j"], 1000.0)
    close(by_job(res)["j"]["energy_kwh"] * J_PER_KWH, 1500.0)


@fleet
def test_sacct_job_on_two_nodes(tmp_path: Path) -> None:
    """FIXED (src/lcai/fleet/readers.py, read_jobs): docs/fleet.md accepts `sacct
    --parsable2 --format=...,NodeList,...,AllocTRES`, but a multi-node job's NodeList is a
    Slurm hostlist ("n[1-2]") and is taken as one node's name; gres/gpu=N (the job's total)
    is read as GPUs 0..N-1 of that one "node". Hand: job 9 holds GPU 0 of n1 and n2 (100 W,
    10 s each) = 2,000 J. lcai: the job has no samples; all 2,000 J are idle."""
    write_power(tmp_path / "p" / "a.parquet",
                [(T0 + t * S, n, 0, 100.0) for n in ("n1", "n2") for t in range(11)])  # fmt: skip
    jobs = write(tmp_path / "sacct.txt", "JobID|JobName|Account|User|NodeList|Start|End|AllocTRES\n"
                 f"9|m|a|u|n[1-2]|{iso(T0)}|{iso(T0 + H_MS)}|cpu=2,gres/gpu=2\n")  # fmt: skip
    sites = write(tmp_path / "s.csv", "node,region,pue,wue_l_per_kwh\nn1,FR,1,0\nn2,FR,1,0\n")
    res = account(tmp_path / "p", jobs, sites=sites)
    assert faults(res).get("job_without_samples", 0) == 0
    close(energy_j(res).get("9", 0.0), 2000.0)


# --- lcai fleet synth -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def synth_faults(
    polars: Any, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, int]]:
    d = tmp_path_factory.mktemp("synth") / "fleet"
    info = synthesize(d, nodes=2, hours=1, seed=1, faults=True)
    return d, info


def _numpy_energy(frame: Any, cap_w: float = 700.0, gap_ms: int = 10_000) -> float:
    """The documented rules, independently, on one file: per GPU in written order, drop a
    repeat of a (GPU, time) already written, then any sample stamped before one written
    earlier (clock step), missing and negative power; cap at TDP; trapezoid when
    0 < dt <= gap."""
    total = 0.0
    for (_node, _gpu), g in frame.with_row_index("row").group_by(["node", "gpu"]):
        t = g["t_ms"].to_numpy()
        p = g["power_w"].to_numpy().astype(float)
        order = np.argsort(g["row"].to_numpy(), kind="stable")
        t, p = t[order], p[order]
        seen: set[int] = set()
        keep_t, keep_p, latest = [], [], -1
        for ti, pi in zip(t.tolist(), p.tolist(), strict=True):
            if ti in seen:
                continue
            seen.add(ti)
            if ti < latest:
                continue
            latest = ti
            if math.isnan(pi) or pi < 0:
                continue
            keep_t.append(ti)
            keep_p.append(min(pi, cap_w))
        tt, pp = np.array(keep_t), np.array(keep_p)
        s = np.argsort(tt, kind="stable")
        tt, pp = tt[s], pp[s]
        dt_ms = np.diff(tt)
        ok = (dt_ms > 0) & (dt_ms <= gap_ms)
        total += float(np.sum(((pp[1:] + pp[:-1]) / 2 * dt_ms / 1000)[ok]))
    return total


@fleet
def test_synth_faults_counted_and_energy_by_the_rules(
    polars: Any, synth_faults: tuple[Path, dict[str, int]]
) -> None:
    """`synth --faults` injects 5 duplicates, 3 negative, 2 impossible and 2 missing powers,
    one 60 s gap, one sample written 30 s late, a copy of the first job starting 60 s into
    it (overlapping on each of its GPUs) and a job after the telemetry. lcai's total equals
    the documented rules applied independently (numpy), and jobs + idle equal the total."""
    d, info = synth_faults
    frame = polars.read_parquet(d / "power" / "hour-0000.parquet")
    assert info["samples"] == frame.height and info["files"] == 1
    res = account(d / "power", d / "jobs.csv", intensity=d / "intensity.csv",
                  sites=d / "sites.csv")  # fmt: skip
    f = faults(res)
    first_gpus = len(next(csv.DictReader((d / "jobs.csv").open()))["gpus"].split(","))
    assert f == {"duplicate": 5, "negative_power": 3, "impossible_power": 2,
                 "missing_power": 2, "gap": 1, "clock_step": 1,
                 "overlapping_jobs": first_gpus, "job_without_samples": 1}  # fmt: skip
    close(res.total_energy_j, _numpy_energy(frame))
    close(sum(energy_j(res).values()), res.total_energy_j)
    assert res.samples == info["samples"]


@fleet
def test_synth_intensity_and_sites_by_hand(synth_faults: tuple[Path, dict[str, int]]) -> None:
    """Intensity: base x (1 + 0.2 sin(2 pi (hour - 6) / 24)), bases US-VA 350, FR 45, SE 30,
    US-TX 400 g, from the hour before T0 (2026-01-05) to 24 h after the end: 4 x 26 rows.
    At 00:00 sin(-pi/2) = -1: 350 x 0.8 = 280; at 12:00: 350 x 1.2 = 420; 23:00 the day
    before: 350 x (1 + 0.2 sin(2 pi 17 / 24)) = 282.385. Sites: node i in region i mod 4,
    PUE 1.2 / 1.1 and WUE 0.5 / 0.3 alternately."""
    d, _ = synth_faults
    with (d / "intensity.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 4 * 26
    g = {(r["region"], r["timestamp"]): float(r["gco2e_per_kwh"]) for r in rows}
    close(g["US-VA", "2026-01-05T00:00:00+00:00"], 280.0)
    close(g["US-VA", "2026-01-05T12:00:00+00:00"], 420.0)
    close(g["FR", "2026-01-05T12:00:00+00:00"], 54.0)
    close(g["US-VA", "2026-01-04T23:00:00+00:00"],
          round(350 * (1 + 0.2 * math.sin(2 * math.pi * 17 / 24)), 3))  # fmt: skip
    with (d / "sites.csv").open() as fh:
        sites = [(r["node"], r["region"], r["pue"], r["wue_l_per_kwh"]) for r in csv.DictReader(fh)]
    assert sites == [("node000", "US-VA", "1.2", "0.5"), ("node001", "FR", "1.1", "0.3")]


@fleet
def test_synth_busy_and_idle_power(tmp_path: Path) -> None:
    """Without faults, each job draws ~550 W and idle GPUs ~70 W (noise sd 25 and 5 W):
    energy per GPU-hour within 1% of 0.55 and 0.07 kWh (jitter at job edges aside)."""
    d = tmp_path / "f"
    synthesize(d, nodes=2, hours=1, seed=1)
    res = account(d / "power", d / "jobs.csv", sites=d / "sites.csv")
    for job, r in by_job(res).items():
        want = 0.07 if job == "idle" else 0.55
        assert r["it_energy_kwh"] / r["gpu_hours"] == pytest.approx(want, rel=0.01), job


# =======================================================================================
# lcai capacity
# =======================================================================================


def test_capacity_count_region_and_load_factor() -> None:
    """8 H100 in a DGX H100 (10,200 W / 8 = 1,275 W each) at PUE 1.25 in FR, load factor 0.5:
    power = 8 x 1,275 x 1.25 = 12,750 W; a year = 12.75 kW x 8,760 h x 0.5 = 55,845 kWh;
    CO2e = 55,845 x 0.04144 = 2,314.2168 kg; IT = 55,845 / 1.25 = 44,676 kWh;
    water = 44,676 x 0.84 (industry WUE) + 55,845 x 3.6737 = 37,527.84 + 205,157.7765
    = 242,685.6165 L."""
    c = plan_capacity("H100", count=8, pue=1.25, region="FR", load_factor=0.5)
    close(c.system_w_per_accelerator, 1275.0)
    close(c.power_w, 12_750.0)
    close(c.energy_kwh_per_year, 55_845.0)
    close(c.co2e_kg_per_year, 2_314.2168)
    close(c.water_l_per_year, 242_685.6165)


def test_capacity_supply_direction() -> None:
    """1 MW for B200 at PUE 1.1: 14,300 W / 8 = 1,787.5 W x 1.1 = 1,966.25 W each;
    1e6 / 1,966.25 = 508.58 -> 508 accelerators, drawing 508 x 1,966.25 = 998,855 W;
    a year at load factor 1 = 998.855 kW x 8,760 h = 8,749,969.8 kWh."""
    c = plan_capacity("B200", supply_w=1e6, pue=1.1)
    assert c.count == 508
    close(c.power_w, 998_855.0)
    close(c.energy_kwh_per_year, 8_749_969.8)
    assert c.co2e_kg_per_year is None and c.water_l_per_year is None


@pytest.mark.parametrize(
    ("acc", "u", "per_w", "average_w"),
    [
        # DGX A100: 812.5 W each, 400 W TDP; A100 idle 0.158 -> 63.2 W:
        # 412.5 + 0.25 x 400 + 0.75 x 63.2 = 559.9 W
        ("A100", 0.25, 812.5, 412.5 + 100 + 47.4),
        # V100 (no reference system): 300 + 412.5 = 712.5 W; compute 1.0 (default row),
        # idle 0.177 (its own row) -> 53.1 W: 412.5 + 150 + 26.55 = 589.05 W
        ("V100", 0.5, 712.5, 589.05),
        # GB200 NVL72: 120,000 / 72 = 1,666.67 W, 1,200 W TDP, idle 0.107 -> 128.4 W:
        # 466.67 + 600 + 64.2 = 1,130.87 W
        ("GB200", 0.5, 120_000 / 72, 120_000 / 72 - 1200 + 600 + 64.2),
        # L4: 72 + 412.5 = 484.5 W; 412.5 + 0.5 x 72 + 0.5 x 7.704 = 452.352 W
        ("L4", 0.5, 484.5, 452.352),
    ],
)
def test_capacity_load_factor_from_utilisation(
    acc: str, u: float, per_w: float, average_w: float
) -> None:
    """load factor = (system share besides the GPU + u x busy + (1 - u) x idle) / rated."""
    c = plan_capacity(acc, count=10, pue=1.0, utilisation=u)
    close(c.system_w_per_accelerator, per_w)
    close(c.load_factor, average_w / per_w)
    close(c.energy_kwh_per_year, 10 * per_w * 8760 * average_w / per_w / 1000)


def test_capacity_docs_example(capsys: pytest.CaptureFixture[str]) -> None:
    """docs/what-if.md: `lcai capacity -a H100 -c 100000 --region US-TN --load-factor 0.8`:
    100,000 x 1,275 W x 1.58 = 201.45 MW; x 8,760 h x 0.8 = 1.41177e9 kWh; CO2e x 0.329689
    = 4.6544e8 kg (465,442 t); water = 1.41177e9 / 1.58 x 0.84 + 1.41177e9 x 3.1321 (US
    water for a US state). 201.45 / 150 = 1.34x Colossus; 201.45 MW / 6.024 GW = 3.3% of
    Ireland's peak ("about 201 MW ... 1.3x ... 3.3%")."""
    code, out, _ = run_cli(["capacity", "-a", "H100", "-c", "100000", "--region", "US-TN",
                            "--load-factor", "0.8", "--json"], capsys)  # fmt: skip
    assert code == 0
    d = json.loads(out)
    energy = 100_000 * 1275 * 1.58 * 8760 * 0.8 / 1000
    close(d["power_w"], 201.45e6)
    close(d["energy_kwh_per_year"], energy)
    close(d["co2e_kg_per_year"], energy * US_TN_KG)
    close(d["water_l_per_year"], energy / 1.58 * WUE_AVG + energy * US_EWIF)
    share = {c["key"]: c["share"] for c in d["comparisons"] if c["quantity"] != "average_load"}
    close(share["site:xai-colossus"], 201.45 / 150)
    ireland = next(c for c in d["comparisons"] if "Ireland" in c["label"])
    assert f"{ireland['share']:.1%}" == "3.3%"
    code, out, _ = run_cli(["capacity", "-a", "H100", "-c", "100000", "--region", "US-TN",
                            "--load-factor", "0.8"], capsys)  # fmt: skip
    assert code == 0
    assert "201.4 MW" in out and "1.412 TWh" in out and "465,442 t CO2e" in out
    assert "5.172 billion L water" in out


# =======================================================================================
# lcai project
# =======================================================================================


def test_projection_ranges_efficiency_decarbonisation_by_hand(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """200-283 TWh in 2020, growth 10-20%, efficiency 5%, FR grid falling 2% a year, to 2023
    (t = 3): low = 200e9 x 1.1^3 x 0.95^3 = 200e9 x 1.331 x 0.857375 = 228.233225e9 kWh;
    central = 241.5e9 (midpoint) x 1.15^3 x 0.95^3; high = 283e9 x 1.2^3 x 0.95^3;
    CO2e = energy x 0.04144 x 0.98^3; water = energy x 3.6737 (off site)."""
    code, out, _ = run_cli(["project", "--start", "200-283 TWh", "--growth", "10-20%",
                            "--from", "2020", "--to", "2023", "--efficiency", "5%",
                            "--decarbonisation", "2%", "--region", "FR", "--json"],
                           capsys)  # fmt: skip
    assert code == 0
    years = json.loads(out)["years"]
    assert [y["year"] for y in years] == [2020, 2021, 2022, 2023]
    first, last = years[0], years[-1]
    close(first["energy_kwh"]["central"], 241.5e9)
    close(first["co2e_kg"]["low"], 200e9 * FR_KG)
    want = {"low": 200e9 * 1.1**3, "central": 241.5e9 * 1.15**3, "high": 283e9 * 1.2**3}
    close(last["energy_kwh"]["low"], 228.233225e9)
    for k, e in want.items():
        energy = e * 0.95**3
        close(last["energy_kwh"][k], energy)
        close(last["co2e_kg"][k], energy * FR_KG * 0.98**3)
        close(last["water_l"][k], energy * FR_EWIF)


def test_projection_requests_per_day_docs_example_quoted(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """docs/what-if.md's demand example (with "0.3 Wh" quoted): 1e9 requests a day x 365
    x 0.0003 kWh = 1.095e8 kWh in 2025; 2030 central = 1.095e8 x 1.29^5 x 0.9^5
    = 2.3098e8 kWh; CO2e x 0.3844 x 0.97^5; water x 3.1321."""
    code, out, _ = run_cli(["project", "--requests-per-day", "1e9", "--energy-per-request",
                            "0.3 Wh", "--growth", "25-33%", "--from", "2025", "--to", "2030",
                            "--efficiency", "10%", "--region", "US", "--decarbonisation", "3%",
                            "--json"], capsys)  # fmt: skip
    assert code == 0
    years = json.loads(out)["years"]
    close(years[0]["energy_kwh"]["low"], 1.095e8)
    for k, g in (("low", 1.25), ("central", 1.29), ("high", 1.33)):
        energy = 1.095e8 * g**5 * 0.9**5
        close(years[-1]["energy_kwh"][k], energy)
        close(years[-1]["co2e_kg"][k], energy * US_KG * 0.97**5)
        close(years[-1]["water_l"][k], energy * US_EWIF)


def test_projection_docs_example_as_written(capsys: pytest.CaptureFixture[str]) -> None:
    """FIXED (docs/what-if.md, "Projections"): the documented command
    `lcai project --requests-per-day 1e9 --energy-per-request 0.3 Wh --growth 25-33% ...`
    is split by the shell into `--energy-per-request 0.3` and a stray `Wh`; lcai exits 2
    ("'0.3' has no unit"). The docs need quotes ("0.3 Wh"), as their other examples have."""
    import shlex

    doc = (Path(__file__).parent.parent / "docs" / "what-if.md").read_text(encoding="utf-8")
    start = doc.index("lcai project --requests-per-day")
    command = doc[start : doc.index("```", start)].replace("\\\n", " ")
    args = shlex.split(command)[1:]  # as a shell reads it, without the leading "lcai"
    assert "0.3 Wh" in args
    code, _, err = run_cli(args, capsys)
    assert code == 0, err


def test_huatai_presets_by_hand() -> None:
    """huatai-US: 1.2-1.7 trillion kWh in 2030 = 6x 2022: start 0.2e12 and 0.28333e12 kWh,
    growth 6^(1/8) - 1 = 25.08% a year; central 2030 = (0.2 + 0.28333) / 2 x 6 = 1.45e12.
    Extended to 2035: x 6^(13/8). huatai-CN: 0.65-0.95 = 3.5x 2022, 3.5^(1/8) - 1."""
    p = preset("huatai-US")
    close(p["start_kwh"][0], 1.2e12 / 6)
    close(p["start_kwh"][1], 1.7e12 / 6)
    close(p["growth"][0], 6 ** (1 / 8) - 1)
    assert "25.1% a year" in p["note"]
    rows = projection(preset_name="huatai-US").years
    assert (rows[0].year, rows[-1].year) == (2022, 2030)
    close(rows[-1].energy_kwh[1], 1.45e12)
    longer = projection(preset_name="huatai-US", end_year=2035).years[-1]
    close(longer.energy_kwh[0], 1.2e12 / 6 * 6 ** (13 / 8))
    cn = preset("huatai-CN")
    close(cn["growth"][1], 3.5 ** (1 / 8) - 1)
    close(projection(preset_name="huatai-CN").years[-1].energy_kwh[2], 0.95e12)


def test_bofa_preset_five_years(capsys: pytest.CaptureFixture[str]) -> None:
    """bofa-AI: 25-33% a year, 2023-2028 from a given 100 TWh: 2028 low 100e9 x 1.25^5
    = 305.17578125e9 kWh; central 100e9 x 1.29^5; high 100e9 x 1.33^5."""
    code, out, _ = run_cli(["project", "--preset", "bofa-AI", "--start", "100 TWh", "--json"],
                           capsys)  # fmt: skip
    assert code == 0
    last = json.loads(out)["years"][-1]
    assert last["year"] == 2028
    close(last["energy_kwh"]["low"], 305.17578125e9)
    close(last["energy_kwh"]["central"], 100e9 * 1.29**5)
    close(last["energy_kwh"]["high"], 100e9 * 1.33**5)


def test_projection_without_a_region_reports_no_carbon(capsys: pytest.CaptureFixture[str]) -> None:
    """FIXED (src/lcai/whatif/projection.py, _grid_factors "(0, 0) without one"): with no
    --region, `lcai project --json` reports co2e_kg 0.0 and water_l 0.0 for every year (here
    100 TWh growing 25-33%), figures that are not zero but unknown; the terminal table drops
    those columns, and `lcai capacity --json` reports null for the same case."""
    code, out, _ = run_cli(["project", "--preset", "bofa-AI", "--start", "100 TWh", "--json"],
                           capsys)  # fmt: skip
    assert code == 0
    first = json.loads(out)["years"][0]
    assert first["co2e_kg"] is None or all(v is None for v in first["co2e_kg"].values())
