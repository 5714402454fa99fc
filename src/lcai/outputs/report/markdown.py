"""The report as Markdown, with its charts as SVG files beside it. User text is escaped."""

from __future__ import annotations

import re

from lcai.outputs.fmt import magnitude
from lcai.outputs.report.build import Report
from lcai.outputs.report.charts import charts_for

__all__ = ["md_escape", "render_markdown"]

_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def md_escape(text: str) -> str:
    """``text`` as literal Markdown (also inside a table cell): one line, specials escaped."""
    return _SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


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
    md += [f"> warning: {e(w)}\n" for w in res.warnings]
    for name in ch:
        md += [f"![{name}]({chart_dir}/{name}.svg)", ""]
    md += ["## Line items", "", "| phase | item | method | energy | carbon | water |",
           "|---|---|---|---|---|---|"]  # fmt: skip
    md += [
        f"| {e(it.phase)} | {e(it.name)} | {e(it.method)} | {magnitude(it.energy_kwh, 'kWh')} | "
        f"{magnitude(it.co2e_kg, 'kgCO2e')} | {magnitude(it.water_l, 'L')} |"
        for it in res.items
    ]
    md += ["", "## Assumptions", "", "| parameter | value | status | from |", "|---|---|---|---|"]
    for a in res.assumptions:
        unit = "" if a.unit == "1" else f" {e(a.unit)}"
        md.append(f"| {e(a.name)} | {a.value:.6g}{unit} | {e(a.status)} | {e(a.note)} |")
    md += ["", "## Sources", ""]
    md += [f"- {e(sid)}: {e(text)}" for sid, text in res.sources.items()]
    return "\n".join(md) + "\n", files
