"""The run file: JSON Lines, appended and flushed as the run goes, readable after any crash.

Line 1, the header::

    {"format": "lcai-run", "version": 1, "started": "2026-11-25T23:00:00+00:00",
     "command": [...], "pid": 1234, "interval_s": 1.0, "backends": ["nvml", "rapl"],
     "units": {"t": "s since the Unix epoch", "energy_j": "J, cumulative per device since
     the start", "power_w": "W"}, "region": "FR", "factors": {...}}

``factors`` (null without a region): the catalog's grid carbon and water of electricity
for the region, with their table, key, year and source (:class:`GridFactors`).

then any number of records, one per line::

    {"sample": {"t": 1764111600.0, "device": "gpu:0", "backend": "nvml",
                "energy_j": 1234.5, "power_w": 301.2}}
    {"assumption": "..."}          a fallback the run used, with how to fix it
    {"warning": "..."}
    {"end": {"t": 1764111700.0, "exit_status": 0}}

A file that was cut mid-line (the tracker killed while writing) is read up to
its last whole line, with a warning; a file with no end record is read as far
as it goes, with a warning. A device's ``energy_j`` never falls (the meters keep it
cumulative, RAPL's wrap-around included): a file whose counter goes backwards is refused,
naming the file and line. A run file is created new and never overwritten; one whose
header cannot be written (a full disk) is removed, and every write error names it.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import itertools
import json
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

from lcai.errors import SpecError
from lcai.fmt import magnitude
from lcai.units import J_PER_KWH, RANGES, S_PER_H

__all__ = [
    "ESTIMATES",
    "REGION_ENV",
    "GridFactors",
    "Run",
    "RunWriter",
    "Sample",
    "describe_energy",
    "grid_factors",
    "method_of",
    "read_run",
    "summarise",
]

FORMAT = "lcai-run"
VERSION = 1
UNITS = {
    "t": "s since the Unix epoch",
    "energy_j": "J, cumulative per device since the start of the run",
    "power_w": "W, instantaneous (null where the backend has none)",
}

ESTIMATES = {"utilisation-estimate": "utilisation x TDP"}
"""The backends that estimate rather than measure, with how they estimate."""
MEASURING = frozenset({"nvml", "rapl"})
"""The backends that read a hardware energy counter."""

REGION_ENV = "LCAI_REGION"
"""The environment variable that gives the tracker its grid region when none is given."""


def method_of(backend: str) -> str:
    """How a backend's energy was obtained: ``measured``, ``estimated (how)``, ``replayed``
    (the readings of a recorded run), or ``unknown backend`` for a name lcai does not
    write: a file from elsewhere is never taken for a measurement."""
    if backend in ESTIMATES:
        return f"estimated ({ESTIMATES[backend]})"
    if backend == "replay":
        return "replayed"
    return "measured" if backend in MEASURING else "unknown backend"


def energy_methods(kwh_by_backend: Mapping[str, float]) -> list[dict[str, Any]]:
    """The energy per method (measured, estimated ...), each with its backends."""
    out: dict[str, dict[str, Any]] = {}
    for backend, kwh in kwh_by_backend.items():
        m = method_of(backend)
        entry = out.setdefault(m, {"method": m, "backends": [], "energy_kwh": 0.0})
        entry["backends"].append(backend)
        entry["energy_kwh"] += kwh
    return list(out.values())


def describe_energy(kwh_by_backend: Mapping[str, float]) -> str:
    """``0.12 kWh measured (backends nvml, rapl)``; an estimate is never called measured:
    ``36.49 mWh estimated (utilisation x TDP, backend utilisation-estimate)``. Energies are
    formatted for people (:func:`lcai.fmt.magnitude`); the run file keeps full precision."""
    methods = energy_methods(kwh_by_backend)
    if not methods:
        return "no energy: no device was read"
    parts = []
    for m in methods:
        backends = f"backend{'s' if len(m['backends']) > 1 else ''} {', '.join(m['backends'])}"
        how = m["method"]
        how = f"{how[:-1]}, {backends})" if how.endswith(")") else f"{how} ({backends})"
        parts.append(f"{magnitude(m['energy_kwh'], 'kWh')} {how}")
    if len(parts) == 1:
        return parts[0]
    return f"{magnitude(sum(kwh_by_backend.values()), 'kWh')}: " + " + ".join(parts)


@dataclass(frozen=True)
class GridFactors:
    """What a run's energy is multiplied by for its region: the grid's carbon intensity
    (table ``grid_intensity``) and the water consumed per kWh of electricity (table
    ``electricity_water``; ``water_level`` says whether the region's, its country's or
    the world's row was used), each with its catalog key, year and source id."""

    region: str
    co2e_g_per_kwh: float
    carbon_key: str
    carbon_year: int
    carbon_source: str
    water_l_per_kwh: float
    water_key: str
    water_level: str
    water_year: int
    water_source: str

    def co2e_g(self, kwh: float) -> float:
        return kwh * self.co2e_g_per_kwh

    def water_l(self, kwh: float) -> float:
        return kwh * self.water_l_per_kwh

    def carbon_citation(self) -> str:
        """``41.44 gCO2e/kWh (grid_intensity FR, 2025, source ember2026...)``."""
        return (
            f"{self.co2e_g_per_kwh:g} gCO2e/kWh (grid_intensity {self.carbon_key}, "
            f"{self.carbon_year}, source {self.carbon_source})"
        )

    def water_citation(self) -> str:
        """``3.67 L/kWh (electricity_water FR, 2018, source reig2020wriwater)``, saying so
        where the region has no row and its country's or the world's is used."""
        fallback = "" if self.water_level == "region" else (
            f"; no row for {self.region}: the {self.water_level}'s"
        )  # fmt: skip
        return (
            f"{self.water_l_per_kwh:g} L/kWh (electricity_water {self.water_key}, "
            f"{self.water_year}, source {self.water_source}{fallback})"
        )

    def citations(self) -> list[str]:
        """Each factor as one line: value, table, key, year and source id."""
        return [
            f"grid carbon: {self.carbon_citation()}",
            f"water of electricity: {self.water_citation()}",
        ]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> GridFactors | None:
        """The factors recorded in a run file's header; None where they are not usable."""
        try:
            f = cls(**data)
        except TypeError:
            return None
        ok = all(
            isinstance(v, (int, float)) and math.isfinite(v)
            for v in (f.co2e_g_per_kwh, f.water_l_per_kwh)
        )
        return f if ok else None


def grid_factors(region: str | None, env: Mapping[str, str] | None = None) -> GridFactors | None:
    """The catalog's factors for ``region``, else for ``$LCAI_REGION``; None without
    either. An unknown region is a :class:`SpecError` (field ``region``, or naming the
    variable). The catalog is imported only here, when there is a region."""
    origin = "region"
    if not region:
        region = (os.environ if env is None else env).get(REGION_ENV, "").strip() or None
        origin = REGION_ENV
    if region is None:
        return None
    from lcai import catalog
    from lcai.errors import UnknownKeyError

    grid = catalog.table("grid_intensity")
    try:
        key = grid.resolve(region, "grid region")
    except UnknownKeyError as exc:
        if origin == REGION_ENV:
            raise SpecError(f"{REGION_ENV}: {exc}") from None
        raise SpecError(str(exc), path=("region",)) from None
    carbon = grid.factor(key, "co2e_intensity", "g/kWh")
    water_key, level = catalog.regional_key("electricity_water", "water_consumption", key)
    water = catalog.table("electricity_water").factor(water_key, "water_consumption", "L/kWh")
    return GridFactors(
        region, carbon.value, carbon.key, carbon.year, carbon.source_id,
        water.value, water.key, level, water.year, water.source_id,
    )  # fmt: skip


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

    def falling_counter(self) -> str | None:
        """The first device whose cumulative energy falls from one sample to the next
        (``read_run`` refuses such a file; a run built in code may hold one)."""
        for dev in self.devices:
            ss = [s.energy_j for s in self.samples if s.device == dev]
            if any(b < a for a, b in itertools.pairwise(ss)):
                return dev
        return None

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
        """Energy per clock hour (start of the hour, epoch seconds), from consecutive samples:
        an interval that spans hours gives each its share of the time (the energy taken as
        uniform between two samples)."""
        out: dict[int, float] = {}
        for dev in self.devices:
            ss = [s for s in self.samples if s.device == dev]
            for a, b in itertools.pairwise(ss):
                kwh = (b.energy_j - a.energy_j) / J_PER_KWH
                hour = math.floor(a.t / S_PER_H) * S_PER_H
                if b.t <= a.t or b.t <= hour + S_PER_H:  # within one hour
                    out[int(hour)] = out.get(int(hour), 0.0) + kwh
                    continue
                span = b.t - a.t
                t = a.t
                while t < b.t:
                    end = min(hour + S_PER_H, b.t)
                    out[int(hour)] = out.get(int(hour), 0.0) + kwh * (end - t) / span
                    t, hour = end, hour + S_PER_H
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
        factors: GridFactors | None = None,
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
            "factors": None if factors is None else factors.to_dict(),
        }
        try:
            self._write(header)
            self.flush()
        except SpecError:  # no header on disk (a full disk): leave no file behind
            self.abandon()
            self.path.unlink(missing_ok=True)
            raise

    def _failed(self, exc: OSError) -> SpecError:
        return SpecError(f"cannot write the run file: {exc.strerror or exc}", file=str(self.path))

    def _write(self, record: dict[str, Any]) -> None:
        # strict JSON: a NaN here is a bug of the caller (the tracker drops such readings)
        try:
            self._fh.write(json.dumps(record, separators=(",", ":"), allow_nan=False) + "\n")
        except OSError as exc:
            raise self._failed(exc) from None

    def sample(self, s: Sample) -> None:
        self._write({"sample": s.__dict__})

    def note(self, kind: str, text: str) -> None:
        """An ``assumption`` or ``warning`` record."""
        self._write({kind: text})

    def maybe_flush(self, flush_s: float) -> None:
        if self._clock() - self._last_flush >= flush_s:
            self.flush()

    def flush(self) -> None:
        """Write what is buffered and fsync it; an error names the file."""
        try:
            self._fh.flush()
            os.fsync(self._fh.fileno())
        except OSError as exc:
            raise self._failed(exc) from None
        self._last_flush = self._clock()

    def close(self, t: float, exit_status: int | None) -> None:
        self._write({"end": {"t": t, "exit_status": exit_status}})
        self.flush()
        self._fh.close()

    def abandon(self) -> None:
        """Close the file after a write failed, dropping what could not be written (a
        failed close still closes the file descriptor)."""
        with contextlib.suppress(OSError):
            self._fh.close()


