"""Units: parsing, dimension checks, conversion and round trips."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lcai.errors import SpecError, UnitError
from lcai.units import DIMENSIONS, convert, format_quantity, parse_quantity


@pytest.mark.parametrize(
    ("text", "dimension", "expected"),
    [
        ("700 W", "power", 700.0),
        ("0.7 kW", "power", 700.0),
        ("1.08e6 h", "time", 1.08e6),
        ("1,082,990 h", "time", 1_082_990.0),
        ("1.3M GPU-hours", "time", 1.3e6),
        ("6 years", "time", 6 * 8760.0),
        ("118 days", "time", 118 * 24.0),
        ("80 GB", "data", 80.0),
        ("80GB", "data", 80.0),
        ("50 kB", "data", 50e-6),
        ("433196 kWh", "energy", 433196.0),
        ("1287 MWh", "energy", 1.287e6),
        ("37.7 J", "energy", 37.7 / 3.6e6),
        ("24.69 tCO2e", "mass", 24690.0),
        ("150 kgCO2eq", "mass", 150.0),
        ("57 gCO2e/kWh", "carbon intensity", 0.057),
        ("0.429 kgCO2e/kWh", "carbon intensity", 0.429),
        ("3.142 L/kWh", "water intensity", 3.142),
        ("500 mL", "volume", 0.5),
        ("5.4 ML", "volume", 5.4e6),
        ("814 mm2", "area", 814.0),
        ("1.8 kgCO2e/cm2", "carbon per area", 0.018),
        ("989 TFLOP/s", "compute rate", 989e12),
        ("989 TFLOPS", "compute rate", 989e12),
        ("3.14e23 FLOP", "compute", 3.14e23),
        ("85%", "dimensionless", 0.85),
        ("176B", "dimensionless", 176e9),
        ("2T tokens", "dimensionless", 2e12),
        (0.85, "dimensionless", 0.85),
        ("0.0016 kWh per GB", "network energy intensity", 0.0016),
    ],
)
def test_parse(text: str, dimension: str, expected: float) -> None:
    assert parse_quantity(text, dimension).value == pytest.approx(expected, rel=1e-12)


def test_inverse_network_intensity() -> None:
    """The source article's 620 GB per kWh for 4G is 1/620 kWh/GB."""
    q = parse_quantity("620 GB/kWh", "network energy intensity", allow_inverse=True)
    assert q.value == pytest.approx(1 / 620)
    with pytest.raises(UnitError):
        parse_quantity("620 GB/kWh", "network energy intensity")


@pytest.mark.parametrize(
    ("text", "dimension", "fragment"),
    [
        ("700 kg", "power", "is a mass, expected a power"),
        ("700", "power", "has no unit"),
        (700, "power", "has no unit"),
        ("700 Wattz", "power", "unknown unit"),
        ("fast", "power", "not a number"),
        ("6 W", "time", "expected a time"),
        ("1 kWh/GB/s", "energy", "more than one '/'"),
        (True, "dimensionless", "boolean"),
        ("inf W", "power", "not a number"),
    ],
)
def test_parse_errors(text: object, dimension: str, fragment: str) -> None:
    with pytest.raises(UnitError, match=fragment) as info:
        parse_quantity(text, dimension)  # type: ignore[arg-type]
    # a UnitError is a SpecError, a ValueError and a TypeError at once
    assert isinstance(info.value, SpecError | ValueError | TypeError)


def test_convert() -> None:
    assert convert(1, "kWh", "J") == 3.6e6
    assert convert(19.58, "tCO2e", "kg") == pytest.approx(19580)
    assert convert(1, "year", "h") == 8760
    with pytest.raises(UnitError, match="cannot convert"):
        convert(1, "kWh", "kg")


_finite = st.floats(min_value=1e-9, max_value=1e15, allow_nan=False, allow_infinity=False)


@given(value=_finite, dimension=st.sampled_from(sorted(DIMENSIONS)))
def test_round_trip(value: float, dimension: str) -> None:
    """format_quantity(parse_quantity(s)) parses back to the same value."""
    unit = DIMENSIONS[dimension].canonical
    text = format_quantity(value, unit, digits=17)
    back = parse_quantity(text, dimension).value
    assert math.isclose(back, value, rel_tol=1e-12)


@given(value=_finite)
def test_power_units_agree(value: float) -> None:
    w = parse_quantity(f"{value!r} W", "power").value
    kw = parse_quantity(f"{value / 1000!r} kW", "power").value
    assert math.isclose(w, kw, rel_tol=1e-12)
