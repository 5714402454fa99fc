"""The validation suite: lcai against published footprints, with its error shown.

Each case is an assessment file built from a publication's inputs and a list
of checks (a quantity selected from lcai's result, the published value, a
tolerance). *Reproduction* cases use the publication's own inputs and must
match; *prediction* cases use only what is known before training and report
their error honestly. The suite lives in ``lcai/data/validation``.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from lcai.engine.plan import Evaluation, Plan, evaluate
from lcai.engine.result import Result
from lcai.errors import DataError, SpecError
from lcai.units import convert, parse_unit

__all__ = ["Check", "SuiteSummary", "run_suite", "summarise"]

Mode = Literal["reproduction", "prediction"]
Array = npt.NDArray[np.float64]
_FIELD_UNITS = {
    "energy_kwh": "kWh",
    "co2e_kg": "kg",
    "co2e_market_kg": "kg",
    "water_l": "L",
    "water_onsite_l": "L",
}


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
        }


@dataclass(frozen=True)
class SuiteSummary:
    """What the suite says as a whole."""

    reproduction_checks: int
    reproduction_failed: int
    prediction_cases: int
    median_abs_energy_error: float | None
    max_energy_factor: float | None
    prediction_goal_met: bool
    inference_checks: int = 0
    inference_within: int = 0
    coverage: float | None = None
    """Share of training prediction checks whose published value is in lcai's p5-p95."""
    max_interval_factor: float | None = None
    """Widest p95 / p5 among those intervals."""

    @property
    def ok(self) -> bool:
        """Every reproduction check within its tolerance."""
        return self.reproduction_failed == 0


def _suite_dir() -> Any:
    return resources.files("lcai") / "data" / "validation"


_TERM = re.compile(
    r"^(?:total\.(?P<tf>\w+)|phases\.(?P<ph>\w+)\.(?P<pf>\w+)|item\[(?P<item>[^\]]+)\]\.(?P<if>\w+)"
    r"|equivalence\[(?P<eq>[^\]]+)\]|(?P<hours>accelerator_hours)|(?P<num>[-+]?[\d.]+(?:e[-+]?\d+)?))$"
)


def _term(res: Result, text: str) -> tuple[float, str]:
    """Value and unit ('1' when dimensionless) of one selector term."""
    m = _TERM.match(text.strip())
    if not m:
        raise DataError(f"validation: cannot read selector {text!r}")
    if m["num"]:
        return float(m["num"]), "1"
    if m["tf"]:
        value = getattr(res.total, m["tf"])
        field = m["tf"]
    elif m["ph"]:
        value = getattr(res.phases[m["ph"]].impact, m["pf"])
        field = m["pf"]
    elif m["item"]:
        items = [it for it in res.items if it.name == m["item"]]
        if not items:
            names = ", ".join(it.name for it in res.items)
            raise DataError(f"validation: no item {m['item']!r} (items: {names})")
        value, field = getattr(items[0], m["if"]), m["if"]
    elif m["eq"]:
        from lcai.engine.equivalences import equivalences

        key = m["eq"]
        eqs = {e.key: e.value for e in equivalences(res.life_cycle)}
        if key not in eqs:
            raise DataError(f"validation: no equivalence {key!r}")
        return eqs[key], "1"
    else:
        return _accelerator_hours(res), "h"
    if value is None:
        raise DataError(f"validation: {text!r} has no value in this result")
    return float(value), _FIELD_UNITS.get(field, "1")


def _accelerator_hours(res: Result) -> float:
    """Training accelerator-hours: the accelerator item's energy / its average power."""
    for it in res.phases["training"].items:
        power = it.inputs.get("training.accelerators.power")
        if power is not None:
            return it.energy_kwh / (float(power["value"]) / 1000.0)
    raise DataError("validation: the result has no training accelerators with a power")


_OPS: dict[str, Callable[[float, float], float]] = {
    "/": lambda a, b: a / b,
    "-": lambda a, b: a - b,
    "+": lambda a, b: a + b,
}