def _sample(s: Any, path: str, line: int) -> Sample:
    """A sample record; a missing field or a number that is not finite is an error."""
    try:
        sample = Sample(
            float(s["t"]), str(s["device"]), str(s["backend"]), float(s["energy_j"]),
            None if s.get("power_w") is None else float(s["power_w"]),
        )  # fmt: skip
    except (KeyError, TypeError, ValueError, AttributeError):
        raise SpecError(
            "a sample needs t, device, backend and energy_j", file=path, line=line
        ) from None
    for name in ("t", "energy_j", "power_w"):
        value = getattr(sample, name)
        if value is not None and not math.isfinite(value):
            raise SpecError(
                f"a sample's {name} must be a finite number, not {value}", file=path, line=line
            )
    return sample


def _in_range(s: Sample, path: str, line: int) -> Sample:
    """``s`` if its energy and power are ones a device can have (units.RANGES)."""
    for name, quantity in (("energy_j", "device_energy_j"), ("power_w", "device_power_w")):
        value = getattr(s, name)
        problem = None if value is None else RANGES[quantity].problem(value)
        if problem is not None:
            raise SpecError(f"a sample's {name}: {problem}", file=path, line=line)
    return s


def _counted(s: Sample, path: str, line: int, last: dict[str, tuple[float, float]]) -> Sample:
    """``s`` if neither its time nor its device's cumulative counter has gone back since
    the device's last sample."""
    before = last.get(s.device)
    if before is not None and s.t < before[0]:
        raise SpecError(
            f"the samples of {s.device} go back in time ({before[0]:.3f} s, then {s.t:.3f} s)",
            file=path, line=line,
        )  # fmt: skip
    if before is not None and s.energy_j < before[1]:
        raise SpecError(
            f"the energy counter of {s.device} goes backwards ({before[1]:g} J, then "
            f"{s.energy_j:g} J): energy_j is cumulative since the start and never falls",
            file=path, line=line,
        )  # fmt: skip
    last[s.device] = (s.t, s.energy_j)
    return s


