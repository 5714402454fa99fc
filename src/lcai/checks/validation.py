"""The validation suite: lcai against published footprints, with its error shown.

Each case is an assessment file built from a publication's inputs and a list
of checks (a quantity selected from lcai's result, the published value, a
tolerance). *Reproduction* cases use the publication's own inputs and must
match; *prediction* cases use only what is known before training and report
their error honestly. The suite lives in ``lcai/data/validation``.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from lcai import keys
from lcai.api import plan_file, result_of
from lcai.checks.selectors import Selector, sample_values, value
from lcai.checks.suite import Case, CheckSpec, Mode, Rejected, Suite, load_suite
from lcai.engine.evaluate import Evaluation, evaluate
from lcai.engine.plan import Plan
from lcai.engine.result import Result
from lcai.errors import DataError, SpecError, UnitError
from lcai.units import convert

__all__ = [
    "Check",
    "Factors",
    "Mode",
    "Rejected",
    "SuiteSummary",
    "run_case",
    "run_cases",
    "run_suite",
    "summarise",
]

Array = npt.NDArray[np.float64]
MonteCarlo = tuple[Evaluation, dict[str, Array]]


@dataclass(frozen=True)
class Check:
    """One comparison of lcai's value with a published one (values in ``unit``)."""

    case: str
    quantity: str
    mode: Mode
    published: float
    computed: float
    unit: str
    rel_error: float | None
    tolerance: float | None
    within_tolerance: bool
    source: str
    note: str = ""
    p5: float | None = None
    p95: float | None = None
    batch_given: bool | None = None
    """For inference estimates: whether the file states the batch size."""

    @property
    def covered(self) -> bool | None:
        """Whether the published value lies in lcai's p5-p95 interval (predictions)."""
        if self.p5 is None or self.p95 is None:
            return None
        return self.p5 <= self.published <= self.p95

    def to_dict(self) -> dict[str, Any]:
        return {
            "case": self.case,
            "quantity": self.quantity,
            "mode": self.mode,
            "published": self.published,
            "computed": self.computed,
            "unit": self.unit,
            "rel_error": self.rel_error,
            "tolerance": self.tolerance,
            "within_tolerance": self.within_tolerance,
            "source": self.source,
            "note": self.note,
            "p5": self.p5,
            "p95": self.p95,
            "covered": self.covered,
            "batch_given": self.batch_given,
        }


@dataclass(frozen=True)
class Factors:
    """How many times off a group of estimates is: median and worst (both >= 1)."""

    count: int
    median: float
    worst: float

    @staticmethod
    def of(checks: Sequence[Check]) -> Factors | None:
        got = [_factor(c.computed, c.published) for c in checks]
        return Factors(len(got), statistics.median(got), max(got)) if got else None


@dataclass(frozen=True)
class SuiteSummary:
    """What the suite says as a whole."""

    reproduction_checks: int
    reproduction_failed: int
    prediction_cases: int
    median_abs_energy_error: float | None
    max_energy_factor: float | None
    prediction_goal_met: bool
    signed_median_energy_error: float | None = None
    """The median of the signed errors: below 0 when predictions run low."""
    inference_checks: int = 0
    inference_within: int = 0
    coverage: float | None = None
    """Share of training prediction checks whose published value is in lcai's p5-p95."""
    max_interval_factor: float | None = None
    """Widest p95 / p5 among those intervals."""
    inference_given: Factors | None = None
    """Factor errors of per-request energy estimates whose file states the batch."""
    inference_default: Factors | None = None
    """... and of those that leave the batch to the catalog's default."""
    inference_coverage: float | None = None
    """Share of inference energy checks whose published value is in lcai's p5-p95."""

    @property
    def ok(self) -> bool:
        """Every reproduction check within its tolerance."""
        return self.reproduction_failed == 0


def _convert_computed(value: float, from_unit: str, to_unit: str) -> float:
    if from_unit == to_unit:
        return value
    try:
        return convert(value, from_unit, to_unit)
    except UnitError:
        raise DataError(f"cannot compare {from_unit} with {to_unit}") from None


