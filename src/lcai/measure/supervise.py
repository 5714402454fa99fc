"""Run a command (or watch a running process) under the tracker until it ends.

The command line's ``lcai track`` is this plus parsing and a live status line: the
callbacks hand over what to show, and nothing here prints or exits.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from lcai.errors import SpecError
from lcai.units import J_PER_KWH

__all__ = ["Supervised", "supervise"]

StatusCallback = Callable[[float, float, "float | None"], None]
"""Called at each sample with (seconds since the start, kWh so far, gCO2e so far or None)."""


@dataclass(frozen=True)
class Supervised:
    """How a tracked run ended: the command's exit status, the energy and the run file."""

    exit_status: int
    energy_kwh: float
    output: Path


def _grid_g_per_kwh(region: str | None) -> float | None:
    if region is None:
        return None
    from lcai import catalog

    grid = catalog.table("grid_intensity")
    return grid.factor(grid.resolve(region, "grid region"), "co2e_intensity", "g/kWh").value


def _start(command: Sequence[str]) -> subprocess.Popen[bytes]:
    try:
        return subprocess.Popen(list(command))
    except OSError as exc:
        raise SpecError(f"cannot run {command[0]!r}: {exc.strerror}", path=("command",)) from None


def _wait_for_pid(pid: int, poll_s: float) -> None:
    import psutil

    proc = psutil.Process(pid)
    while proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE:
        time.sleep(poll_s)


def supervise(
    command: Sequence[str] = (),
    *,
    pid: int | None = None,
    output: str | Path | None = None,
    interval_s: float = 1.0,
    flush_s: float = 5.0,
    region: str | None = None,
    on_status: StatusCallback | None = None,
    on_start: Callable[[list[str]], None] | None = None,
) -> Supervised:
    """Track ``command`` (started here; SIGINT and SIGTERM are passed on to it) or the
    running process ``pid`` until it ends. ``on_start`` gets the tracker's warnings."""
    from lcai.measure.tracker import Tracker

    if (pid is None) == (not command):
        raise SpecError("give either a command to run or a process id to attach to",
                        path=("command",))  # fmt: skip
    if interval_s <= 0 or flush_s <= 0:
        raise SpecError("interval and flush must be positive", path=("interval",))
    g_per_kwh = _grid_g_per_kwh(region)
    t0 = time.time()

    def sampled(t: float, energy_j: float) -> None:
        if on_status is not None:
            kwh = energy_j / J_PER_KWH
            on_status(t - t0, kwh, None if g_per_kwh is None else kwh * g_per_kwh)

    child = _start(command) if command else None
    if child is not None:
        pid = child.pid
    else:
        import psutil

        if not psutil.pid_exists(pid):
            raise SpecError(f"no process {pid}", path=("pid",))
    tracker = Tracker(
        output, interval_s=interval_s, flush_s=flush_s, pid=pid, command=list(command),
        region=region, on_sample=sampled,
    )  # fmt: skip
    tracker.start()
    if on_start is not None:
        on_start(list(tracker.warnings))
    rc: int | None = None
    try:
        if child is not None:
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, lambda n, _f: child.send_signal(n))
            rc = child.wait()
            rc = 128 - rc if rc < 0 else rc
        else:
            assert pid is not None
            _wait_for_pid(pid, min(interval_s, 0.5))
    finally:
        tracker.stop(rc)
    return Supervised(rc or 0, tracker.energy_kwh, tracker.output)
