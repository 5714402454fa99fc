"""Grid capacity: the power a cluster draws at the meter, and how many accelerators a
supply can feed.

power at the meter [W] = accelerators x system power per accelerator [W] x PUE

The system power per accelerator is the vendor's 8-GPU server at its maximum
(GPUs, CPUs, memory, NICs, fans: NVIDIA DGX user guides), the figure a site
plans its supply for; the cluster's interconnect may be added per accelerator.
The yearly energy takes a load factor (average / maximum power).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from lcai import catalog
from lcai import model as m
from lcai.errors import SpecError, UnknownKeyError
from lcai.units import H_PER_YEAR, RANGES

__all__ = ["Capacity", "accelerators_for_supply", "cluster_power_w", "plan_capacity"]


def cluster_power_w(count: float, system_w_per_accelerator: float, pue: float) -> float:
    """Power at the meter of ``count`` accelerators in their systems, with facility overhead."""
    return count * system_w_per_accelerator * pue


def accelerators_for_supply(supply_w: float, system_w_per_accelerator: float, pue: float) -> int:
    """How many accelerators (in their systems) a supply can feed at full power."""
    return math.floor(supply_w / (system_w_per_accelerator * pue))


@dataclass(frozen=True)
class Capacity:
    """A cluster's power, yearly energy and impacts, and its size against real sites."""

    accelerator: str
    system: str
    count: float
    system_w_per_accelerator: float
    pue: float
    power_w: float
    load_factor: float
    energy_kwh_per_year: float
    co2e_kg_per_year: float | None
    water_l_per_year: float | None
    comparisons: list[dict[str, Any]]
    assumptions: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "accelerator": self.accelerator,
            "system": self.system,
            "accelerators": self.count,
            "system_w_per_accelerator": self.system_w_per_accelerator,
            "pue": self.pue,
            "power_w": self.power_w,
            "load_factor": self.load_factor,
            "energy_kwh_per_year": self.energy_kwh_per_year,
            "co2e_kg_per_year": self.co2e_kg_per_year,
            "water_l_per_year": self.water_l_per_year,
            "comparisons": self.comparisons,
            "assumptions": self.assumptions,
        }


def _rated_system(key: str) -> tuple[float, float, str]:
    """(W per accelerator, accelerators, note) of a reference system's rating or measurement."""
    systems = catalog.table("servers")
    q = "max_power" if systems.has(key, "max_power") else "measured_max_power"
    watts = systems.factor(key, q, "W")
    per = systems.factor(key, "accelerators", "1").value
    return (
        watts.value / per,
        per,
        f"{systems.label(key)}: {watts.value:g} W for {per:g} ({watts.source_id})",
    )


def _host_share(tdp_of: dict[str, str]) -> tuple[float, str, str]:
    """(W, system key, note): the smallest host share per accelerator of the catalog's rated
    reference systems: the system's maximum per accelerator minus the accelerator's TDP."""
    acc = catalog.table("accelerators")
    systems = catalog.table("servers")
    shares = []
    for system, accelerator in tdp_of.items():
        if not systems.has(system, "max_power"):
            continue  # a measured node is no rating
        per_w, _, note = _rated_system(system)
        tdp = acc.factor(accelerator, "tdp", "W")
        shares.append((per_w - tdp.value, system, f"{note} - {tdp.value:g} W TDP of each "
                       f"{acc.label(accelerator)} ({tdp.source_id})"))  # fmt: skip
    return min(shares)


def _system_key(system: str) -> str:
    """The catalog key of a system given by name, alias or key (dgx-h100, system:dgx-h100)."""
    systems = catalog.table("servers")
    found = systems.lookup(system)
    if found is not None:
        return found
    try:
        return systems.resolve(f"system:{system}", "system")
    except UnknownKeyError as exc:
        raise SpecError(str(exc), path=("system",)) from None


