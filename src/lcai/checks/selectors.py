"""Selectors: which number of a result a validation check compares.

A selector is one term, or two terms with one operator between them (spaces
around it): ``A / B``, ``A - B``, ``A + B``. A term is

- ``total.F``: the result's total (F: energy_kwh, co2e_kg, co2e_market_kg, water_l);
- ``phases.P.F``: one phase's total (P: manufacturing, training, annotation, usage);
- ``item[KIND].F``: the one line item of that kind (F as for totals, or water_onsite_l).
  ``item[PHASE.KIND]`` narrows to a phase; where several items share a kind,
  ``item[KIND:N]`` (or ``item[PHASE.KIND:N]``) is the N-th of them (from 0) in the
  order the result lists them (phase by phase, then in the file's order). A kind
  that matches several items without ``:N`` is an error, never the first of them;
- ``accelerator_hours``: the training accelerators' hours (their energy / their power);
- ``equivalence[KEY]``: an everyday equivalent of the life-cycle impact;
- a number (``1``, ``0.5``).

Items are found by their kind (``lcai.keys.ItemKind``), never by their display name.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from lcai import keys
from lcai.engine.equivalences import equivalences
from lcai.engine.evaluate import Evaluation
from lcai.engine.plan import Plan
from lcai.engine.result import Result
from lcai.errors import DataError

__all__ = [
    "FIELD_UNITS",
    "AcceleratorHours",
    "Equivalence",
    "ItemTerm",
    "Number",
    "PhaseTotal",
    "Selector",
    "Term",
    "Total",
    "find_item",
    "parse_selector",
    "sample_values",
    "value",
]

Array = npt.NDArray[np.float64]

FIELD_UNITS: Mapping[str, str] = {
    "energy_kwh": "kWh",
    "co2e_kg": "kg",
    "co2e_market_kg": "kg",
    "water_l": "L",
    "water_onsite_l": "L",
}
"""The unit of each field a selector can read (from totals, phases and items)."""
_TOTAL_FIELDS = ("energy_kwh", "co2e_kg", "co2e_market_kg", "water_l")
_RESULT_PHASES = (*keys.PHASES, keys.UNALLOCATED)
"""The phases of a result's items, in the order the result lists them."""


@dataclass(frozen=True)
class Total:
    """``total.F``: a field of the result's total."""

    field: str


@dataclass(frozen=True)
class PhaseTotal:
    """``phases.P.F``: a field of one phase's total."""

    phase: str
    field: str


@dataclass(frozen=True)
class ItemTerm:
    """``item[PHASE.KIND:N].F``: a field of one line item, found by its kind."""

    kind: str
    field: str
    phase: str | None = None
    index: int | None = None

    def __str__(self) -> str:
        where = f"{self.phase}." if self.phase else ""
        nth = f":{self.index}" if self.index is not None else ""
        return f"item[{where}{self.kind}{nth}]"


@dataclass(frozen=True)
class Equivalence:
    """``equivalence[KEY]``: an everyday equivalent of the life-cycle impact."""

    key: str


@dataclass(frozen=True)
class AcceleratorHours:
    """``accelerator_hours``: the training accelerators' hours."""


@dataclass(frozen=True)
class Number:
    """A number in a selector (``1 / A``)."""

    value: float


Term = Total | PhaseTotal | ItemTerm | Equivalence | AcceleratorHours | Number


@dataclass(frozen=True)
class Selector:
    """A parsed selector: one term, or ``left op right``."""

    text: str
    left: Term
    op: str | None = None
    right: Term | None = None

    @property
    def unit(self) -> str:
        """The unit of the selector's value ('1' when dimensionless)."""
        left = _term_unit(self.left)
        if self.op is None or self.right is None:
            return left
        return _unit(self.op, left, _term_unit(self.right), self.text)


def _term_unit(term: Term) -> str:
    if isinstance(term, Number | Equivalence):
        return "1"
    if isinstance(term, AcceleratorHours):
        return "h"
    return FIELD_UNITS[term.field]


