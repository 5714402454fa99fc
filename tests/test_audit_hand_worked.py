"""Audit: every line item of two packaged examples and five small assessments of our own,
recomputed by hand from the stated inputs and the packaged catalog rows the assumptions
cite, following docs/methodology.md's equations.

Each test states the hand figure with its arithmetic in a comment and asserts lcai's
value at 1e-9 relative (pure arithmetic). Catalog rows the hand figures use are pinned
in ``test_catalog_rows_used_by_the_hand_figures`` so a changed row is reported there,
not as a wrong equation.

Tests whose docstring starts with "FIXED" pin a discrepancy the audit found (a bug in
the code or in the docs) and its fix.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from lcai import catalog
from lcai.api import assess_file, assess_source
from lcai.engine.result import LineItem, Result
from lcai.spec.loading import parse_source
from tests.conftest import EXAMPLES

REL = 1e-9
H_YEAR = 8760.0


def close(got: float | None, want: float, rel: float = REL) -> None:
    assert got is not None
    assert got == pytest.approx(want, rel=rel, abs=1e-15)


def assess_text(text: str) -> Result:
    return assess_source(parse_source(yaml.safe_load(text), text=text))


def item(r: Result, phase: str, name: str) -> LineItem:
    found = [it for it in r.phases[phase].items if it.name == name]
    assert len(found) == 1, [it.name for it in r.phases[phase].items]
    return found[0]


def assumption(r: Result, name: str) -> float:
    return next(a.value for a in r.assumptions if a.name == name)


def check_sums(r: Result) -> None:
    """Each phase is the sum of its items; the total the sum of the phases; the
    functional-unit figures the life cycle / the number of units."""
    for ph in r.phases.values():
        for q in ("energy_kwh", "co2e_kg", "water_l"):
            close(getattr(ph.impact, q), sum(getattr(it, q) for it in ph.items))
    for q in ("energy_kwh", "co2e_kg", "water_l", "co2e_market_kg"):
        want = sum((getattr(ph.impact, q) or 0.0) for ph in r.phases.values())
        close(getattr(r.total, q) if getattr(r.total, q) is not None else 0.0, want)
        if getattr(r.total, q) is not None:
            close(getattr(r.life_cycle, q) / r.divisor, getattr(r.total, q))


# ---------------------------------------------------------------------------------------
# catalog rows the hand figures below use (as the assumptions cite them)
# ---------------------------------------------------------------------------------------

ROWS: list[tuple[str, str, str, str, float]] = [
    ("electricity_water", "FR", "water_consumption", "L/kWh", 3.6737),
    ("electricity_water", "US", "water_consumption", "L/kWh", 3.1321),
    ("electricity_water", "DE", "water_consumption", "L/kWh", 1.947),
    ("electricity_water", "IN", "water_consumption", "L/kWh", 3.4368),
    ("electricity_water", "WORLD", "water_consumption", "L/kWh", 4.81),
    ("grid_intensity", "US-OR", "co2e_intensity", "kg/kWh", 0.181988),
    ("grid_intensity", "US-VA", "co2e_intensity", "kg/kWh", 0.26907),
    ("grid_intensity", "KE", "co2e_intensity", "kg/kWh", 0.09544),
    ("grid_intensity", "DE", "co2e_intensity", "kg/kWh", 0.32965),
    ("grid_intensity", "IN", "co2e_intensity", "kg/kWh", 0.67013),
    ("grid_intensity", "FR", "co2e_intensity", "kg/kWh", 0.04144),
    ("facility", "industry_average", "wue", "L/kWh", 0.84),
    ("facility", "cooling:liquid", "pue", "1", 1.343),
    ("facility", "cooling:liquid", "wue", "L/kWh", 0.58),
    ("facility", "operator:microsoft", "pue", "1", 1.18),
    ("facility", "operator:microsoft", "wue", "L/kWh", 0.30),
    ("facility", "operator:google", "pue", "1", 1.10),
    ("facility", "operator:aws", "pue", "1", 1.14),
    ("facility", "operator:aws", "wue", "L/kWh", 0.12),
    ("accelerators", "A100-SXM4-80GB", "peak_dense_bf16", "FLOP/s", 312e12),
    ("accelerators", "A100-SXM4-80GB", "tdp", "W", 400.0),
    ("accelerators", "A100-SXM4-80GB", "die_area", "mm2", 826.0),
    ("accelerators", "A100-SXM4-80GB", "embodied_bottom_up", "kg", 567.7),
    ("accelerators", "H100-SXM5-80GB", "tdp", "W", 700.0),
    ("accelerators", "H100-SXM5-80GB", "peak_dense_bf16", "FLOP/s", 989.4e12),
    ("accelerators", "H100-SXM5-80GB", "memory_bandwidth", "B/s", 3.35e12),
    ("accelerators", "H100-SXM5-80GB", "die_area", "mm2", 814.0),
    ("accelerators", "H100-SXM5-80GB", "memory", "GB", 80.0),
    ("accelerators", "H100-SXM5-80GB", "embodied_manufacturer", "kg", 164.0),
    ("embodied_factors", "wafer_fab", "water_per_area", "L/mm2", 0.169),  # 16.9 L/cm2
    ("embodied_factors", "wafer_fab", "fab_yield", "1", 0.875),  # ACT's default
    ("embodied_factors", "logic:4nm", "carbon_per_area", "kg/mm2", 0.018),  # 1.8 kg/cm2
    ("embodied_factors", "hbm", "carbon_per_gb", "kg/GB", 0.774),
    ("utilisation", "training:A100", "mfu", "1", 0.385),
    ("utilisation", "training:goodput", "goodput", "1", 0.9),
    ("servers", "default", "memory_power_per_gb", "W/GB", 0.392),
    ("servers", "default", "lifetime", "h", 6 * H_YEAR),
    ("servers", "server:dgx-base", "embodied_without_accelerators", "kg", 6000.0),
    ("servers", "server:dgx-base", "accelerators", "1", 8.0),
    ("network", "dc_link", "energy_intensity", "kWh/GB", 0.052),
    ("network", "4g", "energy_intensity", "kWh/GB", 0.121),
    ("network", "4g:ran", "energy_intensity", "kWh/GB", 0.104),
    ("network", "5g", "energy_intensity", "kWh/GB", 0.0275),
    ("network", "fixed", "energy_intensity", "kWh/GB", 0.05),
    ("network", "fixed:aslan2018", "energy_intensity", "kWh/GB", 0.06),
    ("devices", "laptop", "power", "W", 22.0),
    ("devices", "laptop", "embodied", "kg", 181.0),
    ("devices", "laptop", "lifetime", "h", 4 * H_YEAR),
    ("devices", "monitor", "power", "W", 30.0),
    ("devices", "monitor", "embodied", "kg", 64.7),
    ("devices", "monitor", "lifetime", "h", 6.6 * H_YEAR),
    ("devices", "working_year", "annual_use", "h", 2628.0),
    ("devices", "full_time_work", "hours_per_week", "h", 40.0),
    ("serving", "power:H100", "idle_fraction", "1", 0.107),
    ("serving", "power:H100", "memory_fraction", "1", 0.543),
    ("serving", "power:H100", "compute_fraction", "1", 1.0),
    ("serving", "power:A100", "compute_fraction", "1", 1.0),
    ("serving", "batch:default", "batch_size", "1", 32.0),
    ("serving", "decode:bandwidth", "bandwidth_utilisation", "1", 0.7),
    ("serving", "decode:compute", "compute_utilisation", "1", 0.4),
    ("serving", "decode:overhead", "step_overhead", "h", 0.002 / 3600),
    ("serving", "prefill:compute:splitwise-h100", "compute_utilisation", "1", 0.47),
    ("serving", "fleet:default", "utilisation", "1", 0.7),
    ("serving", "host:default", "host_power", "W", 240.0),
]


def test_catalog_rows_used_by_the_hand_figures() -> None:
    """The rows the assumptions cite, with the unit conversions (g -> kg, cm2 -> mm2,
    years -> h, ms -> h, GB/s -> B/s) the engine applies."""
    for table, key, quantity, unit, value in ROWS:
        close(catalog.table(table).factor(key, quantity, unit).value, value)


# ---------------------------------------------------------------------------------------
# examples/bloom-176b.yaml (Luccioni et al. 2023)
# ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bloom() -> Result:
    return assess_file(EXAMPLES / "bloom-176b.yaml")


def test_bloom_dynamic_energy(bloom: Result) -> None:
    gpu = item(bloom, "training", "NVIDIA A100 SXM4 80GB")
    # 1,082,990 GPU-h x 400 W / 1000 = 433,196 kWh
    close(gpu.energy_kwh, 1082990 * 400 / 1000)
    # x 57 g/kWh = 24,692.172 kg
    close(gpu.co2e_kg, 433196 * 0.057)
    # on-site: IT x WUE 0.84 (industry average) = 363,884.64 L
    close(gpu.water_onsite_l, 433196 * 0.84)
    # + off-site: IT x PUE 1 x EWIF(FR) 3.6737 = 1,591,432.1452 L -> 1,955,316.7852 L
    close(gpu.water_l, 433196 * 0.84 + 433196 * 1.0 * 3.6737)


def test_bloom_idle(bloom: Result) -> None:
    idle = item(bloom, "training", "idle servers and infrastructure")
    close(idle.energy_kwh, 256646.0)
    # 256,646 kWh x 0.057 = 14,628.822 kg
    close(idle.co2e_kg, 256646 * 0.057)
    # 256,646 x (0.84 + 3.6737) = 1,158,423.0502 L
    close(idle.water_l, 256646 * (0.84 + 3.6737))


def test_bloom_no_overhead_at_pue_1(bloom: Result) -> None:
    over = item(bloom, "training", "facility overhead (PUE 1)")
    # (433,196 + 256,646) x (1 - 1) = 0
    assert over.energy_kwh == 0 and over.co2e_kg == 0 and over.water_l == 0


def test_bloom_embodied(bloom: Result) -> None:
    gpus = item(bloom, "manufacturing", "A100 GPUs (embodied)")
    servers = item(bloom, "manufacturing", "servers without GPUs (embodied)")
    useful_h = 6 * 8760 * 0.85  # 44,676 h of useful life
    # 150 kg x 1,082,990 h / 44,676 h = 3,636.147 kg (paper: 3.64 t)
    close(gpus.co2e_kg, 150 * 1082990 / useful_h)
    # fabrication water: 826 mm2 x 0.169 L/mm2 / 0.875 yield = 159.536 L per good die,
    # allocated alike
    close(gpus.water_l, 826 * 0.169 / 0.875 * 1082990 / useful_h)
    # 2,500 kg per node x (1,082,990 / 8) node-h / 44,676 h = 7,575.306 kg (paper 7.57 t)
    close(servers.co2e_kg, 2500 * (1082990 / 8) / useful_h)
    assert servers.water_l == 0 and gpus.energy_kwh == 0


def test_bloom_totals(bloom: Result) -> None:
    check_sums(bloom)
    useful_h = 6 * 8760 * 0.85
    # 24,692.172 + 14,628.822 + 3,636.147 + 7,575.306 = 50,532.447 kg (paper 50.5 t)
    want = (433196 + 256646) * 0.057 + (150 + 2500 / 8) * 1082990 / useful_h
    close(bloom.total.co2e_kg, want)
    close(bloom.total.energy_kwh, 433196 + 256646)
    assert bloom.divisor == 1.0 and bloom.total.co2e_market_kg is None


# ---------------------------------------------------------------------------------------
# examples/open-model-lifecycle.yaml
# ---------------------------------------------------------------------------------------

FU = 365_000.0  # 1M requests a day x 365 days / 1,000 requests per functional unit
# training: 6 x 70e9 x 2e12 FLOP / (312 TFLOP/s x MFU 0.385) / 3600 / goodput 0.9
OPEN_GPU_H = 6 * 70e9 * 2e12 / (312e12 * 0.385) / 3600 / 0.9  # 2,158,344.2 GPU-h
OPEN_DUR_H = OPEN_GPU_H / 2048  # 1,053.88 h of training
OPEN_IT = {  # kWh, life cycle
    "NVIDIA A100 SXM4 80GB": OPEN_GPU_H * 400 / 1000,  # TDP 400 W x compute fraction 1
    "host CPUs (2 per node)": 512 * 280 * OPEN_DUR_H / 1000,
    "parallel file system": 20_000 * OPEN_DUR_H / 1000,
    "always-on cluster services": 30_000 * OPEN_DUR_H / 1000,
    "800G switch links (pluggable optics)": 4096 * 14 * OPEN_DUR_H / 1000,
    "host memory": 256_000 * 0.392 * OPEN_DUR_H / 1000,  # 256 TB = 256,000 GB
}
OPEN_TRAIN_GRID, OPEN_TRAIN_EWIF, OPEN_TRAIN_WUE, OPEN_TRAIN_PUE = 0.181988, 3.1321, 0.58, 1.343
OPEN_TRAIN_MARKET = 0.6 * 0.0 + 0.4 * 0.400  # 60% renewable at 0, 40% residual 400 g/kWh


@pytest.fixture(scope="module")
def open_model() -> Result:
    return assess_file(EXAMPLES / "open-model-lifecycle.yaml")


def test_open_functional_units(open_model: Result) -> None:
    # requests = 1M/day x 8,760 h / 24 = 365,000,000; per 1,000 -> 365,000 units
    close(open_model.divisor, FU)
    close(assumption(open_model, "usage.requests"), 365e6)
    check_sums(open_model)


def test_open_training_accelerator_hours_and_energy(open_model: Result) -> None:
    gpu = item(open_model, "training", "NVIDIA A100 SXM4 80GB")
    # 8.4e23 FLOP / 1.2012e14 FLOP/s = 6.993e9 s = 1,942,510 h; / 0.9 = 2,158,344 GPU-h
    # x 400 W = 863,337.7 kWh; / 365,000 = 2.36530 kWh per 1,000 requests
    close(gpu.energy_kwh, OPEN_GPU_H * 0.4 / FU)
    close(gpu.co2e_kg, OPEN_GPU_H * 0.4 * OPEN_TRAIN_GRID / FU)
    close(gpu.co2e_market_kg, OPEN_GPU_H * 0.4 * OPEN_TRAIN_MARKET / FU)  # 0.16 kg/kWh


def test_open_training_loads_follow_the_duration(open_model: Result) -> None:
    """CPUs, storage, idle, interconnect and memory run for accelerator-hours / count."""
    for name, kwh in OPEN_IT.items():
        it = item(open_model, "training", name)
        close(it.energy_kwh, kwh / FU)
        close(it.co2e_kg, kwh * OPEN_TRAIN_GRID / FU)
        close(it.co2e_market_kg, kwh * OPEN_TRAIN_MARKET / FU)
        # WUE on IT energy, EWIF on IT energy (the PUE share is the overhead item's)
        close(it.water_onsite_l, kwh * OPEN_TRAIN_WUE / FU)
        close(it.water_l, kwh * (OPEN_TRAIN_WUE + OPEN_TRAIN_EWIF) / FU)


def test_open_training_overhead_once_on_it_only(open_model: Result) -> None:
    over = item(open_model, "training", "facility overhead (PUE 1.343)")
    it_kwh = sum(OPEN_IT.values())  # 1,233,302 kWh IT (network not in it)
    # 1,233,302 x (1.343 - 1) = 423,023 kWh -> 1.15897 per 1,000 requests
    close(over.energy_kwh, it_kwh * (OPEN_TRAIN_PUE - 1) / FU)
    close(over.co2e_kg, it_kwh * (OPEN_TRAIN_PUE - 1) * OPEN_TRAIN_GRID / FU)
    # the overhead draws off-site water only: no WUE on it
    assert over.water_onsite_l == 0
    close(over.water_l, it_kwh * (OPEN_TRAIN_PUE - 1) * OPEN_TRAIN_EWIF / FU)
    # off-site water of the phase = IT x PUE x EWIF (methodology, Water)
    offsite = sum(
        i.water_l - i.water_onsite_l
        for i in open_model.phases["training"].items
        if i.kind != "network"
    )
    close(offsite, it_kwh * OPEN_TRAIN_PUE * OPEN_TRAIN_EWIF / FU)


def test_open_training_network(open_model: Result) -> None:
    net = item(open_model, "training", "network (dc_link)")
    # 40 TB = 40,000 GB x 0.052 kWh/GB = 2,080 kWh; no PUE, no on-site water
    close(net.energy_kwh, 40_000 * 0.052 / FU)
    close(net.co2e_kg, 2080 * OPEN_TRAIN_GRID / FU)
    close(net.co2e_market_kg, 2080 * OPEN_TRAIN_MARKET / FU)
    close(net.water_l, 2080 * OPEN_TRAIN_EWIF / FU)
    assert net.water_onsite_l == 0


def test_open_annotation(open_model: Result) -> None:
    hours = 300 * 400.0  # 120,000 person-hours
    ke_grid, world_ewif = 0.09544, 4.81  # KE has no water row: world average
    laptop = item(open_model, "annotation", "Laptop (professional) use")
    monitor = item(open_model, "annotation", "Computer monitor use")
    # 120,000 h x 22 W = 2,640 kWh; 120,000 h x 30 W = 3,600 kWh (outside a data centre)
    close(laptop.energy_kwh, hours * 22 / 1000 / FU)
    close(monitor.energy_kwh, hours * 30 / 1000 / FU)
    close(laptop.co2e_kg, 2640 * ke_grid / FU)
    close(laptop.water_l, 2640 * world_ewif / FU)
    assert laptop.water_onsite_l == 0
    # embodied: 181 kg x 120,000 h / (4 years x 2,628 h a year) = 2,066.2 kg
    close(item(open_model, "annotation", "Laptop (professional) embodied").co2e_kg,
          181 * hours / (4 * 2628) / FU)  # fmt: skip
    # 64.7 kg x 120,000 h / (6.6 years x 2,628 h) = 447.63 kg
    close(item(open_model, "annotation", "Computer monitor embodied").co2e_kg,
          64.7 * hours / (6.6 * 2628) / FU)  # fmt: skip


def test_open_manufacturing(open_model: Result) -> None:
    useful_h = 5 * 8760 * 0.85  # 37,230 h
    gpus = item(open_model, "manufacturing", "training GPUs (A100-80GB)")
    # bottom-up 567.7 kg x 2,158,344 GPU-h / 37,230 h = 32,911 kg
    close(gpus.co2e_kg, 567.7 * OPEN_GPU_H / useful_h / FU)
    close(gpus.water_l, 826 * 0.169 / 0.875 * OPEN_GPU_H / useful_h / FU)
    servers = item(open_model, "manufacturing", "training servers without GPUs")
    # 2,500 kg x (2,158,344 / 8) node-h / 37,230 h = 18,117 kg
    close(servers.co2e_kg, 2500 * OPEN_GPU_H / 8 / useful_h / FU)
    h100 = item(open_model, "manufacturing", "serving GPUs (H100), die-area method")
    # die area: 814 mm2 x 0.018 kg/mm2 + 80 GB x 0.774 kg/GB = 14.652 + 61.92 = 76.572 kg
    # x 64 GPUs x 8,760 h / 37,230 h = 1,153.1 kg
    close(h100.co2e_kg, (814 * 0.018 + 80 * 0.774) * 64 * 8760 / useful_h / FU)
    close(h100.water_l, 814 * 0.169 / 0.875 * 64 * 8760 / useful_h / FU)
    for it in (gpus, servers, h100):  # embodied carbon has no market-based variant
        assert it.energy_kwh == 0 and it.co2e_market_kg == it.co2e_kg


def _llama70b_h100_request() -> tuple[float, float, float, float]:
    """(decode energy kWh, decode accelerator-s, prefill accelerator-s, prefill kWh) of
    one 500-in / 300-out request of Llama 3.1 70B on 4 H100 at batch 32 (methodology,
    *Serving a language model*)."""
    n, b, g, layers, heads, head_dim = 70552387584, 32, 4, 80, 64, 128
    ctx = 500 + 300 / 2  # mean context of a decode step
    kv = b * ctx * layers * (2 * 8 * 128) * 2  # B x ctx x layers x 2 kv_heads head_dim x 2 B
    t_bw = (2 * n + kv) / (g * 3.35e12 * 0.7)  # 0.0157697 s
    flops = b * (2 * n + 4 * layers * ctx * heads * head_dim)
    t_c = flops / (g * 989.4e12 * 0.4)  # 0.0028868 s
    t_roof = max(t_bw, t_c)
    power = 700 * (0.543 + (1.0 - 0.543) * t_c / t_roof)  # 438.66 W
    decode_j = 300 * g * (power * t_roof + 700 * 0.107 * 0.002) / b  # 265.03 J
    decode_s = 300 * g * (t_roof + 0.002) / b  # 0.66637 s
    prefill_s = (2 * n * 500 + 2 * layers * 500**2 * heads * head_dim) / (989.4e12 * 0.47)
    prefill_j = prefill_s * 700 * 1.0  # 106.70 J
    return decode_j / 3.6e6, decode_s, prefill_s, prefill_j / 3.6e6


def test_open_serving_per_request(open_model: Result) -> None:
    d_kwh, d_s, p_s, p_kwh = _llama70b_h100_request()
    close(assumption(open_model, "usage.inference.decode_energy"), d_kwh)
    close(assumption(open_model, "usage.inference.decode_seconds"), d_s)
    close(assumption(open_model, "usage.inference.prefill_seconds"), p_s)
    close(assumption(open_model, "usage.inference.prefill_energy"), p_kwh)
    assert assumption(open_model, "usage.inference.accelerators") == 4
    # batch cap: (4 x 80e9 x 0.9 - 2 x 70,552,387,584) B / (800 x 80 x 2048 x 2 B) = 560.4
    assert assumption(open_model, "usage.inference.batch_cap") == 560
    serving = item(open_model, "usage", "serving")
    # 0.103257 Wh per request x 1,000 = 0.103257 kWh per 1,000 requests
    close(serving.energy_kwh, (d_kwh + p_kwh) * 1000)


def test_open_usage_items(open_model: Result) -> None:
    d_kwh, d_s, p_s, p_kwh = _llama70b_h100_request()
    busy_h = (d_s + p_s) / 3600 * 1000  # accelerator-hours per 1,000 requests
    serving = (d_kwh + p_kwh) * 1000
    host = busy_h * 240 / 1000  # busy accelerator-hours x 240 W
    idle = busy_h * (1 - 0.7) / 0.7 * (700 * 0.107 + 240) / 1000  # (1-u)/u x (idle + host)
    over = (serving + host + idle) * (1.18 - 1)  # Microsoft fleet PUE
    net = 1000 * 20e3 / 1e9 * 0.121  # 20 kB = 2e-5 GB per request x 0.121 kWh/GB
    grid, ewif, wue = 0.26907, 3.1321, 0.30
    market = 0.3 * 0.0 + 0.7 * grid  # contract 0 g on 30%, location-based on the rest
    for name, kwh, onsite in (
        ("serving", serving, True),
        ("host CPU and memory", host, True),
        ("idle capacity", idle, True),
        ("facility overhead (PUE 1.18)", over, False),
        ("network (4g)", net, False),
    ):
        it = item(open_model, "usage", name)
        close(it.energy_kwh, kwh)
        close(it.co2e_kg, kwh * grid)
        close(it.co2e_market_kg, kwh * market)
        close(it.water_onsite_l, kwh * wue if onsite else 0.0)
        close(it.water_l, kwh * (ewif + (wue if onsite else 0.0)))


def test_open_rates(open_model: Result) -> None:
    lc, req = open_model.life_cycle, 365e6
    close(open_model.rates["per_request"].co2e_kg, lc.co2e_kg / req)
    close(open_model.rates["per_session"].energy_kwh, lc.energy_kwh * 3 / req)
    train = open_model.phases["training"].impact
    close(open_model.rates["training_per_request"].water_l, train.water_l * FU / req)


def _token_rates(r: Result) -> tuple[float, float, float, float]:
    """(usage, serving, prefill energy share, prefill time share) per request."""
    d_kwh, d_s, p_s, p_kwh = _llama70b_h100_request()
    usage = r.phases["usage"].impact.energy_kwh / 1000
    serving = item(r, "usage", "serving").energy_kwh / 1000
    return usage, serving, p_kwh / (p_kwh + d_kwh), p_s / (p_s + d_s)


def test_open_rates_per_million_tokens_as_coded(open_model: Result) -> None:
    """The code (result.serving_rates' docstring): the busy accelerators' energy split by
    the energy of prefill and decode, the rest of the usage phase by their time."""
    usage, serving, e_share, t_share = _token_rates(open_model)
    # (1.03257e-4 x 0.28703 + 1.21297e-4 x 0.18616) / 500 x 1e6 = 0.104437 kWh
    want_in = (serving * e_share + (usage - serving) * t_share) / 500 * 1e6
    want_out = (serving * (1 - e_share) + (usage - serving) * (1 - t_share)) / 300 * 1e6
    close(open_model.rates["usage_per_1m_input_tokens"].energy_kwh, want_in)
    close(open_model.rates["usage_per_1m_output_tokens"].energy_kwh, want_out)


# ---------------------------------------------------------------------------------------
# our own files
# ---------------------------------------------------------------------------------------

TRAINING_MARKET = """
name: audit training, market-based
grid: {region: DE, renewable_share: 75%, residual_intensity: 0.6 kgCO2e/kWh}
facility: {pue: 1.25, wue: 1.8 L/kWh}
training:
  accelerators: {type: H100, count: 512, gpu_hours: 1.2M GPU-hours, power: 0.55 kW}
  cpu: {power: 350 W, count: 128}
  storage: {power: 15 kW}
  idle: {power: 5 kW, duration: 20 days}
  memory: {capacity: 64 TB}
  network: {data: 2 TB, medium: fixed}
manufacturing:
  components:
    - {hardware: H100, embodied_method: manufacturer, lifetime: 4 years, utilization: 0.8}
    - {name: servers, embodied: 2.5 tCO2e, accelerators_per_unit: 8, lifetime: 5 years,
       utilization: 85%}
    - {name: switches, embodied: 300000 gCO2e, fab_water: 0.3 m3, count: 16,
       duration: 2 weeks, lifetime: 1.5 years, utilization: 0.5}
"""
T1_IT = {  # kWh; duration = 1.2e6 GPU-h / 512 = 2,343.75 h
    "NVIDIA H100 SXM5 80GB": 1.2e6 * 550 / 1000,  # 0.55 kW = 550 W -> 660,000 kWh
    "host CPUs": 128 * 350 * 2343.75 / 1000,  # 105,000 kWh
    "storage": 15_000 * 2343.75 / 1000,  # 35,156.25 kWh
    "idle": 5_000 * 20 * 24 / 1000,  # its own 20 days = 480 h -> 2,400 kWh
    "host memory": 64_000 * 0.392 * 2343.75 / 1000,  # 64 TB = 64,000 GB -> 58,800 kWh
}
T1_GRID, T1_EWIF, T1_MARKET = 0.32965, 1.947, 0.75 * 0.0 + 0.25 * 0.6  # market 0.15 kg/kWh


@pytest.fixture(scope="module")
def t1() -> Result:
    return assess_text(TRAINING_MARKET)


def test_own_training_given_hours_and_power(t1: Result) -> None:
    for name, kwh in T1_IT.items():
        it = item(t1, "training", name)
        close(it.energy_kwh, kwh)
        close(it.co2e_kg, kwh * T1_GRID)
        close(it.co2e_market_kg, kwh * T1_MARKET)
        close(it.water_onsite_l, kwh * 1.8)
        close(it.water_l, kwh * (1.8 + T1_EWIF))
    it_kwh = sum(T1_IT.values())  # 861,356.25 kWh
    over = item(t1, "training", "facility overhead (PUE 1.25)")
    close(over.energy_kwh, it_kwh * 0.25)  # 215,339.06 kWh
    close(over.co2e_market_kg, it_kwh * 0.25 * T1_MARKET)
    close(over.water_l, it_kwh * 0.25 * T1_EWIF)
    net = item(t1, "training", "network (fixed)")
    close(net.energy_kwh, 2000 * 0.05)  # 2 TB = 2,000 GB x 0.05 kWh/GB = 100 kWh
    close(net.water_l, 100 * T1_EWIF)
    close(t1.phases["training"].impact.energy_kwh, it_kwh * 1.25 + 100)
    check_sums(t1)


def test_own_manufacturing_lifetime_and_utilisation(t1: Result) -> None:
    h100 = item(t1, "manufacturing", "NVIDIA H100 SXM5 80GB")
    # 164 kg x 1.2e6 GPU-h / (4 x 8,760 h x 0.8 = 28,032 h) = 7,020.548 kg
    close(h100.co2e_kg, 164 * 1.2e6 / (4 * 8760 * 0.8))
    close(h100.water_l, 814 * 0.169 / 0.875 * 1.2e6 / (4 * 8760 * 0.8))  # 157.218 L per die
    # 2.5 t = 2,500 kg x 150,000 node-h / (43,800 h x 0.85) = 10,072.52 kg
    close(item(t1, "manufacturing", "servers").co2e_kg, 2500 * 1.2e6 / 8 / (5 * 8760 * 0.85))
    sw = item(t1, "manufacturing", "switches")
    # 300,000 g = 300 kg x 16 x 336 h (2 weeks) / (13,140 h x 0.5) = 245.479 kg
    close(sw.co2e_kg, 300 * 16 * 336 / (1.5 * 8760 * 0.5))
    # 0.3 m3 = 300 L, allocated alike = 245.479 L
    close(sw.water_l, 300 * 16 * 336 / (1.5 * 8760 * 0.5))


ANNOTATION = """
name: audit annotation
annotation:
  grid: {region: IN, renewable_share: 0.4}
  annotators: 50
  hours: 2 weeks
  devices:
    - laptop
    - {device: tablet, power: 8 W, embodied: 80 kg, lifetime: 3 years, count: 2}
"""


def test_own_annotation_devices() -> None:
    r = assess_text(ANNOTATION)
    hours = 50 * 2 * 40.0  # 2 weeks of full-time work = 80 h each -> 4,000 person-h
    close(assumption(r, "annotation.person_hours"), hours)
    grid, ewif = 0.67013, 3.4368
    market = 0.4 * 0.0 + 0.6 * grid  # no residual given: location-based for the 60%
    laptop = item(r, "annotation", "Laptop (professional) use")
    close(laptop.energy_kwh, hours * 22 / 1000)  # 88 kWh
    close(laptop.co2e_kg, 88 * grid)
    close(laptop.co2e_market_kg, 88 * market)
    close(laptop.water_l, 88 * ewif)
    tablet = item(r, "annotation", "Tablet use")
    close(tablet.energy_kwh, 2 * hours * 8 / 1000)  # 2 tablets x 4,000 h x 8 W = 64 kWh
    # 181 kg x 4,000 h / (4 y x 2,628 h) = 68.874 kg
    close(item(r, "annotation", "Laptop (professional) embodied").co2e_kg,
          181 * hours / (4 * 2628))  # fmt: skip
    # 80 kg x 8,000 device-h / (3 y x 2,628 h) = 81.177 kg
    close(item(r, "annotation", "Tablet embodied").co2e_kg, 80 * 2 * hours / (3 * 2628))
    check_sums(r)


USAGE_GIVEN = """
name: audit usage
functional_unit: per 1000 requests
usage:
  grid: {region: US-VA, contract_intensity: 100 gCO2e/kWh, contract_share: 0.5,
         residual_intensity: 450 g/kWh}
  facility: {operator: google}
  deployment: 180 days
  requests_per_day: 2M
  requests_per_session: 4
  energy_per_request: 0.3 Wh
  network: {medium: fixed, data_per_request: 50 kB}
"""


def test_own_usage_energy_per_request_and_network() -> None:
    r = assess_text(USAGE_GIVEN)
    close(r.divisor, 2e6 * 180 / 1000)  # 360,000,000 requests / 1,000
    grid, ewif, wue = 0.26907, 3.1321, 0.84  # Google has no WUE row: industry average
    market = 0.5 * 0.100 + 0.5 * 0.450  # 0.275 kg/kWh
    serving = item(r, "usage", "serving")
    close(serving.energy_kwh, 0.3e-3 * 1000)  # 0.3 Wh x 1,000 = 0.3 kWh
    close(serving.co2e_market_kg, 0.3 * market)
    close(serving.water_l, 0.3 * (wue + ewif))
    over = item(r, "usage", "facility overhead (PUE 1.1)")
    close(over.energy_kwh, 0.3 * 0.1)  # Google fleet PUE 1.10, network not in it
    close(over.water_l, 0.03 * ewif)
    net = item(r, "usage", "network (fixed)")
    close(net.energy_kwh, 1000 * 50e3 / 1e9 * 0.05)  # 50 kB = 5e-5 GB x 0.05 = 2.5 Wh
    close(net.co2e_kg, 0.0025 * grid)
    assert net.water_onsite_l == 0
    close(r.total.energy_kwh, 0.3 * 1.1 + 0.0025)
    close(r.rates["per_session"].energy_kwh, 4 * r.total.energy_kwh / 1000)
    check_sums(r)


PROVISIONED = """
name: audit provisioned fleet
functional_unit: per 1000 requests
grid: {region: FR}
facility: {pue: 1.2, wue: 0.5 L/kWh}
usage:
  requests: 1M
  deployment: 30 days
  provisioned: {accelerator: H100, count: 16, utilisation: 0.4}
  boundary: it
"""


def test_own_provisioned_fleet_it_boundary() -> None:
    r = assess_text(PROVISIONED)
    busy_h = 16 * 30 * 24 * 0.4  # 4,608 busy accelerator-hours
    kwh = {
        "serving": busy_h * 700 * (0.543 + 0.457 * 0.5) / 1000,  # 540.05 W -> 2,488.55 kWh
        "host CPU and memory": busy_h * 240 / 1000,  # 1,105.92 kWh
        # the rest of the time idle: 4,608 x 0.6 / 0.4 = 6,912 h x (74.9 + 240) W
        "idle capacity": busy_h * 0.6 / 0.4 * (700 * 0.107 + 240) / 1000,
    }
    for name, e in kwh.items():
        it = item(r, "usage", name)
        close(it.energy_kwh, e / 1000)
        close(it.co2e_kg, e * 0.04144 / 1000)
        close(it.water_l, e * (0.5 + 3.6737) / 1000)  # boundary 'it': no overhead item
    emb = item(r, "usage", "serving hardware embodied (NVIDIA H100 SXM5 80GB and server)")
    # (164 + 6,000 / 8) kg x 4,608 h / (6 y x 8,760 h x 0.4) = 200.33 kg
    close(emb.co2e_kg, (164 + 6000 / 8) * busy_h / (6 * 8760 * 0.4) / 1000)
    close(emb.water_l, 814 * 0.169 / 0.875 * busy_h / (6 * 8760 * 0.4) / 1000)
    assert not any(it.kind == "overhead" for it in r.phases["usage"].items)
    check_sums(r)


def test_own_provisioned_lists_only_the_utilisation_it_uses() -> None:
    """FIXED (result): with ``usage.provisioned`` the fleet's own utilisation (0.4)
    sets the idle capacity and the embodied share (hand figures above pass with 0.4), yet
    the assumptions also listed ``usage.fleet_utilisation = 0.7 [default]``, a value no
    line item uses: the assumptions said a default was applied that was not."""
    r = assess_text(PROVISIONED)
    used = {k for it in r.items for k in it.inputs}
    assert "usage.fleet_utilisation" not in {a.name for a in r.assumptions} - used


def _pue_of(spec: dict[str, Any]) -> float:
    r = assess_source(parse_source(spec))
    return assumption(r, "training.facility.pue")


def test_own_count_times_duration() -> None:
    r = assess_text("""
name: count x duration
grid: {region: FR}
facility: {pue: 1.14, wue: 0.12 L/kWh}
training:
  accelerators: {type: A100, count: 8, duration: 10 days, power: 300 W}
""")
    gpu = item(r, "training", "NVIDIA A100 SXM4 80GB")
    close(gpu.energy_kwh, 8 * 240 * 300 / 1000)  # 8 x 240 h x 300 W = 576 kWh
    close(r.total.energy_kwh, 576 * 1.14)  # 656.64 kWh
    close(r.total.water_l, 576 * 0.12 + 576 * 1.14 * 3.6737)


def test_pue_precedence_operator_before_cooling() -> None:
    """The operator's published fleet figure comes before the cooling technology (as the
    code did and docs/methodology.md and docs/assessment-file.md now say; they said the
    opposite): {cooling: liquid, operator: aws} gives AWS's PUE 1.14, not liquid cooling's
    1.343 (a generic site's relative saving)."""
    spec = {
        "name": "precedence",
        "grid": {"region": "FR"},
        "facility": {"cooling": "liquid", "operator": "aws"},
        "training": {"accelerators": {"type": "A100", "gpu_hours": "100 h"}},
    }
    close(_pue_of(spec), 1.14)


def test_phase_contract_overrides_inherited_renewable_share() -> None:
    """FIXED (code): a phase's own grid overrides the top-level one "field by field"
    (docs/assessment-file.md). With a top-level `renewable_share: 90%` and a training
    grid of its own `contract_intensity: 100 g/kWh, contract_share: 0.5`, the merge holds
    both instruments and supply._contract takes the inherited renewable share, silently
    dropping the phase's contract (it is not even among the item inputs). Hand figure:
    576 kWh x (0.5 x 0.100 + 0.5 x 0.04144) = 40.735 kg market-based; lcai 576 x 0.1 x
    0.04144 = 2.387 kg. (The same two fields in one grid are refused by the schema.)"""
    r = assess_text("""
name: merge
grid: {region: FR, renewable_share: 90%}
training:
  grid: {contract_intensity: 100 gCO2e/kWh, contract_share: 0.5}
  facility: {pue: 1.0}
  accelerators: {type: A100, count: 8, duration: 10 days, power: 300 W}
""")
    close(r.total.co2e_market_kg, 576 * (0.5 * 0.100 + 0.5 * 0.04144))


def test_network_4g_intensity_as_documented() -> None:
    """docs/methodology.md said 4G came from the source article's 620 GB per kWh; the
    catalog's `4g` row is the whole-network figure, 0.121 kWh/GB (the Aalto base stations'
    0.104 + Traficom's other sections; the article's is `4g:source-article`), and the docs
    say so. 1 GB over 4G = 0.121 kWh."""
    r = assess_text("""
name: 4g
grid: {region: FR}
usage:
  requests: 1000
  energy_per_request: 1 Wh
  network: {medium: 4g, data_per_request: 1 MB}
""")
    close(item(r, "usage", "network (4g)").energy_kwh, 1000 * 1e-3 * 0.121, rel=1e-4)
