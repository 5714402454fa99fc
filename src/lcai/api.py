"""Assess an AI model's life cycle: the one-call entry points of the library.

One assessment flows one way: file -> :class:`~lcai.spec.source.Source` -> resolve
-> :class:`~lcai.engine.plan.Plan` -> evaluate -> :class:`~lcai.engine.result.Result`.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from lcai import catalog
from lcai.engine.evaluate import evaluate
from lcai.engine.plan import Plan
from lcai.engine.result import Result, build_result
from lcai.errors import SpecError
from lcai.measure.inputs import MeasuredEnergy, measured_energy
from lcai.resolver import resolve
from lcai.spec.loading import load_source, parse_source, yaml_line
from lcai.spec.schema import Assessment, MeasuredRuns
from lcai.spec.source import Source

__all__ = [
    "assess",
    "assess_file",
    "assess_source",
    "plan_file",
    "plan_source",
    "read_measured",
    "result_of",
]


def _read_phase(source: Source, phase: str, m: MeasuredRuns) -> MeasuredEnergy:
    """Read one phase's run files, fleet result and hourly intensity."""
    import glob

    from lcai.measure.intensity import read_hourly_intensity
    from lcai.measure.runfile import read_run

    where: tuple[str | int, ...] = (phase, "measured")
    files: list[str] = []
    for pattern in m.runs:
        found = sorted(glob.glob(str(source.path(pattern))))
        if not found:
            raise SpecError(
                f"no run file matches {pattern!r} (in {source.base_dir})", path=(*where, "runs")
            )
        files += found
    try:
        runs = [read_run(f) for f in files]
    except SpecError as exc:
        raise SpecError(str(exc), path=(*where, "runs")) from None
    fleet = None
    if m.fleet is not None:
        from lcai.fleet.results import read_fleet_totals

        try:
            fleet = read_fleet_totals(
                source.path(m.fleet), model=m.model, project=m.project, phase=m.phase
            )
        except SpecError as exc:
            raise SpecError(str(exc), path=(*where, "fleet")) from None
    hourly = None
    if m.hourly_intensity is not None:
        try:
            hourly = read_hourly_intensity(source.path(m.hourly_intensity))
        except SpecError as exc:
            raise SpecError(str(exc), path=(*where, "hourly_intensity")) from None
    return measured_energy(runs, fleet=fleet, hourly_intensity=hourly)


def read_measured(source: Source) -> dict[str, MeasuredEnergy]:
    """The measured inputs the file names (run files, fleet results, hourly intensity),
    read into typed values by phase."""
    out = {}
    for phase in ("training", "usage"):
        part = getattr(source.spec, phase)
        if part is not None and part.measured is not None:
            out[phase] = _read_phase(source, phase, part.measured)
    return out


def plan_source(source: Source) -> Plan:
    """Read the measured inputs a loaded assessment names, and resolve it into a
    :class:`Plan` (for evaluating or sampling).

    Errors name the source's file and the line of the field where known.
    """
    try:
        return resolve(source, read_measured(source))
    except SpecError as exc:
        line = yaml_line(source.text, exc.path) if source.text is not None else None
        raise exc.located(file=source.file, line=line) from None


def result_of(plan: Plan, samples: int | None = None, seed: int | None = 0) -> Result:
    """Evaluate a plan once, flag implausible values, and build the result.

    With ``samples``, a Monte Carlo of that many samples (seeded; seed 0 by default,
    so runs repeat) adds p5/p50/p95 and mean to ``result.uncertainty``.
    """
    from lcai.engine.plausibility import check

    ev = evaluate(plan)
    plan.warnings.extend(w for w in check(plan, ev) if w not in plan.warnings)
    used = [*plan.sources, *(s for it in plan.items for s in it.sources)]
    res = build_result(plan, ev, catalog.citations(used))
    if samples:
        from lcai.engine import uncertainty as montecarlo

        res = replace(res, uncertainty=montecarlo.run(plan, samples, seed))
    return res


def assess_source(source: Source, *, samples: int | None = None, seed: int | None = 0) -> Result:
    """Assess a loaded assessment; see :func:`result_of`."""
    return result_of(plan_source(source), samples, seed)


def assess(
    spec: Assessment | dict[str, Any], *, samples: int | None = None, seed: int | None = 0
) -> Result:
    """Assess an :class:`Assessment` (or a dict of the same fields, distributions allowed).

    Relative paths in it are read from the current folder.
    """
    source = Source(spec) if isinstance(spec, Assessment) else parse_source(spec)
    return assess_source(source, samples=samples, seed=seed)


def plan_file(path: str | Path) -> Plan:
    """Load and resolve an assessment file into a :class:`Plan`."""
    return plan_source(load_source(path))


def assess_file(path: str | Path, *, samples: int | None = None, seed: int | None = 0) -> Result:
    """Load, validate and assess an assessment file (YAML or TOML); see :func:`result_of`."""
    return assess_source(load_source(path), samples=samples, seed=seed)