def _record(run: Run, line: str, n: int, last: dict[str, tuple[float, float]]) -> None:
    """Read line ``n`` (a record) into ``run``."""
    try:
        rec = json.loads(line)
    except json.JSONDecodeError:
        raise SpecError("not a JSON record", file=run.path, line=n) from None
    if not isinstance(rec, dict):
        raise SpecError("a record is a JSON object", file=run.path, line=n)
    if "sample" in rec:
        sample = _counted(_sample(rec["sample"], run.path, n), run.path, n, last)
        run.samples.append(_in_range(sample, run.path, n))
    elif "assumption" in rec:
        run.assumptions.append(str(rec["assumption"]))
    elif "warning" in rec:
        run.warnings.append(str(rec["warning"]))
    elif "end" in rec:
        if not isinstance(rec["end"], dict):
            raise SpecError("the end record is a JSON object", file=run.path, line=n)
        run.end = rec["end"]


def read_run(path: str | Path) -> Run:
    """Read a run file; a cut last line or a missing end record gives a warning, not an error.

    A device's ``energy_j`` is cumulative: a sample below the device's last one (a counter
    that goes backwards) is an error naming the file and line, never a smaller energy.
    """
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
    last: dict[str, tuple[float, float]] = {}  # the last (t, energy_j) per device
    for n, line in enumerate(lines[1:], start=2):
        if line.strip():
            _record(run, line, n, last)
    if run.end is None:
        run.warnings.append("no end record: the run or its tracker stopped without closing")
    return run


