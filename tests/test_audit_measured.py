"""Audit: measured inputs, recomputed by hand (docs/tracking.md, docs/assessment-file.md,
docs/methodology.md).

1. Run files written here line by line (the format of ``lcai.measure.runfile``): a
   device's energy is its last minus its first cumulative reading; the per-hour split;
   an assessment's ``training.measured`` gives IT energy x PUE, carbon = sum over hours
   of kWh_h x PUE x intensity_h, water = facility kWh x EWIF + IT kWh x WUE.
2. The utilisation fallback (no meter): CPU seconds x W per busy core + resident GB x
   W/GB x seconds, with a fake psutil and a fake clock; the tracker's closing line.
3. ``lcai.estimate_request`` and its span attributes against ``lcai assess`` of a file.
4. The Prometheus counters against the tracker and the run file.

A test whose docstring starts with "FIXED" pins a place where lcai disagreed with the
hand figure that the documentation implies, and its fix.
"""

from __future__ import annotations

import json
import re
import sys
import time
import types
import urllib.request
from pathlib import Path
from types import SimpleNamespace
from typing import Any, NamedTuple

import pytest

import lcai
from lcai.measure import Reading, Tracker, UtilisationMeter, read_run
from lcai.measure import tracker as tracker_mod
from lcai.measure.meters import MeterUnavailableError
from lcai.measure.runfile import summarise
from tests.test_bad_input import run_cli

REL = 1e-9
H = 1_699_999_200  # 2023-11-14T22:00:00Z, the start of a clock hour (472,222 x 3600)
KWH = 3.6e6  # J


def close(got: float | None, want: float, rel: float = REL) -> None:
    assert got is not None
    assert got == pytest.approx(want, rel=rel, abs=1e-15)


def write_run(
    path: Path,
    samples: list[tuple[float, str, str, float]],
    *,
    region: str | None = None,
    factors: dict[str, Any] | None = None,
) -> Path:
    """A run file by hand: the header, (t, device, backend, energy_j) samples, the end."""
    header = {
        "format": "lcai-run",
        "version": 1,
        "started": "2023-11-14T22:00:00+00:00",
        "command": ["python", "train.py"],
        "pid": 4242,
        "interval_s": 1.0,
        "backends": list(dict.fromkeys(s[2] for s in samples)),
        "units": {"t": "s since the Unix epoch", "energy_j": "J", "power_w": "W"},
        "region": region,
        "factors": factors,
    }
    lines = [json.dumps(header)]
    for t, device, backend, energy_j in samples:
        s = {"t": t, "device": device, "backend": backend, "energy_j": energy_j, "power_w": None}
        lines.append(json.dumps({"sample": s}))
    lines.append(json.dumps({"end": {"t": max(s[0] for s in samples), "exit_status": 0}}))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


