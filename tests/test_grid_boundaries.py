"""Grid table boundaries: co2e_intensity is life-cycle everywhere, co2e_intensity_direct direct.

See docs/research/grid-boundaries.md for the convention and the derivations checked here.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lcai import catalog

LC = "co2e_intensity"
DIRECT = "co2e_intensity_direct"
LB_PER_MWH = 0.45359237  # g/kWh per lb/MWh

# eGRID2023 subregions (26 with Puerto Rico's PRMS 27).
EGRID2023_SUBREGIONS = frozenset(
    {"AKGD", "AKMS", "AZNM", "CAMX", "ERCT", "FRCC", "HIMS", "HIOA", "MROE"}
    | {"MROW", "NEWE", "NWPP", "NYCW", "NYLI", "NYUP", "PRMS", "RFCE", "RFCM"}
    | {"RFCW", "RMPA", "SPNO", "SPSO", "SRMV", "SRMW", "SRSO", "SRTV", "SRVC"}
)
# Every subregion's eGRID2023 rate is in the table (scripts/build_egrid_subregions.py).
EGRID_PRESENT = EGRID2023_SUBREGIONS
# States the egrid_subregion_of card leaves out, with the reason given in its _note.
UNMAPPED_STATES = frozenset({"US-WI"})  # split among RFCW, MROE and MROW, no clear majority

# Life-cycle / direct above 1.5 is allowed only here (none at present: every derivation is a
# ratio of at most 1.1); life-cycle below direct is never allowed.
MAX_RATIO = 1.5
RATIO_EXCEPTIONS: dict[str, str] = {}


@pytest.fixture(scope="module")
def grid() -> catalog.Table:
    return catalog.table("grid_intensity")


def _keys(grid: catalog.Table) -> list[str]:
    return list(catalog.Table.keys(grid))


def _value(grid: catalog.Table, key: str, quantity: str) -> float:
    return grid.row(key, quantity).value


def test_quantities_are_documented(grid: catalog.Table) -> None:
    assert set(grid.quantities) == {LC, DIRECT}
    assert "life-cycle" in grid.quantities[LC]["description"].lower()
    assert "direct" in grid.quantities[DIRECT]["description"].lower()
    assert {r.quantity for r in grid.rows} == {LC, DIRECT}


def test_every_key_has_a_life_cycle_factor(grid: catalog.Table) -> None:
    missing = [k for k in _keys(grid) if not grid.has(k, LC)]
    assert not missing


def test_every_note_states_its_boundary(grid: catalog.Table) -> None:
    for r in grid.rows:
        note = r.note.upper()
        word = "LIFE-CYCLE" if r.quantity == LC else "DIRECT"
        assert word in note, f"{r.key}.{r.quantity}: note must say {word}"


@pytest.mark.parametrize("prefix", ["US-", "CN-", "gcp:", "egrid:"])
def test_direct_sources_have_both_boundaries(grid: catalog.Table, prefix: str) -> None:
    keys = [k for k in _keys(grid) if k.startswith(prefix)]
    assert keys
    for k in keys:
        assert grid.has(k, DIRECT), k
        assert grid.has(k, LC), k


def test_life_cycle_at_least_direct_and_plausible(grid: catalog.Table) -> None:
    for k in _keys(grid):
        if not grid.has(k, DIRECT):
            continue
        lc, d = _value(grid, k, LC), _value(grid, k, DIRECT)
        assert lc >= d, f"{k}: life-cycle {lc} < direct {d}"
        if k not in RATIO_EXCEPTIONS and d > 0:
            assert lc <= MAX_RATIO * d, f"{k}: life-cycle {lc} > {MAX_RATIO} x direct {d}"


def test_countries_are_published_life_cycle(grid: catalog.Table) -> None:
    for k in ("US", "FR", "DE", "CN", "WORLD"):
        r = grid.row(k, LC)
        assert r.source_id == "ember2026owidcarbonintensity"
        assert not grid.has(k, DIRECT)


def test_subregions_present(grid: catalog.Table) -> None:
    keys = {k.split(":", 1)[1] for k in _keys(grid) if k.startswith("egrid:")}
    assert keys <= EGRID2023_SUBREGIONS
    assert keys >= EGRID_PRESENT


def test_all_egrid2023_subregions_present(grid: catalog.Table) -> None:
    keys = {k.split(":", 1)[1] for k in _keys(grid) if k.startswith("egrid:")}
    assert keys == EGRID2023_SUBREGIONS


def test_subregion_map_points_to_existing_keys(grid: catalog.Table) -> None:
    card = grid.card("egrid_subregion_of")
    assert isinstance(card, dict) and card
    keys = set(_keys(grid))
    entries = {k: v for k, v in card.items() if not k.startswith("_")}
    assert any(k.startswith("US-") for k in entries)
    assert any(":" in k for k in entries)
    for src, dst in entries.items():
        assert src in keys, f"egrid_subregion_of: unknown source key {src!r}"
        assert dst in keys and dst.startswith("egrid:"), f"{src} -> {dst!r}"
    assert entries["aws:us-east-1"] == "egrid:SRVC"
    assert entries["US-VA"] == "egrid:SRVC"


def test_subregion_map_covers_every_state_but_the_stated_ones(grid: catalog.Table) -> None:
    card = grid.card("egrid_subregion_of")
    assert isinstance(card, dict)
    states = {k for k in _keys(grid) if k.startswith("US-")}
    assert len(states) == 51  # 50 states and DC
    mapped = {k for k in card if k.startswith("US-")}
    assert mapped == states - UNMAPPED_STATES
    assert "Wisconsin is LEFT OUT" in card["_note"]  # the one entry of UNMAPPED_STATES


@pytest.mark.parametrize(
    ("src", "dst"),
    [
        ("US-TX", "ERCT"),
        ("US-NY", "NYUP"),
        ("US-IL", "RFCW"),
        ("US-KY", "SRTV"),
        ("US-NV", "AZNM"),
        ("US-HI", "HIOA"),
        ("US-AK", "AKGD"),
        ("gcp:us-west4", "AZNM"),  # Las Vegas: southern Nevada is in AZNM
        ("gcp:us-south1", "ERCT"),
        ("azure:northcentralus", "RFCW"),  # Chicago, ComEd
        ("azure:westcentralus", "RMPA"),  # Cheyenne
        ("gcp:us-east2", "SRSO"),  # Georgia
    ],
)
def test_subregion_map_examples(grid: catalog.Table, src: str, dst: str) -> None:
    assert grid.card("egrid_subregion_of")[src] == f"egrid:{dst}"


def test_cloud_region_with_two_possible_subregions_is_not_mapped(grid: catalog.Table) -> None:
    # Google publishes us-east7 as "Alabama and Tennessee": SRSO or SRTV, not placed.
    assert "gcp:us-east7" not in grid.card("egrid_subregion_of")


@pytest.mark.parametrize(
    ("code", "src2erta_lb_per_mwh"),
    [("ERCT", 736.629), ("HIOA", 1498.947), ("NYUP", 242.776), ("SRMW", 1248.582)],
)
def test_subregion_derivation_by_hand(
    grid: catalog.Table, code: str, src2erta_lb_per_mwh: float
) -> None:
    # eGRID2023 SRC2ERTA (EPA Power Profiler data file) x 0.45359237 g/kWh per lb/MWh.
    direct = src2erta_lb_per_mwh * LB_PER_MWH
    assert _value(grid, f"egrid:{code}", DIRECT) == pytest.approx(direct, abs=1e-3)
    k_us = 384.4 / (770.884 * LB_PER_MWH)
    assert _value(grid, f"egrid:{code}", LC) == pytest.approx(direct * k_us, abs=2e-3)


def test_erct_worked_example(grid: catalog.Table) -> None:
    # 736.629 lb/MWh x 0.45359237 = 334.129 g/kWh direct; x 1.099329 = 367.318 g/kWh.
    assert _value(grid, "egrid:ERCT", DIRECT) == pytest.approx(334.129, abs=1e-3)
    assert _value(grid, "egrid:ERCT", LC) == pytest.approx(367.318, abs=2e-3)


def test_subregion_rows_are_current_with_the_build_script() -> None:
    script = Path(__file__).resolve().parent.parent / "scripts" / "build_egrid_subregions.py"
    if not script.is_file():
        pytest.skip("scripts/build_egrid_subregions.py is not in this checkout")
    run = subprocess.run(
        [sys.executable, str(script), "--check"], capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr


def test_virginia_derivation_by_hand(grid: catalog.Table) -> None:
    # eGRID2023 STC2ERTA for VA 539.599 lb/MWh -> 244.758 g/kWh (direct).
    direct = 539.599 * LB_PER_MWH
    assert _value(grid, "US-VA", DIRECT) == pytest.approx(direct, abs=1e-3)
    # k_US = Ember/OWID US life-cycle 384.4 / eGRID2023 US direct 770.884 lb/MWh.
    k_us = 384.4 / (770.884 * LB_PER_MWH)
    assert k_us == pytest.approx(1.09933, abs=1e-5)
    assert _value(grid, "US-VA", LC) == pytest.approx(direct * k_us, abs=1e-3)  # 269.07
    # The Virginia cloud regions mapped to US-VA carry the same two numbers.
    for k in ("aws:us-east-1", "azure:eastus", "azure:eastus2"):
        assert _value(grid, k, LC) == _value(grid, "US-VA", LC)
        assert _value(grid, k, DIRECT) == _value(grid, "US-VA", DIRECT)


def test_china_derivation_by_hand(grid: catalog.Table) -> None:
    # MEE 2023 Beijing 555.4 gCO2/kWh x IPCC AR5 coal PC life-cycle/direct medians 820/760.
    assert _value(grid, "CN-BJ", LC) == pytest.approx(555.4 * 820 / 760, abs=1e-3)
