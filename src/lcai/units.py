"""Quantities with units: parse ``"700 W"``, check the dimension, convert once.

lcai keeps one canonical unit per dimension inside the engine (kWh, W, h, kg,
L, GB, mm2, FLOP, FLOP/s, km) and converts at the boundary. This module is a
deliberately small, dependency-free parser (a few microseconds per value, no
import cost): the assessment file's quantities and the catalog's unit column
go through it.

Conventions
-----------
- ``year`` is 365 days (8,760 h), as used by Luccioni et al. (2023) for BLOOM's
  embodied-carbon amortisation; ``month`` is a twelfth of that.
- CO2e mass is a mass: ``kgCO2e``, ``tCO2eq`` and ``kg`` are the same unit.
- ``GB`` is 10^9 bytes; ``GiB`` is 2^30.
- Counts (tokens, requests, parameters) are dimensionless; a number may carry
  a magnitude suffix: ``176B`` parameters, ``1.3M h``, ``15T`` tokens.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Final

from lcai.errors import UnitError

__all__ = [
    "DIMENSIONS",
    "H_PER_YEAR",
    "J_PER_KWH",
    "MAX_MAGNITUDE",
    "NUMBER_PATTERN",
    "RANGES",
    "S_PER_H",
    "Dimension",
    "Quantity",
    "Range",
    "convert",
    "format_quantity",
    "parse_quantity",
    "parse_range",
    "parse_unit",
    "split_quantity",
]

# Base dimensions: energy [J], time [s], mass [kg], length [m], data [B], compute [FLOP]
_BASES: Final = ("energy", "time", "mass", "length", "data", "flop")
Dims = tuple[int, int, int, int, int, int]


def _d(
    energy: int = 0, time: int = 0, mass: int = 0, length: int = 0, data: int = 0, flop: int = 0
) -> Dims:
    return (energy, time, mass, length, data, flop)


def _mul(a: Dims, b: Dims, sign: int = 1) -> Dims:
    return (
        a[0] + sign * b[0],
        a[1] + sign * b[1],
        a[2] + sign * b[2],
        a[3] + sign * b[3],
        a[4] + sign * b[4],
        a[5] + sign * b[5],
    )


ENERGY = _d(energy=1)
TIME = _d(time=1)
POWER = _d(energy=1, time=-1)
MASS = _d(mass=1)
LENGTH = _d(length=1)
AREA = _d(length=2)
VOLUME = _d(length=3)
DATA = _d(data=1)
FLOP = _d(flop=1)
NONE = _d()


@dataclass(frozen=True)
class Dimension:
    """A physical dimension with the canonical unit lcai stores it in."""

    name: str
    dims: Dims
    canonical: str
    example: str


DIMENSIONS: Final[dict[str, Dimension]] = {
    d.name: d
    for d in (
        Dimension("energy", ENERGY, "kWh", "433196 kWh"),
        Dimension("power", POWER, "W", "700 W"),
        Dimension("time", TIME, "h", "118 days"),
        Dimension("mass", MASS, "kg", "150 kgCO2e"),
        Dimension("length", LENGTH, "km", "12 km"),
        Dimension("area", AREA, "mm2", "814 mm2"),
        Dimension("volume", VOLUME, "L", "500 mL"),
        Dimension("data", DATA, "GB", "80 GB"),
        Dimension("compute", FLOP, "FLOP", "3.14e23 FLOP"),
        Dimension("compute rate", _mul(FLOP, TIME, -1), "FLOP/s", "989 TFLOP/s"),
        Dimension("carbon intensity", _mul(MASS, ENERGY, -1), "kgCO2e/kWh", "57 gCO2e/kWh"),
        Dimension("water intensity", _mul(VOLUME, ENERGY, -1), "L/kWh", "0.55 L/kWh"),
        Dimension("network energy intensity", _mul(ENERGY, DATA, -1), "kWh/GB", "0.0016 kWh/GB"),
        Dimension("carbon per area", _mul(MASS, AREA, -1), "kg/mm2", "1.8 kgCO2e/cm2"),
        Dimension("carbon per data", _mul(MASS, DATA, -1), "kg/GB", "0.4 kgCO2e/GB"),
        Dimension("water per area", _mul(VOLUME, AREA, -1), "L/mm2", "0.04 L/cm2"),
        Dimension("power per data", _mul(POWER, DATA, -1), "W/GB", "0.375 W/GB"),
        Dimension("data rate", _mul(DATA, TIME, -1), "GB/s", "3350 GB/s"),
        Dimension("carbon per distance", _mul(MASS, LENGTH, -1), "kg/km", "170 gCO2e/km"),
        Dimension("dimensionless", NONE, "1", "0.85"),
    )
}

J_PER_KWH: Final = 3.6e6
"""Joules in a kilowatt-hour."""
S_PER_H: Final = 3600.0
"""Seconds in an hour."""
H_PER_YEAR: Final = 8760.0
"""Hours in a (365-day) year."""

# symbol -> (factor to base units, dims)
_UNITS: Final[dict[str, tuple[float, Dims]]] = {}


def _add(symbols: str, factor: float, dims: Dims) -> None:
    for s in symbols.split():
        _UNITS[s] = (factor, dims)


# energy
_add("J joule joules", 1.0, ENERGY)
_add("kJ", 1e3, ENERGY)
_add("MJ", 1e6, ENERGY)
_add("GJ", 1e9, ENERGY)
_add("TJ", 1e12, ENERGY)
_add("PJ", 1e15, ENERGY)
_add("mWh", 3.6, ENERGY)
_add("Wh", 3600.0, ENERGY)
_add("kWh", J_PER_KWH, ENERGY)
_add("MWh", 1e3 * J_PER_KWH, ENERGY)
_add("GWh", 1e6 * J_PER_KWH, ENERGY)
_add("TWh", 1e9 * J_PER_KWH, ENERGY)
# power
_add("mW", 1e-3, POWER)
_add("W watt watts", 1.0, POWER)
_add("kW", 1e3, POWER)
_add("MW", 1e6, POWER)
_add("GW", 1e9, POWER)
# time
_add("ms millisecond milliseconds", 1e-3, TIME)
_add("s sec second seconds", 1.0, TIME)
_add("min minute minutes", 60.0, TIME)
_add(
    "h hr hrs hour hours GPU-h GPU-hours GPUh gpu-h gpu-hours device-h device-hours",
    S_PER_H,
    TIME,
)
_add("d day days", 24 * S_PER_H, TIME)
_add("week weeks", 7 * 24 * S_PER_H, TIME)
_add("month months", H_PER_YEAR / 12 * S_PER_H, TIME)
_add("y yr yrs year years", H_PER_YEAR * S_PER_H, TIME)
# mass (CO2e is a mass; the suffix is stripped before lookup)
_add("mg", 1e-6, MASS)
_add("g", 1e-3, MASS)
_add("kg", 1.0, MASS)
_add("t tonne tonnes", 1e3, MASS)
_add("kt", 1e6, MASS)
_add("Mt", 1e9, MASS)
_add("lb lbs", 0.45359237, MASS)
# length, area, volume
_add("nm", 1e-9, LENGTH)
_add("um", 1e-6, LENGTH)
_add("mm", 1e-3, LENGTH)
_add("cm", 1e-2, LENGTH)
_add("m", 1.0, LENGTH)
_add("km", 1e3, LENGTH)
_add("mi mile miles", 1609.344, LENGTH)
_add("mm2 mm^2 mm²", 1e-6, AREA)
_add("cm2 cm^2 cm²", 1e-4, AREA)
_add("m2 m^2 m²", 1.0, AREA)
_add("mL ml", 1e-6, VOLUME)
_add("L l litre litres liter liters", 1e-3, VOLUME)
_add("kL", 1.0, VOLUME)
_add("m3 m^3 m³", 1.0, VOLUME)
_add("ML", 1e3, VOLUME)
_add("GL", 1e6, VOLUME)
_add("gal gallon gallons", 3.785411784e-3, VOLUME)
# data
_add("B byte bytes", 1.0, DATA)
_add("kB KB", 1e3, DATA)
_add("MB", 1e6, DATA)
_add("GB", 1e9, DATA)
_add("TB", 1e12, DATA)
_add("PB", 1e15, DATA)
_add("EB", 1e18, DATA)
_add("KiB", 2.0**10, DATA)
_add("MiB", 2.0**20, DATA)
_add("GiB", 2.0**30, DATA)
_add("TiB", 2.0**40, DATA)
# compute
_add("FLOP FLOPs flop flops", 1.0, FLOP)
_add("GFLOP", 1e9, FLOP)
_add("TFLOP", 1e12, FLOP)
_add("PFLOP", 1e15, FLOP)
_add("EFLOP", 1e18, FLOP)
_add("ZFLOP", 1e21, FLOP)
_FLOPS = _mul(FLOP, TIME, -1)
_add("FLOPS", 1.0, _FLOPS)
_add("GFLOPS", 1e9, _FLOPS)
_add("TFLOPS", 1e12, _FLOPS)
_add("PFLOPS", 1e15, _FLOPS)
_add("EFLOPS", 1e18, _FLOPS)
# dimensionless counts
_add(
    "1 x count counts token tokens request requests query queries prompt prompts "
    "param params parameter parameters people person GPU GPUs unit units",
    1.0,
    NONE,
)
_add("% percent", 0.01, NONE)

_CO2_SUFFIX: Final = re.compile(r"(?<=[a-zA-Z])(CO2e|CO2eq|CO2-eq|CO2-e|CO2)$")
_MAGNITUDE: Final = {"k": 1e3, "K": 1e3, "M": 1e6, "B": 1e9, "G": 1e9, "T": 1e12}
_MANTISSA: Final = r"(?:\d[\d_,]*(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_MAG: Final = r"[kKMBGT](?![a-zA-Z])"
MAX_MAGNITUDE: Final = 1e30
"""The largest quantity read, in its canonical unit: far above any real one (GPT-3's
training took 3.1e23 FLOP), far below where products overflow to infinity."""
NUMBER_PATTERN: Final = rf"[-+]?{_MANTISSA}(?:{_MAG})?"
"""The one pattern of a number in lcai's text: digits (grouped with , or _), an exponent,
a magnitude suffix (k, M, B, G, T). JSON Schema's ``pattern`` uses it too."""
_THOUSANDS: Final = re.compile(r"^[-+]?\d{1,3}(?:,\d{3})+(?:\.\d*)?(?:[eE][-+]?\d+)?$")
"""Digits grouped by commas in threes: '1,500', '12,000.5'; '1,5' is a decimal comma."""
_NUMBER: Final = re.compile(rf"^\s*(?P<num>[-+]?{_MANTISSA})(?P<mag>{_MAG})?\s*(?P<unit>.*?)\s*$")


