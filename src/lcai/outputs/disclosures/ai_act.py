"""The energy and compute items of the technical documentation of a general-purpose AI model
under the EU AI Act: Regulation (EU) 2024/1689, Annex XI, Section 1, point 2(d) (the
computational resources used to train the model, e.g. the number of floating point
operations, and the training time) and point 2(e) (the known or estimated energy consumption
of the model; where it is unknown, it may be based on the computational resources used),
as Markdown and JSON. What the assessment does not give is 'not stated'.
"""

from __future__ import annotations

import json
import math
from typing import Any

from lcai.engine.plan import Plan
from lcai.engine.result import Result
from lcai.fmt import magnitude, number
from lcai.outputs.disclosures.facts import NOT_STATED, region_text, training_facts
from lcai.outputs.report.markdown import md_escape

__all__ = ["REGULATION", "ai_act_items", "render_ai_act_json", "render_ai_act_markdown"]

REGULATION = (
    "Regulation (EU) 2024/1689 of the European Parliament and of the Council of 13 June 2024 "
    "laying down harmonised rules on artificial intelligence (Artificial Intelligence Act), "
    "OJ L, 12.7.2024, Annex XI (technical documentation referred to in Article 53(1), point "
    "(a)), Section 1, points 2(d) and 2(e)"
)


def ai_act_items(result: Result, plan: Plan | None = None) -> dict[str, Any]:
    """Annex XI, Section 1, points 2(d) and 2(e), from the assessment's training phase."""
    t = training_facts(result, plan)
    energetic = [it for it in t.items if it.energy_kwh]
    d = result.divisor
    items = [
        {"name": it.name, "kind": it.kind, "method": it.method,
         "energy_kwh": it.energy_kwh * d, "note": it.note}
        for it in energetic
    ]  # fmt: skip
    has_energy = bool(energetic)
    method = None
    if has_energy and not t.measured:
        measured = sum(it.method == "measured" for it in energetic)
        method = ("lcai bottom-up estimate: the sum of the training line items (each item's "
                  "method and note below), facility overhead by PUE included; "
                  f"{measured} of {len(energetic)} items measured")  # fmt: skip
    notes = ["Energy is that of training (Annex XI 2(e) asks for the model's energy "
             "consumption); serving is not included here."]  # fmt: skip
    if "usage" in result.phases and result.phases["usage"].impact.energy_kwh:
        notes.append(f"The assessment also estimates serving: "
                     f"{magnitude(result.phases['usage'].impact.energy_kwh * d, 'kWh')} over "
                     "its deployment.")  # fmt: skip
    return {
        "regulation": REGULATION,
        "name": result.name,
        "point_2d": {
            "training_compute_flop": t.flops,
            "training_compute_method": t.flops_method,
            "active_parameters": t.active_parameters,
            "training_tokens": t.tokens,
            "training_time_hours": t.duration_h,
            "training_time_method": t.duration_method,
            "accelerator_hours": t.accelerator_hours,
            "accelerator_hours_method": t.hours_method,
            "accelerator_count": t.count,
            "accelerator_type": t.accelerator,
        },
        "point_2e": {
            "energy_kwh": t.impact.energy_kwh if has_energy else None,
            "measured": t.measured,
            "estimation_method": method,
            "items": items,
            "training_co2e_kg": t.impact.co2e_kg,
            "training_grid": region_text(result, "training"),
        },
        "notes": notes,
    }


def render_ai_act_json(result: Result, plan: Plan | None = None) -> str:
    """Points 2(d) and 2(e) as JSON (numbers at full precision; null: not stated)."""
    return json.dumps(ai_act_items(result, plan), indent=2) + "\n"


def _flop(x: float | None) -> str:
    """FLOP as 'mantissa x 10^exponent' (20 digits of zeros help no one)."""
    if x is None:
        return NOT_STATED
    if x <= 0 or not math.isfinite(x):
        return number(x)
    exp = math.floor(math.log10(x))
    return f"{number(x / 10**exp)} x 10^{exp} FLOP"


def _count(value: float | None) -> str:
    """A count as stated: every digit of a whole number (16,384, not 16,380)."""
    if value is not None and math.isfinite(value) and value == int(value):
        return f"{int(value):,}"
    return _or(value, "")


def _or(value: float | None, unit: str) -> str:
    return NOT_STATED if value is None else f"{number(value)} {unit}".rstrip()


def _from_file(value: float | None) -> str:
    return NOT_STATED if value is None else "assessment file"


def render_ai_act_markdown(result: Result, plan: Plan | None = None) -> str:
    """Points 2(d) and 2(e) as Markdown, citing the Regulation."""
    a = ai_act_items(result, plan)
    c, e = a["point_2d"], a["point_2e"]
    kind = c["accelerator_type"]
    lines = [
        "# EU AI Act: training compute and energy (Annex XI)",
        "",
        f"Model: {md_escape(result.name)}.",
        f"Source: {md_escape(REGULATION)}.",
        "",
        "## Annex XI, Section 1, point 2(d): computational resources used to train the model",
        "",
        "| item | value | how it was obtained |",
        "|---|---|---|",
        f"| training compute | {_flop(c['training_compute_flop'])} | "
        f"{md_escape(c['training_compute_method'])} |",
        f"| training time | {_or(c['training_time_hours'], 'h')} | "
        f"{md_escape(c['training_time_method'])} |",
        f"| accelerator-hours | {_or(c['accelerator_hours'], 'h')} | "
        f"{md_escape(c['accelerator_hours_method'])} |",
        f"| accelerators | {_count(c['accelerator_count'])} x "
        f"{md_escape(kind) if kind else NOT_STATED} | {_from_file(c['accelerator_count'])} |",
        f"| active parameters | {_or(c['active_parameters'], '')} | "
        f"{_from_file(c['active_parameters'])} |",
        f"| training tokens | {_or(c['training_tokens'], '')} | "
        f"{_from_file(c['training_tokens'])} |",
        "",
        "## Annex XI, Section 1, point 2(e): known or estimated energy consumption",
        "",
    ]
    if e["energy_kwh"] is None:
        lines.append(f"Energy consumption: {NOT_STATED}.")
    else:
        how = "measured" if e["measured"] else "estimated"
        lines.append(f"Energy consumption of training: {magnitude(e['energy_kwh'], 'kWh')} "
                     f"({how}).")  # fmt: skip
    if e["estimation_method"]:
        lines += ["", f"Estimation method: {md_escape(e['estimation_method'])}."]
    if e["items"]:
        lines += ["", "| item | method | energy | note |", "|---|---|---|---|"]
        lines += [f"| {md_escape(it['name'])} | {it['method']} | "
                  f"{magnitude(it['energy_kwh'], 'kWh')} | {md_escape(it['note'])} |"
                  for it in e["items"]]  # fmt: skip
    lines += ["", "## Notes", ""] + [f"- {md_escape(n)}" for n in a["notes"]]
    return "\n".join(lines) + "\n"