_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "/": operator.truediv,
    "-": operator.sub,
    "+": operator.add,
}
"""The operators, in the order a selector is split at them (floats or per-sample arrays)."""
_TERM = re.compile(
    r"^(?:total\.(?P<tf>\w+)|phases\.(?P<ph>\w+)\.(?P<pf>\w+)"
    r"|item\[(?:(?P<iph>[a-z]+)\.)?(?P<kind>[a-z-]+)(?::(?P<nth>\d+))?\]\.(?P<if>\w+)"
    r"|item\[(?P<bad>[^\]]*)\]\.\w+"
    r"|equivalence\[(?P<eq>[^\]]+)\]|(?P<hours>accelerator_hours)"
    r"|(?P<num>[-+]?[\d.]+(?:e[-+]?\d+)?))$"
)


def parse_selector(text: str) -> Selector:
    """Parse a selector; a :class:`DataError` says what is wrong with it."""
    for op in _OPS:
        token = f" {op} "
        if token in text:
            left, right = text.split(token, 1)
            if any(f" {o} " in left or f" {o} " in right for o in _OPS):
                raise DataError(f"selector {text!r} has more than one operator (one at most)")
            a, b = _parse_term(left, text), _parse_term(right, text)
            _unit(op, _term_unit(a), _term_unit(b), text)  # both sides' units must add up
            return Selector(text, a, op, b)
    return Selector(text, _parse_term(text, text))


def _parse_term(term: str, text: str) -> Term:
    m = _TERM.match(term.strip())
    if not m:
        raise DataError(f"cannot read selector {text!r}")
    if m["num"]:
        return Number(float(m["num"]))
    if m["tf"]:
        return Total(_field(m["tf"], _TOTAL_FIELDS, text))
    if m["ph"]:
        if m["ph"] not in keys.PHASES:
            raise DataError(f"selector {text!r}: no phase {m['ph']!r} ({', '.join(keys.PHASES)})")
        return PhaseTotal(m["ph"], _field(m["pf"], _TOTAL_FIELDS, text))
    if m["kind"] or m["bad"] is not None:
        return _item_term(m, text)
    if m["eq"]:
        return Equivalence(m["eq"])
    return AcceleratorHours()


def _field(name: str, known: Sequence[str], text: str) -> str:
    if name not in known:
        raise DataError(f"selector {text!r}: no field {name!r} (fields: {', '.join(known)})")
    return name


def _item_term(m: re.Match[str], text: str) -> ItemTerm:
    if m["bad"] is not None or m["kind"] not in keys.ITEM_KINDS:
        inner = m["bad"] if m["bad"] is not None else m["kind"]
        raise DataError(
            f"selector {text!r}: {inner!r} is not an item kind: write item[KIND], "
            f"item[KIND:N] or item[PHASE.KIND] with a kind of {', '.join(keys.ITEM_KINDS)}"
        )
    if m["iph"] is not None and m["iph"] not in _RESULT_PHASES:
        raise DataError(f"selector {text!r}: no phase {m['iph']!r} ({', '.join(_RESULT_PHASES)})")
    index = int(m["nth"]) if m["nth"] is not None else None
    return ItemTerm(m["kind"], _field(m["if"], tuple(FIELD_UNITS), text), m["iph"], index)


# --- finding items --------------------------------------------------------------------


