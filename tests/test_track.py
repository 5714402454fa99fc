"""The tracker: meters without hardware (fake NVML, fake RAPL, replay), run files that
survive SIGKILL, the CLI wrapper, and measured runs feeding an assessment."""

from __future__ import annotations

import json
import math
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import lcai
from lcai import catalog
from lcai.errors import SpecError
from lcai.measure import (
    MeterUnavailableError,
    NvmlMeter,
    RaplMeter,
    Reading,
    ReplayMeter,
    Tracker,
    read_run,
)
from lcai.measure import tracker as tracker_mod
from lcai.measure.meters import nvidia_present
from lcai.measure.runfile import RunWriter, Sample, summarise
from lcai.measure.tracker import TrackingWarning, open_meters
from tests.test_bad_input import run_cli

LCAI = [sys.executable, "-m", "lcai.cli.main"]


class FakeNvml:
    """Stands in for pynvml: GPU 0 and 2 have an energy counter, GPU 1 only power."""

    class NotSupportedError(Exception):
        pass

    def __init__(self) -> None:
        self.energy_mj = [1_000_000, 0, 5_000]
        self.power_mw = [300_000, 200_000, 100_000]
        self.started = False

    def nvmlInit(self) -> None:  # noqa: N802 - the NVML names
        self.started = True

    def nvmlShutdown(self) -> None:  # noqa: N802
        self.started = False

    def nvmlDeviceGetCount(self) -> int:  # noqa: N802
        return 3

    def nvmlDeviceGetHandleByIndex(self, i: int) -> int:  # noqa: N802
        return i

    def nvmlDeviceGetHandleByUUID(self, uuid: str) -> int:  # noqa: N802
        return int(uuid.rsplit("-", 1)[1])

    def nvmlDeviceGetTotalEnergyConsumption(self, h: int) -> int:  # noqa: N802
        if h == 1:
            raise self.NotSupportedError("not supported")
        return self.energy_mj[h]

    def nvmlDeviceGetPowerUsage(self, h: int) -> int:  # noqa: N802
        return self.power_mw[h]


def test_nvml_counter_integration_and_visible_devices() -> None:
    nv = FakeNvml()
    now = [0.0]
    m = NvmlMeter(nv, env={"CUDA_VISIBLE_DEVICES": "0,1"}, clock=lambda: now[0])
    assert m.uses_counter == {"gpu:0": True, "gpu:1": False}
    m.read()  # first power sample of the integrated GPU
    nv.energy_mj[0] += 30_000  # 30 J
    now[0] = 2.0  # GPU 1 at 200 W for 2 s: 400 J by the trapezoid rule
    r = m.read()
    assert r["gpu:0"] == Reading(30.0, 300.0)
    assert r["gpu:1"].energy_j == pytest.approx(400.0)
    only = NvmlMeter(nv, env={"CUDA_VISIBLE_DEVICES": "GPU-x-2"})
    assert list(only.read()) == ["gpu:0"]  # renumbered as the job sees it
    with pytest.raises(MeterUnavailableError, match="no GPU is visible"):
        NvmlMeter(nv, env={"CUDA_VISIBLE_DEVICES": "-1"})
    m.close()
    assert not nv.started


def _rapl(root: Path, package_uj: int, dram_uj: int, max_uj: int = 1000_000_000) -> None:
    for zone, name, value in (("intel-rapl:0", "package-0", package_uj),
                              ("intel-rapl:0:0", "dram", dram_uj)):  # fmt: skip
        d = root / zone
        d.mkdir(parents=True, exist_ok=True)
        (d / "name").write_text(name + "\n")
        (d / "energy_uj").write_text(f"{value}\n")
        (d / "max_energy_range_uj").write_text(f"{max_uj}\n")


def test_rapl_wraparound(tmp_path: Path) -> None:
    _rapl(tmp_path, 999_000_000, 10_000_000)
    m = RaplMeter(tmp_path)
    _rapl(tmp_path, 2_000_000, 12_000_000)  # the package counter wrapped at 1e9 uJ
    r = m.read()
    assert r["cpu:package-0-0"].energy_j == pytest.approx(3.0)  # (1e9 - 999e6 + 2e6) uJ
    assert r["dram:0-0"].energy_j == pytest.approx(2.0)


