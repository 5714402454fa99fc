"""Measured inputs of an assessment, as typed values: read before resolving, so that
resolving reads no file. Built by the readers of run files, fleet results and hourly
intensity; consumed by ``lcai.resolver``."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from lcai.errors import SpecError
from lcai.measure.runfile import ESTIMATES
from lcai.units import J_PER_KWH

if TYPE_CHECKING:
    from lcai.measure.runfile import Run

__all__ = ["FleetTotals", "HourlyIntensity", "MeasuredEnergy", "measured_energy"]


@dataclass(frozen=True)
class HourlyIntensity:
    """Hourly grid carbon intensity read from ``file``.

    ``by_region``: region (as written in the file; None for a file without a region
    column) -> {hour start [s since the Unix epoch] -> intensity [kgCO2e/kWh]}.
    """

    file: str
    by_region: Mapping[str | None, Mapping[int, float]]


@dataclass(frozen=True)
class FleetTotals:
    """What ``lcai fleet account`` measured for a set of jobs (its jobs.csv), summed.

    ``it_energy_kwh``: at the devices; ``energy_kwh``: with each site's PUE;
    ``co2e_kg``: at each hour's and region's grid intensity; ``water_l``: on site and
    off site. The fleet's own facility and grid figures, kept as they were measured.
    """

    file: str
    jobs: int
    it_energy_kwh: float
    energy_kwh: float
    co2e_kg: float
    water_l: float


@dataclass(frozen=True)
class MeasuredEnergy:
    """The IT energy of a phase's measured runs [kWh].

    ``measured_kwh``: IT energy from the energy meters of run files; ``estimated_kwh``:
    from the utilisation fallback of ``lcai track``; ``hourly_kwh``: (hour start [s], kWh)
    per run and hour, to weight hourly intensity; ``files``: the names read; ``runs``: how
    many run files; ``warnings``: what the readers noticed, each naming its file;
    ``fleet``: a fleet result, which keeps its own facility energy, carbon and water.
    """

    measured_kwh: float
    estimated_kwh: float = 0.0
    hourly_kwh: tuple[tuple[int, float], ...] = ()
    files: tuple[str, ...] = ()
    runs: int = 0
    warnings: tuple[str, ...] = ()
    hourly_intensity: HourlyIntensity | None = None
    fleet: FleetTotals | None = None


@dataclass
class _Totals:
    hourly: list[tuple[int, float]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def measured_energy(
    runs: Sequence[Run],
    *,
    fleet: FleetTotals | None = None,
    hourly_intensity: HourlyIntensity | None = None,
) -> MeasuredEnergy:
    """Sum run files (``lcai.measure.runfile.Run``) into one value, with a fleet result.

    A device whose samples come from the utilisation fallback counts as estimated.
    """
    t = _Totals()
    names: list[str] = []
    measured_kwh = 0.0
    estimated_kwh = 0.0
    for r in runs:
        names.append(_name(r.path))
        falling = r.falling_counter()
        if falling is not None:
            raise SpecError(
                f"{r.path}: {falling}: the energy counter goes backwards within the run; "
                "this run file cannot be used as measured"
            )
        for dev in r.devices:
            backend = next(x.backend for x in r.samples if x.device == dev)
            e = r.energy_j(dev) / J_PER_KWH
            if not (math.isfinite(e) and e >= 0):
                raise SpecError(
                    f"{r.path}: {dev}: energy {e:g} kWh: the energy counter goes backwards "
                    "or is not a number; this run file cannot be used as measured"
                )
            if backend in ESTIMATES:
                estimated_kwh += e
            else:
                measured_kwh += e
        t.warnings += [f"{_name(r.path)}: {w}" for w in r.warnings]
        hourly = list(r.hourly_kwh().items())
        if any(not (math.isfinite(kwh) and kwh >= 0) for _, kwh in hourly):
            raise SpecError(f"{r.path}: an energy counter goes backwards within the run")
        t.hourly += hourly
    if fleet is not None:
        names.append(_name(fleet.file))
    return MeasuredEnergy(
        measured_kwh, estimated_kwh, tuple(t.hourly), tuple(names), len(runs),
        tuple(t.warnings), hourly_intensity, fleet,
    )  # fmt: skip


def _name(path: object) -> str:
    return Path(str(path)).name
