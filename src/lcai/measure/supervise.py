"""Run a command (or watch a running process) under the tracker until it ends.

The command line's ``lcai track`` is this plus parsing and a live status line: the
callbacks hand over what to show, and nothing here prints or exits.
"""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lcai.errors import SpecError
from lcai.measure.runfile import grid_factors
from lcai.units import J_PER_KWH

__all__ = ["Supervised", "supervise"]

StatusCallback = Callable[[float, float, "float | None", "float | None"], None]
"""Called at each sample with (seconds since the start, kWh so far, and with a region
gCO2e and litres of water so far, else None)."""


@dataclass(frozen=True)
class Supervised:
    """How a tracked run ended: the command's exit status, the energy (with a region the
    CO2e and water, else None), ``summary`` (the tracker's one line) and the run file."""

    exit_status: int
    energy_kwh: float
    output: Path
    summary: str = ""
    co2e_g: float | None = None
    water_l: float | None = None


@contextmanager
def _forward_signals(child: subprocess.Popen[bytes]) -> Iterator[None]:
    """SIGINT and SIGTERM go to the child while it runs; the handlers are restored after."""
    sigs = (signal.SIGINT, signal.SIGTERM)
    before = {sig: signal.getsignal(sig) for sig in sigs}
    for sig in sigs:
        signal.signal(sig, lambda n, _f: child.send_signal(n))
    try:
        yield
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)


def child_environment() -> dict[str, str]:
    """This process's environment for a command it runs, without what the ``lcai`` command
    set for itself (``PYDANTIC_DISABLE_PLUGINS``, an empty ``SOURCE_DATE_EPOCH`` it set
    aside; see :func:`lcai.cli.main.main`)."""
    env = dict(os.environ)
    if env.pop("LCAI_SET_PYDANTIC_DISABLE_PLUGINS", None) is not None:
        env.pop("PYDANTIC_DISABLE_PLUGINS", None)
    unset = env.pop("LCAI_UNSET_SOURCE_DATE_EPOCH", None)
    if unset is not None:  # an empty SOURCE_DATE_EPOCH the lcai command set aside
        env["SOURCE_DATE_EPOCH"] = unset
    return env


def _start(command: Sequence[str]) -> subprocess.Popen[bytes]:
    try:
        return subprocess.Popen(list(command), env=child_environment())
    except OSError as exc:
        raise SpecError(f"cannot run {command[0]!r}: {exc.strerror}", path=("command",)) from None


def _target(command: Sequence[str], pid: int | None) -> tuple[subprocess.Popen[bytes] | None, int]:
    """The command started (and its pid), or the running process ``pid``."""
    if command:
        child = _start(command)
        return child, child.pid
    import psutil

    assert pid is not None
    if not psutil.pid_exists(pid):
        raise SpecError(f"no process {pid}", path=("pid",))
    return None, pid


def _wait_for_pid(pid: int, poll_s: float) -> None:
    import psutil

    proc = psutil.Process(pid)
    while proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE:
        time.sleep(poll_s)


def _wait(child: subprocess.Popen[bytes] | None, pid: int, poll_s: float) -> int | None:
    """The command's exit status (128 + N when signal N killed it) once it ends; None
    for a process attached to, which is not ours to reap."""
    if child is None:
        _wait_for_pid(pid, poll_s)
        return None
    with _forward_signals(child):
        rc = child.wait()
    return 128 - rc if rc < 0 else rc


MAX_PID = 2**22
"""The largest process id: Linux's PID_MAX_LIMIT (``/proc/sys/kernel/pid_max`` is at most
this; other systems stay below it)."""


def _check_times(interval_s: float, flush_s: float) -> None:
    from lcai.measure.tracker import MAX_INTERVAL_S

    if not all(0 < x <= MAX_INTERVAL_S for x in (interval_s, flush_s)):
        raise SpecError(
            f"interval and flush must be positive numbers of seconds, at most "
            f"{MAX_INTERVAL_S:g} (a day), got {interval_s:g} and {flush_s:g}",
            path=("interval",),
        )


_PROBE = b" " * 4096
"""Written to the run file's place and removed before the command starts: room for the
header (about 1 KiB) on the file system, which a full disk refuses."""


def _check_run_file(output: str | Path | None) -> None:
    """The run file can be created and written: it does not exist, its folder is writable
    and its disk has room for the header. Checked before the command starts, so that the
    command never runs unmeasured; nothing is left behind."""
    if output is None:
        return
    p = Path(output)
    if p.is_dir():
        raise SpecError(f"{p}: is a folder; give the run file's name", path=("output",))
    if p.exists() or p.is_symlink():
        raise SpecError(
            f"{p}: run file already exists; a run never overwrites another (choose a new name)",
            path=("output",),
        )
    created = False
    try:
        p.absolute().parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        created = True
        try:
            if os.write(fd, _PROBE) < len(_PROBE):  # a short write: the disk is full
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        finally:
            os.close(fd)
    except OSError as exc:
        raise SpecError(f"{p}: cannot create the run file: {exc.strerror}",
                        path=("output",)) from None  # fmt: skip
    finally:
        if created:
            p.unlink(missing_ok=True)


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
    prometheus_port: int | None = None,
) -> Supervised:
    """Track ``command`` (started here; SIGINT and SIGTERM are passed on to it) or the
    running process ``pid`` until it ends. ``region`` (default ``$LCAI_REGION``) adds
    CO2e and water. ``on_start`` gets the tracker's warnings (if there are any).
    ``prometheus_port``: serve the tracker's counters there while it runs
    (:mod:`lcai.measure.prometheus`), started before the command."""
    from lcai.measure.tracker import Tracker

    if (pid is None) == (not command):
        raise SpecError("give either a command to run or a process id to attach to",
                        path=("command",))  # fmt: skip
    _check_times(interval_s, flush_s)
    if pid is not None and not 1 <= pid <= MAX_PID:
        raise SpecError(f"expected a process id of 1 to {MAX_PID:,}, got {pid}", path=("pid",))
    factors = grid_factors(region)  # before the command starts: a bad region runs nothing
    _check_run_file(output)  # and a run file that cannot be written runs nothing either
    t0 = time.time()

    def sampled(t: float, energy_j: float) -> None:
        if on_status is not None:
            kwh = energy_j / J_PER_KWH
            if factors is None:
                on_status(t - t0, kwh, None, None)
            else:
                on_status(t - t0, kwh, factors.co2e_g(kwh), factors.water_l(kwh))

    child, pid = _target(command, pid)
    extra: dict[str, Any] = {} if on_start is None else {"on_warnings": on_start}
    tracker = Tracker(
        output, interval_s=interval_s, flush_s=flush_s, pid=pid, command=list(command),
        region=region, factors=factors, on_sample=sampled, **extra,
    )  # fmt: skip
    endpoint = None
    try:
        tracker.start()
        if prometheus_port is not None:
            from lcai.measure.prometheus import serve

            endpoint = serve(tracker, prometheus_port)
    except BaseException:  # e.g. the run file exists: the command must not run untracked
        if child is not None:
            child.kill()
            child.wait()
        if tracker.started:
            tracker.stop()
        raise
    rc: int | None = None
    try:
        rc = _wait(child, pid, min(interval_s, 0.5))
    finally:
        tracker.stop(rc)
        if endpoint is not None:
            endpoint.close()
    return Supervised(
        rc or 0, tracker.energy_kwh, tracker.output, tracker.summary(), tracker.co2e_g,
        tracker.water_l,
    )  # fmt: skip
