"""A CycloneDX 1.6 ML-BOM: the model as a ``machine-learning-model`` component whose model
card carries ``environmentalConsiderations.energyConsumptions``, one per lifecycle activity
(training, inference, data preparation for annotation), each with its energy (kWh), its
location-based CO2e (tCO2eq, the schema's unit) and its grid as the energy provider; the
market-based CO2e and the embodied carbon are properties (the schema has no field for
them). Validated in the tests with cyclonedx-python-lib's JSON schema."""

from __future__ import annotations

import json
import uuid
from typing import Any

from lcai.engine.result import Result
from lcai.outputs.disclosures.facts import EMBODIED_KINDS, embodied, operational, region_text

__all__ = ["ACTIVITIES", "render_cyclonedx"]

ACTIVITIES = {"training": "training", "usage": "inference", "annotation": "data-preparation"}
"""lcai's phases as CycloneDX 1.6 ``energyConsumption.activity`` values."""
_T_PER_KG = 1e-3


def _consumption(result: Result, phase: str) -> dict[str, Any] | None:
    # the phase's electricity only: its embodied items are lcai:embodied_tco2eq
    x = operational(result, phase)
    if not result.phases[phase].items or (x.energy_kwh == 0 and x.co2e_kg == 0):
        return None
    grid = region_text(result, phase) or "an unstated grid"
    out: dict[str, Any] = {
        "activity": ACTIVITIES[phase],
        "energyProviders": [
            {
                "description": f"electricity of the {phase} phase, location-based factor",
                "organization": {"name": f"grid: {grid}"},
                "energySource": "unknown",
                "energyProvided": {"value": x.energy_kwh, "unit": "kWh"},
            }
        ],
        "activityEnergyCost": {"value": x.energy_kwh, "unit": "kWh"},
        "co2CostEquivalent": {"value": x.co2e_kg * _T_PER_KG, "unit": "tCO2eq"},
        "properties": [{"name": "lcai:water_l", "value": repr(x.water_l)}],
    }
    if x.co2e_market_kg is not None:
        out["properties"].append(
            {"name": "lcai:co2e_market_tco2eq", "value": repr(x.co2e_market_kg * _T_PER_KG)}
        )
    return out


def render_cyclonedx(result: Result, version: str, serial: str | None = None) -> str:
    """The result as a CycloneDX 1.6 JSON BOM (``serial``: a fixed serial number, for
    reproducible files; default a new UUID)."""
    consumptions = [c for ph in ACTIVITIES if (c := _consumption(result, ph)) is not None]
    emb = embodied(result)
    emb_water_l = result.divisor * sum(
        it.water_l for ph in result.phases.values() for it in ph.items if it.kind in EMBODIED_KINDS
    )
    props = [
        {"name": "lcai:embodied_tco2eq", "value": repr(emb.total_kg * _T_PER_KG)},
        {"name": "lcai:embodied_water_l", "value": repr(emb_water_l)},
        {"name": "lcai:functional_unit", "value": result.functional_unit},
    ]
    if result.usage_boundary is not None:
        props.append({"name": "lcai:usage_boundary", "value": result.usage_boundary})
    component = {
        "type": "machine-learning-model",
        "bom-ref": "model",
        "name": result.name,
        "modelCard": {
            "considerations": {
                "environmentalConsiderations": {
                    "energyConsumptions": consumptions,
                    "properties": props,
                }
            }
        },
    }
    bom = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": f"urn:uuid:{serial or uuid.uuid4()}",
        "version": 1,
        "metadata": {
            "tools": {"components": [{"type": "application", "name": "lcai", "version": version}]}
        },
        "components": [component],
    }
    return json.dumps(bom, indent=2, allow_nan=False) + "\n"
