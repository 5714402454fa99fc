"""Assess an AI model's life cycle: the one-call entry points of the library."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from lcai.engine.plan import Plan, evaluate
from lcai.engine.result import Result, build_result
from lcai.errors import SpecError
from lcai.resolve import resolve
from lcai.spec.loading import _yaml_line, load_assessment, parse_assessment
from lcai.spec.schema import Assessment

__all__ = ["assess", "assess_file", "plan_file"]


def assess(
    spec: Assessment | dict[str, Any], *, samples: int | None = None, seed: int | None = 0
) -> Result:
    """Assess an :class:`Assessment` (or a dict of the same fields).

    With ``samples``, a Monte Carlo of that many samples (seeded; seed 0 by
    default, so runs repeat) adds p5/p50/p95 and mean to ``result.uncertainty``.
    """
    if not isinstance(spec, Assessment):
        spec = parse_assessment(spec)
    return _result(resolve(spec), samples, seed)


def _result(plan: Plan, samples: int | None = None, seed: int | None = 0) -> Result:
    """Evaluate a plan once, flag implausible values, and build the result."""
    from lcai.engine.plausibility import check

    ev = evaluate(plan)
    plan.warnings.extend(w for w in check(plan, ev) if w not in plan.warnings)
    res = build_result(plan, ev)
    if samples:
        from lcai.whatif import montecarlo

        res = replace(res, uncertainty=montecarlo.run(plan, samples, seed).to_dict())
    return res


def plan_file(path: str | Path) -> Plan:
    """Load and resolve an assessment file into a :class:`Plan` (for sampling)."""
    spec = load_assessment(path)
    try:
        return resolve(spec)
    except SpecError as exc:
        line = None
        p = Path(path)
        if p.suffix.lower() in (".yaml", ".yml"):
            line = _yaml_line(p.read_text(encoding="utf-8"), exc.path)
        raise exc.located(file=str(path), line=line) from None


def assess_file(path: str | Path, *, samples: int | None = None, seed: int | None = 0) -> Result:
    """Load, validate and assess an assessment file (YAML or TOML); see :func:`assess`."""
    return _result(plan_file(path), samples, seed)
