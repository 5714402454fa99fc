"""Demand projections: yearly energy, carbon and water of growing AI use, with bands.

energy(y) = E0 x (1 + g)^(y - y0) x (1 - e)^(y - y0)
carbon(y) = energy(y) x I0 x (1 - d)^(y - y0)
water(y)  = energy(y) x W

with starting energy E0 [kWh/year], demand growth g, efficiency gain e and
grid decarbonisation d per year. A range for E0 or g gives a low and a high
path; the central path takes the midpoints.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lcai.model.num import Num
from lcai.units import RANGES

__all__ = [
    "Projection",
    "ProjectionYear",
    "cagr_from_multiple",
    "energy_path_kwh",
    "preset",
    "project",
    "projection",
]


def cagr_from_multiple(multiple: float, years: float) -> float:
    """The compound annual growth rate that multiplies a level by ``multiple`` in ``years``.

    Huatai's 6x from 2022 to 2030 for the US: 6^(1/8) - 1 = 25.1% a year.
    """
    return float(multiple ** (1.0 / years) - 1.0)


def energy_path_kwh(start_kwh: Num, growth: Num, efficiency: Num, years: Num) -> Num:
    """Yearly energy after ``years`` of demand growth and efficiency gains (both per year)."""
    return start_kwh * (1.0 + growth) ** years * (1.0 - efficiency) ** years


@dataclass(frozen=True)
class ProjectionYear:
    """One year of a projection: low, central and high paths."""

    year: int
    energy_kwh: tuple[float, float, float]
    co2e_kg: tuple[float, float, float]
    water_l: tuple[float, float, float]

    def to_dict(self) -> dict[str, Any]:
        keys = ("low", "central", "high")
        return {
            "year": self.year,
            "energy_kwh": dict(zip(keys, self.energy_kwh, strict=True)),
            "co2e_kg": dict(zip(keys, self.co2e_kg, strict=True)),
            "water_l": dict(zip(keys, self.water_l, strict=True)),
        }


def project(
    start_kwh: tuple[float, float],
    growth: tuple[float, float],
    start_year: int,
    end_year: int,
    *,
    efficiency: float = 0.0,
    intensity_kg_per_kwh: float = 0.0,
    decarbonisation: float = 0.0,
    water_l_per_kwh: float = 0.0,
) -> list[ProjectionYear]:
    """Yearly low / central / high paths from ``start_year`` to ``end_year`` inclusive."""
    if end_year < start_year:
        raise ValueError("the end year is before the start year")
    lo_e, hi_e = sorted(start_kwh)
    lo_g, hi_g = sorted(growth)
    mid_e, mid_g = (lo_e + hi_e) / 2, (lo_g + hi_g) / 2
    out = []
    for year in range(start_year, end_year + 1):
        t = year - start_year
        energy = tuple(
            float(energy_path_kwh(e, g, efficiency, t))
            for e, g in ((lo_e, lo_g), (mid_e, mid_g), (hi_e, hi_g))
        )
        factor = intensity_kg_per_kwh * (1.0 - decarbonisation) ** t
        out.append(
            ProjectionYear(
                year,
                (energy[0], energy[1], energy[2]),
                (energy[0] * factor, energy[1] * factor, energy[2] * factor),
                (
                    energy[0] * water_l_per_kwh,
                    energy[1] * water_l_per_kwh,
                    energy[2] * water_l_per_kwh,
                ),
            )
        )
    return out


def preset(name: str) -> dict[str, Any]:
    """A published forecast as projection inputs: ``huatai-US``, ``huatai-CN``, ``bofa-AI``.

    Huatai's presets start from the 2022 level implied by the 2030 range and the
    multiple, and grow at the rate that multiple implies; BofA's gives only the
    growth range (2023-2028), so a start must be given with it.
    """
    from lcai import catalog
    from lcai.errors import UnknownKeyError

    t = catalog.table("projections")
    key = name.replace("-", ":", 1)
    try:
        key = t.resolve(key, "projection preset")
    except UnknownKeyError:
        presets = ["huatai-US", "huatai-CN", "bofa-AI"]
        raise UnknownKeyError(name, "projection preset", presets) from None
    horizon = t.row(key, "base_year").year
    base = int(t.row(key, "base_year").value)
    source = t.row(key, "base_year").source_id
    if t.has(key, "multiple"):
        mult = t.row(key, "multiple").value
        lo, hi = t.row(key, "energy_low").value, t.row(key, "energy_high").value
        g = cagr_from_multiple(mult, horizon - base)
        return {
            "start_kwh": (lo / mult, hi / mult),
            "growth": (g, g),
            "start_year": base,
            "end_year": horizon,
            "expected_kwh": (lo, hi),
            "source": source,
            "note": f"{t.label(key)}: {lo / 1e12:g}-{hi / 1e12:g} trillion kWh in {horizon}, "
            f"{mult:g}x {base}; implied {base} level and {100 * g:.1f}% a year",
        }
    return {
        "start_kwh": None,
        "growth": (t.row(key, "cagr_low").value, t.row(key, "cagr_high").value),
        "start_year": base,
        "end_year": horizon,
        "expected_kwh": None,
        "source": source,
        "note": f"{t.label(key)}: {100 * t.row(key, 'cagr_low').value:g}-"
        f"{100 * t.row(key, 'cagr_high').value:g}% a year, {base}-{horizon}",
    }


@dataclass(frozen=True)
class Projection:
    """A projection's years with the preset (if any) it started from and the region's grid."""

    years: list[ProjectionYear]
    preset: str | None = None
    note: str | None = None
    source: str | None = None
    expected_kwh: tuple[float, float] | None = None
    region: str | None = None

    def to_dict(self) -> dict[str, Any]:
        years = [r.to_dict() for r in self.years]
        if self.region is None:  # no grid: carbon and water are unknown, not zero
            for y in years:
                y["co2e_kg"] = y["water_l"] = None
        return {"preset": self.preset, "note": self.note, "region": self.region, "years": years}


def _grid_factors(region: str | None) -> tuple[float, float]:
    """(kg CO2e per kWh, L of water per kWh) of a grid region; (0, 0) without one."""
    if region is None:
        return 0.0, 0.0
    from lcai import catalog
    from lcai.errors import SpecError, UnknownKeyError

    grid = catalog.table("grid_intensity")
    try:
        key = grid.resolve(region, "grid region")
    except UnknownKeyError as exc:
        raise SpecError(str(exc), path=("region",)) from None
    intensity = grid.factor(key, "co2e_intensity", "kg/kWh").value
    water_key, _ = catalog.regional_key("electricity_water", "water_consumption", key)
    water = catalog.table("electricity_water").factor(water_key, "water_consumption", "L/kWh")
    return intensity, water.value


def _start_kwh(
    given: tuple[float, float] | None,
    requests_per_day: float | None,
    energy_per_request_kwh: float | None,
    from_preset: tuple[float, float] | None,
) -> tuple[float, float]:
    from lcai.errors import SpecError

    if given is not None:
        return given
    if requests_per_day is not None:
        _check("requests_per_day", (requests_per_day,), "requests_per_day")
        if energy_per_request_kwh is not None:
            _check("energy_per_request", (energy_per_request_kwh,), "energy_per_request_kwh")
        if energy_per_request_kwh is None:
            raise SpecError("a demand in requests per day needs the energy per request",
                            path=("energy_per_request",))  # fmt: skip
        yearly = requests_per_day * 365 * energy_per_request_kwh
        return yearly, yearly
    if from_preset is None:
        raise SpecError("give the yearly energy at the start, or the requests per day and the "
                        "energy per request, or a preset", path=("start",))  # fmt: skip
    return from_preset


def _check(name: str, values: Sequence[float], quantity: str, pct: bool = False) -> None:
    """Every value inside ``units.RANGES[quantity]``, else an error at option ``name``."""
    from lcai.errors import SpecError

    for x in values:
        problem = RANGES[quantity].problem(x, pct)
        if problem is not None:
            raise SpecError(problem, path=(name,))


def _check_inputs(
    start: tuple[float, float], rate: tuple[float, float], years: tuple[int, int],
    efficiency: float, decarbonisation: float,
) -> None:  # fmt: skip
    """Every number finite and in its range, so that no path overflows or goes negative."""
    _check("start", start, "yearly_energy_kwh")
    _check("growth", rate, "growth", pct=True)
    _check("efficiency", (efficiency,), "efficiency_gain", pct=True)
    _check("decarbonisation", (decarbonisation,), "decarbonisation", pct=True)
    _check("years", years, "year")
    _check("years", (years[1] - years[0],), "horizon_years")


def projection(
    *,
    preset_name: str | None = None,
    start_kwh: tuple[float, float] | None = None,
    requests_per_day: float | None = None,
    energy_per_request_kwh: float | None = None,
    growth: tuple[float, float] | None = None,
    start_year: int | None = None,
    end_year: int | None = None,
    efficiency: float = 0.0,
    region: str | None = None,
    decarbonisation: float = 0.0,
) -> Projection:
    """A projection from given values, a published forecast (``preset_name``), or both
    (given values override the preset's). The start is a yearly energy range [kWh], or
    a demand (requests per day x energy per request [kWh]); rates are fractions a year.

    Errors name the missing or wrong value by its parameter (``SpecError.path``).
    """
    from lcai.errors import SpecError

    p: dict[str, Any] = preset(preset_name) if preset_name else {}
    start = _start_kwh(start_kwh, requests_per_day, energy_per_request_kwh, p.get("start_kwh"))
    rate = growth if growth is not None else p.get("growth")
    if rate is None:
        raise SpecError("give the demand growth a year (e.g. '25-33%') or a preset",
                        path=("growth",))  # fmt: skip
    own_start = start_kwh is not None or requests_per_day is not None
    if p and not own_start and start_year not in (None, p.get("start_year")):
        raise SpecError(
            f"the preset's start energy is for {p.get('start_year')}; give the start energy "
            f"of {start_year} too (or leave the start year to the preset)",
            path=("years",),
        )
    y0 = start_year if start_year is not None else p.get("start_year")
    y1 = end_year if end_year is not None else p.get("end_year")
    if y0 is None or y1 is None:
        raise SpecError("give the start and horizon years (or a preset)", path=("years",))
    if y1 < y0:
        raise SpecError(f"the horizon year {y1} is before the start year {y0}", path=("years",))
    _check_inputs(start, rate, (y0, y1), efficiency, decarbonisation)
    intensity, water = _grid_factors(region)
    rows = project(
        start, rate, y0, y1, efficiency=efficiency, intensity_kg_per_kwh=intensity,
        decarbonisation=decarbonisation, water_l_per_kwh=water,
    )  # fmt: skip
    return Projection(
        years=rows, preset=preset_name, note=p.get("note"), source=p.get("source"),
        expected_kwh=p.get("expected_kwh"), region=region,
    )  # fmt: skip
