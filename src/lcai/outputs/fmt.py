"""The one number formatter of lcai's outputs: terminal tables, reports and chart axes.

``magnitude(433196, "kWh")`` -> ``"433.2 MWh"``; ``magnitude(24690, "kg")`` -> ``"24.69 t"``:
four significant digits, thousands separators, and the unit scaled so the number stays
short. Units it scales: kWh (MWh, GWh, TWh), kg and kgCO2e (t, Mt), L (million L,
billion L); any other unit is printed as given.
"""

from __future__ import annotations

__all__ = ["axis_number", "count", "magnitude", "share"]

_SCALES: dict[str, tuple[tuple[float, str], ...]] = {
    "kWh": ((1e9, "TWh"), (1e6, "GWh"), (1e3, "MWh")),
    "kg": ((1e9, "Mt"), (1e3, "t")),
    "kgCO2e": ((1e9, "MtCO2e"), (1e3, "tCO2e")),
    "L": ((1e9, "billion L"), (1e6, "million L")),
}


def _digits(x: float) -> str:
    """Four significant digits, whole numbers from 1000 up: 12.3456 -> '12.35'."""
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:,.4g}"


def magnitude(value: float, unit: str) -> str:
    """A readable magnitude with a scaled unit: 750 kWh -> '750 kWh'; 1.5e6 kWh -> '1.5 GWh'."""
    v = abs(value)
    if v == 0:
        return f"0 {unit}"
    for factor, name in _SCALES.get(unit, ()):
        if v >= factor:
            return f"{_digits(value / factor)} {name}"
    return f"{_digits(value)} {unit}"


def count(value: float) -> str:
    """A readable count: 49.15 -> '49.2'; 203456 -> '203,000'; 6.2e6 -> '6.2 million'."""
    if value >= 1e6:
        return f"{value / 1e6:,.3g} million"
    if value >= 1000:
        return f"{float(f'{value:.3g}'):,.0f}"
    return f"{value:.3g}"


def share(part: float, whole: float) -> str:
    """``part`` as a percentage of ``whole`` ('-' when the whole is zero)."""
    return f"{100 * part / whole:.1f}%" if whole else "-"


def axis_number(value: float) -> str:
    """A chart's tick label: three significant digits, no unit."""
    a = abs(value)
    if a == 0:
        return "0"
    if a >= 1e4 or a < 1e-2:
        return f"{value:.3g}"
    return f"{value:,.3g}" if a < 1000 else f"{value:,.0f}"