def split_quantity(text: str) -> tuple[float, str]:
    """The number and the unit text of a quantity string: ``"700 W"`` -> (700.0, "W");
    ``"1.2M requests"`` -> (1.2e6, "requests"); ``"3,000"`` -> (3000.0, "").

    The one reader of "number [magnitude] unit" text in lcai (magnitudes k, M, B, G, T;
    digits may be grouped with ``,`` or ``_``). The unit is not checked here.
    """
    m = _NUMBER.match(text)
    if not m:
        raise UnitError(f"{text!r} is not a number with an optional unit")
    if "," in m["num"] and not _THOUSANDS.match(m["num"]):
        raise UnitError(
            f"{text!r}: a comma only groups thousands (1,500); write decimals with a point (1.5)"
        )
    number = float(m["num"].replace("_", "").replace(",", ""))
    if m["mag"]:
        number *= _MAGNITUDE[m["mag"]]
    return number, m["unit"]


def _lookup_symbol(symbol: str) -> tuple[float, Dims]:
    if symbol in _UNITS:
        return _UNITS[symbol]
    stripped = _CO2_SUFFIX.sub("", symbol)
    if stripped in _UNITS and _UNITS[stripped][1] == MASS:
        return _UNITS[stripped]
    raise UnitError(f"unknown unit {symbol!r}")