def _combine(selector: str, term: Callable[[str], tuple[Any, str]]) -> tuple[Any, str]:
    """Evaluate ``A op B`` (op in / - +, spaces around it) with ``term`` for single terms;
    values may be floats or per-sample arrays."""
    for op, fn in _OPS.items():
        token = f" {op} "
        if token in selector:
            left, right = selector.split(token, 1)
            a, ua = _combine(left, term)
            b, ub = _combine(right, term)
            if op == "/":
                unit = ua if ub == "1" else (f"{ua}/{ub}" if ua != "1" else f"1/{ub}")
            elif ua != ub:
                raise DataError(f"validation: {selector!r} mixes {ua} and {ub}")
            else:
                unit = ua
            return fn(a, b), unit
    return term(selector)


def select(res: Result, selector: str) -> tuple[float, str]:
    """A selector's value in one result."""
    value, unit = _combine(selector, lambda t: _term(res, t))
    return float(value), unit


def _published(text: Any, unit: str) -> float:
    if isinstance(text, int | float):
        return float(text)
    m = re.match(r"^\s*([-+]?[\d.,_]+(?:[eE][-+]?\d+)?)\s*(.*)$", str(text))
    if not m:
        raise DataError(f"validation: cannot read published value {text!r}")
    value = float(m[1].replace(",", "").replace("_", ""))
    return convert(value, m[2] or "1", unit) if (m[2] or unit != "1") else value


def _convert_computed(value: float, from_unit: str, to_unit: str) -> float:
    if from_unit == to_unit:
        return value
    f1, d1 = parse_unit(from_unit)
    f2, d2 = parse_unit(to_unit)
    if d1 != d2:
        raise DataError(f"validation: cannot compare {from_unit} with {to_unit}")
    return value * f1 / f2


def _sample_select(
    plan: Plan, ev: Evaluation, selector: str, draws: dict[str, Array]
) -> tuple[Array, str]:
    """Per-sample values of a selector (total, item, accelerator_hours, and their ratios)."""
    if any(f" {op} " in selector for op in _OPS):
        values, unit = _combine(selector, lambda t: _sample_select(plan, ev, t, draws))
        return np.asarray(values), unit
    m = _TERM.match(selector.strip())
    if not m or m["eq"] or m["ph"]:
        raise DataError(f"validation: no per-sample form for {selector!r}")
    if m["num"]:
        return np.asarray(float(m["num"])), "1"
    if m["tf"]:
        return ev.total(m["tf"]) / ev.divisor, _FIELD_UNITS.get(m["tf"], "1")
    names = [it.name for it in ev.items]
    if m["item"]:
        i = names.index(m["item"])
        return getattr(ev, m["if"])[i] / ev.divisor, _FIELD_UNITS.get(m["if"], "1")
    key = "training.accelerators.power"
    for i, it in enumerate(ev.items):
        if it.phase == "training" and key in it.inputs:
            power_w = draws.get(key, plan.params[key].value)
            return ev.energy_kwh[i] / (np.asarray(power_w) / 1000.0), "h"
    raise DataError("validation: the result has no training accelerators with a power")


def _interval(
    plan: Plan, ev: Evaluation, draws: dict[str, Array], selector: str, unit: str
) -> tuple[float, float]:
    """p5 and p95 of a selector over a Monte Carlo evaluation, in ``unit``."""
    values, raw_unit = _sample_select(plan, ev, selector, draws)
    p5, p95 = np.percentile(np.broadcast_to(values, (ev.divisor.shape[0],)), (5, 95))
    return _convert_computed(float(p5), raw_unit, unit), _convert_computed(
        float(p95), raw_unit, unit
    )


