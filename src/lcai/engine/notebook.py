"""A result as a notebook shows it (``Result._repr_html_``): the phase table and a bar of
each phase's share of the carbon, as plain escaped HTML and inline SVG (no library, no
script). The report (``lcai report``) is the full view."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lcai.engine.result import Result

__all__ = ["result_html"]

_COLOURS = {
    "manufacturing": "#8c6d31",
    "training": "#3b6fb6",
    "annotation": "#6a994e",
    "usage": "#c0504d",
    "unallocated": "#7f7f7f",
}


def _g(x: float) -> str:
    return f"{x:.4g}"


def result_html(res: Result) -> str:
    """The phase table (energy kWh, carbon kgCO2e, water L per functional unit) and a bar
    of the carbon by phase."""
    rows = [(ph, pr.impact) for ph, pr in res.phases.items() if pr.items]
    if res.unallocated is not None:
        rows.append(("unallocated", res.unallocated.impact))
    total = res.total.co2e_kg
    cells = "".join(
        f"<tr><td>{escape(ph)}</td><td>{_g(i.energy_kwh)}</td><td>{_g(i.co2e_kg)}</td>"
        f"<td>{_g(i.water_l)}</td></tr>"
        for ph, i in rows
    )
    x, bars = 0.0, []
    for ph, i in rows:
        w = 400 * i.co2e_kg / total if total > 0 else 0.0
        colour = _COLOURS.get(ph, "#999")
        bars.append(
            f'<rect x="{x:.2f}" y="0" width="{w:.2f}" height="16" fill="{colour}">'
            f"<title>{escape(ph)}: {_g(i.co2e_kg)} kgCO2e</title></rect>"
        )
        x += w
    t = res.total
    return (
        f"<div><strong>{escape(res.name)}</strong> ({escape(res.functional_unit)})"
        "<table><tr><th>phase</th><th>energy [kWh]</th><th>carbon [kgCO2e]</th>"
        f"<th>water [L]</th></tr>{cells}<tr><th>total</th><th>{_g(t.energy_kwh)}</th>"
        f"<th>{_g(t.co2e_kg)}</th><th>{_g(t.water_l)}</th></tr></table>"
        f'<svg width="400" height="16" role="img" aria-label="carbon by phase">{"".join(bars)}'
        "</svg></div>"
    )