def _parse_product(text: str) -> tuple[float, Dims]:
    factor, dims = 1.0, NONE
    for raw in re.split(r"\s*[*·]\s*|\s+", text.strip()):
        if not raw:
            continue
        f, d = _lookup_symbol(raw)
        factor *= f
        dims = _mul(dims, d)
    return factor, dims


def parse_unit(unit: str) -> tuple[float, Dims]:
    """Factor to base units and dimension vector of a unit string.

    Accepts ``"W"``, ``"gCO2e/kWh"``, ``"kWh per GB"``, ``"TFLOP/s"``, ``"1"``.
    """
    text = unit.strip()
    if not text:
        return 1.0, NONE
    text = re.sub(r"\s+per\s+", "/", text)
    parts = text.split("/")
    if len(parts) > 2:
        raise UnitError(f"unit {unit!r} has more than one '/'")
    factor, dims = _parse_product(parts[0]) if parts[0].strip() else (1.0, NONE)
    if len(parts) == 2:
        f2, d2 = _parse_product(parts[1])
        if f2 == 0:
            raise UnitError(f"unit {unit!r} divides by zero")
        factor /= f2
        dims = _mul(dims, d2, -1)
    return factor, dims


def _a(noun: str) -> str:
    """The noun with its indefinite article: 'an energy', 'a power'."""
    return f"an {noun}" if noun[:1] in "aeiou" else f"a {noun}"


