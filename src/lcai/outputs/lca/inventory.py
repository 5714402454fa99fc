"""A plan's evaluated line items as a neutral foreground inventory for LCA software.

The inventory is read off the plan, never modelled again: each line item's energy, carbon
and water come from :func:`lcai.engine.evaluate.evaluate`, its electricity from its
:class:`~lcai.engine.plan.Supply`'s parameter keys. The activities are

- the functional unit, which takes 1 / (number of functional units) of the life cycle;
- the life cycle, which takes one of each phase;
- one per phase, which takes one of each of its line items;
- one per line item: an electricity item takes its kWh from its data centre or grid, as
  GB or hours of an activity of its kWh per GB or per hour where its energy is
  proportional to inputs in GB or h and counts (data x requests, person-hours x devices,
  unit-hours); an item with its own carbon (embodied, reported) emits it, as allocated
  units of a hardware unit where its carbon is proportional to a per-unit figure [kg],
  else directly;
- one per grid a phase draws from (kgCO2e and m3 of water per kWh: lcai's catalog factors,
  with the region code and catalog row a practitioner links to a background market);
- one per data centre (1 kWh of grid electricity, WUE on-site water and PUE - 1 kWh of the
  phase's facility overhead per kWh of IT load); the facility overhead item takes 1 kWh of
  grid electricity per kWh.

Uncertainty: each uncertain parameter (a distribution in the file or the catalog) is found
in the exchanges whose amounts move with it, by evaluating the plan with that parameter
moved (the same engine, no second model). An exchange carries the parameter's distribution
when it is the only exchange that moves with it, moves with no other uncertain parameter,
and moves affinely with it (a scaled and shifted distribution of the same kind; a lognormal
only scaled). Anything else is not expressible as independent per-exchange distributions
(LCA software samples exchanges independently) and is listed in
:attr:`Inventory.not_carried` with the reason; those exchanges keep their nominal amount.

Joint draws (``inventory_of(plan, samples=N)``): the plan is taken apart once at its
nominal values and then again, making the same decisions, at each of lcai's N joint
Monte Carlo draws; :attr:`Inventory.samples` holds every moving exchange's amount at
each draw, whose LCA is lcai's total at that draw, shared inputs included.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
import numpy.typing as npt

from lcai import keys
from lcai.engine.evaluate import Evaluation, evaluate, require_finite
from lcai.engine.plan import ItemPlan, Param, Plan, Supply
from lcai.engine.uncertainty import PERCENTILES, sample_params, shared_inputs
from lcai.errors import LcaiError, SpecError
from lcai.model.num import Num
from lcai.spec.distributions import Dist, transformed

__all__ = [
    "CO2E",
    "CO2E_MARKET",
    "DC_TECHNOLOGY",
    "GRID_TECHNOLOGY",
    "WATER",
    "Activity",
    "Exchange",
    "Flow",
    "Inventory",
    "Samples",
    "catalog_row",
    "inventory_of",
]

Array = npt.NDArray[np.float64]
ExchangeKind = Literal["technosphere", "biosphere"]
Role = Literal[
    "functional unit",
    "life cycle",
    "phase",
    "item",
    "item use",
    "electricity",
    "data centre",
    "hardware",
]
DRIVER_UNITS = ("GB", "h")
"""Units of the physical quantity an electricity item's kWh can be given per: data [GB]
(transferred, or a memory's capacity), hours [h] (accelerator-, unit- or person-hours)."""

CO2E = "co2e"
"""Code of the elementary flow of lcai's location-based carbon [kgCO2e]."""
CO2E_MARKET = "co2e-market"
"""Code of the elementary flow of lcai's market-based carbon [kgCO2e] (where stated)."""
WATER = "water"
"""Code of the elementary flow of consumed water [m3]."""

GRID_TECHNOLOGY = "electricity, grid mix"
"""The ``technology`` link key of an exchange of grid electricity: the one to relink to a
background electricity market of its ``region``."""
DC_TECHNOLOGY = "electricity, IT load in a data centre"
"""The ``technology`` of an item's exchange with its data centre (whose own grid exchange
is the one to relink)."""
FUNCTIONAL_UNIT = "functional-unit"
"""Code of the functional-unit activity (the demand of an LCA)."""
MAX_SAMPLES = 100_000
"""Most joint draws an inventory carries (8 bytes per draw and moving exchange)."""
L_PER_M3 = 1000.0
_REL = 1e-9
"""Relative tolerance of the probes: a change below it is float noise, not a dependence."""
_POINTS = (0.01, 0.25, 0.75, 0.99)
"""The quantiles of its distribution an uncertain parameter is probed at."""


@dataclass(frozen=True)
class Flow:
    """An elementary (biosphere) flow: lcai's own characterisation of an exchange."""

    code: str
    name: str
    unit: str
    compartment: tuple[str, ...]
    note: str


FLOWS: dict[str, Flow] = {
    CO2E: Flow(
        CO2E,
        "carbon dioxide equivalent, location-based (lcai)",
        "kg",
        ("air",),
        "Greenhouse gases as kgCO2e (GWP100) by lcai's catalog factors (grid intensities, "
        "embodied figures): one flow per kg CO2e, characterised 1:1 by an IPCC GWP100 method.",
    ),
    CO2E_MARKET: Flow(
        CO2E_MARKET,
        "carbon dioxide equivalent, market-based (lcai)",
        "kg",
        ("air",),
        "The same as kgCO2e with contractual instruments (GHG Protocol Scope 2, market-based).",
    ),
    WATER: Flow(
        WATER,
        "water, consumed (lcai)",
        "m3",
        ("natural resource", "in water"),
        "Water consumed (evaporated or withdrawn and not returned): on-site cooling, "
        "off-site generation and fabrication, as lcai counts it.",
    ),
}


@dataclass(frozen=True)
class Exchange:
    """An input of an activity: ``amount`` [``unit``] of the activity or elementary flow
    ``source``. ``dist``: the amount's distribution where it carries one (in ``unit``),
    ``carries``: the lcai parameter it comes from. ``link``: what a practitioner needs to
    link it to a background database (``region``, ``technology``, ``catalog_row``,
    ``hardware``)."""

    source: str
    kind: ExchangeKind
    amount: float
    unit: str
    comment: str = ""
    dist: Dist | None = None
    carries: str | None = None
    link: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Activity:
    """One activity: it produces one ``unit`` of its reference product and takes
    ``exchanges``. ``inputs``: the lcai parameters it was computed from (traceability)."""

    code: str
    name: str
    unit: str
    role: Role
    exchanges: tuple[Exchange, ...]
    phase: str | None = None
    kind: str | None = None
    location: str | None = None
    comment: str = ""
    inputs: tuple[Param, ...] = ()


@dataclass(frozen=True)
class Samples:
    """lcai's own joint Monte Carlo draws carried through the inventory: ``amounts`` holds
    the ``n`` amounts of each exchange that moves, keyed by (activity code, the exchange's
    index in that activity's ``exchanges``); ``co2e_kg`` and ``water_l`` are lcai's totals
    per functional unit at the same draws (what an LCA of the amounts must give)."""

    n: int
    seed: int | None
    amounts: Mapping[tuple[str, int], Array]
    co2e_kg: Array
    water_l: Array

    def co2e_percentiles(self) -> tuple[float, float, float]:
        """lcai's p5, p50 and p95 of the carbon per functional unit [kgCO2e] at the draws
        (the percentiles ``lcai assess --samples`` reports)."""
        p5, p50, p95 = (float(v) for v in np.percentile(self.co2e_kg, PERCENTILES))
        return p5, p50, p95


@dataclass(frozen=True)
class Inventory:
    """The foreground inventory of one assessment, with lcai's own nominal figures per
    functional unit (what the exported model must reproduce)."""

    name: str
    functional_unit: str
    reference: str
    """Code of the functional-unit activity (the demand of an LCA)."""
    activities: tuple[Activity, ...]
    flows: tuple[Flow, ...]
    energy_kwh: float
    co2e_kg: float
    water_l: float
    co2e_market_kg: float | None
    carried: tuple[str, ...]
    """The uncertain parameters whose distribution an exchange carries."""
    not_carried: tuple[tuple[str, str], ...]
    """(parameter, why) for each uncertain parameter no exchange can carry."""
    samples: Samples | None = None
    """lcai's joint draws of every exchange's amount (see :func:`inventory_of`)."""

    def activity(self, code: str) -> Activity:
        """The activity of ``code``."""
        for a in self.activities:
            if a.code == code:
                return a
        raise KeyError(code)


_ROW = re.compile(r"^(?P<table>[a-z][a-z0-9_]*):(?P<key>.+)\.(?P<quantity>[a-z][a-z0-9_]*)$")


def catalog_row(p: Param) -> tuple[str, str, str] | None:
    """(table, key, quantity) of the catalog row a parameter was read from
    (:attr:`Param.row`), else None."""
    m = _ROW.match(p.row) if p.row else None
    return (m["table"], m["key"], m["quantity"]) if m else None


def _row_text(p: Param) -> str | None:
    row = catalog_row(p)
    return f"{row[0]}:{row[1]}.{row[2]}" if row else None


@dataclass
class _Probe:
    """The plan evaluated at its nominal values (column 0) and with each probed parameter
    moved to :data:`_POINTS` (one column each); ``values``: every parameter in every
    column, derived ones recomputed."""

    keys: tuple[str, ...]
    uncertain: frozenset[str]
    x: dict[str, tuple[float, ...]]
    ev: Evaluation
    values: dict[str, Array]

    @classmethod
    def of(cls, plan: Plan, extra: set[str], *, derived: bool = False) -> _Probe:
        """Probe the uncertain parameters and ``extra``; with ``derived``, only the derived
        parameters of ``extra`` (moving one stops its recomputation in every column)."""
        if derived:
            uncertain: set[str] = set()
            probed = tuple(sorted(k for k in extra if k in plan.derived and k in plan.params))
        else:
            uncertain = {
                k for k, p in plan.params.items() if _spread(p.dist) and k not in plan.derived
            }
            probed = tuple(sorted(uncertain | {k for k in extra if k in plan.params}))
            probed = tuple(k for k in probed if k not in plan.derived)
        m = len(_POINTS)
        n = 1 + m * len(probed)
        over: dict[str, Num] = {}
        x: dict[str, tuple[float, ...]] = {}
        for j, k in enumerate(probed):
            p = plan.params[k]
            pts = _points(p.value, p.dist if k in uncertain else None)
            col = np.full(n, p.value, dtype=np.float64)
            col[1 + m * j : 1 + m * (j + 1)] = pts
            over[k] = col
            x[k] = (p.value, *pts)
        ev, values = _columns(plan, over, n)
        return cls(probed, frozenset(uncertain), x, ev, values)

    @classmethod
    def sampled(cls, plan: Plan, draws: Mapping[str, Array], n: int) -> _Probe:
        """The plan at its nominal values (column 0) and at each of the ``n`` joint draws
        of ``draws`` (columns 1 to n): no parameter probed."""
        over: dict[str, Num] = {
            k: np.concatenate(([plan.params[k].value], np.asarray(v, dtype=np.float64)))
            for k, v in draws.items()
        }
        ev, values = _columns(plan, over, 1 + n)
        return cls((), frozenset(), {}, ev, values)

    def _cols(self, q: Array, k: str) -> Array:
        m = len(_POINTS)
        j = self.keys.index(k)
        return np.asarray(q[1 + m * j : 1 + m * (j + 1)], dtype=np.float64)

    def deps(self, q: Array) -> tuple[str, ...]:
        """The uncertain parameters the amounts ``q`` (one per column) move with; an amount
        that is not a finite number at a probe point counts as moving."""
        scale = max(abs(float(q[0])), 1e-300)
        out = []
        for k in self.keys:
            if k not in self.uncertain:
                continue
            moved = np.abs(self._cols(q, k) - q[0])
            if not np.all(np.isfinite(moved)) or float(moved.max()) > _REL * scale:
                out.append(k)
        return tuple(out)

    def affine(self, q: Array, k: str) -> tuple[float, float] | None:
        """(slope, intercept) where ``q`` moves affinely with parameter ``k`` at every probe
        point, else None."""
        x0, xs = self.x[k][0], np.asarray(self.x[k][1:])
        q0, qs = float(q[0]), self._cols(q, k)
        keep = xs != x0
        if not keep.any() or not np.all(np.isfinite(qs)):
            return None
        slopes = (qs[keep] - q0) / (xs[keep] - x0)
        s1 = float(slopes[0])
        if not float(np.abs(slopes - s1).max()) <= _REL * max(float(np.abs(slopes).max()), 1e-300):
            return None
        intercept = q0 - s1 * x0
        if abs(intercept) <= _REL * max(abs(q0), abs(s1 * x0)):
            intercept = 0.0  # float noise of a proportional amount
        return s1, intercept

    def proportional(self, q: Array, k: str) -> bool:
        """Whether ``q`` is ``k`` times a factor that does not move with ``k``."""
        line = self.affine(q, k)
        return line is not None and line[1] == 0.0


def _columns(plan: Plan, over: dict[str, Num], n: int) -> tuple[Evaluation, dict[str, Array]]:
    """The plan evaluated with ``over`` (n columns), and every parameter's value in every
    column, derived ones recomputed as :func:`evaluate` does."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ev = evaluate(plan, over or None)
        vals: dict[str, Num] = {k: np.full(n, p.value) for k, p in plan.params.items()}
        vals.update(over)
        for name, fn in plan.derived.items():
            if name not in over:
                vals[name] = fn(vals)
    return ev, {k: np.broadcast_to(np.asarray(v, dtype=np.float64), (n,)) for k, v in vals.items()}


def _points(value: float, d: Dist | None) -> Array:
    """Where a parameter is probed: its distribution's 1%, 25%, 75% and 99% points (on
    both sides of the value, across the range the draws cover, so that a kink or a cap
    inside it shows), else the value x 0.5, 0.75, 1.25 and 1.5."""
    if d is not None:
        pts = d.ppf(np.asarray(_POINTS))
        if len(set(pts.tolist()) - {value}) >= 2:
            return pts
    if value:
        return value * np.array([0.5, 0.75, 1.25, 1.5])
    return np.array([-1.0, 0.5, 1.0, 2.0])


def _spread(d: Dist | None) -> bool:
    """Whether a distribution has any spread (a point is no uncertainty)."""
    if d is None:
        return False
    if d.kind == "normal":
        return d.b > 0
    if d.kind == "lognormal":
        return d.b > 1
    hi = d.b if d.kind == "uniform" else d.c
    return hi > d.a


@dataclass
class _Pending:
    """An exchange being built: its amounts in every probe column."""

    activity: str
    source: str
    kind: ExchangeKind
    q: Array
    unit: str
    comment: str
    link: dict[str, str]
    deps: tuple[str, ...] = ()
    nominal_only: bool = False
    """An exchange left out of the uncertainty (market-based figures)."""


class _Builder:
    """Walks the plan's items into activities and exchanges. With ``replay`` (the builder
    of the nominal inventory) and ``draws``, it walks the same way at lcai's joint Monte
    Carlo draws: every decision of the nominal walk (which exchanges there are, what an
    amount is proportional to) is taken again, only the amounts are the draws'."""

    def __init__(
        self,
        plan: Plan,
        ev: Evaluation,
        replay: _Builder | None = None,
        draws: tuple[Mapping[str, Array], int] | None = None,
        keep: frozenset[int] = frozenset(),
    ) -> None:
        self.plan = plan
        self.ev = ev
        self.pending: list[_Pending] = []
        self.activities: dict[str, dict[str, object]] = {}
        self.order: list[str] = []
        self.calls: list[tuple[str, str, str, bool]] = []
        """(activity, source, kind, kept) of every exchange the walk offered."""
        self.decided: dict[tuple[int, str, str], bool] = {}
        """The answers of :meth:`proportional`, for a replay to take again."""
        self.keep = keep
        """Exchanges (by call) kept though zero at the nominal values and every probe
        point: those a replay found moving at the draws."""
        self.moving_dropped: list[int] = []
        """(A replay) the exchanges the nominal walk dropped that some draw moves."""
        self.nominal = replay
        self.draws = draws[1] if draws else 0
        if replay is not None:
            assert draws is not None
            self.probe = self.derived_probe = _Probe.sampled(plan, *draws)
            return
        probed = {k for it in plan.items if it.co2e is not None for k in self._per_unit(it)}
        probed |= {k for it in plan.items for k in self._drivers(it)}
        self.probe = _Probe.of(plan, probed)
        self.derived_probe = _Probe.of(plan, probed, derived=True)

    def proportional(self, i: int, quantity: str, k: str) -> bool:
        """Whether item ``i``'s ``quantity`` (energy_kwh, co2e_kg) is parameter ``k`` times
        a factor that does not move with it."""
        if self.nominal is not None:
            got = self.nominal.decided.get((i, quantity, k))
            if got is None:
                raise _misaligned(f"item {i} asks whether its {quantity} is proportional to {k}")
            return got
        probe = self.derived_probe if k in self.plan.derived else self.probe
        q: Array = getattr(probe.ev, quantity)[i]
        out = k in probe.keys and probe.proportional(q, k)
        self.decided[(i, quantity, k)] = out
        return out

    def _drivers(self, it: ItemPlan) -> list[str]:
        """Candidates for the physical quantity of an electricity item: its inputs in GB or
        h, and its counts (unit 1)."""
        if it.supply is None or it.overhead or it.co2e is not None or it.water is not None:
            return []
        params = self.plan.params
        return [k for k in it.inputs if k in params and params[k].unit in (*DRIVER_UNITS, "1")]

    def _per_unit(self, it: ItemPlan) -> list[str]:
        """Candidates for an item's per-unit carbon: its inputs in kg."""
        return [k for k in it.inputs if k in self.plan.params and self.plan.params[k].unit == "kg"]

    # activities and exchanges
    def add_activity(self, code: str, **fields: object) -> bool:
        """Add an activity once; False where it was there already."""
        if code in self.activities:
            return False
        self.activities[code] = fields
        self.order.append(code)
        return True

    def add(
        self,
        activity: str,
        source: str,
        kind: ExchangeKind,
        q: Array,
        unit: str,
        comment: str,
        link: dict[str, str] | None = None,
        *,
        nominal_only: bool = False,
        keep_zero: bool = False,
    ) -> None:
        q = np.asarray(q, dtype=np.float64)
        if self.nominal is not None:  # a replay keeps what the nominal walk kept
            j, calls = len(self.calls), self.nominal.calls
            if j >= len(calls) or calls[j][:3] != (activity, source, kind):
                raise _misaligned(f"exchange {j + 1} is {activity} <- {source}")
            self.calls.append(calls[j])
            q = np.broadcast_to(q, (1 + self.draws,))
            if calls[j][3]:
                self.pending.append(_Pending(activity, source, kind, q, unit, comment, {}))
            elif np.any(q[1:]):  # zero at the nominal values and probes, not at the draws
                self.moving_dropped.append(j)
            return
        kept = keep_zero or bool(np.any(q)) or len(self.calls) in self.keep
        self.calls.append((activity, source, kind, kept))
        if not kept:
            return
        deps = () if nominal_only else self.probe.deps(q)
        self.pending.append(
            _Pending(activity, source, kind, q, unit, comment, link or {}, deps, nominal_only)
        )

    def value(self, key: str) -> Array:
        return self.probe.values[key]

    # the parts
    def grid(self, s: Supply, phase: str) -> str:
        """The grid activity of a supply's electricity (carbon and off-site water)."""
        code = f"grid:{s.grid}|{s.ewif}"
        gp = self.plan.params[s.grid]
        row = catalog_row(gp)
        region = row[1] if row and row[0] == "grid_intensity" else self.plan.regions.get(phase)
        region = region or "given"
        direct = row is not None and row[2] == "co2e_intensity_direct"
        tech = GRID_TECHNOLOGY + (" (direct emissions only)" if direct else "")
        link = {"region": region, "technology": tech}
        if row:
            link["catalog_row"] = _row_text(gp) or ""
        if self.add_activity(
            code,
            name=f"{tech}, {region} ({phase})",
            unit="kWh",
            role="electricity",
            phase=phase,
            location=region,
            comment=f"lcai's factors for the grid the {phase} phase draws from; relink this "
            "activity to a background electricity market of the same region.",
            inputs=tuple(self.plan.params[k] for k in (s.grid, s.ewif)),
            link=link,
        ):
            self.add(code, CO2E, "biosphere", self.value(s.grid), "kg", _cite(gp), link)
            wp = self.plan.params[s.ewif]
            self.add(code, WATER, "biosphere", self.value(s.ewif) / L_PER_M3, "m3", _cite(wp))
            if self.plan.has_market:
                market = np.broadcast_to(
                    np.asarray(s.market(self.probe.values)), self.value(s.grid).shape
                )
                self.add(
                    code,
                    CO2E_MARKET,
                    "biosphere",
                    market,
                    "kg",
                    "market-based intensity (GHG Protocol Scope 2) of the supply; nominal",
                    nominal_only=True,
                )
        return code

    def data_centre(self, s: Supply, phase: str, overheads: list[tuple[int, ItemPlan]]) -> str:
        """The activity of 1 kWh of IT load in a phase's data centre."""
        assert s.wue is not None
        code = f"dc:{phase}|{s.grid}|{s.ewif}|{s.wue}"
        grid = self.grid(s, phase)
        if self.add_activity(
            code,
            name=f"electricity, IT load in a data centre ({phase})",
            unit="kWh",
            role="data centre",
            phase=phase,
            comment="1 kWh of IT load: the grid's kWh, on-site water (WUE), and PUE - 1 kWh "
            "of facility overhead",
            inputs=tuple(self.plan.params[k] for k in (s.wue,)),
        ):
            one = np.ones_like(self.value(s.grid))
            self.add(code, grid, "technosphere", one, "kWh", "the IT load's own electricity",
                     self.activities[grid]["link"])  # type: ignore[arg-type]  # fmt: skip
            wp = self.plan.params[s.wue]
            self.add(code, WATER, "biosphere", self.value(s.wue) / L_PER_M3, "m3", _cite(wp))
            self.overhead_share(code, overheads)
        return code

    def overhead_share(self, code: str, overheads: list[tuple[int, ItemPlan]]) -> None:
        """PUE - 1 kWh of each of the phase's facility-overhead items per kWh of IT load."""
        for i, o in overheads:
            assert o.supply is not None and o.supply.pue is not None
            pp = self.plan.params[o.supply.pue]
            q = self.value(o.supply.pue) - 1.0
            self.add(code, f"item:{i}", "technosphere", q, "kWh", _cite(pp, "PUE - 1"))

    def item(self, i: int, it: ItemPlan, overheads: list[tuple[int, ItemPlan]]) -> str:
        code = f"item:{i}"
        ev = self.probe.ev
        s = it.supply
        own = it.co2e is not None or it.water is not None or it.co2e_market is not None
        unit = "kWh" if it.overhead else "unit"
        self.add_activity(
            code,
            name=f"{it.name} ({it.phase})",
            unit=unit,
            role="item",
            phase=it.phase,
            kind=it.kind,
            comment=f"lcai line item, kind '{it.kind}', method '{it.method}'"
            + (f"; {it.note}" if it.note else ""),
            inputs=tuple(self.plan.params[k] for k in it.inputs if k in self.plan.params),
        )
        text = _item_text(self.plan, it)
        if it.overhead:
            assert s is not None
            grid = self.grid(s.outside(), it.phase)
            one = np.ones(ev.energy_kwh.shape[1])
            self.add(code, grid, "technosphere", one, "kWh", text,
                     self.activities[grid]["link"])  # type: ignore[arg-type]  # fmt: skip
            return code
        if s is not None and not own:
            src = self.data_centre(s, it.phase, overheads) if s.wue else self.grid(s, it.phase)
            link = dict(self.activities[self.grid(s, it.phase)]["link"])  # type: ignore[call-overload]
            if s.wue:  # relink the data centre's grid input, not this (PUE and WUE stay)
                link["technology"] = DC_TECHNOLOGY
            q = ev.energy_kwh[i]
            props = [
                k
                for k in self._drivers(it)
                if self.plan.params[k].value > 0 and self.proportional(i, "energy_kwh", k)
            ]
            units = {self.plan.params[k].unit for k in props} - {"1"}
            if len(units) != 1 or not q[0] > 0:
                self.add(code, src, "technosphere", q, "kWh", text, link)
                return code
            # the kWh per GB or per hour, and the GB or hours: the physical quantity, the
            # product of the inputs the energy is proportional to (data x requests,
            # person-hours x devices, hours x units)
            (unit,) = units
            x = np.ones_like(q)
            for k in props:
                x = x * self.value(k)
            use = f"use:{i}"
            product = " x ".join(props)
            self.add_activity(
                use,
                name=f"{it.name} ({it.phase}), per {unit}",
                unit=unit,
                role="item use",
                phase=it.phase,
                kind=it.kind,
                comment=f"the item's electricity per {unit} of {product}",
                inputs=tuple(self.plan.params[k] for k in props),
            )
            with np.errstate(divide="ignore", invalid="ignore"):
                per = q / x
            self.add(use, src, "technosphere", per, "kWh", text, link)
            cites = "; ".join(_cite(self.plan.params[k]) for k in props)
            self.add(code, use, "technosphere", x, unit, f"{unit} = {product}; {cites}")
            return code
        # an item with its own carbon and water
        self.own_carbon(code, i, it, text)
        self.add(code, WATER, "biosphere", ev.water_l[i] / L_PER_M3, "m3", text)
        if self.plan.has_market:
            self.add(code, CO2E_MARKET, "biosphere", ev.co2e_market_kg[i], "kg", text,
                     nominal_only=True)  # fmt: skip
        if s is not None and s.wue is not None and overheads and np.any(ev.energy_kwh[i]):
            # its energy is IT load all the same: the facility overhead counts it
            share = f"overhead-share:{it.phase}"
            if self.add_activity(
                share,
                name=f"facility overhead share of an IT load ({it.phase})",
                unit="kWh",
                role="data centre",
                phase=it.phase,
                comment="PUE - 1 kWh of facility overhead per kWh of an IT load whose carbon "
                "the item states itself",
            ):
                self.overhead_share(share, overheads)
            self.add(code, share, "technosphere", ev.energy_kwh[i], "kWh", text)
        return code

    def own_carbon(self, code: str, i: int, it: ItemPlan, text: str) -> None:
        """Carbon an item states: allocated units of a hardware unit where the carbon is
        proportional to a per-unit figure, else a direct emission."""
        q = self.probe.ev.co2e_kg[i]
        for k in self._per_unit(it):
            p = self.plan.params[k]
            if not (p.value > 0 and q[0] > 0 and self.proportional(i, "co2e_kg", k)):
                continue
            row = catalog_row(p)
            hw = row[1] if row else k
            link = {"hardware": hw}
            if row:
                link["catalog_row"] = _row_text(p) or ""
            hcode = f"hardware:{k}"
            if self.add_activity(
                hcode,
                name=f"hardware unit, {hw} (embodied, cradle to gate)",
                unit="unit",
                role="hardware",
                phase=it.phase,
                comment="one unit of the hardware, by lcai's embodied figure; relink to a "
                "background production activity of the same product",
                inputs=(p,),
                link=link,
            ):
                self.add(hcode, CO2E, "biosphere", self.value(k), "kg", _cite(p), link)
            with np.errstate(divide="ignore", invalid="ignore"):
                units = q / self.value(k)
            self.add(code, hcode, "technosphere", units, "unit",
                     f"allocated units of the hardware; {text}", link)  # fmt: skip
            return
        self.add(code, CO2E, "biosphere", q, "kg", text)

    def walk(self) -> None:
        """Every activity and exchange of the plan (pending: amounts in every column)."""
        plan = self.plan
        n = self.probe.ev.energy_kwh.shape[1]
        phases = [*keys.PHASES, keys.UNALLOCATED]
        present = [ph for ph in phases if any(it.phase == ph for it in plan.items)]
        fu, lc = FUNCTIONAL_UNIT, "life-cycle"
        self.add_activity(
            fu,
            name=f"{plan.name}, {plan.functional_unit}",
            unit="unit",
            role="functional unit",
            comment=f"the functional unit of the assessment: {plan.functional_unit}",
        )
        self.add_activity(
            lc,
            name=f"{plan.name}, whole life cycle",
            unit="unit",
            role="life cycle",
            comment="the model's whole life cycle: one of each phase",
        )
        with np.errstate(divide="ignore"):
            self.add(fu, lc, "technosphere", 1.0 / self.probe.ev.divisor, "unit",
                     "1 / the number of functional units", keep_zero=True)  # fmt: skip
        for ph in present:
            pc = f"phase:{ph}"
            self.add_activity(
                pc,
                name=f"{plan.name}, {ph} phase",
                unit="unit",
                role="phase",
                phase=ph,
                comment=f"the {ph} phase: one of each of its line items",
            )
            self.add(lc, pc, "technosphere", np.ones(n), "unit", "", keep_zero=True)
            overheads = [
                (i, it) for i, it in enumerate(plan.items) if it.phase == ph and it.overhead
            ]
            for i, it in enumerate(plan.items):
                if it.phase != ph:
                    continue
                code = self.item(i, it, overheads)
                if not it.overhead:
                    self.add(pc, code, "technosphere", np.ones(n), "unit", "", keep_zero=True)

    def build(self) -> Inventory:
        self.walk()
        plan, ev = self.plan, self.ev
        div = float(ev.divisor[0])
        market = float(ev.total("co2e_market_kg")[0]) / div if plan.has_market else None
        exchanges, carried, not_carried = self._settle()
        acts = []
        for code in self.order:
            f = self.activities[code]
            f.pop("link", None)
            acts.append(Activity(code=code, exchanges=tuple(exchanges.get(code, ())), **f))  # type: ignore[arg-type]
        return Inventory(
            name=plan.name,
            functional_unit=plan.functional_unit,
            reference=FUNCTIONAL_UNIT,
            activities=tuple(acts),
            flows=tuple(f for c, f in FLOWS.items() if c != CO2E_MARKET or plan.has_market),
            energy_kwh=float(ev.total("energy_kwh")[0]) / div,
            co2e_kg=float(ev.total("co2e_kg")[0]) / div,
            water_l=float(ev.total("water_l")[0]) / div,
            co2e_market_kg=market,
            carried=tuple(sorted(carried)),
            not_carried=tuple(sorted(not_carried.items())),
        )

    def _settle(self) -> tuple[dict[str, list[Exchange]], set[str], dict[str, str]]:
        """Give each uncertain parameter to the one exchange that can carry it."""
        users: dict[str, list[_Pending]] = {}
        for pe in self.pending:
            for k in pe.deps:
                users.setdefault(k, []).append(pe)
        carried: set[str] = set()
        why: dict[str, str] = {}
        dists: dict[int, tuple[Dist, str]] = {}
        shared = {m: names for names in shared_inputs(self.plan).values() for m in names}
        for k in sorted(self.probe.uncertain):
            us = users.get(k, [])
            if not us:
                continue  # moves nothing the inventory holds (e.g. a market-only figure)
            partners = [m for m in shared.get(k, (k,)) if m != k]
            if partners:  # one factor: exchange distributions would be drawn apart
                why[k] = (
                    f"one catalog factor with {', '.join(partners)} (drawn together in the samples)"
                )
                continue
            if len(us) > 1:
                names = sorted({self._label(u) for u in us})
                why[k] = f"shared by {len(us)} exchanges ({'; '.join(names[:4])}" + (
                    ", ...)" if len(names) > 4 else ")"
                )
                continue
            pe = us[0]
            if len(pe.deps) > 1:
                others = ", ".join(d for d in pe.deps if d != k)
                why[k] = f"{self._label(pe)} moves with it and with {others}"
                continue
            line = self.probe.affine(pe.q, k)
            d = self.plan.params[k].dist
            assert d is not None
            t = transformed(d, *line) if line is not None else None
            if t is None:
                why[k] = f"{self._label(pe)} moves with it " + (
                    "not affinely" if line is None else "in a form no per-exchange distribution has"
                )
                continue
            carried.add(k)
            dists[id(pe)] = (t, k)
        out: dict[str, list[Exchange]] = {}
        for pe in self.pending:
            got = dists.get(id(pe))
            comment = pe.comment
            if got is None and pe.deps:
                comment += f"; nominal only: moves with {', '.join(pe.deps)} (shared or combined)"
            out.setdefault(pe.activity, []).append(
                Exchange(
                    source=pe.source,
                    kind=pe.kind,
                    amount=float(pe.q[0]),
                    unit=pe.unit,
                    comment=comment.strip("; "),
                    dist=got[0] if got else None,
                    carries=got[1] if got else None,
                    link=pe.link,
                )
            )
        return out, carried, why

    def _label(self, pe: _Pending) -> str:
        name = str(self.activities[pe.activity]["name"])
        src = (
            FLOWS[pe.source].name if pe.source in FLOWS else str(self.activities[pe.source]["name"])
        )
        return f"{name} <- {src}"


