"""The report as Markdown, with its charts as SVG files beside it. User text is escaped."""

from __future__ import annotations

import re
from typing import Any

from lcai.engine.result import Result
from lcai.fmt import magnitude, percent, quantity
from lcai.outputs.parts import boundary_text, rates_of
from lcai.outputs.report.build import Report
from lcai.outputs.report.charts import charts_for
from lcai.text import terminal_text

__all__ = ["md_escape", "render_markdown"]

_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def md_escape(text: str) -> str:
    """``text`` as literal Markdown (also inside a table cell): one line, specials escaped."""
    return _SPECIAL.sub(r"\\\1", " ".join(terminal_text(str(text)).split()))


def _scenario_rows(scenarios: list[dict[str, Any]]) -> list[str]:
    """The scenarios as a table: carbon and its change, or 'not applicable: why'."""
    rows = ["## What if", "", "| scenario | carbon | change | market-based change | sources |",
            "|---|---|---|---|---|"]  # fmt: skip
    for s in scenarios:
        name, sources = md_escape(s["scenario"]), md_escape(", ".join(s["sources"]))
        if not s.get("applicable", True):
            why = md_escape(f"not applicable: {s['not_applicable']}")
            rows.append(f"| {name} | {why} | | | {sources} |")
            continue
        c = s["total"]["co2e_kg"]
        m = s["total"].get("co2e_market_kg", c)  # no instrument: market-based = location
        changes = ["-" if x["rel_change"] is None else percent(x["rel_change"], signed=True)
                   for x in (c, m)]  # fmt: skip
        rows.append(f"| {name} | {magnitude(c['scenario'], 'kgCO2e')} | {changes[0]} | "
                    f"{changes[1]} | {sources} |")  # fmt: skip
    return [*rows, ""]


def _serving_rows(res: Result) -> list[str]:
    """The usage boundary and the rates (per request, session, 1M tokens) as Markdown."""
    text = boundary_text(res)
    rows = rates_of(res)
    if text is None and not rows:
        return []
    out = [md_escape(text), ""] if text else []
    if rows:
        out += ["| rate | energy | carbon (location) | water |", "|---|---|---|---|"]
        out += [
            f"| {md_escape(label)} | {magnitude(x.energy_kwh, 'kWh')} | "
            f"{magnitude(x.co2e_kg, 'kgCO2e')} | {magnitude(x.water_l, 'L')} |"
            for label, x in rows
        ]
        out.append("")
    return out


def render_markdown(rep: Report, chart_dir: str) -> tuple[str, dict[str, str]]:
    """The report as Markdown, and its charts as {file name: SVG} to write in ``chart_dir``."""
    res = rep.result
    ch = charts_for(rep)
    files = {f"{name}.svg": svg for name, svg in ch.items()}
    t = res.total
    e = md_escape
    md = [
        f"# {e(res.name)}",
        "",
        f"Life-cycle assessment, results **{e(res.functional_unit)}**.",
        "",
        "| energy | carbon (location) | water |",
        "|---|---|---|",
        f"| {magnitude(t.energy_kwh, 'kWh')} | {magnitude(t.co2e_kg, 'kgCO2e')} | "
        f"{magnitude(t.water_l, 'L')} |",
        "",
    ]
    md += _serving_rows(res)
    md += [f"> warning: {e(w)}\n" for w in res.warnings]
    for name in ch:
        md += [f"![{name}](<{chart_dir}/{name}.svg>)", ""]  # <...>: spaces, brackets
    if rep.scenarios:
        md += _scenario_rows(rep.scenarios)
    md += ["## Line items", "", "| phase | item | method | energy | carbon | water |",
           "|---|---|---|---|---|---|"]  # fmt: skip
    md += [
        f"| {e(it.phase)} | {e(it.name)} | {e(it.method)} | {magnitude(it.energy_kwh, 'kWh')} | "
        f"{magnitude(it.co2e_kg, 'kgCO2e')} | {magnitude(it.water_l, 'L')} |"
        for it in res.items
    ]
    md += ["", "## Assumptions", "", "| parameter | value | status | from |", "|---|---|---|---|"]
    for a in res.assumptions:
        md.append(f"| {e(a.name)} | {e(quantity(a.value, a.unit))} | {e(a.status)} | {e(a.note)} |")
    md += ["", "## Sources", ""]
    md += [f"- {e(sid)}: {e(text)}" for sid, text in res.sources.items()]
    return "\n".join(md) + "\n", files