def test_rapl_permission_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _rapl(tmp_path, 1, 1)
    real = Path.read_text

    def guarded(self: Path, *a: Any, **k: Any) -> str:
        if self.name == "energy_uj":
            raise PermissionError(13, "Permission denied")
        return real(self, *a, **k)

    monkeypatch.setattr(Path, "read_text", guarded)
    with pytest.raises(MeterUnavailableError, match="readable only by root") as info:
        RaplMeter(tmp_path)
    assert "chmod" in info.value.fix
    with pytest.raises(MeterUnavailableError, match="no RAPL"):
        RaplMeter(tmp_path / "absent")


class CountingMeter:
    """Deterministic: each read adds 100 J to gpu:0."""

    name = "fake"

    def __init__(self) -> None:
        self.j = 0.0

    def read(self) -> dict[str, Reading]:
        self.j += 100.0
        return {"gpu:0": Reading(self.j, 100.0)}

    def close(self) -> None:
        pass


def test_tracker_context_manager_and_replay(tmp_path: Path) -> None:
    out = tmp_path / "a.jsonl"
    with Tracker(out, interval_s=0.02, flush_s=0.05, meters=[CountingMeter()]) as t:
        time.sleep(0.15)
    run = read_run(out)
    assert run.end == {"t": run.end["t"], "exit_status": 0}  # type: ignore[index]
    assert run.energy_j() == pytest.approx(t.energy_j)  # both from the first reading on
    assert run.backends == ["fake"] and run.warnings == []
    replay = ReplayMeter(out)
    first, second = replay.read(), replay.read()
    assert second["gpu:0"].energy_j - first["gpu:0"].energy_j == pytest.approx(100.0)
    with pytest.raises(SpecError, match="never overwrites"):
        Tracker(out, meters=[CountingMeter()]).start()


@pytest.mark.filterwarnings("ignore::lcai.measure.tracker.TrackingWarning")
def test_decorator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)

    @lcai.track(interval_s=0.05)
    def work() -> int:
        return sum(range(10_000))

    assert work() == sum(range(10_000))
    assert work() == sum(range(10_000))  # a second call is a second run, in its own file
    files = list((tmp_path / "runs").glob("run-*.jsonl"))
    assert len(files) == 2
    for f in files:
        run = read_run(f)
        assert run.end is not None and run.samples


def test_reader_survives_a_cut_line_and_no_end(tmp_path: Path) -> None:
    f = tmp_path / "r.jsonl"
    w = RunWriter(f)
    w.sample(Sample(1.0, "gpu:0", "fake", 0.0, 10.0))
    w.sample(Sample(2.0, "gpu:0", "fake", 3600.0, 10.0))
    w.flush()
    with f.open("a") as fh:
        fh.write('{"sample": {"t": 3.0, "dev')  # the tracker died mid-line
    run = read_run(f)
    assert run.energy_kwh == pytest.approx(1e-3)
    assert any("cut" in x for x in run.warnings)
    assert any("no end record" in x for x in run.warnings)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"format": "other"}\n')
    with pytest.raises(SpecError, match="not an lcai run file"):
        read_run(bad)


def test_cli_passes_exit_status_and_survives_sigkill_of_the_command(tmp_path: Path) -> None:
    out = tmp_path / "k.jsonl"
    code = "import os, time; time.sleep(0.5); os.kill(os.getpid(), 9)"
    proc = subprocess.run(
        [*LCAI, "track", "-o", str(out), "--interval", "0.05", "--flush", "0.1", "--",
         sys.executable, "-c", code],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 128 + 9, proc.stderr
    run = read_run(out)
    assert run.end is not None and run.end["exit_status"] == 137
    assert len(run.samples) >= 4
    exit3 = [sys.executable, "-c", "raise SystemExit(3)"]
    ok = subprocess.run(
        [*LCAI, "track", "-o", str(tmp_path / "e.jsonl"), "--", *exit3],
        capture_output=True, check=False,
    )  # fmt: skip
    assert ok.returncode == 3


def test_the_tracked_command_gets_the_users_environment(tmp_path: Path) -> None:
    """The lcai command runs without pydantic plugins (a start-up cost) unless told
    otherwise; the command it tracks gets the environment as the user had it."""
    show = [sys.executable, "-c",
            "import os; print(repr(os.environ.get('PYDANTIC_DISABLE_PLUGINS')))"]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYDANTIC_", "LCAI_SET"))}
    for i, (given, seen) in enumerate(((None, "None"), ("1", "'1'"), ("", "''"))):
        e = env if given is None else {**env, "PYDANTIC_DISABLE_PLUGINS": given}
        proc = subprocess.run(
            [*LCAI, "track", "-o", str(tmp_path / f"p{i}.jsonl"), "--", *show],
            capture_output=True, text=True, check=True, env=e, timeout=60,
        )  # fmt: skip
        assert proc.stdout.strip() == seen, (given, proc.stdout, proc.stderr)
    probe = (
        "import os, lcai.cli.main as m\n"
        "m.run = lambda: print(os.environ['PYDANTIC_DISABLE_PLUGINS']) or 0\n"
        "m.main()"
    )
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          env=env, check=True)  # fmt: skip
    assert proc.stdout.strip() == "__all__"  # the lcai process itself


