"""What a phase inherits from the assessment's top-level grid and facility.

Field by field, except for groups that describe one thing (resolver/supply.py): a phase in
its own region takes none of the default's factors, its own contract replaces the
default's whole, and its own operator or cooling describes its own facility,
so none of the default's PUE, WUE, operator or cooling is inherited (a stated PUE or WUE
set aside is warned about). A cloud region alone brings its operator's figures only where
the file gives none. Operator figures from
the packaged catalog (AWS 1.14 and 0.12 L/kWh, Google 1.10, Meta 1.08)."""

from __future__ import annotations

from typing import Any

import pytest

import lcai
from lcai import catalog
from lcai.errors import SpecError


def _fac(key: str, quantity: str, unit: str) -> float:
    return catalog.table("facility").factor(key, quantity, unit).value


def _assumed(spec: dict[str, Any]) -> dict[str, Any]:
    return {a.name: a for a in lcai.assess(spec).assumptions}


def _spec(top: dict[str, Any], **usage: Any) -> dict[str, Any]:
    return {
        "name": "inherit",
        "functional_unit": "per 1 request",
        "grid": {"region": "US-VA"},
        **top,
        "training": {"accelerators": {"type": "A100", "gpu_hours": "100 h"}},
        "usage": {"requests": 1000, "energy_per_request": "1 Wh", **usage},
    }


def _given(spec: dict[str, Any], name: str) -> float:
    """A value the file states (not listed among assumptions): read from the plan."""
    from lcai.api import plan_source
    from lcai.spec.loading import parse_source

    return plan_source(parse_source(spec)).params[name].value


def test_a_phase_naming_its_operator_takes_none_of_the_default_facility() -> None:
    """Top-level PUE 1.5 (the user's own site); usage at AWS gets AWS's PUE and WUE;
    training, with no facility of its own, keeps 1.5."""
    spec = _spec({"facility": {"pue": 1.5, "wue": "1.8 L/kWh"}}, facility={"operator": "aws"})
    a = _assumed(spec)
    assert a["usage.facility.pue"].value == pytest.approx(_fac("operator:aws", "pue", "1"))
    assert a["usage.facility.wue"].value == pytest.approx(_fac("operator:aws", "wue", "L/kWh"))
    assert _given(spec, "training.facility.pue") == pytest.approx(1.5)
    assert _given(spec, "training.facility.wue") == pytest.approx(1.8)


def test_a_cloud_region_brings_its_operator_only_where_the_file_gives_nothing() -> None:
    """A phase in its own cloud region keeps the file's top-level PUE (the file overrides
    the operator's figure, issue 15's rule) and takes the operator's WUE the file does not
    give."""
    spec = _spec({"facility": {"pue": 1.5}}, grid={"region": "aws:us-east-1"})
    assert _given(spec, "usage.facility.pue") == pytest.approx(1.5)
    a = _assumed(spec)
    assert a["usage.facility.wue"].value == pytest.approx(_fac("operator:aws", "wue", "L/kWh"))


def test_a_stated_top_level_pue_set_aside_is_said() -> None:
    spec = _spec({"facility": {"pue": 1.5, "wue": "1.8 L/kWh"}}, facility={"operator": "aws"})
    warnings = lcai.assess(spec).warnings
    assert any(
        w.startswith("usage: the top-level facility's PUE and WUE does not apply")
        and "operator aws" in w
        for w in warnings
    )
    plain = _spec({"facility": {"operator": "google"}}, facility={"operator": "aws"})
    assert not any("top-level facility" in w for w in lcai.assess(plain).warnings)


def test_a_phase_stating_its_own_pue_keeps_it_over_its_operator() -> None:
    spec = _spec({"facility": {"operator": "google"}}, facility={"pue": 1.3, "operator": "aws"})
    assert _given(spec, "usage.facility.pue") == pytest.approx(1.3)
    a = _assumed(spec)
    assert a["usage.facility.wue"].value == pytest.approx(_fac("operator:aws", "wue", "L/kWh"))


def test_a_phase_naming_its_cooling_drops_the_default_operator() -> None:
    spec = _spec({"facility": {"operator": "google"}}, facility={"cooling": "liquid"})
    a = _assumed(spec)
    assert a["usage.facility.pue"].value == pytest.approx(_fac("cooling:liquid", "pue", "1"))
    assert a["training.facility.pue"].value == pytest.approx(_fac("operator:google", "pue", "1"))


