"""The run file: JSON Lines, appended and flushed as the run goes, readable after any crash.

Line 1, the header::

    {"format": "lcai-run", "version": 1, "started": "2026-11-25T23:00:00+00:00",
     "command": [...], "pid": 1234, "interval_s": 1.0, "backends": ["nvml", "rapl"],
     "units": {"t": "s since the Unix epoch", "energy_j": "J, cumulative per device since
     the start", "power_w": "W"}, "region": "FR"}

then any number of records, one per line::

    {"sample": {"t": 1764111600.0, "device": "gpu:0", "backend": "nvml",
                "energy_j": 1234.5, "power_w": 301.2}}
    {"assumption": "..."}          a fallback the run used, with how to fix it
    {"warning": "..."}
    {"end": {"t": 1764111700.0, "exit_status": 0}}

A file that was cut mid-line (the tracker killed while writing) is read up to
its last whole line, with a warning; a file with no end record is read as far
as it goes, with a warning. A run file is created new and never overwritten.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from lcai.errors import SpecError
from lcai.units import J_PER_KWH, S_PER_H

__all__ = ["Run", "RunWriter", "Sample", "read_run", "summarise"]

FORMAT = "lcai-run"
VERSION = 1
UNITS = {
    "t": "s since the Unix epoch",
    "energy_j": "J, cumulative per device since the start of the run",
    "power_w": "W, instantaneous (null where the backend has none)",
}


@dataclass(frozen=True)
class Sample:
    """One reading of one device."""

    t: float
    device: str
    backend: str
    energy_j: float
    power_w: float | None = None


@dataclass
class Run:
    """A run file, read."""

    path: str
    header: dict[str, Any]
    samples: list[Sample]
    assumptions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    end: dict[str, Any] | None = None

    @property
    def devices(self) -> list[str]:
        return list(dict.fromkeys(s.device for s in self.samples))

    def energy_j(self, device: str | None = None) -> float:
        """Energy of one device (or all) over the run: last minus first cumulative reading."""
        total = 0.0
        for dev in [device] if device else self.devices:
            ss = [s for s in self.samples if s.device == dev]
            if ss:
                total += ss[-1].energy_j - ss[0].energy_j
        return total

    @property
    def energy_kwh(self) -> float:
        return self.energy_j() / J_PER_KWH

    @property
    def duration_s(self) -> float:
        ts = [s.t for s in self.samples]
        return max(ts) - min(ts) if ts else 0.0

    @property
    def backends(self) -> list[str]:
        return list(dict.fromkeys(s.backend for s in self.samples))

    def hourly_kwh(self) -> dict[int, float]:
        """Energy per clock hour (start of the hour, epoch seconds), from consecutive samples."""
        out: dict[int, float] = {}
        for dev in self.devices:
            ss = [s for s in self.samples if s.device == dev]
            for a, b in itertools.pairwise(ss):
                hour = int((a.t + b.t) / 2 // S_PER_H * S_PER_H)  # the interval's midpoint
                out[hour] = out.get(hour, 0.0) + (b.energy_j - a.energy_j) / J_PER_KWH
        return out


class RunWriter:
    """Appends records to a new run file and flushes them to disk (fsync) every ``flush_s``."""

    def __init__(
        self,
        path: str | Path,
        *,
        command: Sequence[str] = (),
        pid: int | None = None,
        interval_s: float = 1.0,
        backends: Iterable[str] = (),
        region: str | None = None,
        clock: Any = None,
    ) -> None:
        import time

        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # 'x': a run file is always new; an earlier run is never overwritten
        try:
            self._fh: IO[str] = open(self.path, "x", encoding="utf-8")  # noqa: SIM115
        except FileExistsError:
            raise SpecError(
                "run file already exists; a run never overwrites another (choose a new name)",
                file=str(self.path),
            ) from None
        self._clock = clock or time.monotonic
        self._last_flush = self._clock()
        header = {
            "format": FORMAT,
            "version": VERSION,
            "started": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
            "command": list(command),
            "pid": pid,
            "interval_s": interval_s,
            "backends": list(backends),
            "units": UNITS,
            "region": region,
        }
        self._write(header)
        self.flush()

    def _write(self, record: dict[str, Any]) -> None:
        self._fh.write(json.dumps(record, separators=(",", ":")) + "\n")

    def sample(self, s: Sample) -> None:
        self._write({"sample": s.__dict__})

    def note(self, kind: str, text: str) -> None:
        """An ``assumption`` or ``warning`` record."""
        self._write({kind: text})

    def maybe_flush(self, flush_s: float) -> None:
        if self._clock() - self._last_flush >= flush_s:
            self.flush()

    def flush(self) -> None:
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._last_flush = self._clock()

    def close(self, t: float, exit_status: int | None) -> None:
        self._write({"end": {"t": t, "exit_status": exit_status}})
        self.flush()
        self._fh.close()


def read_run(path: str | Path) -> Run:
    """Read a run file; a cut last line or a missing end record gives a warning, not an error."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise SpecError("run file does not exist", file=str(path)) from None
    except OSError as exc:
        raise SpecError(f"run file cannot be read: {exc.strerror}", file=str(path)) from None
    text = data.decode("utf-8", errors="replace")
    lines = text.split("\n")
    warnings: list[str] = []
    if lines and lines[-1] != "":
        warnings.append(
            f"the last line is cut (the writer stopped mid-line); read up to line {len(lines) - 1}"
        )
    lines = lines[:-1]
    if not lines:
        raise SpecError("empty run file: no header", file=str(path))
    try:
        header = json.loads(lines[0])
    except json.JSONDecodeError:
        raise SpecError("line 1: not a JSON header", file=str(path), line=1) from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise SpecError(f"line 1: not an lcai run file (format {FORMAT!r})", file=str(path), line=1)
    run = Run(str(path), header, [], warnings=warnings)
    for n, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            raise SpecError("not a JSON record", file=str(path), line=n) from None
        if "sample" in rec:
            s = rec["sample"]
            try:
                run.samples.append(
                    Sample(
                        float(s["t"]), str(s["device"]), str(s["backend"]),
                        float(s["energy_j"]),
                        None if s.get("power_w") is None else float(s["power_w"]),
                    )
                )  # fmt: skip
            except (KeyError, TypeError, ValueError):
                raise SpecError(
                    "a sample needs t, device, backend and energy_j", file=str(path), line=n
                ) from None
        elif "assumption" in rec:
            run.assumptions.append(str(rec["assumption"]))
        elif "warning" in rec:
            run.warnings.append(str(rec["warning"]))
        elif "end" in rec:
            run.end = rec["end"]
    if run.end is None:
        run.warnings.append("no end record: the run or its tracker stopped without closing")
    return run


def summarise(run: Run) -> dict[str, Any]:
    """A run in brief: duration, energy (in total and per device, with the average power),
    backends, assumptions, warnings and the command's exit status."""
    devices = {
        d: {
            "energy_kwh": run.energy_j(d) / J_PER_KWH,
            "average_power_w": run.energy_j(d) / run.duration_s if run.duration_s else None,
        }
        for d in run.devices
    }
    return {
        "file": run.path,
        "started": run.header.get("started"),
        "command": run.header.get("command"),
        "duration_s": run.duration_s,
        "energy_kwh": run.energy_kwh,
        "devices": devices,
        "backends": run.backends,
        "assumptions": run.assumptions,
        "warnings": run.warnings,
        "exit_status": (run.end or {}).get("exit_status"),
    }
