"""Found in a review of the joint-draws export (inventory replay, the bw_processing
package), the shared training session, the tracker's live energy and lcai serve's host
check. Each test pins the fix of a bug the review found (its docstring says what was wrong
and what is expected), or an untested behaviour that was right."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest

from lcai.api import plan_file
from lcai.cli.main import run
from lcai.engine.evaluate import evaluate
from lcai.engine.uncertainty import sample_params
from lcai.errors import LcaiError
from lcai.measure import Reading, Tracker, read_run
from lcai.outputs.lca import inventory_of
from lcai.outputs.lca.inventory import CO2E, CO2E_MARKET, WATER
from tests.conftest import EXAMPLES
from tests.test_lca_export import SIMPLE, solve
from tests.test_track import CountingMeter

# Two inputs whose nominal value is 0 (a normal around 0, truncated at the physical bound
# 0): their product, the idle item's kWh, is 0 at the nominal values and at every probe
# point (each probe moves one input, the other stays at 0), but not at the joint draws.
ZERO_NOMINAL = """\
name: zero nominal
training:
  grid: {region: DE}
  idle:
    power: "0 W +- 10 kW"
    duration: "0 h +- 500 h"
  accelerators:
    type: A100-80GB
    count: 8
    gpu_hours: 1000 h
"""


def _rel(a: float, b: float) -> float:
    return abs(a - b) / max(abs(b), 1e-300)


# the inventory's joint draws


def test_joint_draws_of_an_exchange_that_is_zero_at_the_nominal_values(tmp_path: Path) -> None:
    """The nominal walk drops an exchange that is 0 in every probe column (``kept`` False),
    and the replay keeps only what the nominal walk kept without looking at the draws: the
    idle item's kWh, 0 nominally but up to MWh at the draws, is silently left out, so the
    draws' inventory solves to less than lcai's total of the same draw (Samples.co2e_kg;
    also through bw2calc and in the CLI's p5/p50/p95). Expected: the draws' amounts solve to
    lcai's total, or a one-line LcaiError (export without samples), never a silent gap.
    Fix: in the replay's ``add``, an exchange the nominal walk dropped whose draws are not
    all 0 is ``_misaligned`` (or keep an exchange that any draw moves)."""
    path = tmp_path / "zero.yaml"
    path.write_text(ZERO_NOMINAL, encoding="utf-8")
    plan = plan_file(path)
    try:
        inv = inventory_of(plan, samples=20, seed=1)
    except LcaiError as exc:  # refusing is a right answer
        assert "export without samples" in str(exc)
        return
    assert inv.samples is not None
    worst = max(_rel(solve(inv, i)[CO2E], float(inv.samples.co2e_kg[i])) for i in range(20))
    assert worst < 1e-12, f"the draws' inventory misses up to {worst:.1%} of lcai's total"


def test_joint_draws_carry_the_market_based_carbon_too(tmp_path: Path) -> None:
    """Untested so far (passes): the replay moves the market-based flows with the draws
    (not nominal only, as the per-exchange distributions are), and they solve to lcai's
    market-based total of each draw; every Samples key names an exchange of its activity."""
    path = EXAMPLES / "open-model-lifecycle.yaml"
    n, seed = 40, 3
    plan = plan_file(path)
    assert plan.has_market
    inv = inventory_of(plan, samples=n, seed=seed)
    assert inv.samples is not None
    for code, j in inv.samples.amounts:
        assert 0 <= j < len(inv.activity(code).exchanges)
    moved = {inv.activity(c).exchanges[j].source for c, j in inv.samples.amounts}
    assert {CO2E, WATER, CO2E_MARKET} <= moved
    ev = evaluate(plan, sample_params(plan, n, seed))
    market = np.broadcast_to(ev.total("co2e_market_kg") / ev.divisor, (n,))
    for i in range(0, n, 9):
        assert _rel(solve(inv, i)[CO2E_MARKET], float(market[i])) < 1e-12


# the draws' datapackage


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Brightway project of the simple file with 8 joint draws."""
    pytest.importorskip("bw2data")
    pytest.importorskip("bw_processing")
    from lcai.outputs.lca.brightway import write_brightway

    base = tmp_path_factory.mktemp("review-export")
    path = base / "simple.yaml"
    path.write_text(SIMPLE, encoding="utf-8")
    return write_brightway(inventory_of(plan_file(path), samples=8, seed=2), base / "bw")


def _open_files() -> set[str]:
    fds = Path("/proc/self/fd")
    out = set()
    for fd in fds.iterdir():
        try:
            out.add(os.readlink(fd))
        except OSError:
            continue
    return out


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc (Linux)")
def test_samples_datapackage_does_not_keep_the_zip_open(exported: Path) -> None:
    """samples_datapackage loads every array into memory but leaves its ZipFileSystem (and
    the zip's file descriptor) open for as long as the datapackage lives (an LCA object, a
    notebook session): one descriptor per call, and on Windows the project folder cannot be
    replaced (export --force) meanwhile. Expected: the zip is closed once loaded (closing
    ``dp.fs`` after ``load_datapackage`` leaves bw2calc's results unchanged)."""
    from lcai.outputs.lca.brightway import SAMPLES_FILE, samples_datapackage

    zip_path = os.path.realpath(exported / SAMPLES_FILE)
    dp = samples_datapackage(exported)
    try:
        assert dp.resources  # loaded
        assert zip_path not in _open_files()
    finally:
        del dp


def test_samples_datapackage_of_a_file_that_is_not_one(tmp_path: Path) -> None:
    """A missing lcai-samples.zip is a one-line LcaiError, but one that is not a draws
    package (a truncated copy, another zip) raises zipfile.BadZipFile or FileNotFoundError
    ('datapackage.json') from fsspec and bw_processing: a traceback on bad input. Expected:
    LcaiError naming the file."""
    pytest.importorskip("bw_processing")
    import zipfile

    from lcai.outputs.lca.brightway import SAMPLES_FILE, samples_datapackage

    (tmp_path / SAMPLES_FILE).write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(LcaiError, match=SAMPLES_FILE):
        samples_datapackage(tmp_path)
    other = tmp_path / "other"
    other.mkdir()
    with zipfile.ZipFile(other / SAMPLES_FILE, "w") as z:
        z.writestr("readme.txt", "not a datapackage")
    with pytest.raises(LcaiError, match=SAMPLES_FILE):
        samples_datapackage(other)


def test_export_samples_refused_before_anything_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Passes: an existing output folder with -n is exit 2, one line, the folder untouched,
    no temporary folder left beside it."""
    pytest.importorskip("bw2data")
    path = tmp_path / "simple.yaml"
    path.write_text(SIMPLE, encoding="utf-8")
    out = tmp_path / "bw"
    out.mkdir()
    (out / "mine.txt").write_text("keep", encoding="utf-8")
    capsys.readouterr()
    code = run(["export", str(path), "--to", "brightway", "-o", str(out), "-n", "5"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert [p.name for p in out.iterdir()] == ["mine.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bw", "simple.yaml"]


# the tracker's live energy and the training session


class _Vanishing:
    """Adds 100 J per read until ``gone``; then reading fails (a device that vanished)."""

    name = "vanishing"

    def __init__(self) -> None:
        self.j, self.gone = 0.0, False

    def read(self) -> dict[str, Reading]:
        if self.gone:
            raise RuntimeError("device vanished")
        self.j += 100.0
        return {"gpu:0": Reading(self.j, 100.0)}

    def close(self) -> None:
        pass


def test_live_energy_survives_a_failed_read(tmp_path: Path) -> None:
    """The live energy is rebuilt from scratch at each sample from the devices read then:
    one failed read (the tracker notes it and keeps going) drops that device's energy to 0,
    and at stop the tracker (lcai track's summary, the callbacks' last lcai/energy_kwh)
    says 'no energy' while the run file counts the device's last minus first reading.
    Expected: the energy of a device that was read before stays (its last good reading)."""
    out = tmp_path / "run.jsonl"
    meter = _Vanishing()
    t = Tracker(out, interval_s=0.01, flush_s=0.05, meters=[meter]).start()
    deadline = time.monotonic() + 5
    while t.energy_j < 300 and time.monotonic() < deadline:
        time.sleep(0.01)
    meter.gone = True
    t.stop(0)
    counted = read_run(out).energy_j()
    assert counted >= 300
    assert t.energy_j == pytest.approx(counted)


def test_a_second_begin_stops_the_first_tracker(tmp_path: Path) -> None:
    """TrackedTraining.begin overwrites ``self.tracker`` without stopping a tracker still
    running (a transformers training that raised has no on_train_end; a second train() or
    fit): the first one's thread samples forever, its meters stay open and its run file has
    no end record. Expected: begin stops a running tracker first (status 1, as fail())."""
    from lcai.integrations.session import TrackedTraining

    cb = TrackedTraining(interval_s=0.02, meters=[CountingMeter()])
    cb.begin(tmp_path / "a")
    first = cb.tracker
    assert first is not None
    try:
        cb.begin(tmp_path / "b")
        cb.end(tmp_path / "b", "b")
        assert first.exit_status is not None, "the first tracker is still running"
        assert read_run(tmp_path / "a" / "lcai-run.jsonl").end is not None
    finally:
        if first.exit_status is None:
            first.stop(1)


# lcai serve


@pytest.mark.parametrize("host", ["[::1", "::1]", "[[::1]]"])
def test_serve_refuses_unbalanced_brackets(
    host: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """is_loopback and _resolvable both strip every '[' and ']' from the ends, so a
    malformed --host such as '[::1' is taken for ::1: the server starts and prints
    'http://[[::1]:PORT/'. Expected: exit 2 with one line naming --host (bad input)."""
    uvicorn = pytest.importorskip("uvicorn")
    started: list[str] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: started.append(kw["host"]))
    capsys.readouterr()
    code = run(["serve", "--host", host, "--port", "8"])
    err = capsys.readouterr().err
    assert not started, f"served on {started} for --host {host!r}: {err}"
    assert code == 2 and "--host" in err
