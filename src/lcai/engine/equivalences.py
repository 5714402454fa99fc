"""Everyday equivalents of a footprint, from cited catalog figures."""

from __future__ import annotations

from dataclasses import dataclass

from lcai import catalog
from lcai.engine.result import Impact

__all__ = ["Equivalence", "equivalences"]


@dataclass(frozen=True)
class Equivalence:
    """``value`` of ``what``, from a catalog row."""

    value: float
    what: str
    source_id: str
    year: int
    key: str = ""


def _row(key: str, quantity: str, unit: str) -> catalog.Factor | None:
    t = catalog.table("equivalences")
    return t.factor(key, quantity, unit) if t.has(key, quantity) else None


def equivalences(impact: Impact) -> list[Equivalence]:
    """People's yearly emissions, car distance and bottles of water equal to ``impact``."""
    out: list[Equivalence] = []
    t = catalog.table("equivalences")
    keys = t.keys()
    for key in keys:
        if key.startswith("per_capita:"):
            f = _row(key, "co2e_per_capita_year", "kg")
            if f is not None and f.value > 0:
                out.append(
                    Equivalence(
                        impact.co2e_kg / f.value,
                        f"people's yearly emissions ({t.label(key)}, {f.value / 1000:.4g} t each)",
                        f.source_id,
                        f.year,
                        key,
                    )
                )
    car = _row("car", "co2e_per_km", "kg/km")
    if car is not None:
        out.append(
            Equivalence(
                impact.co2e_kg / car.value, "km by average car", car.source_id, car.year, "car"
            )
        )
    bottle = _row("water_bottle", "volume", "L")
    if bottle is not None and impact.water_l > 0:
        out.append(
            Equivalence(
                impact.water_l / bottle.value,
                f"bottles of water ({bottle.value:g} L)",
                bottle.source_id,
                bottle.year,
                "water_bottle",
            )
        )
    return out