def _dimension_named(dims: Dims) -> str:
    for d in DIMENSIONS.values():
        if d.dims == dims:
            return d.name
    parts = [f"{b}^{p}" if p != 1 else b for b, p in zip(_BASES, dims, strict=True) if p]
    return " ".join(parts) or "dimensionless"


def convert(value: float, from_unit: str, to_unit: str) -> float:
    """Convert ``value`` from one unit to another of the same dimension.

    >>> convert(1, "kWh", "J")
    3600000.0
    """
    f1, d1 = parse_unit(from_unit)
    f2, d2 = parse_unit(to_unit)
    if d1 != d2:
        raise UnitError(
            f"cannot convert {from_unit!r} ({_dimension_named(d1)}) "
            f"to {to_unit!r} ({_dimension_named(d2)})"
        )
    return value * f1 / f2


@dataclass(frozen=True)
class Quantity:
    """A parsed quantity: its value in the canonical unit of its dimension."""

    value: float
    unit: str
    dimension: str

    def __str__(self) -> str:
        return format_quantity(self.value, self.unit)


def parse_quantity(
    text: str | float | int, dimension: str, *, allow_inverse: bool = False
) -> Quantity:
    """Parse ``"700 W"`` into a :class:`Quantity` in the canonical unit of ``dimension``.

    Parameters
    ----------
    text : a string with a number and a unit, or a bare number for dimensionless
        quantities (``0.85``, ``"85%"``)
    dimension : a key of :data:`DIMENSIONS` (``"power"``, ``"energy"``, ...)
    allow_inverse : accept the reciprocal dimension and invert the value
        (``"620 GB/kWh"`` for a network energy intensity in kWh/GB)

    Raises
    ------
    UnitError : no number, no unit where one is needed, unknown unit, wrong dimension
    """
    dim = DIMENSIONS[dimension]
    if isinstance(text, bool):
        raise UnitError(f"expected {_a(dimension)}, got a boolean")
    if isinstance(text, int | float):
        if dim.dims != NONE:
            raise UnitError(
                f"{text!r} has no unit: expected {_a(dimension)} with a unit, e.g. {dim.example!r}"
            )
        try:
            value = float(text)
        except OverflowError:  # an integer past a float's range (too long to print)
            digits = int(abs(int(text)).bit_length() * math.log10(2)) + 1
            raise UnitError(f"a number of about {digits} digits is too large: at most "
                            f"{MAX_MAGNITUDE:g}") from None  # fmt: skip
        if not math.isfinite(value):
            raise UnitError(f"expected a finite number, got {text!r}")
        if abs(value) > MAX_MAGNITUDE:
            raise UnitError(f"{text!r} is too large: at most {MAX_MAGNITUDE:g}")
        return Quantity(value, dim.canonical, dimension)
    if not isinstance(text, str):
        raise UnitError(f"expected {_a(dimension)} such as {dim.example!r}, got {text!r}")
    if not _NUMBER.match(text):
        raise UnitError(f"{text!r} is not a number with a unit: expected e.g. {dim.example!r}")
    number, unit = split_quantity(text)
    if not unit and dim.dims != NONE:
        raise UnitError(
            f"{text!r} has no unit: expected {_a(dimension)} with a unit, e.g. {dim.example!r}"
        )
    try:
        factor, dims = parse_unit(unit)
    except UnitError as exc:
        raise UnitError(f"{exc.message} in {text!r}: expected e.g. {dim.example!r}") from None
    to_factor, _ = parse_unit(dim.canonical)
    if dims == dim.dims:
        value = number * factor / to_factor
    elif allow_inverse and dims == tuple(-x for x in dim.dims) and number != 0:
        value = 1.0 / (number * factor) / to_factor
    else:
        raise UnitError(
            f"{text!r} is {_a(_dimension_named(dims))}, expected {_a(dimension)} "
            f"such as {dim.example!r}"
        )
    if not math.isfinite(value):
        raise UnitError(f"{text!r} is not a finite {dimension}")
    if abs(value) > MAX_MAGNITUDE:
        unit = "" if dim.canonical == "1" else f" {dim.canonical}"
        raise UnitError(f"{text!r} is too large: at most {MAX_MAGNITUDE:g}{unit}")
    return Quantity(value, dim.canonical, dimension)


