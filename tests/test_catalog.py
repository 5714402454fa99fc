"""The packaged catalog: every row cited and in a known unit; coverage the issue asks for."""

from __future__ import annotations

import pytest

from lcai import catalog
from lcai.errors import UnknownKeyError
from lcai.units import parse_unit

TABLES = catalog.table_names()


def test_expected_tables_are_packaged() -> None:
    for name in (
        "accelerators",
        "devices",
        "electricity_water",
        "embodied_factors",
        "equivalences",
        "facility",
        "grid_intensity",
        "network",
        "servers",
        "utilisation",
    ):
        assert name in TABLES


@pytest.mark.parametrize("name", TABLES)
def test_every_row_has_source_unit_and_year(name: str) -> None:
    bib = catalog.bibliography()
    t = catalog.table(name)
    assert t.description, f"{name}.yaml needs a description"
    assert t.rows
    seen = set()
    for r in t.rows:
        assert r.source_id in bib, f"{name}: {r.key}.{r.quantity} cites unknown {r.source_id!r}"
        parse_unit(r.unit)  # raises on an unknown unit
        assert 1900 < r.year < 2100, f"{name}: {r.key}.{r.quantity} year {r.year}"
        assert (r.key, r.quantity) not in seen, f"{name}: duplicate {r.key}.{r.quantity}"
        seen.add((r.key, r.quantity))
        assert r.value == r.value  # not NaN


@pytest.mark.parametrize("name", TABLES)
def test_aliases_point_to_keys(name: str) -> None:
    t = catalog.table(name)
    keys = set(t.keys())
    for alias, key in t.aliases.items():
        assert key in keys, f"{name}: alias {alias!r} -> unknown key {key!r}"


def test_every_source_has_a_title() -> None:
    for sid, s in catalog.bibliography().items():
        assert s.title, sid
        assert catalog.format_citation(s)


def test_grid_coverage() -> None:
    grid = catalog.table("grid_intensity")
    keys = grid.keys()
    countries = [k for k in keys if len(k) == 2 and k.isupper()]
    assert len(countries) >= 60
    assert len([k for k in keys if k.startswith("US-")]) >= 50
    assert len([k for k in keys if k.startswith("CN-")]) >= 20
    assert any(":" in k for k in keys), "cloud regions"
    assert "WORLD" in keys
    france = grid.factor("France", "co2e_intensity", "g/kWh")
    assert 20 < france.value < 100  # France's grid is low-carbon
    assert catalog.table("electricity_water").has("WORLD", "water_consumption")


def test_accelerator_coverage() -> None:
    acc = catalog.table("accelerators")
    for key in (
        "V100-SXM2-32GB",
        "A100-SXM4-40GB",
        "A100-SXM4-80GB",
        "H100-SXM5-80GB",
        "H100-PCIE-80GB",
        "H200-SXM-141GB",
        "B200",
        "MI300X",
        "TPU-v3",
        "TPU-v4",
        "TPU-v5e",
    ):
        if key != "TPU-v5e":  # Google publishes no power figure for TPU v5e
            assert acc.has(key, "tdp"), key
        assert acc.has(key, "peak_dense_bf16") or acc.has(key, "peak_dense_fp16"), key
    assert acc.factor("H100", "tdp", "W").value == 700
    assert acc.resolve("a100 80gb") == "A100-SXM4-80GB"


def test_equivalence_of_the_source_article() -> None:
    """The article: 962.37 tCO2e is about 49 Americans at 19.58 t each."""
    f = catalog.table("equivalences").factor(
        "per_capita:US:maplecroft2009", "co2e_per_capita_year", "t"
    )
    assert f.value == 19.58
    assert round(962.37 / f.value) == 49


def test_unknown_key_suggests() -> None:
    with pytest.raises(UnknownKeyError) as info:
        catalog.table("accelerators").resolve("H10O")
    assert info.value.suggestions
    assert isinstance(info.value, KeyError)
