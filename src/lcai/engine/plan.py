"""An assessment resolved into parameters and line items, and its evaluation.

A :class:`Plan` holds every number the model uses as a named parameter (with
its unit, status and source) and every line item as functions of those
parameters. :func:`evaluate` runs the items on a mapping of parameter values:
plain floats give one result; arrays of N samples give N results from the
very same code (Monte Carlo and sensitivity analysis just pass arrays).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
import numpy.typing as npt

from lcai import keys
from lcai import model as m
from lcai.keys import ItemKind
from lcai.model.num import Num
from lcai.spec.distributions import Dist

__all__ = [
    "PHASES",
    "Evaluation",
    "Fn",
    "ItemPlan",
    "Method",
    "Param",
    "Params",
    "Plan",
    "Status",
    "Supply",
    "evaluate",
]

PHASES = keys.PHASES
Status = Literal["user", "table", "default", "derived"]
Method = Literal["measured", "given", "estimated"]
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
    dist: Dist | None = None
    """The value's uncertainty, if the file or the catalog gives one."""


def _zero(_: Params) -> Num:
    return 0.0


@dataclass(frozen=True)
class Supply:
    """Parameter keys of the electricity an item uses, and of its facility.

    ``grid``: location-based intensity [kg/kWh]; ``market``: market-based
    intensity as a function of the parameters; ``ewif``: off-site water of
    generation [L/kWh]; ``wue``: on-site water per kWh of IT energy, for IT
    loads inside a data center (None outside one); ``pue``: the facility's PUE.
    """

    grid: str
    market: Fn
    ewif: str
    wue: str | None = None
    pue: str | None = None
    sources: tuple[str, ...] = ()
    """The sources of the grid and facility factors."""

    def outside(self) -> Supply:
        """The same electricity used outside the data center: no on-site water."""
        return replace(self, wue=None)


@dataclass(frozen=True)
class ItemPlan:
    """A line item as functions of the parameters.

    An electricity item has an ``energy`` function [kWh] and a ``supply``:
    its carbon and water follow from them (carbon = energy x intensity;
    water = energy x EWIF, plus energy x WUE for IT loads). A facility
    overhead item (``overhead=True``) takes the energy of its phase's IT
    loads x (PUE - 1). Other items (embodied, reported) give ``co2e``
    [kgCO2e], ``co2e_market`` and ``water`` [L] directly.
    """

    name: str
    phase: str
    method: Method
    kind: ItemKind
    energy: Fn = _zero
    supply: Supply | None = None
    overhead: bool = False
    co2e: Fn | None = None
    co2e_market: Fn | None = None
    water: Fn | None = None
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
    regions: dict[str, str] = field(default_factory=dict)
    """The grid each phase draws from: a catalog key, or 'given' when the file states the
    factor."""
    derived: dict[str, Fn] = field(default_factory=dict)
    """Parameters computed from others on every sample (e.g. requests = per day x days)."""
    accelerator_keys: dict[str, str] = field(default_factory=dict)
    """Catalog key of the accelerator of ``training.accelerators`` / ``usage.inference``."""

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
    have shape (n_items, N) (N = 1 for scalars). Each item's energy is computed
    once; carbon and water are one multiply-add each on top of it.
    """
    p: dict[str, Num] = dict(plan.values())
    if params:
        p.update(params)
    for name, fn in plan.derived.items():
        if not params or name not in params:
            p[name] = fn(p)
    n = 1
    for v in p.values():
        if isinstance(v, np.ndarray) and v.ndim > 0:
            n = max(n, v.shape[0])
    k = len(plan.items)
    # every row of these is written below; only on-site water stays zero for most items
    energy, co2e, market, water = (np.empty((k, n)) for _ in range(4))
    onsite = np.zeros((k, n))
    markets: dict[int, Num] = {}

    def market_of(s: Supply) -> Num:
        key = id(s.market)
        if key not in markets:
            markets[key] = s.market(p)
        return markets[key]

    it_energy: dict[str, Array] = {}
    order = [i for i, it in enumerate(plan.items) if not it.overhead]
    order += [i for i, it in enumerate(plan.items) if it.overhead]
    for i in order:
        it = plan.items[i]
        s = it.supply
        if it.overhead:
            assert s is not None and s.pue is not None
            base = it_energy.get(it.phase, np.zeros(n))
            energy[i] = m.facility_overhead_kwh(base, np.asarray(p[s.pue]))
        else:
            energy[i] = it.energy(p)
            if s is not None and s.wue is not None:
                if it.phase in it_energy:
                    it_energy[it.phase] += energy[i]
                else:
                    it_energy[it.phase] = energy[i].copy()
        if it.co2e is not None:
            co2e[i] = it.co2e(p)
            market[i] = it.co2e_market(p) if it.co2e_market is not None else co2e[i]
        elif s is not None:
            co2e[i] = m.co2e_kg(energy[i], p[s.grid])
            market[i] = m.co2e_kg(energy[i], market_of(s))
        else:
            co2e[i] = market[i] = 0.0
        if it.water is not None:
            water[i] = it.water(p)
        elif s is None:
            water[i] = 0.0
        else:
            water[i] = m.offsite_water_l(energy[i], p[s.ewif])
            if s.wue is not None and not it.overhead:
                onsite[i] = m.onsite_water_l(energy[i], p[s.wue])
                water[i] += onsite[i]
    divisor = np.broadcast_to(np.asarray(plan.divisor(p) if plan.divisor else 1.0), (n,))
    return Evaluation(
        items=tuple(plan.items),
        energy_kwh=energy,
        co2e_kg=co2e,
        co2e_market_kg=market,
        water_l=water,
        water_onsite_l=onsite,
        divisor=np.asarray(divisor, dtype=np.float64),
    )
