"""Why a result moved between two catalogs: the change of the life-cycle total explained
parameter by parameter, each a catalog row (or a value derived from rows).

The file is resolved against both catalogs. The new plan is evaluated with every
parameter whose value differs set to its old value, then they are switched to their
new value one at a time (the largest single effect first): the steps add up to the
change of the total. What the steps do not explain (a changed structure: rows that
make the resolution choose other items) is reported as unattributed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from lcai.api import plan_source
from lcai.catalog import user
from lcai.catalog.diff import folders_of
from lcai.engine.evaluate import evaluate
from lcai.engine.plan import Param, Plan
from lcai.spec.source import Source

__all__ = ["Attribution", "Step", "attribute_change"]

QUANTITIES = ("co2e_kg", "energy_kwh", "water_l")


@dataclass(frozen=True)
class Step:
    """One parameter's part of the change."""

    name: str
    old: float
    new: float
    unit: str
    source_old: str | None
    source_new: str | None
    row: str
    """The catalog row the value comes from (``table:key.quantity``), where it says."""
    delta: float
    """Its part of the change of the total, in the quantity's unit."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "parameter": self.name,
            "old": self.old,
            "new": self.new,
            "unit": self.unit,
            "source_old": self.source_old,
            "source_new": self.source_new,
            "row": self.row,
            "delta": self.delta,
        }


@dataclass(frozen=True)
class Attribution:
    """The change of the life-cycle total of one quantity and its parts."""

    quantity: str
    old_total: float
    new_total: float
    steps: list[Step] = field(default_factory=list)

    @property
    def change(self) -> float:
        return self.new_total - self.old_total

    @property
    def unattributed(self) -> float:
        return self.change - sum(s.delta for s in self.steps)

    @property
    def attributed_share(self) -> float:
        """Share of the change the steps explain (1.0 when nothing changed)."""
        if self.change == 0:
            return 1.0
        return 1.0 - abs(self.unattributed) / abs(self.change)

    def to_dict(self) -> dict[str, Any]:
        return {
            "quantity": self.quantity,
            "old_total": self.old_total,
            "new_total": self.new_total,
            "change": self.change,
            "attributed_share": self.attributed_share,
            "unattributed": self.unattributed,
            "steps": [s.to_dict() for s in self.steps],
        }


def _row_of(p: Param) -> str:
    """The catalog row (``table:key.quantity``) a parameter was read from, or ''."""
    return p.row or ""


def _total(plan: Plan, params: dict[str, float], quantity: str) -> float:
    ev = evaluate(plan, {k: np.float64(v) for k, v in params.items()})
    return float(ev.total(quantity)[0])


def _plan_with(source: Source, folder: str | Path | None) -> Plan:
    from lcai.errors import DataError, SpecError

    base, overlay = folders_of(folder)
    with user.using(base, overlay):
        try:
            return plan_source(source)
        except SpecError as exc:  # the file names what the old catalog lacks
            raise DataError(
                f"the file does not resolve against the old catalog {folder or 'packaged'}: "
                f"{exc.message} (compare results of files both catalogs can read)"
            ) from None


def attribute_change(
    source: Source, old_catalog: str | Path | None, quantity: str = "co2e_kg"
) -> Attribution:
    """Explain the change of ``quantity`` (life-cycle total) from ``old_catalog`` to the
    catalog in use, by the parameters whose value changed."""
    if quantity not in QUANTITIES:
        raise ValueError(f"quantity must be one of {QUANTITIES}")
    new_plan = plan_source(source)
    old_plan = _plan_with(source, old_catalog)
    old_total = _total(old_plan, {}, quantity)
    new_total = _total(new_plan, {}, quantity)
    # every input of the model: the file's and the catalog's values, and values worked out
    # once while resolving (a fab water from a die area); not those recomputed from others
    changed = {
        n: old_plan.params[n]
        for n, p in new_plan.params.items()
        if n not in new_plan.derived
        and n in old_plan.params
        and not math.isclose(old_plan.params[n].value, p.value, rel_tol=1e-12, abs_tol=0.0)
    }
    state = {n: p.value for n, p in changed.items()}
    steps: list[Step] = []
    current = _total(new_plan, state, quantity)
    while state:  # the largest single effect first, from where the previous steps left
        effects = {}
        for n in state:
            trial = {k: v for k, v in state.items() if k != n}
            effects[n] = _total(new_plan, trial, quantity) - current
        n = max(effects, key=lambda x: abs(effects[x]))
        p_new, p_old = new_plan.params[n], changed[n]
        steps.append(
            Step(
                n,
                p_old.value,
                p_new.value,
                p_new.unit,
                p_old.source,
                p_new.source,
                _row_of(p_new) or _row_of(p_old),
                effects[n],
            )
        )
        del state[n]
        current += effects[n]
    # the first step from the old total: whatever the structure changed
    return Attribution(quantity, old_total, new_total, steps)
