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
    with pytest.raises(SpecError, match="holds H100-SXM5-80GB, not L4"):
        plan_capacity("L4", count=10, system="dgx-h100")
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


# --- issue 13.5: capacity prints readable numbers and refuses a system of other GPUs ------


def test_supply_share_is_a_readable_percentage(capsys: pytest.CaptureFixture[str]) -> None:
    """`--supply "150 MW"` printed Colossus's share as '1e+02%' (99.996%)."""
    code, out, _ = run_cli(["capacity", "--supply", "150 MW"], capsys)
    assert code == 0
    row = next(line for line in out.splitlines() if "150 MW (power)" in line)
    assert "100.0%" in row and "e+" not in out and "e-" not in out


def test_a_system_of_other_accelerators_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    """`-a L4 --system dgx-h100` gave 1,275 W per L4 (a DGX H100's power per H100)."""
    code, out, err = run_cli(["capacity", "-a", "L4", "-c", "12", "--system", "dgx-h100"], capsys)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err.startswith("error: --system: system:dgx-h100 holds H100-SXM5-80GB")
    assert plan_capacity("H200", count=8, system="dgx-h200").system == "system:dgx-h200"


def test_an_accelerator_without_a_reference_system(capsys: pytest.CaptureFixture[str]) -> None:
    """`-a L4 -c 12` was refused without a system, and its power printed '0.0 MW'. It works
    from the tables: the L4's TDP (72 W) + the smallest host share of a reference system
    (DGX A100: 6,500 W / 8 - 400 W = 412.5 W), cited; 12 x 484.5 W x PUE 1.58 = 9.186 kW."""
    c = plan_capacity("L4", count=12)
    assert c.system_w_per_accelerator == pytest.approx(72 + 6500 / 8 - 400)
    assert c.power_w == pytest.approx(12 * 484.5 * 1.58)
    (note,) = [a for a in c.assumptions if a.startswith("system power")]
    for source in ("nvidia2023l4datasheet", "nvidia2020dgxa100ug", "nvidia2021a100datasheet"):
        assert source in note
    code, out, _ = run_cli(["capacity", "-a", "L4", "-c", "12"], capsys)
    assert code == 0 and "9.186 kW" in out and "0.0 MW" not in out


def test_load_factor_from_utilisation_follows_the_load_model() -> None:
    """DGX H100: 1,275 W per accelerator rated, 700 W of it the GPU. At 60% busy the GPU
    averages 0.6 x 700 (compute-bound, Splitwise's power model) + 0.4 x 74.9 W (idle,
    0.107 of TDP); the rest of the system stays at its rated 575 W:
    (575 + 420 + 29.96) / 1,275 = 0.8039."""
    from lcai.whatif.capacity import plan_capacity

    cap = plan_capacity("H100", count=1000, utilisation=0.6)
    assert cap.load_factor == pytest.approx((575 + 420 + 0.4 * 700 * 0.107) / 1275)
    full = plan_capacity("H100", count=1000, load_factor=1.0)
    assert cap.energy_kwh_per_year == pytest.approx(full.energy_kwh_per_year * cap.load_factor)
    with pytest.raises(SpecError, match="not both"):
        plan_capacity("H100", count=10, utilisation=0.5, load_factor=0.5)
    with pytest.raises(SpecError, match="utilisation"):
        plan_capacity("H100", count=10, utilisation=0.0)