class _Kinded(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def phase(self) -> str: ...
    @property
    def kind(self) -> str: ...


def _rank(phase: str) -> int:
    return _RESULT_PHASES.index(phase) if phase in _RESULT_PHASES else len(_RESULT_PHASES)


def find_item(items: Sequence[_Kinded], term: ItemTerm) -> int:
    """Index in ``items`` of the item ``term`` selects (result order, whatever the input's)."""
    order = sorted(range(len(items)), key=lambda i: _rank(items[i].phase))
    found = [
        i for i in order if items[i].kind == term.kind and term.phase in (None, items[i].phase)
    ]
    if not found:
        have = ", ".join(f"{it.phase}.{it.kind}" for it in (items[i] for i in order))
        raise DataError(f"{term}: no item of that kind in this result (items: {have})")
    if term.index is None and len(found) > 1:
        which = "; ".join(
            f"{replace(term, index=n)} is {items[i].name!r}" for n, i in enumerate(found)
        )
        raise DataError(
            f"{term} is ambiguous: {len(found)} items are of kind {term.kind!r} ({which})"
        )
    if term.index is not None and term.index >= len(found):
        raise DataError(f"{term}: only {len(found)} items are of kind {term.kind!r}")
    return found[term.index or 0]


def _training_accelerators(items: Sequence[_Kinded]) -> int:
    return find_item(items, ItemTerm("accelerators", "energy_kwh", "training"))


# --- values ---------------------------------------------------------------------------


def _unit(op: str, ua: str, ub: str, text: str) -> str:
    if op == "/":
        return ua if ub == "1" else (f"{ua}/{ub}" if ua != "1" else f"1/{ub}")
    if ua != ub:
        raise DataError(f"selector {text!r} mixes {ua} and {ub}")
    return ua


def value(res: Result, sel: Selector) -> tuple[float, str]:
    """A selector's value in one result, and its unit ('1' when dimensionless)."""
    a, ua = _term(res, sel.left, sel.text)
    if sel.op is None or sel.right is None:
        return a, ua
    b, ub = _term(res, sel.right, sel.text)
    unit = _unit(sel.op, ua, ub, sel.text)
    try:
        return float(_OPS[sel.op](a, b)), unit
    except ZeroDivisionError:
        raise DataError(f"selector {sel.text!r} divides by zero in this result") from None


def _term(res: Result, term: Term, text: str) -> tuple[float, str]:
    if isinstance(term, Number):
        return term.value, "1"
    if isinstance(term, Equivalence):
        eqs = {e.key: e.value for e in equivalences(res.life_cycle)}
        if term.key not in eqs:
            raise DataError(f"selector {text!r}: no equivalence {term.key!r}")
        return eqs[term.key], "1"
    if isinstance(term, AcceleratorHours):
        return _accelerator_hours(res), "h"
    if isinstance(term, Total):
        got = getattr(res.total, term.field)
    elif isinstance(term, PhaseTotal):
        got = getattr(res.phases[term.phase].impact, term.field)
    else:
        got = getattr(res.items[find_item(res.items, term)], term.field)
    if got is None:
        raise DataError(f"selector {text!r} has no value in this result")
    return float(got), FIELD_UNITS[term.field]


def _accelerator_hours(res: Result) -> float:
    """Training accelerator-hours: the accelerator item's energy / its average power."""
    item = res.items[_training_accelerators(res.items)]
    power = item.inputs.get(keys.TRAINING_POWER)
    if power is None:
        raise DataError("the result's training accelerators have no power")
    return item.energy_kwh / (power.value / 1000.0)


def sample_values(
    plan: Plan, ev: Evaluation, sel: Selector, draws: Mapping[str, Array]
) -> tuple[Array, str]:
    """Per-sample values of a selector (totals, items, accelerator_hours and numbers)."""
    a, ua = _sample_term(plan, ev, sel.left, draws, sel.text)
    if sel.op is None or sel.right is None:
        return a, ua
    b, ub = _sample_term(plan, ev, sel.right, draws, sel.text)
    return np.asarray(_OPS[sel.op](a, b)), _unit(sel.op, ua, ub, sel.text)


def _sample_term(
    plan: Plan, ev: Evaluation, term: Term, draws: Mapping[str, Array], text: str
) -> tuple[Array, str]:
    if isinstance(term, Number):
        return np.asarray(term.value), "1"
    if isinstance(term, Total):
        return ev.total(term.field) / ev.divisor, FIELD_UNITS[term.field]
    if isinstance(term, ItemTerm):
        i = find_item(ev.items, term)
        per_item: Array = getattr(ev, term.field)
        return per_item[i] / ev.divisor, FIELD_UNITS[term.field]
    if isinstance(term, AcceleratorHours):
        i = _training_accelerators(ev.items)
        if keys.TRAINING_POWER not in ev.items[i].inputs:
            raise DataError("the result's training accelerators have no power")
        power_w = draws.get(keys.TRAINING_POWER, plan.params[keys.TRAINING_POWER].value)
        return ev.energy_kwh[i] / (np.asarray(power_w) / 1000.0), "h"
    raise DataError(f"selector {text!r}: no per-sample form")
