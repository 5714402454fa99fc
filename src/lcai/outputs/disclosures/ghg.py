"""The footprint as a GHG Protocol inventory: Scope 2 electricity, location-based and
market-based side by side per phase with the factors and the contractual instruments
stated (GHG Protocol Scope 2 Guidance, 2015, chapter 4: dual reporting), and the
embodied carbon of hardware as Scope 3 category 1, purchased goods (Corporate Value
Chain (Scope 3) Standard, 2011, table 5.4)."""

from __future__ import annotations

import json
from typing import Any

from lcai import keys
from lcai.engine.plan import PHASES, Plan
from lcai.engine.result import Result
from lcai.fmt import magnitude
from lcai.outputs.disclosures.facts import (
    EMBODIED_KINDS,
    embodied,
    operational,
    parameters,
    region_text,
)
from lcai.outputs.report.markdown import md_escape

__all__ = ["ghg_inventory", "render_ghg_json", "render_ghg_markdown"]


def ghg_inventory(result: Result, plan: Plan | None = None) -> dict[str, Any]:
    """Scope 2 per phase (energy, location- and market-based CO2e, grid) and Scope 3
    category 1 (embodied), absolute over the life cycle [kWh, kgCO2e]."""
    scope2: list[dict[str, Any]] = []
    for ph in PHASES:
        items = [it for it in result.phases[ph].items if it.kind not in EMBODIED_KINDS]
        if not items:
            continue
        x = operational(result, ph)
        scope2.append(
            {
                "phase": ph,
                "energy_kwh": x.energy_kwh,
                "location_based_kgco2e": x.co2e_kg,
                "market_based_kgco2e": x.co2e_kg if x.co2e_market_kg is None else x.co2e_market_kg,
                "grid": region_text(result, ph),
                "market_instruments": x.co2e_market_kg is not None,
            }
        )
    location = sum(x["location_based_kgco2e"] for x in scope2)
    market = sum(x["market_based_kgco2e"] for x in scope2)
    emb = embodied(result)
    reported = result.divisor * sum(
        it.co2e_kg for it in result.items if it.phase == keys.UNALLOCATED
    )
    params = parameters(result, plan)
    instruments = [
        {"parameter": k, "value": v.value, "unit": v.unit, "status": v.status}
        for k, v in sorted(params.items())
        if any(w in k for w in ("contract_", "residual_", "renewable_"))
    ]
    return {
        "standard": "GHG Protocol Scope 2 Guidance (2015); Corporate Value Chain (Scope 3) "
        "Standard (2011)",
        "name": result.name,
        "scope2": scope2,
        "scope2_total": {"location_based_kgco2e": location, "market_based_kgco2e": market},
        "scope3_category1_purchased_goods_kgco2e": emb.total_kg,
        "reported_scope_not_stated_kgco2e": reported,
        "total_kgco2e": location + emb.total_kg + reported,
        "instruments": instruments,
        "notes": [
            "Scope 2 is the electricity of every phase, facility overhead included; where no "
            "contract is stated the market-based figure equals the location-based one.",
            "Embodied carbon of the hardware (manufacturing, annotation devices, serving "
            "hardware) is Scope 3 category 1 (purchased goods), allocated by use.",
            "A figure the file reports across phases (top-level `reported`) states no scope: "
            "it is listed apart and counted in the total (location-based).",
        ],
    }


def render_ghg_json(result: Result, plan: Plan | None = None) -> str:
    return json.dumps(ghg_inventory(result, plan), indent=2, allow_nan=False) + "\n"


def render_ghg_markdown(result: Result, plan: Plan | None = None) -> str:
    inv = ghg_inventory(result, plan)
    kg = "kgCO2e"
    lines = [
        f"# GHG inventory: {md_escape(result.name)}",
        "",
        f"_{inv['standard']}_",
        "",
        "## Scope 2 (electricity), dual reporting",
        "",
        "| phase | energy | location-based | market-based | grid |",
        "|---|---|---|---|---|",
    ]
    for s in inv["scope2"]:
        lines.append(
            f"| {s['phase']} | {magnitude(s['energy_kwh'], 'kWh')} | "
            f"{magnitude(s['location_based_kgco2e'], kg)} | "
            f"{magnitude(s['market_based_kgco2e'], kg)} | {md_escape(s['grid'] or '-')} |"
        )
    t = inv["scope2_total"]
    scope3 = inv["scope3_category1_purchased_goods_kgco2e"]
    lines += [
        f"| total | | {magnitude(t['location_based_kgco2e'], kg)} | "
        f"{magnitude(t['market_based_kgco2e'], kg)} | |",
        "",
        "## Scope 3, category 1 (purchased goods)",
        "",
        f"Embodied carbon of the hardware: {magnitude(scope3, kg)}.",
        "",
    ]
    if inv["reported_scope_not_stated_kgco2e"]:
        lines += [
            "## Reported across phases (scope not stated)",
            "",
            f"{magnitude(inv['reported_scope_not_stated_kgco2e'], kg)}.",
            "",
        ]
    lines += [f"Total (location-based): {magnitude(inv['total_kgco2e'], kg)}.", ""]
    if inv["instruments"]:
        lines += ["## Contractual instruments", ""]
        lines += [
            f"- `{i['parameter']}` = {i['value']:g}{'' if i['unit'] == '1' else ' ' + i['unit']}"
            f" ({i['status']})"
            for i in inv["instruments"]  # lcai's own parameter names: no user text
        ]
        lines.append("")
    lines += [f"- {n}" for n in inv["notes"]]
    return "\n".join(lines) + "\n"
