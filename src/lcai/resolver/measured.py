"""Measured IT energy of a phase (run files of ``lcai track``, fleet results), already
read into a :class:`~lcai.measure.inputs.MeasuredEnergy`, and the energy-weighted
hourly grid intensity of the hours it ran."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from lcai import catalog
from lcai.engine.plan import ItemPlan, Status, Supply
from lcai.errors import SpecError
from lcai.measure.inputs import FleetTotals, HourlyIntensity, MeasuredEnergy
from lcai.resolver.items import dc_item
from lcai.resolver.ledger import Ledger, param

__all__ = ["measured_items"]


def measured_items(
    ledger: Ledger, phase: str, m: MeasuredEnergy, s: Supply
) -> tuple[list[ItemPlan], Supply]:
    """Items of the measured devices and, apart, of the estimated ones; and the supply the
    phase's other loads use (the hourly-weighted one, when an hourly intensity is given)."""
    ledger.warnings += [f"{phase}: {w}" for w in m.warnings]
    items = [] if m.fleet is None else [_fleet_item(ledger, phase, m.fleet)]
    if not m.runs:
        return items, s
    note = f"{m.runs} run file(s): " + ", ".join(m.files)
    if m.hourly_intensity is not None:
        s = _hourly_supply(ledger, phase, m, m.hourly_intensity, s)
    for which, kwh in (("measured", m.measured_kwh), ("estimated", m.estimated_kwh)):
        if kwh == 0 and not (which == "measured" and m.estimated_kwh == 0):
            continue
        status: Status = "user" if which == "measured" else "derived"
        key = ledger.add(f"{phase}.measured.{which}_energy", kwh, "kWh", status, None, note)
        if which == "measured":
            items.append(
                dc_item(
                    ledger,
                    "measured runs",
                    phase,
                    "measured",
                    "measured",
                    param(key),
                    s,
                    [key],
                    note,
                )
            )
        else:
            items.append(
                dc_item(
                    ledger,
                    "runs, CPU/memory estimated",
                    phase,
                    "measured-estimate",
                    "estimated",
                    param(key),
                    s,
                    [key],
                    note,
                )
            )
    return items, s


def _fleet_item(ledger: Ledger, phase: str, f: FleetTotals) -> ItemPlan:
    """The fleet's jobs as it measured them: facility energy at each site's PUE, carbon at
    each hour's and region's intensity, water on and off site. The phase's own grid and
    facility do not apply to them (the fleet item is no IT load of the phase)."""
    pre = f"{phase}.measured.fleet"
    name = Path(f.file).name
    note = (
        f"{f.jobs} job(s) of {name} (lcai fleet account): its facility energy, hourly "
        "carbon and water per site; the phase's grid and PUE do not apply to them"
    )
    e = ledger.add(f"{pre}.energy", f.energy_kwh, "kWh", "user", None, note)
    c = ledger.add(f"{pre}.co2e", f.co2e_kg, "kg", "user", None, note)
    w = ledger.add(f"{pre}.water", f.water_l, "L", "user", None, note)
    ledger.add(f"{pre}.it_energy", f.it_energy_kwh, "kWh", "user", None, note)
    if ledger.market:
        ledger.warnings.append(
            f"{phase}: the fleet result has location-based carbon only; its market-based "
            "carbon is counted as location-based"
        )
    return ItemPlan(
        name=f"fleet jobs ({name})",
        phase=phase,
        method="measured",
        kind="measured",
        energy=param(e),
        co2e=param(c),
        co2e_market=param(c),
        water=param(w),
        inputs=(e, c, w, f"{pre}.it_energy"),
        sources=(),
        note=note,
    )


def _same_region(written: str, key: str) -> bool:
    found = catalog.table("grid_intensity").lookup(written)
    return found == key if found is not None else written.casefold() == key.casefold()


def _hours(ledger: Ledger, phase: str, hi: HourlyIntensity) -> Mapping[int, float]:
    """The hours of the phase's grid region in the file (all of a file without regions)."""
    path = (phase, "measured", "hourly_intensity")
    if None in hi.by_region:
        return hi.by_region[None]
    region = ledger.regions.get(phase, "WORLD")
    if len(hi.by_region) == 1 and region in ("given", "WORLD"):
        return next(iter(hi.by_region.values()))
    for written, hours in hi.by_region.items():
        if written is not None and _same_region(written, region):
            return hours
    have = ", ".join(sorted(str(r) for r in hi.by_region))
    raise SpecError(f"{hi.file}: no hours for region {region} (it has {have})", path=path)


def _hourly_supply(
    ledger: Ledger, phase: str, m: MeasuredEnergy, hi: HourlyIntensity, s: Supply
) -> Supply:
    """The supply with the run energy's carbon weighted by the hourly grid intensity."""
    hourly = _hours(ledger, phase, hi)
    annual = ledger.value(s.grid)
    energy = carbon = 0.0
    missing: set[int] = set()  # clock hours (two runs in one hour are one hour)
    for hour, kwh in m.hourly_kwh:
        energy += kwh
        if hour in hourly:
            carbon += kwh * hourly[hour]
        else:
            missing.add(hour)
            carbon += kwh * annual
    name = Path(hi.file).name
    if missing:
        ledger.warnings.append(
            f"{phase}: {len(missing)} hour(s) of the runs are not in {name}; the annual "
            "factor was used for them"
        )
    effective = carbon / energy if energy else annual
    key = ledger.add(
        f"{phase}.measured.hourly_intensity",
        effective,
        "kg/kWh",
        "derived",
        None,
        f"energy-weighted hourly intensity from {name}",
    )
    # market instruments keep applying; without them market-based follows the hours too
    return replace(s, grid=key, market=s.market if s.contracts else param(key))
