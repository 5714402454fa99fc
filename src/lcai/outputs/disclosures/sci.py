"""Software Carbon Intensity (ISO/IEC 21031:2024; Green Software Foundation SCI
specification 1.1.0): SCI = ((E x I) + M) per R, each term stated, as Markdown and JSON.

E is the life cycle's energy [kWh], I its location-based carbon intensity [gCO2e/kWh] (the
energy-weighted average of the phases' grids: their operational carbon over their energy),
M the embodied carbon of the hardware [gCO2e] and R the number of functional units of the
result. Market-based instruments are excluded, as the specification requires (location-based
carbon only). The views of the GSF's SCI for AI (consumer: serving per request and per token;
provider: training per training token, per FLOP, per billion parameters) follow.
"""

from __future__ import annotations

import json
from typing import Any

from lcai import keys
from lcai.engine.plan import Plan
from lcai.engine.result import Result
from lcai.fmt import magnitude, number
from lcai.outputs.disclosures.facts import (
    EMBODIED_KINDS,
    NOT_STATED,
    embodied,
    lifecycle,
    parameters,
    region_text,
    training_facts,
)
from lcai.outputs.parts import BOUNDARIES
from lcai.outputs.report.markdown import md_escape

__all__ = ["SCI_AI_SOURCE", "SPECIFICATION", "render_sci_json", "render_sci_markdown", "sci_terms"]

SPECIFICATION = (
    "Software Carbon Intensity (SCI) specification, ISO/IEC 21031:2024; Green Software "
    "Foundation SCI specification version 1.1.0 (github.com/Green-Software-Foundation/sci, "
    "SPEC.md)"
)
SCI_AI_SOURCE = (
    "Green Software Foundation, Software Carbon Intensity for AI specification "
    "(github.com/Green-Software-Foundation/sci-ai, SPEC.md; the document states no version "
    "number): consumer functional units (section 8.1: per token for an LLM), provider "
    "functional units (section 8.2: per parameter, per training token, per FLOP)"
)
_PHASES = ("manufacturing", "training", "annotation", "usage")


def _phase_terms(result: Result, plan: Plan | None) -> dict[str, dict[str, Any]]:
    """Each phase with energy: its energy, operational carbon, intensity and grid."""
    p = parameters(result, plan)
    d = result.divisor
    out: dict[str, dict[str, Any]] = {}
    parts = [(ph, result.phases[ph].items) for ph in _PHASES if ph in result.phases]
    if result.unallocated is not None:
        parts.append((keys.UNALLOCATED, result.unallocated.items))
    for ph, items in parts:
        e = sum(it.energy_kwh for it in items) * d
        o = sum(it.co2e_kg for it in items if it.kind not in EMBODIED_KINDS) * d * 1000.0
        if not e and not o:
            continue
        grid = p.get(keys.grid_intensity(ph))
        out[ph] = {
            "energy_kwh": e,
            "operational_gco2e": o,
            "intensity_gco2e_per_kwh": o / e if e else None,
            "grid_factor_gco2e_per_kwh": None if grid is None else grid.value * 1000.0,
            "grid": region_text(result, ph),
        }
    return out


def _consumer(result: Result, plan: Plan | None) -> dict[str, Any]:
    """SCI for AI, consumer view: the usage phase (runtime operations) per request and per
    token (input and output tokens of every request)."""
    usage = lifecycle(result, "usage") if "usage" in result.phases else None
    if usage is None or not (usage.energy_kwh or usage.co2e_kg):
        return {"applicable": False, "note": "no usage phase in the result"}
    p = parameters(result, plan)
    c_g = usage.co2e_kg * 1000.0
    out: dict[str, Any] = {"applicable": True, "boundary": "usage phase (runtime operations)",
                           "carbon_gco2e": c_g}  # fmt: skip
    req = p.get(keys.REQUESTS)
    n_in, n_out = p.get(keys.INFERENCE_INPUT_TOKENS), p.get(keys.INFERENCE_OUTPUT_TOKENS)
    out["requests"] = None if req is None else req.value
    out["per_request_gco2e"] = c_g / req.value if req and req.value > 0 else None
    tokens = None
    if req is not None and n_in is not None and n_out is not None:
        tokens = req.value * (n_in.value + n_out.value)
    out["tokens"] = tokens
    out["per_token_gco2e"] = c_g / tokens if tokens else None
    return out


def _provider(result: Result, plan: Plan | None) -> dict[str, Any]:
    """SCI for AI, provider view: training, annotation (data engineering) and the embodied
    carbon of the hardware whose use follows training, per training token, FLOP and billion
    parameters."""
    emb = embodied(result)
    training = lifecycle(result, "training")
    annotation = lifecycle(result, "annotation") if "annotation" in result.phases else None
    annot_op = 0.0 if annotation is None else annotation.co2e_kg - emb.annotation_kg
    c_g = (training.co2e_kg + annot_op + emb.training_kg + emb.annotation_kg) * 1000.0
    t = training_facts(result, plan)
    if not c_g:
        return {"applicable": False, "note": "no training or annotation in the result"}
    billions = None if t.active_parameters is None else t.active_parameters / 1e9
    return {
        "applicable": True,
        "boundary": "training, annotation and the embodied carbon of hardware whose use "
        "follows the training accelerator-hours",
        "carbon_gco2e": c_g,
        "training_tokens": t.tokens,
        "per_training_token_gco2e": c_g / t.tokens if t.tokens else None,
        "flop": t.flops,
        "flop_method": t.flops_method,
        "per_flop_gco2e": c_g / t.flops if t.flops else None,
        "billion_parameters": billions,
        "per_billion_parameters_gco2e": c_g / billions if billions else None,
    }