def test_utilisation_estimate_counts_a_child_to_its_end() -> None:
    """A command lcai started that has ended and been reaped: its whole CPU time (from
    this process's rusage) counts, its last interval included (the process tree is gone)."""
    pytest.importorskip("psutil", reason="the utilisation estimate needs psutil")
    from lcai.measure.meters import UtilisationMeter

    busy = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.4: pass"
    child = subprocess.Popen([sys.executable, "-c", busy])
    meter = UtilisationMeter(child.pid, watts_per_core=10.0, memory_w_per_gb=0.0)
    child.wait()
    energy = meter.read()["cpu:estimate"].energy_j
    assert 0.4 * 10.0 <= energy <= 5.0 * 10.0, energy  # its 0.4 CPU-s (and start-up) x 10 W


def test_file_survives_sigkill_of_the_tracker(tmp_path: Path) -> None:
    out = tmp_path / "t.jsonl"
    tracker = subprocess.Popen(
        [*LCAI, "track", "-o", str(out), "--interval", "0.05", "--flush", "0.1", "--",
         sys.executable, "-c", "import time; time.sleep(30)"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            if out.exists() and out.read_text().count('"sample"') >= 6:
                break
            time.sleep(0.1)
        os.kill(tracker.pid, signal.SIGKILL)
        tracker.wait(timeout=10)
    finally:
        os.killpg(tracker.pid, signal.SIGKILL)  # the orphaned command too
    run = read_run(out)
    assert len(run.samples) >= 6  # everything up to the last flush
    assert any("no end record" in w for w in run.warnings)


def test_attach_to_pid(tmp_path: Path) -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(0.6)"])
    out = tmp_path / "p.jsonl"
    proc = subprocess.run(
        [*LCAI, "track", "--pid", str(child.pid), "-o", str(out), "--interval", "0.05"],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    child.wait()
    assert proc.returncode == 0, proc.stderr
    run = read_run(out)
    assert run.header["pid"] == child.pid and run.end is not None


def test_cli_errors_and_runs_show(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["track"], capsys)
    assert code == 2 and "after '--'" in err
    code, _, err = run_cli(["track", "--interval", "0", "--", "true"], capsys)
    assert code == 2 and "'--interval'" in err and err.count("\n") == 1
    code, _, err = run_cli(["runs", "show", str(tmp_path / "none.jsonl")], capsys)
    assert code == 2 and "does not exist" in err
    out = tmp_path / "s.jsonl"
    with Tracker(out, interval_s=0.02, meters=[CountingMeter()]):
        time.sleep(0.1)
    code, text, _ = run_cli(["runs", "show", str(out), "--json"], capsys)
    assert code == 0
    (s,) = json.loads(text)
    assert s["devices"]["gpu:0"]["energy_kwh"] > 0 and s["backends"] == ["fake"]
    code, text, _ = run_cli(["runs", "show", str(out)], capsys)
    assert code == 0 and "gpu:0" in text


def _recorded_run(path: Path, kwh: float, start: float) -> None:
    w = RunWriter(path)
    w.sample(Sample(start, "gpu:0", "nvml", 0.0, 500.0))
    w.sample(Sample(start + 3599.0, "gpu:0", "nvml", kwh * 3.6e6, 500.0))
    w.close(start + 3600, 0)


@pytest.mark.usefixtures("fixture_catalog")
def test_measured_runs_feed_the_assessment(tmp_path: Path) -> None:
    """Two runs of 10 and 20 kWh (IT, measured) at PUE 1.5 and 500 g/kWh: 45 kWh, 22.5 kg."""
    runs = tmp_path / "runs"
    runs.mkdir()
    _recorded_run(runs / "train-1.jsonl", 10.0, 1_699_999_200.0)  # 2023-11-14 22:00 UTC
    _recorded_run(runs / "train-2.jsonl", 20.0, 1_700_002_800.0)  # 23:00 UTC
    f = tmp_path / "a.yaml"
    f.write_text("name: m\ngrid: {region: AA}\ntraining:\n  measured: runs/train-*.jsonl\n")
    r = lcai.assess_file(f)
    item = r.phases["training"].items[0]
    assert item.method == "measured" and item.energy_kwh == pytest.approx(30.0)
    assert r.total.energy_kwh == pytest.approx(45.0)
    assert r.total.co2e_kg == pytest.approx(22.5)
    # hourly intensity: the first run's hour at 100 g/kWh, the second's at 300 g/kWh
    csv = tmp_path / "hourly.csv"
    csv.write_text(
        "timestamp,region,gco2e_per_kwh\n2023-11-14T22:00:00+00:00,AA,100\n"
        "2023-11-14T23:00:00+00:00,AA,300\n"
    )
    f.write_text(
        "name: m\ngrid: {region: AA}\ntraining:\n  measured:\n    runs: [runs/train-*.jsonl]\n"
        "    hourly_intensity: hourly.csv\n"
    )
    r2 = lcai.assess_file(f)
    # (10 x 0.1 + 20 x 0.3) kg per IT kWh x PUE 1.5
    assert r2.total.co2e_kg == pytest.approx((10 * 0.1 + 20 * 0.3) * 1.5)
    f.write_text("name: m\ntraining:\n  measured: nothing-*.jsonl\n")
    with pytest.raises(SpecError, match="no run file matches"):
        lcai.assess_file(f)


# --- issue 13.9: tracking says what it knows; 13.5: no NaN in JSON ---------------------


class EstimateMeter(CountingMeter):
    """Like the utilisation fallback: an estimate, 100 J per read on cpu:estimate."""

    name = "utilisation-estimate"

    def read(self) -> dict[str, Reading]:
        self.j += 100.0
        return {"cpu:estimate": Reading(self.j, 10.0)}


def _no_rapl(root: str = "") -> Any:
    raise MeterUnavailableError("rapl", "no RAPL here (test)", "a host with RAPL")


def _mixed_run(path: Path) -> None:
    """1 kWh on gpu:0 by NVML, 0.5 kWh on cpu:estimate by the utilisation fallback."""
    w = RunWriter(path)
    for t, gpu_j, cpu_j in ((0.0, 0.0, 0.0), (10.0, 3.6e6, 1.8e6)):
        w.sample(Sample(t, "gpu:0", "nvml", gpu_j, 300.0))
        w.sample(Sample(t, "cpu:estimate", "utilisation-estimate", cpu_j, 20.0))
    w.close(10.0, 0)


def test_a_small_run_is_shown_without_exponents(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Was: `lcai runs show` and the tracker's closing line printed `2.54e-06 kWh`, against
    result.md's rule for people's outputs. 9.144 J on a CPU in 2 s: 2.54 mWh at 4.572 W;
    in FR at 41.44 gCO2e/kWh, 0.1053 mgCO2e."""
    f = tmp_path / "small.jsonl"
    w = RunWriter(f)
    w.sample(Sample(0.0, "cpu:package-0", "rapl", 0.0, 4.572))
    w.sample(Sample(2.0, "cpu:package-0", "rapl", 9.144, 4.572))
    w.close(2.0, 0)
    sm = summarise(read_run(f))
    assert sm["energy"] == "2.54 mWh measured (backend rapl)"
    code, text, _ = run_cli(["runs", "show", str(f)], capsys)
    flat = " ".join(text.split())
    assert code == 0 and "2.54 mWh" in flat and "4.572 W" in flat
    assert not re.search(r"\de[+-]?\d", flat), flat


def test_an_estimate_is_never_called_measured(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Was: `lcai runs show` titled a utilisation estimate "backends utilisation-estimate"
    with nothing saying it was estimated, and `lcai track` closed with "N kWh measured"
    even when every joule came from the utilisation x TDP estimate."""
    f = tmp_path / "mixed.jsonl"
    _mixed_run(f)
    sm = summarise(read_run(f))
    assert sm["devices"]["cpu:estimate"]["method"] == "estimated (utilisation x TDP)"
    assert sm["devices"]["gpu:0"]["method"] == "measured"
    assert sm["energy"] == (
        "1.5 kWh: 1 kWh measured (backend nvml) + 0.5 kWh estimated (utilisation x TDP, "
        "backend utilisation-estimate)"
    )
    code, text, _ = run_cli(["runs", "show", str(f)], capsys)
    assert code == 0 and "0.5 kWh estimated (utilisation x TDP" in " ".join(text.split())
    # the tracker's own line, in Python and at the end of `lcai track`
    with Tracker(tmp_path / "e.jsonl", interval_s=0.02, meters=[EstimateMeter()]) as t:
        time.sleep(0.05)
    assert "measured" not in t.summary()
    assert t.summary().endswith("Wh estimated (utilisation x TDP, backend utilisation-estimate)")
    assert not re.search(r"\de[+-]?\d", t.summary()), t.summary()
    monkeypatch.setattr(tracker_mod, "RaplMeter", _no_rapl)  # the fallback, on any host
    monkeypatch.setattr(tracker_mod, "nvidia_present", lambda: False)
    code, _, err = run_cli(["track", "-o", str(tmp_path / "c.jsonl"), "--", "true"], capsys)
    closing = err.strip().splitlines()[-1]
    assert code == 0 and "estimated (utilisation x TDP" in closing
    assert "measured" not in closing


@pytest.mark.filterwarnings("ignore::lcai.measure.tracker.TrackingWarning")
def test_a_region_gives_co2e_and_water_with_cited_factors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Was: `lcai track --region` showed gCO2e only on the live line (gone when not on a
    terminal) and no water, `lcai.track()` gave kWh only, LCAI_REGION was not read, and
    no factor or source was cited or recorded."""
    grid = catalog.table("grid_intensity").factor("FR", "co2e_intensity", "g/kWh")
    water = catalog.table("electricity_water").factor("FR", "water_consumption", "L/kWh")
    out = tmp_path / "fr.jsonl"
    with Tracker(out, interval_s=0.02, region="FR", meters=[CountingMeter()]) as t:
        time.sleep(0.05)
    assert t.co2e_g == pytest.approx(t.energy_kwh * grid.value)
    assert t.water_l == pytest.approx(t.energy_kwh * water.value)
    assert grid.source_id in t.summary() and water.source_id in t.summary()
    header = read_run(out).header["factors"]
    assert header["co2e_g_per_kwh"] == grid.value and header["water_source"] == water.source_id
    sm = summarise(read_run(out))
    assert sm["co2e_g"] == pytest.approx(read_run(out).energy_kwh * grid.value)
    assert any(water.source_id in c for c in sm["citations"])
    # a state without its own water row: the country's, said so
    va = Tracker(tmp_path / "va.jsonl", region="US-VA", meters=[CountingMeter()])
    va.start()
    va.stop(0)
    assert va.factors is not None and va.factors.water_level == "country"
    assert "no row for US-VA: the country's" in va.summary()
    # $LCAI_REGION, for lcai.track() and lcai track
    monkeypatch.setenv("LCAI_REGION", "FR")
    monkeypatch.chdir(tmp_path)
    with lcai.track(interval_s=0.05) as run:
        pass
    assert run.factors is not None and run.factors.region == "FR" and run.co2e_g is not None
    code, _, err = run_cli(["track", "-o", str(tmp_path / "env.jsonl"), "--", "true"], capsys)
    assert code == 0 and f"gCO2e at {grid.value:g} gCO2e/kWh" in err and "L water at" in err
    monkeypatch.setenv("LCAI_REGION", "Atlantis")
    code, _, err = run_cli(["track", "--", "true"], capsys)
    assert code == 2 and err.startswith("error: LCAI_REGION: unknown grid region 'Atlantis'")
    code, _, err = run_cli(["track", "--region", "Atlantis", "--", "true"], capsys)
    assert code == 2 and err.startswith("error: --region: unknown") and err.count("\n") == 1


_IGNORE_RAPL = "ignore:CPU and memory energy ESTIMATED:lcai.measure.tracker.TrackingWarning"


@pytest.mark.filterwarnings(_IGNORE_RAPL)
def test_gpus_present_but_nvml_missing_warns_loudly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Was: with an NVIDIA driver present but nvidia-ml-py missing (or NVML failing to
    start), the run silently recorded no GPU energy: an assumption in the file, no
    warning on the terminal, nothing saying how to fix it."""
    monkeypatch.setattr(tracker_mod, "RaplMeter", _no_rapl)
    monkeypatch.setitem(sys.modules, "pynvml", None)  # import pynvml fails
    monkeypatch.setattr(tracker_mod, "nvidia_present", lambda: False)
    _, _, warnings = open_meters()
    assert not any("GPUs NOT MEASURED" in w for w in warnings)  # no GPU: nothing to warn of
    monkeypatch.setattr(tracker_mod, "nvidia_present", lambda: True)
    _, _, warnings = open_meters()
    (gpu,) = [w for w in warnings if "GPUs NOT MEASURED" in w]
    assert "nvidia-ml-py is not installed" in gpu and "pip install 'lcai[track]'" in gpu

    class BrokenNvml(FakeNvml):
        def nvmlInit(self) -> None:  # noqa: N802
            raise RuntimeError("Driver/library version mismatch")

    _, _, warnings = open_meters(nvml=BrokenNvml())
    assert any("GPUs NOT MEASURED" in w and "version mismatch" in w for w in warnings)
    out = tmp_path / "g.jsonl"
    code, _, err = run_cli(["track", "-o", str(out), "--", "true"], capsys)
    assert code == 0 and "warning: GPUs NOT MEASURED" in err and "lcai[track]" in err
    assert any("GPUs NOT MEASURED" in w for w in read_run(out).warnings)  # recorded
    with (
        pytest.warns(TrackingWarning, match="GPUs NOT MEASURED"),
        lcai.track(tmp_path / "py.jsonl", interval_s=0.05),
    ):
        pass


def test_nvidia_present_looks_for_the_driver(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """nvidia-smi on the PATH counts as an NVIDIA driver (as /proc/driver/nvidia does)."""
    smi = tmp_path / "nvidia-smi"
    smi.write_text("#!/bin/sh\n")
    smi.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert nvidia_present()
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert nvidia_present() == Path("/proc/driver/nvidia").exists()


def _strict(text: str) -> Any:
    def refuse(name: str) -> Any:
        raise ValueError(f"not JSON: {name}")

    return json.loads(text, parse_constant=refuse)


def test_runs_show_json_is_strict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Was: `lcai runs show --json` printed NaN / Infinity (not JSON) for a run file with
    a NaN in it or energies whose difference overflows; now a NaN exit status is null
    with a warning saying why, and a sample that is not finite, or no device could
    report (-1e308 J then 1e308 J, whose difference overflowed), is refused (exit 2)."""
    f = tmp_path / "nan-exit.jsonl"
    w = RunWriter(f)
    w.sample(Sample(0.0, "gpu:0", "nvml", 0.0, None))
    w.sample(Sample(1.0, "gpu:0", "nvml", 3.6e6, None))
    w.flush()
    with f.open("a") as fh:
        fh.write('{"end": {"t": 1.0, "exit_status": NaN}}\n')
    code, text, err = run_cli(["runs", "show", str(f), "--json"], capsys)
    assert code == 0, err
    (s,) = _strict(text)
    assert s["energy_kwh"] == 1.0 and s["exit_status"] is None
    assert any("exit_status" in x and "not a finite number" in x for x in s["warnings"])
    code, text, _ = run_cli(["runs", "show", str(f)], capsys)  # the table copes with null
    assert code == 0 and "not a finite number" in text
    huge = tmp_path / "inf.jsonl"
    w = RunWriter(huge)
    w.sample(Sample(0.0, "gpu:0", "nvml", -1e308, None))
    w.sample(Sample(1.0, "gpu:0", "nvml", 1e308, None))
    w.flush()
    code, _, err = run_cli(["runs", "show", str(huge), "--json"], capsys)
    assert code == 2 and "energy_j: expected a device's energy" in err and err.count("\n") == 1
    nan = tmp_path / "nan.jsonl"
    RunWriter(nan).flush()
    with nan.open("a") as fh:
        fh.write('{"sample": {"t": 1.0, "device": "gpu:0", "backend": "nvml", "energy_j": NaN}}\n')
    code, _, err = run_cli(["runs", "show", str(nan), "--json"], capsys)
    assert code == 2 and "energy_j must be a finite number" in err and err.count("\n") == 1
    with pytest.raises(ValueError):  # the writer never writes one
        RunWriter(tmp_path / "w.jsonl").sample(Sample(0.0, "gpu:0", "x", math.nan))


class GlitchMeter(CountingMeter):
    """Every other read gives a NaN energy and an infinite power."""

    def read(self) -> dict[str, Reading]:
        r = super().read()
        return {"gpu:0": Reading(math.nan, math.inf)} if self.j % 200 else r


def test_tracker_drops_readings_that_are_not_finite(tmp_path: Path) -> None:
    """Was: a NaN reading went into the run file as NaN, which is not JSON."""
    out = tmp_path / "g.jsonl"
    with Tracker(out, interval_s=0.02, meters=[GlitchMeter()]):
        time.sleep(0.1)
    _strict(out.read_text().splitlines()[-1])
    for line in out.read_text().splitlines():
        _strict(line)
    run = read_run(out)
    assert run.samples and any("dropped" in w for w in run.warnings)


def test_interval_must_be_finite(capsys: pytest.CaptureFixture[str]) -> None:
    """Was: --interval nan passed the positive check (nan <= 0 is False)."""
    for bad in ("nan", "inf"):
        code, _, err = run_cli(["track", "--interval", bad, "--", "true"], capsys)
        assert code == 2 and err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.filterwarnings("ignore::lcai.measure.tracker.TrackingWarning")
def test_track_restores_the_signal_handlers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Was: supervise() left its SIGINT/SIGTERM forwarding handlers installed after the
    command ended (in a Python caller, Ctrl-C then signalled a dead child)."""
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    code, _, _ = run_cli(["track", "-o", str(tmp_path / "s.jsonl"), "--", "true"], capsys)
    assert code == 0
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before


@pytest.mark.skipif(
    not Path("/proc/driver/nvidia").exists(), reason="needs an NVIDIA GPU and its driver"
)
def test_real_gpu_counter() -> None:  # pragma: no cover - only on a GPU machine
    m = NvmlMeter()
    a = m.read()
    time.sleep(1.0)
    b = m.read()
    for dev in a:
        assert b[dev].energy_j >= a[dev].energy_j
    m.close()


def test_the_run_file_is_checked_before_the_command_starts(tmp_path: Path) -> None:
    """`lcai track -o existing.jsonl -- cmd` refused the run file only after starting `cmd`,
    which then ran unmeasured; an unwritable -o likewise. Now nothing runs."""
    marker = tmp_path / "ran"
    cmd = [sys.executable, "-c", f"open({str(marker)!r}, 'w').close()"]
    existing = tmp_path / "existing.jsonl"
    existing.write_text("keep me\n")
    for out in (existing, tmp_path / "a-file" / "r.jsonl"):
        (tmp_path / "a-file").write_text("not a folder")
        proc = subprocess.run([*LCAI, "track", "-o", str(out), "--", *cmd],
                              capture_output=True, text=True, timeout=60)  # fmt: skip
        assert proc.returncode == 2 and "run file" in proc.stderr, proc.stderr
        assert not marker.exists()
    assert existing.read_text() == "keep me\n"


@pytest.mark.parametrize(
    "energies", [(0.0, 3.6e6, 0.0), (0.0, -3.6e6), (5.0, 5.0, 4.0, 9.0)], ids=str
)
def test_a_counter_that_goes_backwards_is_refused(
    energies: tuple[float, ...], tmp_path: Path
) -> None:
    """Was: 0 J, 1 kWh, 0 J within one hour read as 0 kWh (last minus first), and a
    counter falling to -3.6e6 J shown as -1 kWh by `runs show`."""
    from lcai.measure.inputs import measured_energy
    from lcai.measure.runfile import Run

    f = tmp_path / "r.jsonl"
    w = RunWriter(f)
    w.sample(Sample(1.0, "cpu:0", "fake", 0.0))  # another device, rising
    for i, e in enumerate(energies):
        w.sample(Sample(1.0 + i, "gpu:0", "fake", e))
    w.close(10.0, 0)
    fall = next(i for i in range(1, len(energies)) if energies[i] < energies[i - 1])
    with pytest.raises(SpecError, match="backwards") as info:
        read_run(f)
    assert (info.value.file, info.value.line) == (str(f), 3 + fall)  # header, cpu:0, gpu:0...
    samples = [Sample(1.0 + i, "gpu:0", "fake", e) for i, e in enumerate(energies)]
    run = Run(str(f), {}, samples)
    assert run.falling_counter() == "gpu:0"
    with pytest.raises(SpecError, match="backwards"):
        measured_energy([run])


def test_a_run_file_without_room_for_its_header_is_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Was: on a full disk the header's OSError named no file, and a 0-byte file stayed."""
    import errno

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    f = tmp_path / "r.jsonl"
    with pytest.raises(SpecError, match="No space left on device") as info:
        RunWriter(f)
    assert info.value.file == str(f)
    assert not f.exists()


def test_a_run_file_that_fails_mid_run_is_reported_by_stop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write error in the sampling thread stops sampling (no traceback from the thread)
    and is raised, naming the file, when the run stops."""
    import errno
    import threading

    out = tmp_path / "m.jsonl"
    died: list[Any] = []
    monkeypatch.setattr(threading, "excepthook", died.append)
    tr = Tracker(out, interval_s=0.01, meters=[GlitchMeter()]).start()

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    tr.flush_s = 0.01
    time.sleep(0.1)
    with pytest.raises(SpecError, match="cannot write the run file") as info:
        tr.stop(0)
    assert info.value.file == str(out) and not died


@pytest.mark.parametrize(
    ("kw", "says"),
    [
        ({"interval_s": 1e308}, "interval"),
        ({"flush_s": 86_401.0}, "interval"),
        ({"pid": 2**31}, "pid"),
        ({"pid": 2**64}, "pid"),
        ({"pid": 0}, "pid"),
    ],
)
def test_supervise_bounds_interval_and_pid(kw: dict[str, Any], says: str, tmp_path: Path) -> None:
    """Was: --interval 1e308 overflowed Event.wait in the tracker thread, and a pid past
    2**31 was psutil's OverflowError (internal errors)."""
    from lcai.measure.supervise import supervise

    command = () if "pid" in kw else ("true",)
    with pytest.raises(SpecError) as info:
        supervise(command, output=tmp_path / "r.jsonl", **kw)
    assert info.value.path == (says,)
    assert not (tmp_path / "r.jsonl").exists()
    with pytest.raises(ValueError, match="at most"):
        Tracker(tmp_path / "t.jsonl", interval_s=1e308)


@pytest.mark.parametrize(
    ("energy_j", "power_w", "field"),
    [(1e300, 300.0, "energy_j"), (3.6e6, -5.0, "power_w"), (3.6e6, 2e6, "power_w")],
    ids=["1e300 J", "-5 W", "2 MW"],
)
def test_a_sample_no_device_can_have_is_refused(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    energy_j: float,
    power_w: float,
    field: str,
) -> None:
    """Was: 1e300 J was shown as a 300-digit number of kWh and -5 W as a power, exit 0.
    The bounds are units.RANGES' device_energy_j (1e14 J) and device_power_w (100 kW)."""
    f = tmp_path / "r.jsonl"
    w = RunWriter(f)
    w.sample(Sample(0.0, "gpu:0", "nvml", 0.0, 300.0))
    w.sample(Sample(1.0, "gpu:0", "nvml", energy_j, power_w))
    w.close(1.0, 0)
    code, _, err = run_cli(["runs", "show", str(f)], capsys)
    assert code == 2 and f"a sample's {field}: expected" in err and err.count("\n") == 1
