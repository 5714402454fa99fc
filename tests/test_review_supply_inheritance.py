"""Review of the supply inheritance change: three behaviours it broke or left inconsistent,
mended (the cloud-region trigger withdrawn; the cooling scenario reads the phase's
cooling as the resolver merges it)."""

from __future__ import annotations

from typing import Any

import pytest

from lcai.api import plan_source
from lcai.spec.loading import parse_source
from lcai.whatif import scenarios


def _spec(top: dict[str, Any], **usage: Any) -> dict[str, Any]:
    return {
        "name": "review",
        "functional_unit": "per 1 request",
        **top,
        "training": {"accelerators": {"type": "A100", "gpu_hours": "1000 h"}},
        "usage": {"requests": 1000, "energy_per_request": "1 Wh", **usage},
    }


def _param(spec: dict[str, Any], name: str) -> Any:
    return plan_source(parse_source(spec)).params[name]


def test_repeating_the_top_level_cloud_region_keeps_the_stated_pue() -> None:
    spec = _spec(
        {"grid": {"region": "aws:us-east-1"}, "facility": {"pue": 1.25}},
        grid={"region": "aws:us-east-1", "renewable_share": 1.0},
    )
    assert _param(spec, "usage.facility.pue").value == pytest.approx(1.25)


def test_move_region_to_the_files_own_cloud_region_changes_nothing() -> None:
    spec = _spec(
        {"grid": {"region": "aws:us-east-1"}, "facility": {"pue": 1.25, "wue": "0.3 L/kWh"}}
    )
    (c,) = scenarios.compare(parse_source(spec), ["move-region:aws:us-east-1"])
    assert c.not_applicable is not None


def test_liquid_cooling_applies_to_a_phase_that_inherits_no_cooling() -> None:
    spec = _spec({"grid": {"region": "US-VA"}, "facility": {"cooling": "liquid"}},
                 facility={"operator": "aws"})  # fmt: skip
    base = plan_source(parse_source(spec))
    assert "cooling:liquid" not in str(base.params["usage.facility.pue"].note)
    sc = scenarios.available()["liquid-cooling"]
    out = scenarios.apply(spec, sc, None, base)
    assert "pue" in (out["usage"].get("facility") or {})