def sci_terms(result: Result, plan: Plan | None = None) -> dict[str, Any]:
    """The SCI's terms, its score, boundary and notes, and the SCI for AI views."""
    phases = _phase_terms(result, plan)
    e = sum(x["energy_kwh"] for x in phases.values())
    o = sum(x["operational_gco2e"] for x in phases.values())
    emb = embodied(result)
    m_g = emb.total_kg * 1000.0
    i = o / e if e else None
    r = result.divisor
    notes = [
        "I is location-based: market-based instruments (contracts, certificates) are "
        "excluded, as the SCI requires.",
        "The SCI for AI views were read from the Green Software Foundation's published "
        "specification text (github.com/Green-Software-Foundation/sci-ai, SPEC.md), which "
        "states no version number.",
    ]
    if result.unallocated is not None:
        notes.append("A published figure covering several phases is counted in E and I "
                     "(its carbon over its energy).")  # fmt: skip
    if emb.other_kg:
        notes.append(f"{magnitude(emb.other_kg, 'kgCO2e')} of embodied carbon (hardware "
                     "whose use does not follow training) is in M but in neither SCI for AI "
                     "view.")  # fmt: skip
    boundary = result.usage_boundary
    return {
        "specification": SPECIFICATION,
        "name": result.name,
        "formula": "SCI = ((E * I) + M) per R",
        "E_kwh": e,
        "I_gco2e_per_kwh": i,
        "O_gco2e": o,
        "M_gco2e": m_g,
        "R": r,
        "functional_unit": result.functional_unit,
        "sci_gco2e_per_functional_unit": (o + m_g) / r,
        "phases": phases,
        "boundary": {
            "phases": list(phases) + (["manufacturing (M)"] if m_g else []),
            "usage_boundary": boundary,
            "usage_boundary_text": None if boundary is None else BOUNDARIES[boundary],
        },
        "sci_for_ai": {
            "source": SCI_AI_SOURCE,
            "consumer": _consumer(result, plan),
            "provider": _provider(result, plan),
        },
        "notes": notes,
    }


def render_sci_json(result: Result, plan: Plan | None = None) -> str:
    """The SCI terms as JSON (numbers at full precision)."""
    return json.dumps(sci_terms(result, plan), indent=2) + "\n"


def _g(x: float | None, scale: float = 1.0) -> str:
    return NOT_STATED if x is None else magnitude(x * scale / 1000.0, "kgCO2e")


def _view_lines(title: str, view: dict[str, Any], rows: list[tuple[str, str, float]]) -> list[str]:
    if not view["applicable"]:
        return [f"- **{title}**: not applicable ({md_escape(view['note'])})."]
    out = [f"- **{title}**: {_g(view['carbon_gco2e'])}; boundary: {md_escape(view['boundary'])}"]
    return out + [f"  - {label}: {_g(view[k], scale)}" for label, k, scale in rows]


def render_sci_markdown(result: Result, plan: Plan | None = None) -> str:
    """The SCI as Markdown: the formula, each term, the score, the boundary, the views."""
    t = sci_terms(result, plan)
    i = t["I_gco2e_per_kwh"]
    lines = [
        "# Software Carbon Intensity (SCI)",
        "",
        f"Assessment: {md_escape(result.name)}.",
        f"Specification: {md_escape(SPECIFICATION)}.",
        "",
        "SCI = ((E x I) + M) per R",
        "",
        "| term | value | what it is |",
        "|---|---|---|",
        f"| E | {magnitude(t['E_kwh'], 'kWh')} | energy of the life cycle |",
        f"| I | {NOT_STATED if i is None else number(i)} gCO2e/kWh | location-based intensity: "
        "the energy-weighted average of the phases' grids |",
        f"| E x I | {_g(t['O_gco2e'])} | operational carbon |",
        f"| M | {_g(t['M_gco2e'])} | embodied carbon of the hardware |",
        f"| R | {number(t['R'])} | functional units ({md_escape(result.functional_unit)}) |",
        f"| **SCI** | **{_g(t['sci_gco2e_per_functional_unit'])}** | per functional unit "
        f"({md_escape(result.functional_unit)}) |",
        "",
        "## Boundary",
        "",
        "| phase | energy | intensity | grid |",
        "|---|---|---|---|",
    ]
    for ph, x in t["phases"].items():
        ip = x["intensity_gco2e_per_kwh"]
        lines.append(f"| {ph} | {magnitude(x['energy_kwh'], 'kWh')} | "
                     f"{NOT_STATED if ip is None else number(ip)} gCO2e/kWh | "
                     f"{md_escape(x['grid'] or NOT_STATED)} |")  # fmt: skip
    b = t["boundary"]
    lines.append("")
    if b["usage_boundary"]:
        lines.append(f"Usage boundary: {b['usage_boundary']} ({b['usage_boundary_text']}).")
    else:
        lines.append("Usage boundary: no usage phase computed.")
    if t["M_gco2e"]:
        lines.append("Manufacturing enters as M (embodied carbon, no energy).")
    ai = t["sci_for_ai"]
    lines += ["", "## SCI for AI", "", f"Source: {md_escape(ai['source'])}.", ""]
    lines += _view_lines("Consumer", ai["consumer"], [
        ("per request", "per_request_gco2e", 1.0), ("per token", "per_token_gco2e", 1.0),
        ("per 1M tokens", "per_token_gco2e", 1e6)])  # fmt: skip
    lines += _view_lines("Provider", ai["provider"], [
        ("per training token", "per_training_token_gco2e", 1.0),
        ("per 10^18 FLOP", "per_flop_gco2e", 1e18),
        ("per billion parameters", "per_billion_parameters_gco2e", 1.0)])  # fmt: skip
    lines += ["", "## Notes", ""] + [f"- {md_escape(n)}" for n in t["notes"]]
    return "\n".join(lines) + "\n"
