"""An assessment resolved into parameters and line items, and its evaluation.

A :class:`Plan` holds every number the model uses as a named parameter (with
its unit, status and source) and every line item as functions of those
parameters. :func:`evaluate` runs the items on a mapping of parameter values:
plain floats give one result; arrays of N samples give N results from the
very same code (Monte Carlo and sensitivity analysis just pass arrays).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from lcai.model._types import Num

__all__ = [
    "PHASES",
    "Evaluation",
    "ItemPlan",
    "Param",
    "Plan",
    "Status",
    "evaluate",
]

PHASES = ("manufacturing", "training", "annotation", "usage")
Status = Literal["user", "table", "default", "derived"]
Params = Mapping[str, Num]
Fn = Callable[[Params], Num]


@dataclass(frozen=True)
class Param:
    """One number of the model, with where it came from.

    ``status``: ``user`` (in the file), ``table`` (catalog row), ``default``
    (a catalog default chosen because the file is silent), ``derived``
    (computed from other inputs).
    """

    name: str
    value: float
    unit: str
    status: Status
    source: str | None = None
    note: str = ""


def _zero(_: Params) -> Num:
    return 0.0


@dataclass(frozen=True)
class ItemPlan:
    """A line item as functions of the parameters.

    ``energy`` is the energy the item consumes [kWh], ``co2e`` location-based
    [kgCO2e], ``co2e_market`` market-based [kgCO2e], ``water`` [L] with its
    ``water_onsite`` part.
    """

    name: str
    phase: str
    method: Literal["measured", "given", "estimated"]
    energy: Fn = _zero
    co2e: Fn = _zero
    co2e_market: Fn = _zero
    water: Fn = _zero
    water_onsite: Fn = _zero
    inputs: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    note: str = ""


@dataclass
class Plan:
    """Everything needed to evaluate one assessment."""

    name: str
    functional_unit: str
    params: dict[str, Param]
    items: list[ItemPlan]
    divisor: Fn | None = None
    has_market: bool = False
    warnings: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    def values(self) -> dict[str, float]:
        """The parameters' values as given or looked up (one sample)."""
        return {k: p.value for k, p in self.params.items()}


Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Evaluation:
    """Evaluated line items: arrays of shape (n_items, n_samples), in life-cycle terms."""

    items: tuple[ItemPlan, ...]
    energy_kwh: Array
    co2e_kg: Array
    co2e_market_kg: Array
    water_l: Array
    water_onsite_l: Array
    divisor: Array

    def phase_mask(self, phase: str) -> npt.NDArray[np.bool_]:
        """Boolean mask of the items of ``phase``."""
        return np.array([it.phase == phase for it in self.items], dtype=bool)

    def total(self, quantity: str) -> Array:
        """Life-cycle total of ``quantity`` per sample."""
        arr: Array = getattr(self, quantity)
        out: Array = arr.sum(axis=0)
        return out


def evaluate(plan: Plan, params: Params | None = None) -> Evaluation:
    """Evaluate every line item on ``params`` (default: the plan's own values).

    Values may be floats or 1-D arrays of equal length N; the result's arrays
    have shape (n_items, N) (N = 1 for scalars).
    """
    p: dict[str, Num] = dict(plan.values())
    if params:
        p.update(params)
    n = 1
    for v in p.values():
        if isinstance(v, np.ndarray) and v.ndim > 0:
            n = max(n, v.shape[0])

    def col(fn: Fn) -> Array:
        out = np.asarray(fn(p), dtype=np.float64)
        return np.broadcast_to(out, (n,)) if out.ndim == 0 else out

    k = len(plan.items)
    stacks = {q: np.empty((k, n)) for q in ("e", "c", "m", "w", "o")}
    for i, it in enumerate(plan.items):
        stacks["e"][i] = col(it.energy)
        stacks["c"][i] = col(it.co2e)
        stacks["m"][i] = col(it.co2e_market)
        stacks["w"][i] = col(it.water)
        stacks["o"][i] = col(it.water_onsite)
    divisor = col(plan.divisor) if plan.divisor is not None else np.ones(n)
    return Evaluation(
        items=tuple(plan.items),
        energy_kwh=stacks["e"],
        co2e_kg=stacks["c"],
        co2e_market_kg=stacks["m"],
        water_l=stacks["w"],
        water_onsite_l=stacks["o"],
        divisor=divisor,
    )
