"""Grid capacity: both directions, hand-worked, and against the catalog's sites."""

from __future__ import annotations

import json

import pytest

from lcai.errors import SpecError
from lcai.whatif.capacity import accelerators_for_supply, cluster_power_w, plan_capacity
from tests.test_bad_input import run_cli


def test_hundred_thousand_h100() -> None:
    """100,000 H100 in DGX H100 systems (10,200 W per 8 GPUs = 1,275 W each) at the
    industry-average PUE 1.58: 100,000 x 1,275 x 1.58 = 201.45 MW at the meter;
    at load factor 0.8, 201.45 MW x 8,760 h x 0.8 = 1.4118 TWh a year."""
    c = plan_capacity("H100", count=100_000, load_factor=0.8)
    assert c.system_w_per_accelerator == pytest.approx(1275)
    assert c.power_w == pytest.approx(201.45e6)
    assert c.energy_kwh_per_year == pytest.approx(201.45e3 * 8760 * 0.8)
    colossus = next(x for x in c.comparisons if x["key"] == "site:xai-colossus")
    assert colossus["share"] == pytest.approx(201.45 / 150)


def test_supply_to_accelerators_round_trips() -> None:
    n = accelerators_for_supply(150e6, 1275, 1.2)
    assert n == 98_039  # floor(150e6 / 1530)
    assert cluster_power_w(n, 1275, 1.2) <= 150e6 < cluster_power_w(n + 1, 1275, 1.2)
    c = plan_capacity("H100", supply_w=150e6, pue=1.2)
    assert c.count == n


def test_region_gives_carbon_and_water() -> None:
    c = plan_capacity("A100-80GB", count=1000, pue=1.1, region="FR")
    assert c.system == "system:dgx-a100"
    assert c.co2e_kg_per_year is not None and c.co2e_kg_per_year > 0
    assert c.water_l_per_year is not None and c.water_l_per_year > 0


def test_errors(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SpecError, match="either"):
        plan_capacity("H100")
    with pytest.raises(SpecError, match="no reference system"):
        plan_capacity("TPU-v4", count=10)
    code, _, err = run_cli(["capacity", "-a", "H1000", "-c", "10"], capsys)
    assert code == 2 and "H100" in err
    code, _, err = run_cli(["capacity", "--supply", "150 kg"], capsys)
    assert code == 2 and "--supply" in err


def test_cli(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["capacity", "-c", "100000", "--region", "US-TN"], capsys)
    assert code == 0 and "201.4 MW" in out and "Colossus" in out
    code, out, _ = run_cli(["capacity", "--supply", "1 GW", "--pue", "1.1", "--json"], capsys)
    assert code == 0
    d = json.loads(out)
    assert d["accelerators"] == accelerators_for_supply(1e9, 1275, 1.1)
