"""Implausible inputs and results are flagged in the output, with the range and its source."""

from __future__ import annotations

from typing import Any

import lcai


def _training(**over: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "name": "t",
        "grid": {"region": "US"},
        "facility": {"pue": 1.1},
        "training": {"accelerators": {"type": "H100", "gpu_hours": "7.0M h"}},
    }
    for k, v in over.items():
        spec[k] = v
    return spec


def test_plausible_inputs_give_no_warning() -> None:
    r = lcai.assess(_training())
    assert not [w for w in r.warnings if w.startswith("implausible")]


def test_too_clean_grid_is_flagged() -> None:
    """A 70B model on 7.0M H100-hours for about 12.9 t implies 2.6 gCO2e per kWh:
    cleaner than any national grid (the lowest is about 21 g)."""
    r = lcai.assess(_training(grid={"region": "US", "co2e_intensity": "2.4 gCO2e/kWh"}))
    assert 12_000 < r.total.co2e_kg < 13_500
    flagged = [w for w in r.warnings if "co2e_intensity" in w]
    assert flagged and "contract_intensity" in flagged[0]
    assert "ember2026owidcarbonintensity" in flagged[0]
    # the same number as a market-based contract factor is fine
    ok = lcai.assess(_training(grid={"region": "US", "contract_intensity": "2.4 g/kWh"}))
    assert not [w for w in ok.warnings if w.startswith("implausible")]


def test_pue_and_power_outside_range() -> None:
    r = lcai.assess(_training(facility={"pue": 3.5}))
    assert any("facility.pue" in w for w in r.warnings)
    spec = _training()
    spec["training"]["accelerators"]["power"] = "900 W"
    r = lcai.assess(spec)
    assert any("1.29 x the accelerator's TDP" in w for w in r.warnings)


def test_energy_per_token_outside_range() -> None:
    spec = {
        "name": "u",
        "grid": {"region": "US"},
        "usage": {
            "requests": 1000,
            "inference": {
                "model": {"parameters": "70B"},
                "accelerator": "H100",
                "input_tokens": 100,
                "output_tokens": 100,
                "decode_utilisation": 0.002,
            },
        },
    }
    r = lcai.assess(spec)
    assert any("J per output token" in w for w in r.warnings)
