"""Monte Carlo: distributions in the file, the engine on N samples, analytic checks."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lcai
from lcai.engine.uncertainty import Band
from lcai.errors import SpecError
from lcai.spec.distributions import Dist, RawDist, extract, to_dist
from tests.test_bad_input import run_cli

pytestmark = pytest.mark.usefixtures("fixture_catalog")
Z95 = 1.6448536269514722  # standard normal 95th percentile


def _spec(**training: Any) -> dict[str, Any]:
    return {
        "name": "mc",
        "grid": {"region": "AA", "co2e_intensity": "500 g/kWh", "water_intensity": "0 L/kWh"},
        "facility": {"pue": 1.0, "wue": "0 L/kWh"},
        "training": {"accelerators": {"energy": "0 kWh"}, **training},
    }


def _band(r: lcai.Result) -> Band:
    assert r.uncertainty is not None
    return r.uncertainty.total


def test_sum_of_normals() -> None:
    """N(100, 10) + N(200, 20) kWh = N(300, 22.36): p5/p95 = 300 -+ 1.645 x 22.36."""
    spec = _spec(
        idle={"energy": {"dist": "normal", "mean": "100 kWh", "sd": "10 kWh"}},
        storage={"energy": "200 kWh +- 10%"},
    )
    r = lcai.assess(spec, samples=200_000, seed=1)
    assert r.total.energy_kwh == pytest.approx(300)  # the point estimate is the mean
    e = _band(r)["energy_kwh"]
    sd = math.sqrt(10**2 + 20**2)
    assert e.mean == pytest.approx(300, rel=2e-3)
    assert e.p5 == pytest.approx(300 - Z95 * sd, rel=5e-3)
    assert e.p95 == pytest.approx(300 + Z95 * sd, rel=5e-3)
    c = _band(r)["co2e_kg"]
    assert c.p50 == pytest.approx(150, rel=2e-3)


def test_product_of_lognormals() -> None:
    """GPU-hours LN(1000 h, gsd 1.2) x power LN(500 W, gsd 1.3): energy is lognormal with
    median 500 kWh and sigma = sqrt(ln(1.2)^2 + ln(1.3)^2)."""
    spec = _spec()
    spec["training"]["accelerators"] = {
        "gpu_hours": {"dist": "lognormal", "median": "1000 h", "gsd": 1.2},
        "power": {"dist": "lognormal", "median": "0.5 kW", "gsd": 1.3},
    }
    r = lcai.assess(spec, samples=200_000, seed=7)
    sigma = math.hypot(math.log(1.2), math.log(1.3))
    e = _band(r)["energy_kwh"]
    assert e.p50 == pytest.approx(500, rel=5e-3)
    assert e.p95 == pytest.approx(500 * math.exp(Z95 * sigma), rel=1e-2)
    assert e.p5 == pytest.approx(500 * math.exp(-Z95 * sigma), rel=1e-2)
    assert e.mean == pytest.approx(500 * math.exp(sigma**2 / 2), rel=5e-3)


def test_seeds() -> None:
    spec = _spec(idle={"energy": "100 kWh +- 30%"})
    a = lcai.assess(spec, samples=1000, seed=0).uncertainty
    b = lcai.assess(spec, samples=1000, seed=0).uncertainty
    c = lcai.assess(spec, samples=1000, seed=1).uncertainty
    d = lcai.assess(spec, samples=1000).uncertainty  # default seed is 0
    assert a == b == d
    assert a != c


def test_nothing_uncertain_without_distributions(tmp_path: Path) -> None:
    """The fixture catalog has no uncertainty table and the file states no distribution:
    every sample is the point value."""
    r = lcai.assess(_spec(idle={"energy": "100 kWh"}), samples=100)
    assert r.uncertainty is not None and r.uncertainty.uncertain_inputs == ()
    assert _band(r)["energy_kwh"].p5 == pytest.approx(100)


def test_truncation_and_pert() -> None:
    rng = np.random.default_rng(3)
    pue = Dist("normal", 1.05, 0.2, lower=1.0)
    assert pue.sample(rng, 10_000).min() >= 1.0
    pert = Dist("pert", 1.0, 2.0, 6.0)
    x = pert.sample(rng, 200_000)
    assert x.mean() == pytest.approx((1 + 4 * 2 + 6) / 6, rel=5e-3)
    assert x.min() >= 1.0 and x.max() <= 6.0
    tri = Dist("triangular", 0.0, 1.0, 4.0)
    assert tri.sample(rng, 200_000).mean() == pytest.approx(5 / 3, rel=5e-3)


def test_extract_and_convert() -> None:
    data, found = extract(
        {"a": {"b": [{"c": "700 W +- 70 W"}, {"c": {"dist": "uniform", "low": 1, "high": 3}}]}}
    )
    assert data == {"a": {"b": [{"c": "700.0 W"}, {"c": 2.0}]}}
    assert set(found) == {"a.b[0].c", "a.b[1].c"}
    d = to_dist(found["a.b[0].c"], "kW")
    assert (d.kind, d.a, d.b) == ("normal", 0.7, pytest.approx(0.07))
    g = to_dist(RawDist("lognormal", {"median": "57 g/kWh", "gsd": 1.2}), "kg/kWh")
    assert g.a == pytest.approx(0.057) and g.nominal == pytest.approx(0.057)


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ({"dist": "gamma", "k": 1}, "unknown distribution"),
        ({"dist": "uniform", "low": 1}, "missing high"),
        ({"dist": "normal", "mean": 1, "sd": 1, "skew": 2}, "unknown skew"),
        ({"dist": "triangular", "low": 3, "mode": 1, "high": 2}, "low <= mode <= high"),
        ({"dist": "lognormal", "median": 1, "gsd": 0.5}, "gsd >= 1"),
    ],
)
def test_bad_distributions(value: Any, fragment: str) -> None:
    spec = _spec(idle={"power": "1 kW", "duration": "1 h"})
    spec["facility"]["pue"] = value
    with pytest.raises(SpecError, match=fragment):
        lcai.assess(spec, samples=10)


def test_cli_samples(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    f = tmp_path / "u.yaml"
    f.write_text(
        "name: u\ngrid: {region: AA}\ntraining:\n  accelerators:\n    type: GPU-X\n"
        "    gpu_hours: 1000 h +- 10%\n"
    )
    code, out, _ = run_cli(["assess", str(f), "--samples", "500", "--json"], capsys)
    assert code == 0
    unc = json.loads(out)["uncertainty"]
    assert unc["samples"] == 500 and unc["seed"] == 0
    assert set(unc["total"]["co2e_kg"]) == {"p5", "p50", "p95", "mean"}
    assert "training" in unc["phases"]
    code, out, _ = run_cli(["assess", str(f), "-n", "500"], capsys)
    assert code == 0 and "Uncertainty (500 samples, seed 0" in out


@settings(max_examples=20, deadline=None)
@given(sd=st.floats(min_value=0.0, max_value=50.0), seed=st.integers(0, 2**32 - 1))
def test_percentiles_are_ordered(sd: float, seed: int) -> None:
    spec = _spec(idle={"energy": {"dist": "normal", "mean": "100 kWh", "sd": f"{sd!r} kWh"}})
    e = _band(lcai.assess(spec, samples=200, seed=seed))["energy_kwh"]
    assert e.p5 <= e.p50 <= e.p95
    assert e.p5 >= 0  # truncated at zero


@settings(max_examples=60, deadline=None)
@given(
    kind=st.sampled_from(["uniform", "triangular", "pert", "normal", "lognormal"]),
    centre=st.floats(min_value=0.01, max_value=10.0),
    spread=st.floats(min_value=1.0, max_value=5.0),
    bounds=st.sampled_from([(0.0, math.inf), (0.0, 1.0), (1.0, math.inf), (0.5, 2.0)]),
)
def test_truncation_holds_for_every_kind(
    kind: str, centre: float, spread: float, bounds: tuple[float, float]
) -> None:
    lo, hi = bounds
    if kind == "normal":
        d = Dist("normal", centre, centre * (spread - 1), lower=lo, upper=hi)
    elif kind == "lognormal":
        d = Dist("lognormal", centre, spread, lower=lo, upper=hi)
    else:
        a, c = centre / spread, centre * spread
        if c < lo or a > hi:
            return  # no support inside the bounds: to_dist refuses such a distribution
        b = centre if kind != "uniform" else c
        d = Dist(kind, a, b, c, lower=lo, upper=hi)  # type: ignore[arg-type]
    x = d.sample(np.random.default_rng(1), 5000)
    assert np.all(np.isfinite(x)) and x.min() >= lo and x.max() <= hi


def test_a_distribution_outside_the_bounds_is_refused() -> None:
    raw = RawDist("uniform", {"low": 1.2, "high": 1.5})
    with pytest.raises(SpecError, match="outside the parameter's range"):
        to_dist(raw, "1", 0.0, 1.0)
    assert to_dist(raw, "1", 1.0, math.inf).kind == "uniform"


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("0±%", "percentage"),
        ("100 h ±10%%", "percentage"),
        ("100 h ± -10%", "percentage"),
        ("100 h ± nan%", "percentage"),
        ("0± h", "'h'"),
        ("100 h ± 10 kg", "mass"),
        ("1 h ± 1 h ± 1 h", "one '\\+-' only"),
    ],
)
def test_a_bad_spread_names_the_field_and_its_line(value: str, fragment: str) -> None:
    """Was: a '0±%' spread was a ValueError (an internal error), and an error in an
    'A ± B' value named no field, so the file's line 1 was blamed."""
    from lcai.spec.loading import parse_source

    text = (
        "name: x\ngrid: {region: FR}\ntraining:\n  accelerators:\n"
        f"    - {{type: H100, count: 8, duration: {value!r}}}\n"
    )
    with pytest.raises(SpecError, match=fragment) as info:
        parse_source({"training": {"accelerators": [{"duration": value}]}}, file="a.yaml",
                     text=text)  # fmt: skip
    assert info.value.path == ("training", "accelerators", 0, "duration")
    assert info.value.line == 5


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (RawDist("normal", {"mean": "100 h", "sd": "1e308 h"}), "at most 1e\\+30 h"),
        (RawDist("normal", {"mean": "100 h", "sd": "1e29 h"}), "too wide"),
        (RawDist("normal", {"mean": 1.0, "sd": math.inf}), "finite"),
        (RawDist("normal", {"mean": math.nan, "sd": 1.0}), "finite"),
        (RawDist("lognormal", {"median": 1e300, "gsd": 2}), "at most"),
        (RawDist("lognormal", {"median": 1e10, "gsd": 1e10}), "too wide"),
        (RawDist("lognormal", {"median": 0, "gsd": 2}), "median > 0"),
        (RawDist("uniform", {"low": -1e200, "high": 1e200}), "at most"),
        (RawDist("pert", {"low": 0, "mode": 1, "high": math.inf}), "finite"),
    ],
)
def test_a_distribution_that_cannot_be_computed_is_refused(raw: RawDist, fragment: str) -> None:
    """Was: '100 h +- 1e308 h' drew infinities (numpy's overflow warning, NaN in the JSON).
    Now a distribution's numbers and draws are at most 1e30, as a plain quantity's."""
    with pytest.raises(SpecError, match=fragment):
        to_dist(raw, "h", -math.inf, math.inf)


def test_a_wide_but_finite_spread_draws_finite_numbers() -> None:
    d = to_dist(RawDist("normal", {"mean": "100 h", "sd": "1e27 h"}), "h")
    with np.errstate(all="raise"):
        x = d.sample(np.random.default_rng(0), 10_000)
    assert np.all(np.isfinite(x)) and x.min() >= 0


def test_a_bare_number_takes_the_unit_of_the_distributions_other_fields() -> None:
    """`{dist: normal, mean: 433 MWh, sd: 40}` took the sd as 40 kWh (the canonical unit)
    while `433 MWh +- 40` meant 40 MWh."""
    a = to_dist(RawDist("normal", {"mean": "433 MWh", "sd": 40}), "kWh")
    b = to_dist(RawDist("normal", {"mean": "433 MWh", "sd": "40 MWh"}), "kWh")
    assert a == b and a.b == pytest.approx(40_000)
    c = to_dist(RawDist("uniform", {"low": 1, "high": "2 MWh"}), "kWh")
    assert (c.a, c.b) == (pytest.approx(1000), pytest.approx(2000))
