"""The tracker: meters without hardware (fake NVML, fake RAPL, replay), run files that
survive SIGKILL, the CLI wrapper, and measured runs feeding an assessment."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import lcai
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
from lcai.measure.runfile import RunWriter, Sample
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
    assert run.energy_j() == pytest.approx(t.energy_j - 100.0)  # last minus first reading
    assert run.backends == ["fake"] and run.warnings == []
    replay = ReplayMeter(out)
    first, second = replay.read(), replay.read()
    assert second["gpu:0"].energy_j - first["gpu:0"].energy_j == pytest.approx(100.0)
    with pytest.raises(SpecError, match="never overwrites"):
        Tracker(out, meters=[CountingMeter()]).start()


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