def _system_w(accelerator: str, system: str | None) -> tuple[str, float, str]:
    """(system, W per accelerator at the system's maximum, note) for an accelerator: its
    reference system's, a system given for it, or (no reference system) its TDP plus the
    host share per accelerator of the catalog's reference systems."""
    systems = catalog.table("servers")
    defaults: dict[str, str] = systems.card("default_systems") or {}
    also: dict[str, list[str]] = systems.card("holds") or {}
    if system is not None:
        key = _system_key(system)
        if defaults.get(accelerator) != key and accelerator not in also.get(key, []):
            holds = sorted({a for a, s in defaults.items() if s == key} | set(also.get(key, [])))
            what = (
                f"{key} holds {', '.join(holds)}, not {accelerator}"
                if holds
                else f"the catalog does not say that {key} holds {accelerator}"
            )
            raise SpecError(
                f"{what}: its power per accelerator does not apply (without a system, the "
                "accelerator's TDP and a host share are used)",
                path=("system",),
            )
        per_w, _, note = _rated_system(key)
        return key, per_w, note
    if accelerator in defaults:
        key = defaults[accelerator]
        per_w, _, note = _rated_system(key)
        return key, per_w, note
    acc = catalog.table("accelerators")
    if not acc.has(accelerator, "tdp"):
        raise SpecError(f"no TDP for {accelerator} in the catalog", path=("accelerator",))
    tdp = acc.factor(accelerator, "tdp", "W")
    first = {s: a for a, s in reversed(list(defaults.items()))}  # system -> one accelerator
    host, ref, host_note = _host_share(first)
    note = (
        f"{accelerator} TDP {tdp.value:g} W ({tdp.source_id}) + host share {host:g} W per "
        f"accelerator, the smallest of the catalog's reference systems ({host_note}); an upper "
        "bound for a smaller (PCIe) server"
    )
    return f"TDP + host share of {ref}", tdp.value + host, note


def _grid_impacts(
    region: str, energy_kwh: float, pue: float, wue_l_per_kwh: float
) -> tuple[float, float, list[str]]:
    """(kg CO2e, L water, notes) of a year's energy on a region's grid: water on site
    (industry-average WUE on the IT energy) and off site (at the power plants)."""
    grid = catalog.table("grid_intensity")
    try:
        rkey = grid.resolve(region, "grid region")
    except UnknownKeyError as exc:
        raise SpecError(str(exc), path=("region",)) from None
    gi = grid.factor(rkey, "co2e_intensity", "kg/kWh")
    ew = catalog.table("electricity_water")
    wkey, _ = catalog.regional_key("electricity_water", "water_consumption", rkey)
    ewif = ew.factor(wkey, "water_consumption", "L/kWh")
    it_kwh = energy_kwh / pue
    water = float(
        m.onsite_water_l(it_kwh, wue_l_per_kwh) + m.offsite_water_l(energy_kwh, ewif.value)
    )
    notes = [
        f"grid {rkey}: {gi.value * 1000:.4g} gCO2e/kWh ({gi.source_id}, {gi.year})",
        f"water: industry-average WUE {wue_l_per_kwh:g} L/kWh on site, {ewif.value:g} L/kWh "
        f"off site ({wkey}, {ewif.source_id})",
    ]
    return float(m.co2e_kg(energy_kwh, gi.value)), water, notes


def _comparisons(power_w: float) -> list[dict[str, Any]]:
    """The cluster's power against each real site's and grid's in the catalog."""
    sites = catalog.table("sites")
    out = []
    keys = sites.keys()  # a Table, not a dict
    for k in keys:
        for q in ("power", "peak_demand", "average_load"):
            if sites.has(k, q):
                f = sites.factor(k, q, "W")
                out.append(
                    {
                        "key": k,
                        "label": sites.label(k),
                        "quantity": q,
                        "power_w": f.value,
                        "share": power_w / f.value,
                        "year": f.year,
                        "source": f.source_id,
                    }
                )
    return out


def _in_range(name: str, value: float | None, quantity: str, pct: bool = False) -> None:
    """``value`` (when given) inside the range ``units.RANGES[quantity]``, else an error
    at option ``name``."""
    problem = None if value is None else RANGES[quantity].problem(value, pct)
    if problem is not None:
        raise SpecError(problem, path=(name,))


