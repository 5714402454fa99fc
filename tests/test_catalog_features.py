"""Catalog behaviour people can audit: cloud regions bring their operator's figures."""

from __future__ import annotations

import pytest

import lcai


def _assumed(spec: dict[str, object]) -> dict[str, tuple[float, str]]:
    r = lcai.assess(spec)
    return {a.name: (a.value, a.note) for a in r.assumptions}


@pytest.mark.parametrize(
    ("region", "pue"),
    [("aws:us-east-1", 1.14), ("gcp:us-east4", 1.10), ("azure:eastus", 1.18)],
)
def test_a_cloud_region_brings_its_operators_pue(region: str, pue: float) -> None:
    spec = {
        "name": "c",
        "training": {
            "grid": {"region": region},
            "accelerators": {"type": "H100", "gpu_hours": "1000 h"},
        },
    }
    got = _assumed(spec)
    value, note = got["training.facility.pue"]
    assert value == pytest.approx(pue)
    assert f"cloud region {region}" in note


def test_the_file_still_overrides_a_cloud_regions_operator() -> None:
    spec = {
        "name": "c",
        "training": {
            "grid": {"region": "aws:us-east-1"},
            "facility": {"pue": 1.3},
            "accelerators": {"type": "H100", "gpu_hours": "1000 h"},
        },
    }
    assert "training.facility.pue" not in _assumed(spec)  # the file's value is not assumed
    spec["training"]["facility"] = {"operator": "microsoft"}  # type: ignore[index]
    assert _assumed(spec)["training.facility.pue"][0] == pytest.approx(1.18)