def _cite(p: Param, what: str = "") -> str:
    """The comment of an exchange read from one parameter: its name, source and row."""
    parts = [f"{what}: " if what else "", f"lcai parameter {p.name} = {p.value:.6g} {p.unit}"]
    text = "".join(parts) + f" [{p.status}]"
    if p.source:
        text += f"; source: {p.source}"
    row = _row_text(p)
    if row:
        text += f"; catalog row: {row}"
    return text


def _item_text(plan: Plan, it: ItemPlan) -> str:
    """The comment of an item's exchange: the item, its sources and catalog rows."""
    rows = [r for k in it.inputs if k in plan.params for r in [_row_text(plan.params[k])] if r]
    text = f"lcai item '{it.name}' ({it.phase}, {it.kind}, {it.method})"
    if it.sources:
        text += f"; sources: {', '.join(it.sources)}"
    if rows:
        text += f"; catalog rows: {', '.join(dict.fromkeys(rows))}"
    return text


def _misaligned(what: str) -> LcaiError:
    return LcaiError(
        f"the Monte Carlo draws take the inventory apart differently from the nominal "
        f"values ({what}); export without samples"
    )


def _samples(nominal: _Builder, replay: _Builder, n: int, seed: int | None) -> Samples:
    """The draws of each exchange of the nominal inventory, from a replay of its walk."""
    if len(replay.calls) != len(nominal.calls):
        raise _misaligned(f"{len(replay.calls)} exchanges, not {len(nominal.calls)}")
    seen: dict[str, int] = {}
    amounts: dict[tuple[str, int], Array] = {}
    for a, b in zip(nominal.pending, replay.pending, strict=True):
        j = seen.get(a.activity, 0)
        seen[a.activity] = j + 1
        q0, draws = float(a.q[0]), np.array(b.q[1:], dtype=np.float64)
        if not abs(float(b.q[0]) - q0) <= _REL * abs(q0):
            raise _misaligned(f"{a.activity} <- {a.source} is {float(b.q[0])}, not {q0}")
        if not np.all(np.isfinite(draws)):
            raise LcaiError(
                f"the Monte Carlo draws give {a.activity} <- {a.source} an amount that is not "
                "a finite number (a draw divides by zero?); export without samples"
            )
        if np.any(draws != q0):
            amounts[(a.activity, j)] = draws
    ev = replay.probe.ev

    def per_unit(quantity: str) -> Array:
        x = np.broadcast_to(ev.total(quantity) / ev.divisor, (n + 1,))
        return np.array(x[1:], dtype=np.float64)

    return Samples(n, seed, amounts, per_unit("co2e_kg"), per_unit("water_l"))


