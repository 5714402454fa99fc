"""Gather what a report shows: the result and, where they can be computed, its
uncertainty, the inputs that matter, the library scenarios and the validation status."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lcai.engine.result import Result
from lcai.outputs.parts import uncertainty_of

__all__ = ["Report", "build_report", "validation_status"]


@dataclass
class Report:
    """Everything a report shows; optional parts are None when not computed."""

    result: Result
    source_file: str
    uncertainty: dict[str, Any] | None = None
    tornado: list[dict[str, Any]] | None = None
    scenarios: list[dict[str, Any]] | None = None
    validation: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)


def _has_uncertainty_extra() -> bool:
    """Whether the uncertainty extra (scipy) is installed; found, not imported."""
    import importlib.util

    return importlib.util.find_spec("scipy") is not None


def validation_status() -> dict[str, Any]:
    """The validation suite's summary a report shows (it does not depend on the file)."""
    from lcai.checks.validation import run_suite, summarise

    checks = run_suite(samples=0)
    s = summarise(checks)
    return {
        "reproduction_checks": s.reproduction_checks,
        "reproduction_failed": s.reproduction_failed,
        "prediction_cases": s.prediction_cases,
        "median_abs_energy_error": s.median_abs_energy_error,
        "max_energy_factor": s.max_energy_factor,
        "cases": sorted({c.case for c in checks if c.mode == "reproduction"}),
    }


def build_report(
    path: str | Path,
    *,
    samples: int = 2000,
    seed: int = 0,
    with_scenarios: bool = True,
    with_sensitivity: bool = True,
    with_validation: bool = True,
    outside_paths: bool = False,
) -> Report:
    """Assess ``path`` and gather what the report shows (uncertainty, sensitivity,
    scenarios and the validation status where they can be computed). ``outside_paths``:
    the measured inputs the file names may lie outside its folder."""
    from lcai.api import plan_source, result_of
    from lcai.spec.loading import load_source

    source = load_source(path, outside_paths=outside_paths)
    plan = plan_source(source)
    res = result_of(plan, samples or None, seed)
    rep = Report(result=res, source_file=str(path), uncertainty=uncertainty_of(res))
    has_uncertainty = _has_uncertainty_extra()
    if not has_uncertainty:  # pragma: no cover - exercised without the extra
        rep.notes.append("Install lcai[uncertainty] for uncertainty, sensitivity and scenarios.")
    if with_sensitivity and has_uncertainty:
        from lcai.whatif.sensitivity import tornado

        bars = tornado(plan, "co2e")
        rep.tornado = [b.to_dict() for b in bars[:10] if b.swing > 0]
    if with_scenarios and has_uncertainty:
        from lcai.whatif.scenarios import compare, library

        names = [n for n, s in library().items() if s.argument is None]
        rep.scenarios = [c.to_dict() for c in compare(source, names)]
    if with_validation:
        rep.validation = validation_status()
    return rep
