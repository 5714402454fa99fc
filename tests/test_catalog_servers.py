"""Server CPUs and reference systems in the servers table: every CPU with TDP and cores,
every system above its accelerators' TDP, and `lcai capacity` on each system."""

from __future__ import annotations

import pytest

from lcai import catalog
from lcai.whatif.capacity import plan_capacity

SERVERS = catalog.table("servers")
_KEYS = SERVERS.keys()  # a Table, not a dict
CPUS = [k for k in _KEYS if k.startswith("cpu:")]
SYSTEMS = [k for k in _KEYS if k.startswith("system:")]

# The accelerator whose TDP (accelerators.csv) each system holds; NVIDIA's DPS gives the
# GB200 GPU up to 1,200 W, checked separately below.
HOLDS = {
    "system:dgx-a100": "A100-SXM4-80GB",
    "system:dgx-h100": "H100-SXM5-80GB",
    "system:dgx-h200": "H200-SXM-141GB",
    "system:dgx-b200": "B200",
    "system:gb200-nvl72-tray": "GB200",
    "system:gb200-nvl72": "GB200",
}
GB200_GPU_MAX_W = 1200  # NVIDIA DPS device specifications, GPU model GB200 maxLoadWatts

# Systems `lcai capacity` selects (it reads the servers table): short name -> accelerator.
SELECTABLE = {
    "system:dgx-a100": ("dgx-a100", "A100-SXM4-80GB"),
    "system:dgx-h100": ("dgx-h100", "H100-SXM5-80GB"),
    "system:dgx-h200": ("dgx-h200", "H200-SXM-141GB"),
    "system:dgx-b200": ("dgx-b200", "B200"),
}


def _per_accelerator_w(key: str) -> float:
    watts = SERVERS.factor(key, "max_power", "W").value
    return watts / SERVERS.factor(key, "accelerators", "1").value


def test_at_least_twenty_server_cpus_with_tdp_and_cores() -> None:
    assert len(CPUS) >= 20
    for k in CPUS:
        tdp = SERVERS.factor(k, "tdp", "W").value
        cores = SERVERS.factor(k, "cores", "1").value
        assert 50 <= tdp <= 600, k
        assert cores == int(cores) and 8 <= cores <= 256, k
    for family in ("cpu:EPYC-", "cpu:Xeon-", "cpu:Grace", "cpu:Altra"):
        assert any(k.startswith(family) for k in CPUS), family


def test_cpu_figures_hand_checked() -> None:
    """A few figures against the vendors' tables (see the rows' notes)."""
    expected = {
        "cpu:EPYC-7742": (225, 64),
        "cpu:EPYC-9754": (360, 128),
        "cpu:EPYC-9965": (500, 192),
        "cpu:Xeon-8592+": (350, 64),
        "cpu:Xeon-6980P": (500, 128),
        "cpu:Xeon-6780E": (330, 144),
        "cpu:Xeon-6776P": (350, 64),
        "cpu:Grace-Superchip": (500, 144),
    }
    for k, (tdp, cores) in expected.items():
        assert SERVERS.factor(k, "tdp", "W").value == tdp, k
        assert SERVERS.factor(k, "cores", "1").value == cores, k
    assert SERVERS.resolve("AMD EPYC 9965 192-Core Processor") == "cpu:EPYC-9965"


def test_every_system_has_power_and_accelerators() -> None:
    rated = [k for k in SYSTEMS if k != "system:hgx-h100-node"]  # one measured node
    assert set(rated) == set(HOLDS)
    for k in rated:
        assert SERVERS.has(k, "max_power") and SERVERS.has(k, "accelerators"), k
    assert SERVERS.has("system:hgx-h100-node", "measured_max_power")


@pytest.mark.parametrize("system", sorted(HOLDS))
def test_system_power_exceeds_its_accelerators_tdp(system: str) -> None:
    acc = catalog.table("accelerators")
    tdp = acc.factor(HOLDS[system], "tdp", "W").value
    n = SERVERS.factor(system, "accelerators", "1").value
    assert SERVERS.factor(system, "max_power", "W").value > n * tdp
    if system.startswith("system:gb200"):
        assert _per_accelerator_w(system) > GB200_GPU_MAX_W


def test_systems_are_in_one_table() -> None:
    """The servers' power lives in the servers table only (sites.csv holds real sites)."""
    sites = catalog.table("sites")
    keys = sites.keys()  # a Table, not a dict
    assert not [k for k in keys if k.startswith("system:")]
    assert _per_accelerator_w("system:dgx-h200") == _per_accelerator_w("system:dgx-h100")


def test_hand_checked_per_accelerator_power() -> None:
    """DGX H100: 10.2 kW / 8 = 1,275 W; DGX B200: 14.3 kW / 8 = 1,787.5 W; GB200 NVL72:
    120 kW / 72 = 1,666.7 W, and its tray 6,667 W / 4 = 1,666.75 W (18 trays = 120.0 kW)."""
    assert _per_accelerator_w("system:dgx-h100") == pytest.approx(1275)
    assert _per_accelerator_w("system:dgx-a100") == pytest.approx(812.5)
    assert _per_accelerator_w("system:dgx-b200") == pytest.approx(1787.5)
    assert _per_accelerator_w("system:gb200-nvl72") == pytest.approx(120_000 / 72)
    assert _per_accelerator_w("system:gb200-nvl72-tray") == pytest.approx(1666.75)
    tray = SERVERS.factor("system:gb200-nvl72-tray", "max_power", "W").value
    rack = SERVERS.factor("system:gb200-nvl72", "max_power", "W").value
    assert 18 * tray == pytest.approx(rack, rel=1e-3)


@pytest.mark.parametrize("system", sorted(SELECTABLE))
def test_capacity_for_each_system(system: str) -> None:
    name, accelerator = SELECTABLE[system]
    c = plan_capacity(accelerator, count=8, system=name, pue=1.0, load_factor=1.0)
    assert c.system_w_per_accelerator == pytest.approx(_per_accelerator_w(system))
    assert c.power_w == pytest.approx(8 * _per_accelerator_w(system))


def test_capacity_dgx_h100_by_hand() -> None:
    """8 H100 in a DGX H100 at PUE 1: 10,200 W / 8 = 1,275 W each, 10.2 kW in all."""
    c = plan_capacity("H100", count=8, pue=1.0)
    assert c.system == "system:dgx-h100"
    assert c.system_w_per_accelerator == pytest.approx(1275)
    assert c.power_w == pytest.approx(10_200)


@pytest.mark.parametrize("name", ["gb200-nvl72", "gb200-nvl72-tray"])
def test_capacity_gb200(name: str) -> None:
    """GB200 in its rack (120 kW / 72) or tray (6,667 W / 4): about 1,667 W per GPU."""
    c = plan_capacity("GB200", count=72, system=name, pue=1.0)
    assert c.system_w_per_accelerator == pytest.approx(_per_accelerator_w(f"system:{name}"))
    assert plan_capacity("GB200", count=72, pue=1.0).system == "system:gb200-nvl72"