def _interval(mc: MonteCarlo, plan: Plan, sel: Selector, unit: str) -> tuple[float, float]:
    """p5 and p95 of a selector over a Monte Carlo evaluation, in ``unit``."""
    ev, draws = mc
    values, raw_unit = sample_values(plan, ev, sel, draws)
    p5, p95 = np.percentile(np.broadcast_to(values, (ev.divisor.shape[0],)), (5, 95))
    return _convert_computed(float(p5), raw_unit, unit), _convert_computed(
        float(p95), raw_unit, unit
    )


def _monte_carlo(case: Case, plan: Plan, samples: int, seed: int) -> MonteCarlo | None:
    """One Monte Carlo per prediction case (not per check), for the checks' intervals."""
    if case.mode != "prediction" or not samples:
        return None
    from lcai.engine.uncertainty import sample_params

    draws = sample_params(plan, samples, seed)
    return (evaluate(plan, draws), draws) if draws else None


def _batch_given(case: Case, plan: Plan) -> bool | None:
    """Whether an inference case's file states its batch (None: no estimate per token)."""
    if case.group != "inference" or keys.INFERENCE_OUTPUT_TOKENS not in plan.params:
        return None
    batch = plan.params.get("usage.inference.batch_size")
    return batch is not None and batch.status == "user"


def _compare(case: Case, chk: CheckSpec, res: Result, plan: Plan, mc: MonteCarlo | None) -> Check:
    """One check of a case against the case's result."""
    raw, raw_unit = value(res, chk.select)
    computed = _convert_computed(raw, raw_unit, chk.unit)
    published = chk.published
    tol = case.tolerance_of(chk)
    rel = (computed - published) / published if published else None
    if case.mode == "prediction":
        factor = case.factor_of(chk)
        ok = rel is not None and 1 / factor <= computed / published <= factor
        tol = None
    elif chk.tolerance_abs is not None:
        ok = abs(computed - published) <= chk.tolerance_abs
    else:
        ok = rel is not None and tol is not None and abs(rel) <= tol
    note = " ".join(x for x in (chk.note, case.tolerance_note) if x)
    interval = _interval(mc, plan, chk.select, chk.unit) if mc else None
    return Check(
        case=case.case,
        quantity=chk.quantity,
        mode=case.mode,
        published=published,
        computed=computed,
        unit=chk.unit,
        rel_error=rel,
        tolerance=tol,
        within_tolerance=bool(ok),
        source=case.source,
        note=note if case.mode == "reproduction" else chk.note,
        p5=interval[0] if interval else None,
        p95=interval[1] if interval else None,
        batch_given=_batch_given(case, plan),
    )


def run_case(case: Case, base: Path | Traversable, samples: int = 0, seed: int = 0) -> list[Check]:
    """Assess one case's file and compare every check (with an interval for predictions)."""
    plan = plan_file(Path(str(base / case.file)))
    res = result_of(plan)
    banned = set(case.independent_of)
    used = {a.source for a in res.assumptions if a.source}
    if case.mode == "prediction" and banned & used:
        clash = ", ".join(sorted(banned & used))
        raise DataError(
            f"circular: its defaults come from {clash}, the publication it is checked against"
        )
    mc = _monte_carlo(case, plan, samples, seed)
    out = []
    for chk in case.checks:
        try:
            out.append(_compare(case, chk, res, plan, mc))
        except DataError as exc:
            raise DataError(f"check {chk.quantity!r}: {exc}") from None
    return out


Loaded = tuple[Suite, "Path | Traversable", tuple[Rejected, ...]]
"""A suite as :func:`lcai.checks.suite.load_suite` returns it."""