def _load_factor(key: str, per_w: float, utilisation: float) -> tuple[float, str]:
    """(average / rated system power, note) at an accelerator busy share, by the load model."""
    acc, serving = catalog.table("accelerators"), catalog.table("serving")
    tdp = acc.factor(key, "tdp", "W")
    fam = key.split("-")[0]
    frac = {}
    for q in ("compute_fraction", "idle_fraction"):
        row = next(c for c in (f"power:{fam}", "power:default") if serving.has(c, q))
        frac[q] = serving.factor(row, q, "1")
    busy = tdp.value * frac["compute_fraction"].value
    idle = tdp.value * frac["idle_fraction"].value
    average = per_w - tdp.value + utilisation * busy + (1 - utilisation) * idle
    lf = min(average / per_w, 1.0)
    note = (
        f"load factor {lf:.3g} at {utilisation:.0%} busy: accelerator {busy:g} W busy, "
        f"{idle:g} W idle (serving:{frac['compute_fraction'].key}, "
        f"{frac['compute_fraction'].source_id}), the rest of the system at its rated share"
    )
    return lf, note


def plan_capacity(
    accelerator: str,
    *,
    count: float | None = None,
    supply_w: float | None = None,
    system: str | None = None,
    pue: float | None = None,
    region: str | None = None,
    load_factor: float | None = None,
    utilisation: float | None = None,
) -> Capacity:
    """Either direction: the power of ``count`` accelerators, or the count a supply feeds.

    The yearly energy takes ``load_factor`` (average / maximum power; default 1), or derives
    it from ``utilisation``, the accelerators' busy share, by the load model serving and
    training use: a busy accelerator draws its compute-bound fraction of TDP, an idle one
    its idle fraction (``serving`` table), the rest of the system its rated share."""
    if load_factor is not None and utilisation is not None:
        raise SpecError("give the load factor or the utilisation, not both", path=("utilisation",))
    _in_range("utilisation", utilisation, "positive_share")
    if (count is None) == (supply_w is None):
        raise SpecError("give either the number of accelerators or the supply")
    _in_range("count", count, "accelerators")
    _in_range("supply", supply_w, "supply_w")
    _in_range("pue", pue, "pue")
    _in_range("load_factor", load_factor, "positive_share")
    acc = catalog.table("accelerators")
    try:
        key = acc.resolve(accelerator, "accelerator")
    except UnknownKeyError as exc:
        raise SpecError(str(exc), path=("accelerator",)) from None
    system_key, per_w, system_note = _system_w(key, system)
    notes = [f"system power per accelerator {per_w:g} W ({system_note})"]
    if utilisation is not None:
        load_factor, lf_note = _load_factor(key, per_w, utilisation)
        notes.append(lf_note)
    load_factor = 1.0 if load_factor is None else load_factor
    fac = catalog.table("facility")
    if pue is None:
        f = fac.factor("industry_average", "pue", "1")
        pue = f.value
        notes.append(f"PUE {pue:g}: industry average ({f.source_id}, {f.year})")
    wue = fac.factor("industry_average", "wue", "L/kWh").value
    if count is None:
        assert supply_w is not None
        count = accelerators_for_supply(supply_w, per_w, pue)
        if count < 1:
            raise SpecError(
                f"a supply of {supply_w:g} W feeds no {key} ({per_w * pue:g} W each with its "
                "system and facility)",
                path=("supply",),
            )
    power = cluster_power_w(count, per_w, pue)
    energy = float(m.energy_from_power_kwh(power, H_PER_YEAR * load_factor))
    co2e = water = None
    if region is not None:
        co2e, water, grid_notes = _grid_impacts(region, energy, pue, wue)
        notes += grid_notes
    comparisons = _comparisons(power)
    return Capacity(
        accelerator=key,
        system=system_key,
        count=float(count),
        system_w_per_accelerator=per_w,
        pue=pue,
        power_w=power,
        load_factor=load_factor,
        energy_kwh_per_year=energy,
        co2e_kg_per_year=co2e,
        water_l_per_year=water,
        comparisons=comparisons,
        assumptions=notes,
    )