def test_numbers_alone_still_merge_field_by_field() -> None:
    """A phase giving only its PUE keeps the default operator for what it does not give."""
    spec = _spec({"facility": {"operator": "aws"}}, facility={"pue": 1.25})
    assert _given(spec, "usage.facility.pue") == pytest.approx(1.25)
    a = _assumed(spec)
    assert a["usage.facility.wue"].value == pytest.approx(_fac("operator:aws", "wue", "L/kWh"))


def _grid_spec(top: dict[str, Any], grid: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": "grid",
        "grid": top,
        "training": {
            "grid": grid,
            "facility": {"pue": 1.0},
            "accelerators": {"type": "A100", "count": 8, "duration": "10 days", "power": "300 W"},
        },
    }


def test_a_phase_grid_keeps_the_top_level_boundary() -> None:
    """Before, a phase's own grid reset the boundary to life-cycle (its default filled in):
    a top-level `boundary: direct` did not reach a phase with its own region."""
    spec = _grid_spec({"region": "US-VA", "boundary": "direct"}, {"region": "US-OR"})
    a = _assumed(spec)["training.grid.co2e_intensity"]
    direct = catalog.table("grid_intensity").factor("US-OR", "co2e_intensity_direct", "kg/kWh")
    assert a.value == pytest.approx(direct.value)
    own = _grid_spec({"region": "US-VA", "boundary": "direct"}, {"boundary": "life-cycle"})
    lc = catalog.table("grid_intensity").factor("US-VA", "co2e_intensity", "kg/kWh")
    assert _assumed(own)["training.grid.co2e_intensity"].value == pytest.approx(lc.value)


def test_a_phase_contract_share_alone_sets_the_share_of_the_inherited_contract() -> None:
    """Top-level contract 100 g/kWh over 90%; training's own share 0.5: 576 kWh x (0.5 x
    0.100 + 0.5 x I_FR) market-based."""
    top = {"region": "FR", "contract_intensity": "100 gCO2e/kWh", "contract_share": 0.9}
    r = lcai.assess(_grid_spec(top, {"contract_share": 0.5}))
    i_fr = catalog.table("grid_intensity").factor("FR", "co2e_intensity", "kg/kWh").value
    assert r.total.co2e_market_kg == pytest.approx(576 * (0.5 * 0.100 + 0.5 * i_fr))


def test_a_contract_share_without_a_contract_intensity_is_refused() -> None:
    """With a renewable share (which carries its own share) or no contract at all, a
    contract_share would be silently ignored: refused, naming the field."""
    for top in ({"region": "FR", "renewable_share": 0.9}, {"region": "FR"}):
        with pytest.raises(SpecError, match="contract_share is the share of contract_intensity"):
            lcai.assess(_grid_spec(top, {"contract_share": 0.5}))


def test_top_level_defaults_are_checked_even_when_every_phase_has_its_own() -> None:
    """An unknown top-level region or operator was accepted (exit 0) when every phase set
    its own; it is an error at the top-level field now."""
    spec = _grid_spec({"region": "Narnia"}, {"region": "FR"})
    with pytest.raises(SpecError, match="Narnia") as info:
        lcai.assess(spec)
    assert info.value.path == ("grid", "region")
    spec = _spec({"facility": {"operator": "nosuch"}}, facility={"operator": "aws"})
    with pytest.raises(SpecError, match="nosuch") as info:
        lcai.assess(spec)
    assert info.value.path == ("facility", "operator")


def test_a_market_based_item_lists_the_contract_and_residual_it_used() -> None:
    """result.md: an item's inputs are every parameter it used; the market-based
    parameters (contract share and intensity, residual mix) were left out."""
    top = {
        "region": "FR",
        "contract_intensity": "100 gCO2e/kWh",
        "contract_share": 0.5,
        "residual_intensity": "300 gCO2e/kWh",
    }
    r = lcai.assess(_grid_spec(top, {}))
    (item,) = [it for it in r.items if it.co2e_market_kg is not None and it.energy_kwh]
    for q in ("contract_share", "contract_intensity", "residual_intensity"):
        assert f"training.grid.{q}" in item.inputs, q
