"""The engine on the fixture catalog (round numbers): hand-worked cases and laws.

Fixture factors (tests/fixtures/catalog): region AA 500 gCO2e/kWh and 2 L/kWh
off-site water; BB 100 g and 4 L; WORLD 400 g and 3 L. Industry-average PUE
1.5 and WUE 2 L/kWh; liquid cooling PUE 1.2, WUE 0.5. GPU-X: TDP 500 W, peak
1000 TFLOP/s, 800 mm2 at 5 nm, 100 GB HBM, embodied 200 kg (manufacturer).
Default lifetime 5 years, utilisation 0.5. Laptop 50 W, 200 kg, 4 years;
2,000 working hours a year. 4G 0.5 kWh/GB. Training MFU 0.5.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lcai
from lcai.engine.evaluate import evaluate
from lcai.errors import SpecError
from lcai.resolver import resolve
from lcai.spec.source import Source

pytestmark = pytest.mark.usefixtures("fixture_catalog")


def _training(**acc: Any) -> dict[str, Any]:
    return {"name": "t", "grid": {"region": "AA"}, "training": {"accelerators": acc}}


def test_training_given() -> None:
    """1,000 GPU-h x 500 W (TDP) = 500 kWh IT; x PUE 1.5 = 750 kWh.

    CO2e = 750 x 0.5 = 375 kg. Water: on-site 500 x 2 = 1,000 L; off-site
    750 x 2 = 1,500 L; 2,500 L in all.
    """
    r = lcai.assess(_training(type="GPU-X", gpu_hours="1000 h"))
    t = r.phases["training"]
    assert t.impact.energy_kwh == pytest.approx(750)
    assert t.impact.co2e_kg == pytest.approx(375)
    assert t.impact.water_l == pytest.approx(2500)
    gpu = t.items[0]
    assert gpu.method == "given"
    assert gpu.energy_kwh == pytest.approx(500)
    assert gpu.water_onsite_l == pytest.approx(1000)
    assert "fixture" in gpu.sources
    names = [a.name for a in r.assumptions]
    assert "training.facility.pue" in names and "training.accelerators.power" in names


def test_training_count_duration_and_power() -> None:
    """8 GPUs x 10 days x 400 W = 768 kWh IT; liquid cooling PUE 1.2 -> 921.6 kWh."""
    spec = _training(type="GPU-X", count=8, duration="10 days", power="400 W")
    spec["facility"] = {"cooling": "liquid"}
    r = lcai.assess(spec)
    assert r.phases["training"].impact.energy_kwh == pytest.approx(921.6)
    # on-site water uses the liquid WUE 0.5 on IT energy: 768 x 0.5 = 384 L
    assert r.phases["training"].items[0].water_onsite_l == pytest.approx(384)


def test_training_estimated_from_compute() -> None:
    """6 x 1e9 params x 1e12 tokens = 6e21 FLOP; / (1e15 FLOP/s x 0.5) = 1.2e7 s
    = 3,333.3 GPU-h; x 500 W = 1,666.7 kWh IT."""
    r = lcai.assess(_training(type="GPU-X", model={"parameters": "1B"}, tokens="1T"))
    gpu = r.phases["training"].items[0]
    assert gpu.method == "estimated"
    assert gpu.energy_kwh == pytest.approx(6e21 / (1e15 * 0.5) / 3600 * 0.5)
    mfu = next(a for a in r.assumptions if a.name == "training.accelerators.mfu")
    assert mfu.status == "default" and mfu.value == 0.5


def test_mixture_of_experts_uses_active_parameters() -> None:
    dense = lcai.assess(_training(type="X", model={"parameters": "8B"}, tokens="1T"))
    moe = lcai.assess(
        _training(type="X", model={"parameters": "8B", "active_parameters": "2B"}, tokens="1T")
    )
    assert moe.total.energy_kwh == pytest.approx(dense.total.energy_kwh / 4)


def test_measured_energy() -> None:
    r = lcai.assess(_training(energy="1000 kWh", energy_source="tracker run 42"))
    item = r.phases["training"].items[0]
    assert item.method == "measured" and item.energy_kwh == 1000
    assert "tracker run 42" in item.note


def test_host_memory_storage_idle_network() -> None:
    """Host: 2 CPUs x 250 W x 100 h = 50 kWh. Memory 1,000 GB x 0.5 W/GB x 100 h = 50 kWh.
    Storage 10 kWh (given). Idle 1 kW x 100 h = 100 kWh. IT = 500 (GPUs: 10 x 100 h x 500 W)
    + 210 = 710 kWh; overhead 355 kWh. Network 100 GB x 0.1 kWh/GB = 10 kWh, no PUE."""
    spec = _training(type="GPU-X", count=10, duration="100 h")
    spec["training"].update(
        cpu={"power": "250 W", "count": 2},
        memory={"capacity": "1000 GB"},
        storage={"energy": "10 kWh"},
        idle={"power": "1 kW"},
        network={"data": "100 GB", "medium": "fixed"},
    )
    r = lcai.assess(spec)
    by = {it.name: it for it in r.phases["training"].items}
    assert by["host CPUs"].energy_kwh == pytest.approx(50)
    assert by["host memory"].energy_kwh == pytest.approx(50)
    assert by["storage"].energy_kwh == pytest.approx(10)
    assert by["idle"].energy_kwh == pytest.approx(100)
    assert by["facility overhead (PUE 1.5)"].energy_kwh == pytest.approx(355)
    assert by["network (fixed)"].energy_kwh == pytest.approx(10)
    assert by["network (fixed)"].water_onsite_l == 0
    assert r.total.energy_kwh == pytest.approx(710 * 1.5 + 10)


def test_market_based_side_by_side() -> None:
    """60% renewable contracts: market factor 0.4 x 0.5 = 0.2 kg/kWh (residual = location)."""
    spec = _training(type="GPU-X", gpu_hours="1000 h")
    spec["grid"]["renewable_share"] = "60%"
    r = lcai.assess(spec)
    assert r.total.co2e_kg == pytest.approx(375)
    assert r.total.co2e_market_kg == pytest.approx(750 * 0.2)
    assert any("residual" in w for w in r.warnings)
    d = r.to_dict()
    assert d["total"]["co2e_market_kg"] == pytest.approx(150)


def test_contract_factor_with_residual() -> None:
    spec = _training(type="GPU-X", gpu_hours="1000 h")
    spec["grid"].update(
        contract_intensity="0 g/kWh", contract_share=0.5, residual_intensity="600 g/kWh"
    )
    r = lcai.assess(spec)
    assert r.total.co2e_market_kg == pytest.approx(750 * 0.3)


def test_no_market_means_no_market_key() -> None:
    r = lcai.assess(_training(type="GPU-X", gpu_hours="1000 h"))
    assert r.total.co2e_market_kg is None
    assert "co2e_market_kg" not in r.to_dict()["total"]


def test_region_fallbacks() -> None:
    """Province BB-1 has a carbon figure but no water figure: water falls back to BB."""
    spec = _training(type="GPU-X", gpu_hours="1000 h")
    spec["grid"] = {"region": "BB-1"}
    r = lcai.assess(spec)
    p = {a.name: a for a in r.assumptions}
    assert p["training.grid.water_intensity"].value == 4
    assert p["training.grid.water_intensity"].status == "default"
    no_region = _training(type="GPU-X", gpu_hours="1000 h")
    del no_region["grid"]
    r2 = lcai.assess(no_region)
    assert r2.total.co2e_kg == pytest.approx(750 * 0.4)
    assert any("world average" in w for w in r2.warnings)


def test_manufacturing_allocation() -> None:
    """GPU-X manufacturer figure 200 kg, 1,000 GPU-h of 5 y x 8,760 h x 0.5:
    200 x 1000 / 21,900 = 9.132 kg. Server 1,000 kg per 8 GPUs, 4 y, 80%:
    1000 x 125 / (35,040 x 0.8) = 4.459 kg. Fab water: 800 mm2 x 0.001 L/mm2
    = 0.8 L per GPU -> 0.8 x 1000 / 21,900 = 0.03653 L."""
    spec = _training(type="GPU-X", gpu_hours="1000 h")
    spec["manufacturing"] = {
        "components": [
            {"hardware": "GPU-X"},
            {
                "name": "server",
                "embodied": "1 t",
                "accelerators_per_unit": 8,
                "lifetime": "4 years",
                "utilization": "80%",
            },
        ]
    }
    r = lcai.assess(spec)
    gpu, server = r.phases["manufacturing"].items
    assert gpu.co2e_kg == pytest.approx(200 * 1000 / 21900)
    assert gpu.water_l == pytest.approx(0.8 * 1000 / 21900)
    assert "bottom_up 600 kg" in gpu.note
    assert server.co2e_kg == pytest.approx(1000 * 125 / (35040 * 0.8))
    assert r.phases["manufacturing"].impact.energy_kwh == 0


def test_die_area_method() -> None:
    """800 mm2 x 2 kg/cm2 = 16 kg; + 100 GB HBM x 0.5 kg/GB = 50 kg -> 66 kg per GPU.
    10 GPUs x 1 year of a 5-year life at 50% -> 66 x 10 x 8760 / 21,900 = 264 kg."""
    spec: dict[str, Any] = {
        "name": "m",
        "manufacturing": {
            "components": [
                {
                    "hardware": "GPU-X",
                    "embodied_method": "die_area",
                    "memory_type": "hbm",
                    "count": 10,
                    "duration": "1 year",
                }
            ]
        },
    }
    r = lcai.assess(spec)
    assert r.total.co2e_kg == pytest.approx(66 * 10 * 8760 / 21900)


def test_annotation() -> None:
    """100 annotators x 50 h = 5,000 person-hours x 50 W = 250 kWh at BB (0.1 kg/kWh)
    = 25 kg. Laptop embodied: 200 kg x 5,000 h / (4 y x 2,000 h/y) = 125 kg."""
    spec = {
        "name": "a",
        "annotation": {"grid": {"region": "BB"}, "annotators": 100, "hours": "50 h"},
    }
    r = lcai.assess(spec)
    use, emb = r.phases["annotation"].items
    assert use.energy_kwh == pytest.approx(250) and use.co2e_kg == pytest.approx(25)
    assert use.water_l == pytest.approx(1000)  # 250 kWh x 4 L/kWh
    assert emb.co2e_kg == pytest.approx(125)


def test_annotation_custom_device() -> None:
    spec = {
        "name": "a",
        "grid": {"region": "AA"},
        "annotation": {
            "person_hours": "1000 h",
            "devices": [{"device": "tablet", "power": "10 W"}, {"device": "laptop", "count": 2}],
        },
    }
    r = lcai.assess(spec)
    names = [it.name for it in r.phases["annotation"].items]
    assert names == ["tablet use", "Laptop use", "Laptop embodied"]
    assert r.phases["annotation"].items[0].energy_kwh == pytest.approx(10)
    assert r.phases["annotation"].items[1].energy_kwh == pytest.approx(100)


def test_usage_given_with_network_and_functional_unit() -> None:
    """1e6 requests x 1 Wh = 1,000 kWh IT; x PUE 1.5 = 1,500 kWh. 4G delivery:
    1e6 x 1 MB = 1,000 GB x 0.5 kWh/GB = 500 kWh. Per 1,000 requests: 2 kWh."""
    spec = {
        "name": "u",
        "grid": {"region": "AA"},
        "functional_unit": "per 1000 requests",
        "usage": {
            "requests": 1e6,
            "energy_per_request": "1 Wh",
            "network": {"medium": "4g", "data_per_request": "1 MB"},
        },
    }
    r = lcai.assess(spec)
    assert r.functional_unit == "per 1,000 requests"
    assert r.total.energy_kwh == pytest.approx(2.0)
    assert r.life_cycle.energy_kwh == pytest.approx(2000)
    d = r.to_dict()
    assert d["life_cycle"]["energy_kwh"] == pytest.approx(2000)
    assert d["functional_units"] == pytest.approx(1000)


def test_usage_requests_per_day() -> None:
    spec = {
        "name": "u",
        "grid": {"region": "AA"},
        "usage": {"deployment": "30 days", "requests_per_day": 1000, "energy_per_request": "2 Wh"},
    }
    r = lcai.assess(spec)
    assert r.phases["usage"].items[0].energy_kwh == pytest.approx(30 * 1000 * 2 / 1000)


def test_reported_phase_and_unallocated() -> None:
    spec = {
        "name": "r",
        "grid": {"region": "AA"},
        "training": {"reported": {"energy": "1000 kWh", "source": "paper X"}},
        "annotation": {"reported": {"co2e": "2 t", "source": "paper Y"}},
    }
    r = lcai.assess(spec)
    assert r.phases["training"].impact.co2e_kg == pytest.approx(500)
    assert r.phases["training"].impact.water_l == pytest.approx(2000)
    assert r.phases["annotation"].impact.co2e_kg == 2000
    assert r.phases["annotation"].items[0].method == "given"
    total = lcai.assess({"name": "x", "reported": {"co2e": "10 t", "source": "article"}})
    assert total.unallocated is not None
    assert total.total.co2e_kg == 10000
    assert "unallocated" in total.to_dict()


def test_scalars_and_arrays_agree() -> None:
    """The same plan on an array of samples gives per-sample results equal to scalar runs."""
    spec = _training(type="GPU-X", gpu_hours="1000 h")
    plan = resolve(Source(lcai.Assessment.model_validate(spec)))
    hours = np.array([500.0, 1000.0, 2000.0])
    ev = evaluate(plan, {"training.accelerators.gpu_hours": hours})
    totals = ev.total("co2e_kg")
    for h, tot in zip(hours, totals, strict=True):
        spec2 = _training(type="GPU-X", gpu_hours=f"{h} h")
        assert lcai.assess(spec2).total.co2e_kg == pytest.approx(tot)


# ---- properties --------------------------------------------------------------

FULL: dict[str, Any] = {
    "name": "full",
    "grid": {"region": "AA", "renewable_share": 0.3},
    "training": {
        "accelerators": {"type": "GPU-X", "count": 16, "duration": "100 h"},
        "cpu": {"power": "200 W", "count": 4},
        "network": {"data": "10 GB"},
    },
    "manufacturing": {
        "components": [
            {"hardware": "GPU-X"},
            {"embodied": "1 t", "accelerators_per_unit": 8, "lifetime": "4 y", "utilization": 1},
        ]
    },
    "annotation": {"annotators": 10, "hours": "10 h", "grid": {"region": "BB"}},
    "usage": {"requests": 1000, "energy_per_request": "3 Wh", "network": {"data": "1 GB"}},
}


def _with(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    spec = copy.deepcopy(FULL)
    node = spec
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = value
    return spec


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(d1=st.floats(min_value=1, max_value=1e5), d2=st.floats(min_value=1, max_value=1e5))
def test_more_gpu_hours_never_lowers_any_total(d1: float, d2: float) -> None:
    lo, hi = sorted((d1, d2))
    path = ("training", "accelerators", "duration")
    a = lcai.assess(_with(path, f"{lo!r} h"))
    b = lcai.assess(_with(path, f"{hi!r} h"))
    for q in ("energy_kwh", "co2e_kg", "water_l", "co2e_market_kg"):
        assert getattr(b.total, q) >= getattr(a.total, q) * (1 - 1e-12)


@settings(max_examples=30, deadline=None)
@given(k=st.floats(min_value=0.01, max_value=100))
def test_linear_in_time_and_counts(k: float) -> None:
    """Scaling every duration and count by k scales the operational totals by k."""
    base = copy.deepcopy(FULL)
    del base["manufacturing"], base["annotation"]
    scaled = copy.deepcopy(base)
    scaled["training"]["accelerators"]["count"] = 16 * k
    scaled["training"]["cpu"]["count"] = 4 * k
    scaled["training"]["network"]["data"] = f"{10 * k!r} GB"
    scaled["usage"]["requests"] = 1000 * k
    scaled["usage"]["network"]["data"] = f"{k!r} GB"
    a, b = lcai.assess(base), lcai.assess(scaled)
    for q in ("energy_kwh", "co2e_kg", "water_l"):
        assert getattr(b.total, q) == pytest.approx(getattr(a.total, q) * k, rel=1e-9)


@settings(max_examples=20, deadline=None)
@given(
    hours=st.floats(min_value=1, max_value=1e6),
    requests=st.floats(min_value=0, max_value=1e9),
    people=st.floats(min_value=1, max_value=1e4),
)
def test_totals_are_sum_of_phases(hours: float, requests: float, people: float) -> None:
    spec = _with(("training", "accelerators", "duration"), f"{hours!r} h")
    spec["usage"]["requests"] = requests
    spec["annotation"]["annotators"] = people
    r = lcai.assess(spec)
    for q in ("energy_kwh", "co2e_kg", "water_l", "co2e_market_kg"):
        phases = sum(getattr(p.impact, q) for p in r.phases.values())
        items = sum(getattr(it, q) for it in r.items)
        assert getattr(r.total, q) == pytest.approx(phases, rel=1e-12)
        assert phases == pytest.approx(items, rel=1e-12)


def test_market_never_exceeds_location_with_zero_contracts() -> None:
    r = lcai.assess(FULL)
    assert r.total.co2e_market_kg is not None
    assert r.total.co2e_market_kg <= r.total.co2e_kg


def test_resolve_errors_carry_paths() -> None:
    spec = _training(type="GPU-Y", gpu_hours="1000 h")
    with pytest.raises(SpecError) as info:
        lcai.assess(spec)
    assert info.value.path == ("training", "accelerators", "type")
    assert "GPU-X" in str(info.value)


def test_assess_file_locates_resolve_errors(tmp_path: Path) -> None:
    f = tmp_path / "a.yaml"
    f.write_text("name: x\ngrid:\n  region: AAA\ntraining:\n  accelerators:\n    type: X\n"
                 "    gpu_hours: 10 h\n")  # fmt: skip
    with pytest.raises(SpecError) as info:
        lcai.assess_file(f)
    assert info.value.line == 3
    assert "grid.region" in str(info.value) and "'AA'" in str(info.value)
