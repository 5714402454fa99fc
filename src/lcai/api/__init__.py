"""Assess an AI model's life cycle: the one-call entry points of the library.

One assessment flows one way: file -> :class:`~lcai.spec.source.Source` -> read its
measured inputs (:mod:`lcai.api.measured`) -> resolve -> :class:`~lcai.engine.plan.Plan`
-> evaluate -> :class:`~lcai.engine.result.Result`.

May import: fleet, measure, resolver, engine, spec, catalog and below.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from lcai import catalog
from lcai.api.measured import read_measured
from lcai.engine.evaluate import evaluate, require_finite
from lcai.engine.plan import Plan
from lcai.engine.result import Result, build_result
from lcai.errors import SpecError
from lcai.resolver import resolve
from lcai.spec.loading import load_source, parse_source, yaml_line
from lcai.spec.schema import Assessment
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
    require_finite(plan, ev)
    plan.warnings.extend(w for w in check(plan, ev) if w not in plan.warnings)
    used = [*plan.sources, *(s for it in plan.items for s in it.sources)]
    res = build_result(plan, ev, catalog.citations(used))
    if samples:
        from lcai.engine import uncertainty as montecarlo

        res = replace(res, uncertainty=montecarlo.run(plan, samples, seed))
    return res


def assess_source(source: Source, *, samples: int | None = None, seed: int | None = 0) -> Result:
    """Assess a loaded assessment; see :func:`result_of`. Errors name the source's file."""
    plan = plan_source(source)
    try:
        return result_of(plan, samples, seed)
    except SpecError as exc:
        raise exc.located(file=source.file) from None


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