def assess_cli(path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> dict[str, Any]:
    code, out, err = run_cli(["assess", "--json", *extra, str(path)], capsys)
    assert code == 0, err
    return dict(json.loads(out))


def items(doc: dict[str, Any], phase: str) -> dict[str, dict[str, Any]]:
    return {it["name"]: it for it in doc["phases"][phase]["items"]}


# --- 1. run files ------------------------------------------------------------------------


def test_run_energy_is_last_minus_first_per_device(tmp_path: Path) -> None:
    f = write_run(
        tmp_path / "r.jsonl",
        [
            (H + 0.0, "gpu:0", "nvml", 1000.0),  # gpu:0 starts at 1000 J, not 0
            (H + 0.0, "gpu:1", "nvml", 0.0),
            (H + 300.0, "cpu:package-0-0", "rapl", 50.0),
            (H + 600.0, "gpu:0", "nvml", 4600.0),
            (H + 900.0, "cpu:package-0-0", "rapl", 410.0),
            (H + 1200.0, "gpu:0", "nvml", 8200.0),
            (H + 1200.0, "gpu:1", "nvml", 1800.0),
        ],
    )
    run = read_run(f)
    # gpu:0 8200 - 1000 = 7200 J; gpu:1 1800 - 0 = 1800 J; cpu 410 - 50 = 360 J
    close(run.energy_j("gpu:0"), 7200.0)
    close(run.energy_j("gpu:1"), 1800.0)
    close(run.energy_j("cpu:package-0-0"), 360.0)
    # all: 7200 + 1800 + 360 = 9360 J = 9360 / 3.6e6 = 0.0026 kWh
    close(run.energy_j(), 9360.0)
    close(run.energy_kwh, 0.0026)
    s = summarise(run)
    close(s["energy_kwh"], 0.0026)
    close(s["duration_s"], 1200.0)  # H+0 .. H+1200
    close(s["devices"]["gpu:0"]["energy_kwh"], 7200.0 / KWH)
    close(s["devices"]["gpu:0"]["average_power_w"], 6.0)  # 7200 J / 1200 s
    close(s["devices"]["cpu:package-0-0"]["average_power_w"], 0.3)  # 360 / 1200
    # both backends measure: 0.0025 kWh nvml + 0.00036 kWh rapl, all "measured"
    assert [m["method"] for m in s["methods"]] == ["measured"]
    close(s["methods"][0]["energy_kwh"], 0.0026)


def test_hourly_split_on_sample_boundaries(tmp_path: Path) -> None:
    f = write_run(
        tmp_path / "r.jsonl",
        [
            (H + 1800.0, "gpu:0", "nvml", 0.0),
            (H + 3000.0, "cpu:estimate", "utilisation-estimate", 0.0),
            (H + 3300.0, "cpu:estimate", "utilisation-estimate", 0.5 * KWH),
            (H + 3600.0, "gpu:0", "nvml", 1.0 * KWH),  # on the hour
            (H + 5400.0, "gpu:0", "nvml", 3.0 * KWH),
        ],
    )
    run = read_run(f)
    hourly = run.hourly_kwh()
    # hour H: gpu 22:30-23:00 1 kWh + cpu 22:50-22:55 0.5 kWh = 1.5 kWh
    # hour H+1: gpu 23:00-23:30 3 - 1 = 2 kWh
    assert set(hourly) == {H, H + 3600}
    close(hourly[H], 1.5)
    close(hourly[H + 3600], 2.0)
    close(sum(hourly.values()), run.energy_kwh)  # 3.5 kWh either way


def _csv(path: Path, rows: list[str], region: bool = False) -> Path:
    head = "timestamp,region,gco2e_per_kwh" if region else "timestamp,gco2e_per_kwh"
    path.write_text("\n".join([head, *rows]) + "\n")
    return path


GIVEN_GRID = """name: m
grid: {co2e_intensity: 500 g/kWh, water_intensity: 2 L/kWh}
facility: {pue: 1.5, wue: 0.5 L/kWh}
training:
  measured:
"""


def test_hourly_split_across_an_hour_boundary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """FIXED: an interval between two samples that straddles a clock hour is put
    whole into the hour of its midpoint (runfile.Run.hourly_kwh), not split between the
    two hours, so energy used after the boundary takes the earlier hour's intensity.
    docs/tracking.md: "each hour's energy takes that hour's factor". Negligible at the
    default 1 s interval; up to the whole interval with sparse samples (--interval up to
    a day, hand-made or replayed files)."""
    write_run(
        tmp_path / "r.jsonl",
        [(H + 2400.0, "gpu:0", "nvml", 0.0), (H + 4200.0, "gpu:0", "nvml", 3.0 * KWH)],
    )
    _csv(tmp_path / "h.csv", ["2023-11-14T22:00:00Z,100", "2023-11-14T23:00:00Z,400"])
    f = tmp_path / "a.yaml"
    f.write_text(GIVEN_GRID + "    runs: [r.jsonl]\n    hourly_intensity: h.csv\n")
    doc = assess_cli(f, capsys)
    # 3 kWh over 22:40-23:10 (constant power, 6 kW): 20 min (2 kWh) in hour 22, 10 min
    # (1 kWh) in hour 23. IT carbon 2 x 0.1 + 1 x 0.4 = 0.6 kg; x PUE 1.5 = 0.9 kg.
    # lcai: midpoint 22:55, all 3 kWh at 0.1 -> 0.3 kg x 1.5 = 0.45 kg.
    close(doc["total"]["co2e_kg"], 0.9)
    hourly = read_run(tmp_path / "r.jsonl").hourly_kwh()
    close(hourly.get(H, 0.0), 2.0)
    close(hourly.get(H + 3600, 0.0), 1.0)


def _two_runs(root: Path) -> None:
    """Run 1: 10 kWh on gpu:0 within hour H. Run 2: 12 kWh on gpu:0 + 8 kWh on gpu:1
    within hour H+1 (midpoints 22:30 and 23:30)."""
    write_run(
        root / "runs" / "train-1.jsonl",
        [(H + 600.0, "gpu:0", "nvml", 5.0e5), (H + 3000.0, "gpu:0", "nvml", 5.0e5 + 10 * KWH)],
    )
    t0 = H + 3600.0
    write_run(
        root / "runs" / "train-2.jsonl",
        [
            (t0 + 600.0, "gpu:0", "nvml", 0.0),
            (t0 + 600.0, "gpu:1", "nvml", 0.0),
            (t0 + 1800.0, "gpu:0", "nvml", 6 * KWH),
            (t0 + 1800.0, "gpu:1", "nvml", 4 * KWH),
            (t0 + 3000.0, "gpu:0", "nvml", 12 * KWH),
            (t0 + 3000.0, "gpu:1", "nvml", 8 * KWH),
        ],
    )


def test_measured_runs_energy_times_pue(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _two_runs(tmp_path)
    f = tmp_path / "a.yaml"
    f.write_text(GIVEN_GRID + "    runs: [runs/train-*.jsonl]\n")
    doc = assess_cli(f, capsys)
    it = items(doc, "training")
    # IT energy 10 + 12 + 8 = 30 kWh (measured); overhead 30 x (1.5 - 1) = 15 kWh
    m = it["measured runs"]
    assert m["method"] == "measured"
    close(m["energy_kwh"], 30.0)
    close(m["co2e_kg"], 15.0)  # 30 x 0.5 kg/kWh
    close(m["water_onsite_l"], 15.0)  # 30 x WUE 0.5
    close(m["water_l"], 75.0)  # 30 x EWIF 2 + 15
    ov = it["facility overhead (PUE 1.5)"]
    close(ov["energy_kwh"], 15.0)
    close(ov["co2e_kg"], 7.5)
    close(ov["water_l"], 30.0)  # 15 x 2, no on-site water
    # total: 45 kWh, 22.5 kg, 45 x 2 + 30 x 0.5 = 105 L
    close(doc["total"]["energy_kwh"], 45.0)
    close(doc["total"]["co2e_kg"], 22.5)
    close(doc["total"]["water_l"], 105.0)


def test_hourly_intensity_weights_each_hour(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _two_runs(tmp_path)
    _csv(tmp_path / "h.csv", ["2023-11-14T22:00:00+00:00,100", "2023-11-14T23:00:00+00:00,300"])
    f = tmp_path / "a.yaml"
    f.write_text(GIVEN_GRID + "    runs: [runs/train-*.jsonl]\n    hourly_intensity: h.csv\n")
    doc = assess_cli(f, capsys)
    # IT carbon 10 kWh x 0.1 + 20 kWh x 0.3 = 7 kg; effective 7 / 30 = 0.2333 kg/kWh
    # x PUE 1.5 = 10.5 kg; energy 45 kWh and water 105 L as without the CSV
    close(doc["total"]["co2e_kg"], 10.5)
    close(doc["total"]["energy_kwh"], 45.0)
    close(doc["total"]["water_l"], 105.0)
    m = items(doc, "training")["measured runs"]
    close(m["co2e_kg"], 7.0)
    close(m["inputs"]["training.measured.hourly_intensity"]["value"], 7.0 / 30.0)
    assert not any("not in h.csv" in w for w in doc["warnings"])


def test_a_missing_hour_takes_the_annual_factor(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _two_runs(tmp_path)
    _csv(tmp_path / "h.csv", ["2023-11-14T22:00:00+00:00,100"])  # no row for hour 23
    f = tmp_path / "a.yaml"
    f.write_text(GIVEN_GRID + "    runs: [runs/train-*.jsonl]\n    hourly_intensity: h.csv\n")
    doc = assess_cli(f, capsys)
    # 10 x 0.1 + 20 x 0.5 (annual) = 11 kg IT; x 1.5 = 16.5 kg
    close(doc["total"]["co2e_kg"], 16.5)
    assert any("1 hour(s) of the runs are not in h.csv" in w for w in doc["warnings"])


def test_two_runs_in_one_missing_hour_are_one_hour(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The warning counts clock hours: a third run also in hour 23 (not in the CSV) makes
    it "1 hour(s)", not 2 (it counted run-and-hour pairs)."""
    _two_runs(tmp_path)
    t0 = H + 3600.0
    write_run(
        tmp_path / "runs" / "train-3.jsonl",
        [(t0 + 100.0, "gpu:0", "nvml", 0.0), (t0 + 200.0, "gpu:0", "nvml", 1 * KWH)],
    )
    _csv(tmp_path / "h.csv", ["2023-11-14T22:00:00+00:00,100"])  # no row for hour 23
    f = tmp_path / "a.yaml"
    f.write_text(GIVEN_GRID + "    runs: [runs/train-*.jsonl]\n    hourly_intensity: h.csv\n")
    doc = assess_cli(f, capsys)
    assert any("1 hour(s) of the runs are not in h.csv" in w for w in doc["warnings"])


def test_hourly_timestamps_zones_and_mid_hour(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _two_runs(tmp_path)
    # 23:00+01:00 = 22:00Z (hour H); 23:30 without a zone is UTC, in hour H+1
    _csv(tmp_path / "h.csv", ["2023-11-14T23:00:00+01:00,100", "2023-11-14T23:30:00,300"])
    f = tmp_path / "a.yaml"
    f.write_text(GIVEN_GRID + "    runs: [runs/train-*.jsonl]\n    hourly_intensity: h.csv\n")
    # as in test_hourly_intensity_weights_each_hour: (10 x 0.1 + 20 x 0.3) x 1.5 = 10.5 kg
    close(assess_cli(f, capsys)["total"]["co2e_kg"], 10.5)


def test_measured_and_estimated_devices_are_apart(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_run(
        tmp_path / "r.jsonl",
        [
            (H + 60.0, "gpu:0", "nvml", 0.0),
            (H + 60.0, "cpu:estimate", "utilisation-estimate", 0.0),
            (H + 660.0, "gpu:0", "nvml", 4 * KWH),
            (H + 660.0, "cpu:estimate", "utilisation-estimate", 1 * KWH),
        ],
    )
    f = tmp_path / "a.yaml"
    f.write_text(GIVEN_GRID + "    runs: [r.jsonl]\n")
    doc = assess_cli(f, capsys)
    it = items(doc, "training")
    # measured 4 kWh -> 2 kg; estimated 1 kWh -> 0.5 kg; overhead 5 x 0.5 = 2.5 kWh -> 1.25 kg
    close(it["measured runs"]["energy_kwh"], 4.0)
    close(it["measured runs"]["co2e_kg"], 2.0)
    est = it["runs, CPU/memory estimated"]
    assert est["method"] == "estimated"
    close(est["energy_kwh"], 1.0)
    close(est["co2e_kg"], 0.5)
    close(it["facility overhead (PUE 1.5)"]["energy_kwh"], 2.5)
    # total 7.5 kWh, 3.75 kg, 7.5 x 2 + 5 x 0.5 = 17.5 L
    close(doc["total"]["energy_kwh"], 7.5)
    close(doc["total"]["co2e_kg"], 3.75)
    close(doc["total"]["water_l"], 17.5)


def test_a_catalog_region_with_a_regional_csv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Packaged catalog: FR 41.44 gCO2e/kWh (ember2026owidcarbonintensity) and 3.6737 L/kWh
    (reig2020wriwater). The runs' own header region (DE) does not apply: the assessment's
    grid does."""
    from lcai import catalog

    assert catalog.table("grid_intensity").factor("FR", "co2e_intensity", "g/kWh").value == 41.44
    w = catalog.table("electricity_water").factor("FR", "water_consumption", "L/kWh").value
    assert w == 3.6737
    write_run(
        tmp_path / "a.jsonl",
        [(H + 600.0, "gpu:0", "nvml", 0.0), (H + 3000.0, "gpu:0", "nvml", 10 * KWH)],
        region="DE",
    )
    write_run(
        tmp_path / "b.jsonl",
        [(H + 4200.0, "gpu:0", "nvml", 0.0), (H + 6600.0, "gpu:0", "nvml", 20 * KWH)],
        region="DE",
    )
    base = "name: m\ngrid: {region: FR}\nfacility: {pue: 1.2, wue: 0 L/kWh}\ntraining:\n"
    f = tmp_path / "a.yaml"
    f.write_text(base + "  measured:\n    runs: [a.jsonl, b.jsonl]\n")
    doc = assess_cli(f, capsys)
    # 30 kWh IT x 1.2 = 36 kWh; 36 x 0.04144 = 1.49184 kg; 36 x 3.6737 = 132.2532 L
    close(doc["total"]["energy_kwh"], 36.0)
    close(doc["total"]["co2e_kg"], 1.49184)
    close(doc["total"]["water_l"], 132.2532)
    _csv(
        tmp_path / "h.csv",
        [
            "2023-11-14T22:00:00Z,France,20",
            "2023-11-14T22:00:00Z,DE,400",
            "2023-11-14T23:00:00Z,France,60",
            "2023-11-14T23:00:00Z,DE,500",
        ],
        region=True,
    )
    f.write_text(base + "  measured:\n    runs: [a.jsonl, b.jsonl]\n    hourly_intensity: h.csv\n")
    doc = assess_cli(f, capsys)
    # France's rows: (10 x 0.02 + 20 x 0.06) x 1.2 = 1.4 x 1.2 = 1.68 kg; water unchanged
    close(doc["total"]["co2e_kg"], 1.68)
    close(doc["total"]["water_l"], 132.2532)


def test_runs_show_uses_the_recorded_factors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    factors = {
        "region": "XX", "co2e_g_per_kwh": 100.0, "carbon_key": "XX", "carbon_year": 2025,
        "carbon_source": "s1", "water_l_per_kwh": 2.0, "water_key": "XX",
        "water_level": "region", "water_year": 2018, "water_source": "s2",
    }  # fmt: skip
    f = write_run(
        tmp_path / "r.jsonl",
        [(H + 0.0, "gpu:0", "nvml", 0.0), (H + 100.0, "gpu:0", "nvml", 0.5 * KWH)],
        region="XX",
        factors=factors,
    )
    code, out, _ = run_cli(["runs", "show", "--json", str(f)], capsys)
    assert code == 0
    (s,) = json.loads(out)
    # 0.5 kWh x 100 g/kWh = 50 g; 0.5 x 2 L/kWh = 1 L; 1.8e6 J / 100 s = 18 kW
    close(s["energy_kwh"], 0.5)
    close(s["co2e_g"], 50.0)
    close(s["water_l"], 1.0)
    close(s["devices"]["gpu:0"]["average_power_w"], 18_000.0)


# --- 2. the utilisation estimate ---------------------------------------------------------


class _Times(NamedTuple):
    user: float
    system: float
    children_user: float = 0.0
    children_system: float = 0.0


class FakeProc:
    """A psutil.Process stand-in: CPU times, resident memory and children set by the test."""

    def __init__(self, user: float, system: float, rss: float) -> None:
        self.user, self.system, self.rss = user, system, rss
        self.children_user = 0.0
        self.kids: list[FakeProc] = []

    def cpu_times(self) -> _Times:
        return _Times(self.user, self.system, self.children_user)

    def memory_info(self) -> SimpleNamespace:
        return SimpleNamespace(rss=self.rss)

    def children(self, recursive: bool = False) -> list[FakeProc]:
        return list(self.kids)


def fake_psutil(monkeypatch: pytest.MonkeyPatch, root: FakeProc) -> None:
    mod = types.ModuleType("psutil")
    mod.Error = type("Error", (Exception,), {})  # type: ignore[attr-defined]
    mod.Process = lambda pid=None: root  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "psutil", mod)


def clock(*times: float) -> Any:
    return iter(times).__next__


def _scripted_tree(monkeypatch: pytest.MonkeyPatch) -> tuple[FakeProc, FakeProc]:
    parent, child = FakeProc(1.0, 0.5, 2e9), FakeProc(2.0, 0.0, 1e9)
    parent.kids = [child]
    fake_psutil(monkeypatch, parent)
    return parent, child


def test_utilisation_meter_arithmetic(monkeypatch: pytest.MonkeyPatch) -> None:
    parent, child = _scripted_tree(monkeypatch)
    # 0.392 W/GB: servers.csv default memory_power_per_gb (ccf2023coefficients)
    meter = UtilisationMeter(
        1, watts_per_core=10.0, memory_w_per_gb=0.392, clock=clock(0.0, 10.0, 30.0)
    )
    # t=0: CPU 1.0 + 0.5 + 2.0 = 3.5 s
    parent.user, parent.system, child.user, child.system = 4.0, 1.5, 5.0, 1.0
    r = meter.read()  # t=10: CPU 11.5 s
    # (11.5 - 3.5) / 10 s = 0.8 cores x 10 W = 8 W; x 10 s = 80 J
    close(r["cpu:estimate"].power_w, 8.0)
    close(r["cpu:estimate"].energy_j, 80.0)
    # RSS 2e9 + 1e9 B = 3 GB x 0.392 = 1.176 W; x 10 s = 11.76 J
    close(r["dram:estimate"].power_w, 1.176)
    close(r["dram:estimate"].energy_j, 11.76)
    parent.user, child.user, parent.rss = 9.0, 10.0, 3e9
    r = meter.read()  # t=30: CPU 21.5 s, RSS 4 GB
    # (21.5 - 11.5) / 20 = 0.5 cores x 10 W = 5 W; + 5 x 20 = 100 J -> 180 J
    close(r["cpu:estimate"].energy_j, 180.0)
    # 4 GB x 0.392 = 1.568 W; + 1.568 x 20 = 31.36 J -> 43.12 J
    close(r["dram:estimate"].power_w, 1.568)
    close(r["dram:estimate"].energy_j, 43.12)


def test_the_fallback_takes_tdp_per_core_and_w_per_gb(monkeypatch: pytest.MonkeyPatch) -> None:
    _scripted_tree(monkeypatch)
    monkeypatch.setattr(tracker_mod, "nvidia_present", lambda: False)

    def no_rapl(root: str = "") -> Any:
        raise MeterUnavailableError("rapl", "no RAPL here (test)", "a host with RAPL")

    class NoNvml:
        def nvmlInit(self) -> None:  # noqa: N802 - pynvml's name
            raise RuntimeError("no driver (test)")

    monkeypatch.setattr(tracker_mod, "RaplMeter", no_rapl)
    real = Path.read_text

    def cpuinfo(self: Path, *a: Any, **k: Any) -> str:
        if str(self) == "/proc/cpuinfo":
            return "processor\t: 0\nmodel name\t: AMD EPYC 7763 64-Core Processor\n"
        return real(self, *a, **k)

    monkeypatch.setattr(Path, "read_text", cpuinfo)
    meters, assumptions, _ = tracker_mod.open_meters(1, nvml=NoNvml())
    (m,) = meters
    assert isinstance(m, UtilisationMeter)
    # EPYC 7763: TDP 280 W / 64 cores = 4.375 W per busy core; memory 0.392 W/GB
    close(m._w_core, 4.375)
    close(m._w_gb, 0.392)
    text = next(a for a in assumptions if a.startswith("CPU and memory energy ESTIMATED"))
    assert "x 4.38 W per busy core" in text and "x 0.392 W/GB" in text


def _numbers(pattern: str, text: str) -> float:
    found = re.search(pattern, text)
    assert found, text
    return float(found.group(1))


def test_the_closing_line_co2e_and_water(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parent, child = _scripted_tree(monkeypatch)
    meter = UtilisationMeter(
        1, watts_per_core=10.0, memory_w_per_gb=0.392, clock=clock(0.0, 10.0, 30.0)
    )
    out = tmp_path / "u.jsonl"
    # one sample at start (t=10 on the meter's clock), one at stop (t=30): the interval
    # is long, so no sample in between
    t = Tracker(out, interval_s=3600.0, region="FR", meters=[meter])
    parent.user, parent.system, child.user, child.system = 4.0, 1.5, 5.0, 1.0
    t.start()
    parent.user, child.user, parent.rss = 9.0, 10.0, 3e9
    t.stop(0)
    # since the first sample: cpu 180 - 80 = 100 J; dram 43.12 - 11.76 = 31.36 J
    # 131.36 J / 3.6e6 = 3.648889e-5 kWh
    kwh = 131.36 / KWH
    close(t.energy_kwh, kwh)
    close(t.energy_j_by_device[("cpu:estimate", "utilisation-estimate")], 100.0)
    close(t.energy_j_by_device[("dram:estimate", "utilisation-estimate")], 31.36)
    # FR: x 41.44 g/kWh = 1.512107e-3 g; x 3.6737 L/kWh = 1.340495e-4 L
    close(t.co2e_g, kwh * 41.44)
    close(t.water_l, kwh * 3.6737)
    line = t.summary()
    assert "estimated (utilisation x TDP, backend utilisation-estimate)" in line
    assert "measured" not in line
    # formatted for people (four significant digits, the unit scaled, no exponent):
    # 36.49 mWh; 1.512 mgCO2e; 0.134 mL
    close(_numbers(r"^([0-9.]+) mWh estimated", line), kwh * 1e6, rel=5e-4)
    close(_numbers(r"; ([0-9.]+) mgCO2e at 41.44 gCO2e/kWh", line), kwh * 41.44 * 1e3, rel=5e-4)
    close(_numbers(r"; ([0-9.]+) mL water at 3.6737 L/kWh", line), kwh * 3.6737 * 1e3, rel=5e-4)
    assert not re.search(r"\de[+-]?\d", line), line
    # the run file says the same
    s = summarise(read_run(out))
    close(s["energy_kwh"], kwh)
    close(s["co2e_g"], kwh * 41.44)
    close(s["water_l"], kwh * 3.6737)


def test_cpu_time_of_a_child_that_exits_is_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    """FIXED: UtilisationMeter sums user + system over the live process tree only, and
    clamps a falling sum to 0. When a child exits between two reads, the sum falls by the
    child's whole CPU time: the interval's CPU (the parent's own and the child's last
    share) is counted as 0, and a child that lives less than one interval is never counted
    (the reaped child's time is in the parent's children_user/children_system, unread).
    docs/tracking.md: "the tracked process tree's CPU time x the CPU's TDP per core". Seen
    on this host with real psutil: `sh -c` running 10 x 0.3 CPU-s Python children, sampled
    every 1 s: 0.18 CPU-s estimated against 3.13 CPU-s used."""
    parent, child = FakeProc(1.0, 0.0, 0.0), FakeProc(2.0, 0.0, 0.0)
    parent.kids = [child]
    fake_psutil(monkeypatch, parent)
    meter = UtilisationMeter(1, watts_per_core=10.0, memory_w_per_gb=0.0, clock=clock(0.0, 10.0))
    # t=0: parent 1.0 s + child 2.0 s. By t=10 the parent used 1.0 s more (2.0) and the
    # child 0.5 s more (2.5), then exited and was reaped (parent children_user 2.5).
    parent.user, parent.children_user, parent.kids = 2.0, 2.5, []
    r = meter.read()
    # hand: 1.0 + 0.5 = 1.5 CPU-s x 10 W = 15 J (at the least the parent's own 10 J)
    # lcai: 2.0 - 3.0 < 0 -> 0 J
    close(r["cpu:estimate"].energy_j, 15.0)


# --- 3. estimate_request and span attributes ---------------------------------------------

REQUEST_CASES: list[dict[str, Any]] = [
    {"region": "FR"},
    {"region": "US-VA", "boundary": "it"},
    {"region": "FR", "boundary": "accelerator", "batch_size": 16},
    {"pue": 1.3},  # no region: the world average
    {"region": "DE", "pue": 1.1, "batch_size": 64},
]


def _request_yaml(case: dict[str, Any], requests: str = "1") -> str:
    lines = ["name: request"]
    if requests == "1":
        lines.append("functional_unit: per 1 request")
    lines += [
        "usage:",
        f"  requests: {requests}",
        f"  boundary: {case.get('boundary', 'facility')}",
    ]
    if "region" in case:
        lines.append(f"  grid: {{region: {case['region']}}}")
    if "pue" in case:
        lines.append(f"  facility: {{pue: {case['pue']}}}")
    lines += [
        "  inference:",
        "    model: llama-3.1-8b",
        "    accelerator: H100",
        "    input_tokens: 500",
        "    output_tokens: 300",
    ]
    if "batch_size" in case:
        lines.append(f"    batch_size: {case['batch_size']}")
    return "\n".join(lines) + "\n"


def _estimate(case: dict[str, Any], samples: int = 0) -> Any:
    return lcai.estimate_request(
        model="llama-3.1-8b",
        input_tokens=500,
        output_tokens=300,
        accelerator="H100",
        samples=samples,
        **case,
    )


@pytest.mark.parametrize("case", REQUEST_CASES, ids=lambda c: "-".join(map(str, c.values())))
def test_estimate_request_is_lcai_assess_of_a_file(
    case: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    e = _estimate(case)
    f = tmp_path / "one.yaml"
    f.write_text(_request_yaml(case))
    total = assess_cli(f, capsys)["total"]
    close(e.energy_kwh, total["energy_kwh"], rel=1e-12)
    close(e.co2e_kg, total["co2e_kg"], rel=1e-12)
    close(e.water_l, total["water_l"], rel=1e-12)
    assert e.boundary == case.get("boundary", "facility")
    # per request of a million requests: the life cycle / 1e6, and the per-request rate
    f.write_text(_request_yaml(case, "1000000"))
    doc = assess_cli(f, capsys)
    for q in ("energy_kwh", "co2e_kg", "water_l"):
        close(getattr(e, q), doc["total"][q] / 1e6)
        close(getattr(e, q), doc["rates"]["per_request"][q])


def test_the_interval_is_the_assess_monte_carlo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = {"region": "FR"}
    e = _estimate(case, samples=2000)
    f = tmp_path / "one.yaml"
    f.write_text(_request_yaml(case))
    unc = assess_cli(f, capsys, "-n", "2000", "--seed", "0")["uncertainty"]["total"]
    for q in ("energy_kwh", "co2e_kg", "water_l"):
        lo, hi = e.interval[q]
        close(lo, unc[q]["p5"], rel=1e-12)
        close(hi, unc[q]["p95"], rel=1e-12)


def test_span_attributes_on_a_recorded_span() -> None:
    pytest.importorskip("opentelemetry.sdk.trace", reason="opentelemetry-sdk not installed")
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    e = _estimate({"region": "FR"}, samples=300)
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    with provider.get_tracer("audit").start_as_current_span("request") as span:
        lcai.set_span_attributes(span, e)
    (recorded,) = exporter.get_finished_spans()
    attrs = dict(recorded.attributes or {})
    assert attrs["lcai.request.energy_kwh"] == e.energy_kwh
    assert attrs["lcai.request.co2e_kg"] == e.co2e_kg
    assert attrs["lcai.request.water_l"] == e.water_l
    assert attrs["lcai.request.boundary"] == "facility"
    for q in ("energy_kwh", "co2e_kg", "water_l"):
        assert attrs[f"lcai.request.{q}.p5"] == e.interval[q][0]
        assert attrs[f"lcai.request.{q}.p95"] == e.interval[q][1]
    assert len(attrs) == 4 + 6


# --- 4. Prometheus -----------------------------------------------------------------------


class ScriptedMeter:
    """Returns its readings in turn, then the last one for ever."""

    def __init__(self, name: str, steps: list[dict[str, float]]) -> None:
        self.name, self.steps, self.i = name, steps, 0

    def read(self) -> dict[str, Reading]:
        step = self.steps[min(self.i, len(self.steps) - 1)]
        self.i += 1
        return {d: Reading(j, None) for d, j in step.items()}

    def close(self) -> None:
        pass


def test_prometheus_counters_equal_the_tracker(tmp_path: Path) -> None:
    pytest.importorskip("prometheus_client", reason="prometheus_client not installed")
    from prometheus_client.parser import text_string_to_metric_families

    from lcai.measure.prometheus import serve

    gpus = ScriptedMeter(
        "nvml",
        [
            {"gpu:0": 500.0, "gpu:1": 0.0},
            {"gpu:0": 2300.0, "gpu:1": 7200.0},
            {"gpu:0": 4100.0, "gpu:1": 18000.0},
        ],
    )
    cpu = ScriptedMeter("rapl", [{"cpu:package-0-0": 10.0}, {"cpu:package-0-0": 370.0}])
    out = tmp_path / "p.jsonl"
    t = Tracker(out, interval_s=0.01, flush_s=0.05, region="FR", meters=[gpus, cpu])
    t.start()
    endpoint = serve(t, 0)
    try:
        deadline = time.time() + 10
        while gpus.i < 4 and time.time() < deadline:  # the scripts are spent
            time.sleep(0.02)
        url = f"http://127.0.0.1:{endpoint.port}/metrics"
        with urllib.request.urlopen(url, timeout=5) as resp:
            text = resp.read().decode()
    finally:
        endpoint.close()
        t.stop(0)
    got: dict[tuple[str, ...], float] = {}
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            if s.name.startswith("lcai_") and s.name.endswith("_total"):
                got[(s.name, s.labels["device"], s.labels.get("backend", ""))] = s.value
    # since each device's first reading: gpu:0 4100 - 500 = 3600 J; gpu:1 18000 J;
    # cpu 370 - 10 = 360 J
    want_j = {("gpu:0", "nvml"): 3600.0, ("gpu:1", "nvml"): 18000.0}
    want_j[("cpu:package-0-0", "rapl")] = 360.0
    run = read_run(out)
    for (dev, backend), j in want_j.items():
        close(got[("lcai_energy_joules_total", dev, backend)], j)
        close(t.energy_j_by_device[(dev, backend)], j)
        close(run.energy_j(dev), j)
        # FR: J / 3.6e6 x 41.44 g/kWh; x 3.6737 L/kWh (gpu:0: 1e-3 kWh -> 0.04144 g)
        close(got[("lcai_co2e_grams_total", dev, "")], j / KWH * 41.44)
        close(got[("lcai_water_litres_total", dev, "")], j / KWH * 3.6737)
    # 21,960 J in all = 0.0061 kWh; 0.252784 g
    close(sum(got[("lcai_energy_joules_total", *k)] for k in want_j), 21960.0)
    close(t.energy_kwh, 0.0061)
    close(t.co2e_g, 0.0061 * 41.44)
    assert len(got) == 9
