"""Projections: compounding, the source article's 2030 figures, the CLI."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lcai.whatif.projection import cagr_from_multiple, energy_path_kwh, preset, project
from tests.test_bad_input import run_cli


def test_hand_worked() -> None:
    """100 kWh growing 10% a year with 5% efficiency gains, on a 0.5 kg/kWh grid falling
    2% a year: after 2 years 100 x 1.1^2 x 0.95^2 = 109.2 kWh, x 0.5 x 0.98^2 = 52.44 kg."""
    rows = project((100.0, 100.0), (0.1, 0.1), 2024, 2026, efficiency=0.05,
                   intensity_kg_per_kwh=0.5, decarbonisation=0.02, water_l_per_kwh=2.0)  # fmt: skip
    last = rows[-1]
    assert [r.year for r in rows] == [2024, 2025, 2026]
    assert last.energy_kwh[1] == pytest.approx(100 * 1.1**2 * 0.95**2)
    assert last.co2e_kg[1] == pytest.approx(100 * 1.1**2 * 0.95**2 * 0.5 * 0.98**2)
    assert last.water_l[1] == pytest.approx(2 * last.energy_kwh[1])


@pytest.mark.parametrize(
    ("name", "low", "high"), [("huatai-US", 1.2e12, 1.7e12), ("huatai-CN", 0.65e12, 0.95e12)]
)
def test_source_article_2030(name: str, low: float, high: float) -> None:
    """From the 2022 levels implied by the article's ratios (6x, 3.5x), 2030 lands on its ranges."""
    p = preset(name)
    rows = project(p["start_kwh"], p["growth"], p["start_year"], p["end_year"])
    assert rows[-1].year == 2030 and rows[0].year == 2022
    assert rows[-1].energy_kwh[0] == pytest.approx(low, rel=1e-9)
    assert rows[-1].energy_kwh[2] == pytest.approx(high, rel=1e-9)


def test_bofa_preset_needs_a_start(capsys: pytest.CaptureFixture[str]) -> None:
    p = preset("bofa-AI")
    assert p["growth"] == (0.25, 0.33) and (p["start_year"], p["end_year"]) == (2023, 2028)
    code, _, err = run_cli(["project", "--preset", "bofa-AI"], capsys)
    assert code == 2 and "--start" in err
    code, out, _ = run_cli(
        ["project", "--preset", "bofa-AI", "--start", "100 TWh", "--json"], capsys
    )
    assert code == 0
    years = json.loads(out)["years"]
    assert years[-1]["energy_kwh"]["high"] == pytest.approx(100e9 * 1.33**5)


def test_cli(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["project", "--preset", "huatai-US", "--region", "US"], capsys)
    assert code == 0 and "lcai gives 1.2-1.7" in out
    code, out, _ = run_cli(
        ["project", "--requests-per-day", "1e6", "--energy-per-request", "0.3 Wh",
         "--growth", "25-33%", "--from", "2025", "--to", "2027", "--json"],
    capsys)  # fmt: skip
    assert code == 0
    first = json.loads(out)["years"][0]["energy_kwh"]
    assert first["low"] == pytest.approx(1e6 * 365 * 0.3e-3)
    code, _, err = run_cli(["project", "--start", "1 TWh", "--growth", "10%",
                            "--from", "2030", "--to", "2020"], capsys)  # fmt: skip
    assert code == 2 and "before" in err
    code, _, err = run_cli(["project", "--start", "1 kg", "--growth", "10%",
                            "--from", "2020", "--to", "2030"], capsys)  # fmt: skip
    assert code == 2 and "--start" in err
    code, _, err = run_cli(["project", "--preset", "huatai-XX"], capsys)
    assert code == 2 and "huatai-US" in err


@given(
    multiple=st.floats(min_value=1.01, max_value=100), years=st.integers(min_value=1, max_value=30)
)
def test_cagr_round_trip(multiple: float, years: int) -> None:
    g = cagr_from_multiple(multiple, years)
    assert energy_path_kwh(1.0, g, 0.0, years) == pytest.approx(multiple, rel=1e-9)