def run_case(
    case: dict[str, Any], base: Path | Any, samples: int = 0, seed: int = 0
) -> list[Check]:
    """Assess one case's file and compare every check (with an interval for predictions)."""
    from lcai.api import plan_file, result_of

    mode: Mode = case["mode"]
    path = base / case["file"]
    plan = plan_file(Path(str(path)))
    res = result_of(plan)
    banned = set(case.get("independent_of", []))
    used = {a.source for a in res.assumptions if a.source}
    if mode == "prediction" and banned & used:
        clash = ", ".join(sorted(banned & used))
        raise DataError(
            f"validation case {case['case']!r} is circular: its defaults come from "
            f"{clash}, the publication it is checked against"
        )
    mc: tuple[Evaluation, dict[str, Array]] | None = None
    if mode == "prediction" and samples and case.get("group") != "inference":
        from lcai.engine.uncertainty import sample_params

        draws = sample_params(plan, samples, seed)  # one Monte Carlo per case, not per check
        if draws:
            mc = (evaluate(plan, draws), draws)
    out = []
    for chk in case["checks"]:
        unit = str(chk.get("unit", "1"))
        raw, raw_unit = select(res, chk["select"])
        computed = _convert_computed(raw, raw_unit, unit)
        published = _published(chk["published"], unit)
        tol = chk.get("tolerance", case.get("tolerance"))
        tol_abs = chk.get("tolerance_abs")
        rel = (computed - published) / published if published else None
        if mode == "prediction":
            factor = float(chk.get("factor", case.get("factor", 2.0)))
            ok = rel is not None and 1 / factor <= computed / published <= factor
            tol = None
        elif tol_abs is not None:
            ok = abs(computed - published) <= float(tol_abs)
        else:
            ok = rel is not None and abs(rel) <= float(tol)
        note = " ".join(x for x in (chk.get("note", ""), case.get("tolerance_note", "")) if x)
        interval = _interval(plan, mc[0], mc[1], chk["select"], unit) if mc else None
        out.append(
            Check(
                case=case["case"],
                quantity=str(chk["quantity"]),
                mode=mode,
                published=published,
                computed=computed,
                unit=unit,
                rel_error=rel,
                tolerance=float(tol) if tol is not None else None,
                within_tolerance=bool(ok),
                source=case["source"],
                note=note if mode == "reproduction" else chk.get("note", ""),
                p5=interval[0] if interval else None,
                p95=interval[1] if interval else None,
            )
        )
    return out


def load_suite(path: Path | None = None) -> tuple[dict[str, Any], Any]:
    """The suite manifest and the folder its files are in."""
    from lcai.catalog import _load_yaml

    base: Any = path.parent if path is not None else _suite_dir()
    manifest = path if path is not None else base / "suite.yaml"
    data = _load_yaml(manifest.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or "cases" not in data:
        raise DataError(f"{manifest}: expected a mapping with 'cases'")
    return data, base


def run_suite(
    path: Path | None = None, mode: Mode | None = None, samples: int = 2000, seed: int = 0
) -> list[Check]:
    """Run the packaged suite (or the one at ``path``); every check, in order.

    Prediction checks get a Monte Carlo p5-p95 interval from ``samples`` draws of the
    catalog's default uncertainties (0 to skip).
    """
    data, base = load_suite(path)
    checks: list[Check] = []
    for case in data["cases"]:
        if mode is not None and case["mode"] != mode:
            continue
        try:
            checks += run_case(case, base, samples, seed)
        except SpecError as exc:
            raise DataError(f"validation case {case['case']!r}: {exc}") from None
    return checks


def summarise(checks: list[Check], path: Path | None = None) -> SuiteSummary:
    """Counts, and the prediction errors on energy against the suite's goal."""
    data, _ = load_suite(path)
    goal = data.get("prediction_goal", {})
    rep = [c for c in checks if c.mode == "reproduction"]
    energy_names = {
        (case["case"], str(chk["quantity"]))
        for case in data["cases"]
        for chk in case["checks"]
        if chk.get("energy")
    }
    energy = [
        c
        for c in checks
        if c.mode == "prediction"
        and (c.case, c.quantity) in energy_names
        and c.rel_error is not None
    ]
    med = statistics.median(abs(c.rel_error) for c in energy) if energy else None  # type: ignore[arg-type]
    worst = (
        max(max(c.computed / c.published, c.published / c.computed) for c in energy)
        if energy
        else None
    )
    met = (
        med is not None
        and worst is not None
        and med <= float(goal.get("median_abs_energy_error", math.inf))
        and worst <= float(goal.get("max_factor", math.inf))
    )
    inference_cases = {c["case"] for c in data["cases"] if c.get("group") == "inference"}
    inference = [c for c in checks if c.case in inference_cases]
    intervals = [c for c in checks if c.covered is not None]
    coverage = sum(bool(c.covered) for c in intervals) / len(intervals) if intervals else None
    widths = [c.p95 / c.p5 for c in intervals if c.p5 and c.p95 and c.p5 > 0]
    return SuiteSummary(
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
    )
