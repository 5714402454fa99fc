"""Line items built from parameters: loads in a data center, electricity outside one,
facility overhead, and published (reported) results."""

from __future__ import annotations

from collections.abc import Sequence

from lcai import keys
from lcai.engine.plan import Fn, ItemPlan, Method, Params, Supply
from lcai.errors import SpecError
from lcai.keys import ItemKind
from lcai.model.num import Num
from lcai.resolver.ledger import Ledger, param, zero
from lcai.spec.schema import Reported

__all__ = ["dc_item", "grid_item", "overhead_item", "reported_item", "self_contained"]


def dc_item(
    ledger: Ledger,
    name: str,
    phase: str,
    kind: ItemKind,
    method: Method,
    it_energy: Fn,
    s: Supply,
    inputs: Sequence[str],
    note: str = "",
) -> ItemPlan:
    """An IT load inside a data center: grid carbon, on-site and off-site water."""
    if s.wue is None:
        raise ValueError(f"{phase}: an IT load needs a facility (WUE)")
    return ItemPlan(
        name=name,
        phase=phase,
        method=method,
        kind=kind,
        energy=it_energy,
        supply=s,
        inputs=(*inputs, s.grid, *s.market_inputs, s.ewif, s.wue),
        sources=ledger.sources_of(list(inputs)) + s.sources,
        note=note,
    )


def grid_item(
    ledger: Ledger,
    name: str,
    phase: str,
    kind: ItemKind,
    energy: Fn,
    s: Supply,
    inputs: Sequence[str],
    note: str = "",
) -> ItemPlan:
    """Electricity used outside a data center (network, offices): no PUE, no cooling water."""
    return ItemPlan(
        name=name,
        phase=phase,
        method="estimated",
        kind=kind,
        energy=energy,
        supply=s.outside(),
        inputs=(*inputs, s.grid, *s.market_inputs, s.ewif),
        sources=ledger.sources_of([*inputs, s.grid, s.ewif]),
        note=note,
    )


def overhead_item(ledger: Ledger, phase: str, s: Supply) -> ItemPlan:
    """Facility overhead of the phase: its IT loads' energy x (PUE - 1)."""
    if s.pue is None:
        raise ValueError(f"{phase}: facility overhead needs a PUE")
    pue = ledger.params[s.pue]
    return ItemPlan(
        name=f"facility overhead (PUE {pue.value:g})",
        phase=phase,
        method="estimated" if pue.status != "user" else "given",
        kind="overhead",
        supply=s,
        overhead=True,
        inputs=(s.pue, s.grid, *s.market_inputs, s.ewif),
        sources=ledger.sources_of([s.pue]) + s.sources,
        note="IT energy x (PUE - 1)",
    )


def _reported_keys(ledger: Ledger, phase: str, r: Reported) -> dict[str, str]:
    """Keys of the reported figures the source states (energy, co2e, co2e_market, water)."""
    pre = f"{phase}.reported"
    src = "reported" if phase == keys.UNALLOCATED else pre
    out: dict[str, str] = {}
    for name, value, unit in (
        ("energy", r.energy, "kWh"),
        ("co2e", r.co2e, "kg"),
        ("co2e_market", r.co2e_market, "kg"),
        ("water", r.water, "L"),
    ):
        if value is not None:
            out[name] = ledger.user(f"{pre}.{name}", value, unit, path=f"{src}.{name}")
    return out


def self_contained(r: Reported | None) -> bool:
    """Whether a reported result states carbon and water: its phase then needs no grid or
    facility (nothing of them would be used, so nothing of them is looked up)."""
    return r is not None and r.co2e is not None and r.water is not None


def reported_item(
    ledger: Ledger, phase: str, r: Reported, s: Supply | None, path: Sequence[str | int]
) -> ItemPlan:
    """A published result. Without a reported carbon (or water) figure, the phase's grid
    turns the reported energy into carbon (or off-site water)."""
    if r.co2e is None and (s is None or r.energy is None):
        raise SpecError("a reported result here needs 'co2e'", path=(*path, "co2e"))
    got = _reported_keys(ledger, phase, r)
    if "co2e_market" in got:
        ledger.market = True
    notes = [f"reported by: {r.source}"] + ([r.note] if r.note else [])
    e_key = got.get("energy")

    def energy(p: Params) -> Num:
        return p[e_key] if e_key else 0.0

    needs_grid = "co2e" not in got or "water" not in got
    supply = s.outside() if s is not None and needs_grid else None
    co2e = param(got["co2e"]) if "co2e" in got else None
    market = param(got["co2e_market"]) if "co2e_market" in got else co2e
    water: Fn | None = param(got["water"]) if "water" in got else None
    if water is None and supply is None:
        water = zero
    if e_key is None:
        notes.append("energy not stated by the source: counted as 0 kWh")
        ledger.warnings.append(f"{phase}: reported figure states no energy; counted as 0 kWh")
    if "water" not in got and (e_key is None or s is None):
        notes.append("water not stated by the source: counted as 0 L")
        ledger.warnings.append(f"{phase}: reported figure states no water; counted as 0 L")
    elif "water" not in got:
        notes.append("water: off-site only, from the reported energy")
    grid_sources = s.sources if (s is not None and "co2e" not in got) else ()
    return ItemPlan(
        name=f"reported {phase}" if phase != keys.UNALLOCATED else "reported total",
        phase=phase,
        method="given",
        kind="reported",
        energy=energy,
        supply=supply,
        co2e=co2e,
        co2e_market=market,
        water=water,
        inputs=tuple(got.values()),
        sources=(r.source, *grid_sources),
        note="; ".join(notes),
    )
