"""`lcai track`: run a command (or attach to a process) under the tracker.

The command line's fast path (:func:`fast_main`) parses its few options with
argparse, so a tracked job starts without loading typer and pydantic.
"""

from __future__ import annotations

import sys
from pathlib import Path

from lcai.errors import LcaiError, SpecError

__all__ = ["fast_main", "run_tracked"]


def run_tracked(
    command: list[str],
    output: Path | None,
    interval: float,
    flush: float,
    region: str | None,
    pid: int | None,
) -> int:
    """Track ``command`` (or process ``pid``) until it ends; its exit status."""
    import signal
    import subprocess
    import time

    from lcai.measure.tracker import Tracker

    if (pid is None) == (not command):
        raise SpecError("give a command after '--' (lcai track -- python train.py) or --pid")
    if interval <= 0 or flush <= 0:
        raise SpecError("--interval and --flush must be positive")
    factor = None
    if region is not None:
        from lcai import catalog

        grid = catalog.table("grid_intensity")
        factor = grid.factor(grid.resolve(region, "grid region"), "co2e_intensity", "g/kWh").value
    live = sys.stderr.isatty()
    t0 = time.time()

    def status(t: float, energy_j: float) -> None:
        if not live:
            return
        kwh = energy_j / 3.6e6
        text = f"\r[lcai] {t - t0:7.0f} s  {kwh:.6f} kWh"
        if factor is not None:
            text += f"  {kwh * factor:.3f} gCO2e ({region})"
        sys.stderr.write(text)
        sys.stderr.flush()

    child = None
    if command:
        try:
            child = subprocess.Popen(command)
        except OSError as exc:
            raise SpecError(f"cannot run {command[0]!r}: {exc.strerror}") from None
        pid = child.pid
    else:
        import psutil

        if not psutil.pid_exists(pid):
            raise SpecError(f"--pid: no process {pid}")
    tracker = Tracker(
        output, interval_s=interval, flush_s=flush, pid=pid, command=command, region=region,
        on_sample=status,
    )  # fmt: skip
    tracker.start()
    for w in tracker.warnings:
        sys.stderr.write(f"warning: {w}\n")
    rc: int | None = None
    try:
        if child is not None:
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, lambda n, _f: child.send_signal(n))
            rc = child.wait()
            rc = 128 - rc if rc < 0 else rc
        else:
            import psutil

            proc = psutil.Process(pid)
            while proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE:
                time.sleep(min(interval, 0.5))
    finally:
        tracker.stop(rc)
        if live:
            sys.stderr.write("\n")
    sys.stderr.write(f"[lcai] {tracker.energy_kwh:.6f} kWh measured; run file: {tracker.output}\n")
    return rc or 0


def fast_main(argv: list[str]) -> int:
    """Parse `lcai track` options without typer; errors exit 2 like every lcai command."""
    import argparse

    command: list[str] = []
    if "--" in argv:
        k = argv.index("--")
        argv, command = argv[:k], argv[k + 1 :]
    parser = argparse.ArgumentParser(prog="lcai track", add_help=False)
    parser.add_argument("-o", "--output", type=Path)
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--flush", type=float, default=5.0)
    parser.add_argument("--region")
    parser.add_argument("--pid", type=int)
    try:
        ns, rest = parser.parse_known_args(argv)
    except SystemExit:
        return 2
    if rest and not command:
        command = rest
    elif rest:
        sys.stderr.write(f"error: unknown option(s): {' '.join(rest)}\n")
        return 2
    try:
        return run_tracked(command, ns.output, ns.interval, ns.flush, ns.region, ns.pid)
    except LcaiError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