@dataclass(frozen=True)
class Range:
    """Where a physical quantity may lie: ``low`` <= x <= ``high`` (``low`` < x where
    ``open_low``), finite."""

    low: float
    high: float
    what: str
    open_low: bool = False

    def contains(self, x: float) -> bool:
        """Whether ``x`` is finite and inside the range."""
        above = self.low < x if self.open_low else self.low <= x
        return math.isfinite(x) and above and x <= self.high

    def problem(self, x: float, pct: bool = False) -> str | None:
        """'expected WHAT, got X' where ``x`` is outside; None inside."""
        if self.contains(x):
            return None
        return f"expected {self.what}, got {f'{100 * x:.4g}%' if pct else f'{x:g}'}"


RANGES: Final = {
    "pue": Range(1.0, 5.0, "a PUE of 1 to 5 (1 by definition; no site reports 5)"),
    "share": Range(0.0, 1.0, "a share of 0 to 1"),
    "positive_share": Range(0.0, 1.0, "a share above 0, at most 1", open_low=True),
    "nonnegative": Range(0.0, math.inf, "a number >= 0"),
    "accelerators": Range(1.0, 1e8, "1 to 1e8 accelerators (about 30x the world's of 2024)"),
    "supply_w": Range(1.0, 1e12, "a supply of 1 W to 1 TW (more than most national grids)"),
    "yearly_energy_kwh": Range(0.0, 1e15, "a yearly energy of 0 to 1e15 kWh (30x the world's)"),
    "energy_per_request_kwh": Range(0.0, 1e6, "0 to 1e6 kWh per request"),
    "requests_per_day": Range(0.0, 1e15, "0 to 1e15 requests a day"),
    "growth": Range(-0.99, 10.0, "a growth of -99% to 1000% a year"),
    "efficiency_gain": Range(0.0, 0.99, "a gain of 0% to 99% a year"),
    "decarbonisation": Range(0.0, 1.0, "0% to 100% a year"),
    "year": Range(1900, 2200, "a year from 1900 to 2200"),
    "horizon_years": Range(0, 100, "a horizon of at most 100 years"),
    "accelerator_power_w": Range(0.0, 1e5, "an accelerator's power of 0 to 100 kW"),
    "peak_flop_per_s": Range(
        0.0, 1e19, "a peak of at most 1e19 FLOP/s (10 EFLOP/s) per accelerator"
    ),
    "bandwidth_gb_per_s": Range(0.0, 1e6, "a memory bandwidth of at most 1e6 GB/s (1 PB/s)"),
    "step_overhead_h": Range(0.0, 60 / 3600, "a step overhead of at most 60 s"),
    "tokens_per_request": Range(0.0, 1e9, "at most 1e9 tokens per request"),
    "batch": Range(0.0, 1e7, "a batch of at most 1e7 requests"),
    "model_parameters": Range(0.0, 1e16, "at most 1e16 parameters"),
    "device_power_w": Range(0.0, 1e5, "a measured device's power of 0 to 100 kW"),
    "device_energy_j": Range(
        0.0, 1e14, "a device's energy of 0 to 1e14 J (100 kW for over 30 years)"
    ),
}
"""The one place that says what a quantity may be: the schema, the distributions'
truncation, capacity planning, projections and the fleet's sites file all read these."""


def format_quantity(value: float, unit: str, digits: int = 6) -> str:
    """Format a value with its unit so that :func:`parse_quantity` reads it back.

    >>> format_quantity(400.0, "W")
    '400 W'
    """
    return f"{value:.{digits}g} {unit}" if unit != "1" else f"{value:.{digits}g}"


_RANGE: Final = re.compile(
    rf"^\s*(?P<a>[-+]?{_MANTISSA}(?:{_MAG})?)\s*(?:-|to|–)\s*(?P<b>{_MANTISSA}(?:{_MAG})?\s*.*?)\s*$"
)


def parse_range(text: str | float, dimension: str) -> tuple[float, float]:
    """``"25-33%"`` or ``"200 to 283 TWh"`` -> (low, high) in the canonical unit; a single
    quantity gives (x, x)."""
    if isinstance(text, str):
        m = _RANGE.match(text)
        if m:
            try:
                a, _ = split_quantity(m["a"])
                b, unit = split_quantity(m["b"])
            except UnitError:
                m = None
            else:
                lo = parse_quantity(f"{a!r} {unit}".strip(), dimension).value
                hi = parse_quantity(f"{b!r} {unit}".strip(), dimension).value
                return (lo, hi) if lo <= hi else (hi, lo)
    x = parse_quantity(text, dimension).value
    return x, x
