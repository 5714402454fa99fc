"""The one number formatter of what people read: terminal tables, reports, chart axes
and the tracker's lines.

``magnitude(433196, "kWh")`` -> ``"433.2 MWh"``; ``magnitude(24690, "kg")`` -> ``"24.69 t"``;
``magnitude(8.17e-06, "kg")`` -> ``"8.17 mg"``: four significant digits, whole numbers from
1,000 up, thousands separators, never an exponent, and the unit scaled so the number stays
short. Units it scales: kWh (Wh, mWh; MWh, GWh, TWh), kg and kgCO2e (g, mg; t, Mt), L (mL;
million L, billion L), W (kW, MW, GW), FLOP/s (GFLOP/s to PFLOP/s) and FLOP (PFLOP to
YFLOP); any other unit is printed as given. Machine-readable
outputs (JSON, CSV, run files) keep full precision and are not formatted here.

May import nothing of lcai (it sits below measure/, whose lines it formats too).
"""

from __future__ import annotations

import math

__all__ = ["axis_number", "count", "magnitude", "number", "percent", "quantity", "share"]

_SCALES: dict[str, tuple[tuple[float, str], ...]] = {
    "kWh": ((1e9, "TWh"), (1e6, "GWh"), (1e3, "MWh")),
    "kg": ((1e9, "Mt"), (1e3, "t")),
    "kgCO2e": ((1e9, "MtCO2e"), (1e3, "tCO2e")),
    "L": ((1e9, "billion L"), (1e6, "million L")),
    "W": ((1e9, "GW"), (1e6, "MW"), (1e3, "kW")),
    "FLOP/s": ((1e15, "PFLOP/s"), (1e12, "TFLOP/s"), (1e9, "GFLOP/s")),
    "FLOP": ((1e24, "YFLOP"), (1e21, "ZFLOP"), (1e18, "EFLOP"), (1e15, "PFLOP")),
}
# below 1/100 of the unit, the smaller units (largest first)
_SMALL: dict[str, tuple[tuple[float, str], ...]] = {
    "kWh": ((1e-3, "Wh"), (1e-6, "mWh")),
    "kg": ((1e-3, "g"), (1e-6, "mg")),
    "kgCO2e": ((1e-3, "gCO2e"), (1e-6, "mgCO2e")),
    "L": ((1e-3, "mL"),),
}


def number(x: float, digits: int = 4) -> str:
    """``x`` with ``digits`` significant digits, positional (never an exponent), thousands
    separated, trailing zeros dropped: 12.3456 -> '12.35'; 0.000123 -> '0.000123'."""
    if x == 0 or not math.isfinite(x):
        return "0" if x == 0 else str(x)
    exponent = math.floor(math.log10(abs(x)))
    places = digits - 1 - exponent
    text = f"{round(x, places):,.{max(places, 0)}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _digits(x: float) -> str:
    """Four significant digits, whole numbers from 1000 up: 12.3456 -> '12.35'."""
    return f"{x:,.0f}" if abs(x) >= 1000 else number(x)


def magnitude(value: float, unit: str) -> str:
    """A readable magnitude with a scaled unit: 750 kWh -> '750 kWh'; 1.5e6 kWh -> '1.5 GWh';
    999,960 kWh -> '1 GWh' (rounded to four digits before the unit is chosen)."""
    if not math.isfinite(value):
        return f"{value} {unit}"
    v = abs(float(f"{value:.4g}"))
    if v == 0:
        return f"0 {unit}"
    for factor, name in _SCALES.get(unit, ()):
        if v >= factor:
            return f"{_digits(value / factor)} {name}"
    if v < 0.01:
        for factor, name in _SMALL.get(unit, ()):
            if v >= factor or factor == _SMALL[unit][-1][0]:
                return f"{_digits(value / factor)} {name}"
    return f"{_digits(value)} {unit}"


def quantity(value: float, unit: str) -> str:
    """A parameter's value with its unit ('1' is none): 0.4 kg/kWh -> '0.4 kg/kWh'."""
    return _digits(value) if unit in ("1", "") else magnitude(value, unit)


def count(value: float) -> str:
    """A readable count: 49.16 -> '49.2'; 203456 -> '203,000'; 6.2e6 -> '6.2 million'."""
    if value >= 1e6:
        return f"{number(value / 1e6, 3)} million"
    if value >= 1000:
        return f"{float(f'{value:.3g}'):,.0f}"
    return number(value, 3)


def percent(fraction: float, *, signed: bool = False) -> str:
    """A fraction as a percentage: one decimal from 0.1% up, else two significant digits
    (0.9996 -> '100.0%', 2.1e-5 -> '0.0021%'); ``signed`` writes '+' before a positive."""
    v = 100 * fraction
    text = f"{v:,.1f}" if abs(v) >= 0.1 or v == 0 else number(v, 2)
    return f"{'+' if signed and v >= 0 and not text.startswith('-') else ''}{text}%"


def share(part: float, whole: float) -> str:
    """``part`` as a percentage of ``whole`` ('-' when the whole is zero)."""
    return percent(part / whole) if whole else "-"


def axis_number(value: float) -> str:
    """A chart's tick label: three significant digits, no unit, no exponent."""
    a = abs(value)
    if a == 0:
        return "0"
    return f"{float(f'{value:.3g}'):,.0f}" if a >= 1000 else number(value, 3)
