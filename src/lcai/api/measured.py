"""Read the measured inputs an assessment names (run files of ``lcai track``, a fleet
result, an hourly intensity) into typed values, before resolving.

The paths are read relative to the assessment file and must stay inside its folder
(``Source.outside_paths`` allows more); only regular files are read, never devices,
pipes or folders.
"""

from __future__ import annotations

import glob
from pathlib import Path

from lcai.errors import SpecError
from lcai.measure.inputs import FleetTotals, HourlyIntensity, MeasuredEnergy, measured_energy
from lcai.spec.schema import MeasuredRuns
from lcai.spec.source import Source

__all__ = ["input_path", "read_measured"]

Where = tuple[str | int, ...]


def input_path(source: Source, name: str, where: Where) -> Path:
    """The regular file ``name`` names, relative to the assessment's folder and inside it
    (unless the source allows paths outside)."""
    p = source.path(name).resolve()
    base = source.base_dir.resolve()
    if not source.outside_paths and not p.is_relative_to(base):
        raise SpecError(
            f"{name!r} is outside the assessment's folder {base}; measured inputs are read "
            "from it and below (allow others with the outside-paths option)",
            path=where,
        )
    if p.exists() and not p.is_file():
        raise SpecError(f"{name!r} is not a regular file (a folder, device or pipe)", path=where)
    return p


def _run_files(source: Source, m: MeasuredRuns, where: Where) -> list[Path]:
    files: list[Path] = []
    for pattern in m.runs:
        found = sorted(glob.glob(str(source.path(pattern))))
        if not found:
            raise SpecError(
                f"no run file matches {pattern!r} (in {source.base_dir})", path=(*where, "runs")
            )
        files += [input_path(source, f, (*where, "runs")) for f in found]
    return files


def _fleet(source: Source, m: MeasuredRuns, where: Where) -> FleetTotals | None:
    if m.fleet is None:
        return None
    from lcai.fleet.results import read_fleet_totals

    path = input_path(source, m.fleet, (*where, "fleet"))
    try:
        return read_fleet_totals(path, model=m.model, project=m.project, phase=m.phase)
    except SpecError as exc:
        raise SpecError(str(exc), path=(*where, "fleet")) from None


def _hourly(source: Source, m: MeasuredRuns, where: Where) -> HourlyIntensity | None:
    if m.hourly_intensity is None:
        return None
    from lcai.measure.intensity import read_hourly_intensity

    path = input_path(source, m.hourly_intensity, (*where, "hourly_intensity"))
    try:
        return read_hourly_intensity(path)
    except SpecError as exc:
        raise SpecError(str(exc), path=(*where, "hourly_intensity")) from None


def _read_phase(source: Source, phase: str, m: MeasuredRuns) -> MeasuredEnergy:
    """Read one phase's run files, fleet result and hourly intensity."""
    from lcai.measure.runfile import read_run

    where: Where = (phase, "measured")
    files = _run_files(source, m, where)
    fleet, hourly = _fleet(source, m, where), _hourly(source, m, where)
    try:
        runs = [read_run(f) for f in files]
        return measured_energy(runs, fleet=fleet, hourly_intensity=hourly)
    except SpecError as exc:
        raise SpecError(str(exc), path=(*where, "runs")) from None


def read_measured(source: Source) -> dict[str, MeasuredEnergy]:
    """The measured inputs the file names, read into typed values by phase."""
    out = {}
    for phase in ("training", "usage"):
        part = getattr(source.spec, phase)
        if part is not None and part.measured is not None:
            out[phase] = _read_phase(source, phase, part.measured)
    return out