def _device_backend(run: Run, device: str) -> str:
    return next(s.backend for s in run.samples if s.device == device)


def _run_factors(run: Run) -> tuple[GridFactors | None, list[str]]:
    """The factors the tracker recorded; for an older file with only a region, today's
    catalog's (said so); a region the catalog does not know gives a warning."""
    recorded = run.header.get("factors")
    if recorded is not None:
        f = GridFactors.from_dict(recorded)
        return f, [] if f else ["the header's factors are not usable: no CO2e or water shown"]
    region = run.header.get("region")
    if not isinstance(region, str) or not region:
        return None, []
    try:
        f = grid_factors(region)
    except SpecError as exc:
        return None, [f"region {region!r}: {exc.message}; no CO2e or water shown"]
    return f, [f"region {region}: no factors recorded; today's catalog's used"]


def _finite(value: Any, where: str, notes: list[str]) -> Any:
    """``value`` with every number that is not finite replaced by None, each one noted."""
    if isinstance(value, float) and not math.isfinite(value):
        notes.append(f"{where}: {value} is not a finite number; shown as null")
        return None
    if isinstance(value, dict):
        return {k: _finite(v, f"{where}.{k}" if where else str(k), notes) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v, f"{where}[{i}]", notes) for i, v in enumerate(value)]
    return value


def summarise(run: Run) -> dict[str, Any]:
    """A run in brief: duration, energy (in total, per method and per device, with the
    backend and the average power), with a region its CO2e and water and the factors'
    sources, assumptions, warnings and the command's exit status.

    Strict JSON: a number that is not finite (a hand-edited or overflowing file) becomes
    None, with a warning saying which one and why.
    """
    devices: dict[str, dict[str, Any]] = {}
    kwh_by_backend: dict[str, float] = {}
    for d in run.devices:
        backend, kwh_d = _device_backend(run, d), run.energy_j(d) / J_PER_KWH
        devices[d] = {
            "backend": backend,
            "method": method_of(backend),
            "energy_kwh": kwh_d,
            "average_power_w": run.energy_j(d) / run.duration_s if run.duration_s else None,
        }
        kwh_by_backend[backend] = kwh_by_backend.get(backend, 0.0) + kwh_d
    factors, notes = _run_factors(run)
    kwh = run.energy_kwh
    summary = {
        "file": run.path,
        "started": run.header.get("started"),
        "command": run.header.get("command"),
        "duration_s": run.duration_s,
        "energy_kwh": kwh,
        "energy": describe_energy(kwh_by_backend),
        "methods": energy_methods(kwh_by_backend),
        "devices": devices,
        "backends": run.backends,
        "region": run.header.get("region"),
        "co2e_g": None if factors is None else factors.co2e_g(kwh),
        "water_l": None if factors is None else factors.water_l(kwh),
        "factors": None if factors is None else factors.to_dict(),
        "citations": [] if factors is None else factors.citations(),
        "assumptions": run.assumptions,
        "warnings": run.warnings + notes,
        "exit_status": (run.end or {}).get("exit_status"),
    }
    nulls: list[str] = []
    finite: dict[str, Any] = _finite(summary, "", nulls)
    finite["warnings"] += nulls
    return finite