def inventory_of(plan: Plan, *, samples: int | None = None, seed: int | None = None) -> Inventory:
    """The foreground inventory of ``plan`` (see the module docstring).

    With ``samples``, it also carries lcai's own Monte Carlo (the draws of
    :func:`lcai.engine.uncertainty.sample_params` for ``seed``, every uncertain input drawn
    jointly) as each exchange's amount at every draw (:class:`Samples`): an LCA of the
    amounts of draw i gives lcai's total of draw i, whichever inputs an exchange shares."""
    ev = evaluate(plan)
    require_finite(plan, ev)
    nominal = _Builder(plan, ev)
    inv = nominal.build()
    if samples is None:
        return inv
    if isinstance(samples, bool) or not isinstance(samples, int | np.integer):
        raise SpecError(f"expected a whole number, got {samples!r}", path=("samples",))
    samples = int(samples)
    if seed is not None:
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
            raise SpecError(f"expected a whole number, got {seed!r}", path=("seed",))
        seed = int(seed)
    if not 1 <= samples <= MAX_SAMPLES:
        raise SpecError(f"expected 1 to {MAX_SAMPLES:,}, got {samples:,}", path=("samples",))
    draws = sample_params(plan, samples, seed)
    replay = _Builder(plan, ev, replay=nominal, draws=(draws, samples))
    replay.walk()
    if replay.moving_dropped:  # keep them (at their nominal 0) and walk again
        nominal = _Builder(plan, ev, keep=frozenset(replay.moving_dropped))
        inv = nominal.build()
        replay = _Builder(plan, ev, replay=nominal, draws=(draws, samples))
        replay.walk()
    require_finite(plan, replay.probe.ev)
    return replace(inv, samples=_samples(nominal, replay, samples, seed))