def run_cases(
    path: Path | None = None,
    mode: Mode | None = None,
    samples: int = 2000,
    seed: int = 0,
    loaded: Loaded | None = None,
) -> tuple[list[Check], list[Rejected]]:
    """Run the packaged suite (or the one at ``path``): every check, in order, and the
    cases that could not be checked (an invalid entry, or a file that does not assess),
    each with its reason. One rejected case does not stop the others.

    Prediction checks get a Monte Carlo p5-p95 interval from ``samples`` draws of the
    catalog's default uncertainties (0 to skip). ``loaded``: the suite already read (the
    caller then summarises the same one).
    """
    suite, base, rejected = loaded if loaded is not None else load_suite(path)
    out = list(rejected)
    checks: list[Check] = []
    for case in suite.cases:
        if mode is not None and case.mode != mode:
            continue
        try:
            checks += run_case(case, base, samples, seed)
        except (SpecError, DataError) as exc:
            out.append(Rejected(case.case, f"validation case {case.case!r}: {exc}"))
    return checks, out


def run_suite(
    path: Path | None = None, mode: Mode | None = None, samples: int = 2000, seed: int = 0
) -> list[Check]:
    """Every check of the suite (see :func:`run_cases`); a rejected case is a DataError."""
    checks, rejected = run_cases(path, mode, samples, seed)
    if rejected:
        raise DataError(rejected[0].reason)
    return checks


_ENERGY_UNITS = {"J", "kJ", "Wh", "kWh", "MWh", "mWh"}


def _factor(computed: float, published: float) -> float:
    """How many times off a prediction is (>= 1); infinitely off when either side is <= 0."""
    if computed <= 0 or published <= 0:
        return math.inf
    return max(computed / published, published / computed)


def summarise(
    checks: list[Check], path: Path | None = None, loaded: Loaded | None = None
) -> SuiteSummary:
    """Counts, and the prediction errors on energy against the suite's goal."""
    suite = loaded[0] if loaded is not None else load_suite(path)[0]
    goal = suite.prediction_goal
    rep = [c for c in checks if c.mode == "reproduction"]
    energy_names = {
        (case.case, chk.quantity) for case in suite.cases for chk in case.checks if chk.energy
    }
    energy = [
        c
        for c in checks
        if c.mode == "prediction"
        and (c.case, c.quantity) in energy_names
        and c.rel_error is not None
    ]
    signed = [c.rel_error for c in energy if c.rel_error is not None]
    errors = [abs(e) for e in signed]
    med = statistics.median(errors) if errors else None
    bias = statistics.median(signed) if signed else None
    worst = max((_factor(c.computed, c.published) for c in energy), default=None)
    met = (
        med is not None
        and worst is not None
        and bias is not None
        and med <= goal.median_abs_energy_error
        and worst <= goal.max_factor
        and abs(bias) <= goal.max_abs_signed_median
    )
    inference_cases = {c.case for c in suite.cases if c.group == "inference"}
    inference = [c for c in checks if c.case in inference_cases]
    per_request = [c for c in inference if c.batch_given is not None and c.unit in _ENERGY_UNITS]
    inf_iv = [c for c in per_request if c.covered is not None]
    intervals = [c for c in checks if c.covered is not None and c.case not in inference_cases]
    coverage = sum(bool(c.covered) for c in intervals) / len(intervals) if intervals else None
    widths = [c.p95 / c.p5 for c in intervals if c.p5 and c.p95 and c.p5 > 0]
    return SuiteSummary(
        inference_given=Factors.of([c for c in per_request if c.batch_given]),
        inference_default=Factors.of([c for c in per_request if not c.batch_given]),
        inference_coverage=sum(bool(c.covered) for c in inf_iv) / len(inf_iv) if inf_iv else None,
        coverage=coverage,
        max_interval_factor=max(widths) if widths else None,
        inference_checks=len(inference),
        inference_within=sum(c.within_tolerance for c in inference),
        reproduction_checks=len(rep),
        reproduction_failed=sum(not c.within_tolerance for c in rep),
        prediction_cases=len({c.case for c in checks if c.mode == "prediction"} - inference_cases),
        median_abs_energy_error=med,
        max_energy_factor=worst,
        prediction_goal_met=met,
        signed_median_energy_error=bias,
    )
