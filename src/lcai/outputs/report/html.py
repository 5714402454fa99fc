"""The report as one self-contained HTML document, from the packaged template
``lcai/data/report.html`` (``string.Template``) and the packaged ``report.css``.

No scripts, fonts or images are fetched from anywhere: charts are inline SVG and
styles inline CSS, so the file opens offline and prints. Every number's source
links to the bibliography at the end. All user text is HTML-escaped.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any

from lcai.engine.result import Result
from lcai.fmt import count, magnitude, number, percent, quantity
from lcai.outputs.parts import boundary_text, rates_of
from lcai.outputs.report.build import Report
from lcai.outputs.report.charts import IMPACTS, charts_for
from lcai.text import html_text as escape

__all__ = ["render_html"]

Bibliography = dict[str, str]


def _packaged(name: str) -> str:
    return (resources.files("lcai") / "data" / name).read_text(encoding="utf-8")


def _cite(bib: Bibliography, source_id: str, *, only_known: bool = False) -> None:
    """Add a catalog source to the bibliography (if it is not there yet)."""
    from lcai import catalog

    if source_id in bib or (only_known and source_id not in catalog.bibliography()):
        return
    bib[source_id] = catalog.format_citation(catalog.source(source_id))


def _src_links(sources: Iterable[Any], bib: Bibliography) -> str:
    parts = []
    for s in sources:
        if s in bib:
            parts.append(f'<a href="#src-{escape(s)}">{escape(s)}</a>')
        elif s:
            parts.append(escape(str(s)))
    return ", ".join(parts)


def _card(key: str, value: float, text: str, label: str) -> str:
    return (
        f'<div class="card" data-total="{key}" data-value="{value!r}">'
        f'<div class="v">{text}</div><div class="l">{label}</div></div>'
    )


def _cards(res: Result) -> str:
    t = res.total
    cards = [
        _card("energy_kwh", t.energy_kwh, magnitude(t.energy_kwh, "kWh"), "energy"),
        _card("co2e_kg", t.co2e_kg, magnitude(t.co2e_kg, "kgCO2e"), "carbon, location-based"),
    ]
    if t.co2e_market_kg is not None:
        text = magnitude(t.co2e_market_kg, "kgCO2e")
        cards.append(_card("co2e_market_kg", t.co2e_market_kg, text, "carbon, market-based"))
    cards.append(_card("water_l", t.water_l, magnitude(t.water_l, "L"), "water (on and off site)"))
    return "\n".join(cards)


def _headline(res: Result, bib: Bibliography) -> str:
    from lcai.engine.equivalences import equivalences

    h: list[str] = []
    if res.functional_unit != "the whole life cycle":
        lc = res.life_cycle
        h.append(
            f"<p>Over the whole life cycle ({number(res.divisor, 6)} functional units): "
            f"{magnitude(lc.energy_kwh, 'kWh')}, {magnitude(lc.co2e_kg, 'kgCO2e')}, "
            f"{magnitude(lc.water_l, 'L')}.</p>"
        )
    eqs = equivalences(res.life_cycle)
    if eqs:
        h.append("<p>The life cycle equals:</p><ul>")
        for e in eqs:
            h.append(
                f'<li>{count(e.value)} {escape(e.what)} <a href="#src-{escape(e.source_id)}">'
                f"[{escape(e.source_id)}]</a></li>"
            )
            _cite(bib, e.source_id)
        h.append("</ul>")
    h += [f'<div class="warn">{escape(w)}</div>' for w in res.warnings]
    return "\n".join(h)


def _flow(ch: dict[str, str]) -> str:
    if "flow" not in ch:
        return ""
    return (
        f'<section id="flow"><h2>Where the energy goes</h2><figure>{ch["flow"]}</figure>\n'
        '<p class="meta">Manufacturing carries embodied carbon and fabrication water, no '
        "operational energy, so it does not appear in this flow.</p></section>"
    )


def _uncertainty(unc: dict[str, Any] | None, ch: dict[str, str]) -> str:
    if not unc:
        return ""
    h = ['<section id="uncertainty"><h2>How sure</h2>']
    h.append(f"<figure>{ch['uncertainty']}</figure><table><tr><th></th>")
    h += [f'<th class="n">{lab} p5 / p50 / p95</th>' for _, _, lab in IMPACTS]
    h.append("</tr>")
    for name, v in [*unc["phases"].items(), ("total", unc["total"])]:
        cells = "".join(
            f'<td class="n">{" / ".join(magnitude(v[k][p], u) for p in ("p5", "p50", "p95"))}</td>'
            for k, u, _ in IMPACTS
        )
        h.append(f"<tr><td>{escape(name)}</td>{cells}</tr>")
    h.append(
        f'</table><p class="meta">{unc["samples"]:,} Monte Carlo samples, seed '
        f"{unc['seed']}; {len(unc['uncertain_inputs'])} uncertain inputs.</p></section>"
    )
    return "\n".join(h)


def _sensitivity(rep: Report, ch: dict[str, str]) -> str:
    if not rep.tornado:
        return ""
    return (
        f'<section id="sensitivity"><h2>Which inputs matter</h2><figure>{ch["tornado"]}'
        "</figure></section>"
    )


def _rel(cell: dict[str, Any]) -> str:
    return "-" if cell["rel_change"] is None else percent(cell["rel_change"], signed=True)


def _scenario_row(s: dict[str, Any], market: bool, bib: Bibliography) -> str:
    """One scenario: its carbon and change (market-based too), or 'not applicable: why'."""
    if s.get("applicable", True):
        c = s["total"]["co2e_kg"]
        cells = (
            f'<td class="n">{magnitude(c["scenario"], "kgCO2e")}</td><td class="n">{_rel(c)}</td>'
        )
        if market:
            cells += f'<td class="n">{_rel(s["total"].get("co2e_market_kg", c))}</td>'
    else:
        span = 3 if market else 2
        cells = (
            f'<td colspan="{span}" class="na">not applicable: {escape(s["not_applicable"])}</td>'
        )
    return (
        f"<tr><td>{escape(s['scenario'])}</td>{cells}<td>{escape(s['description'])}</td>"
        f"<td>{_src_links(s['sources'], bib)}</td></tr>"
    )


def _scenarios(rep: Report, ch: dict[str, str], bib: Bibliography) -> str:
    if not rep.scenarios:
        return ""
    market = any(
        s.get("applicable", True)
        and "co2e_market_kg" in s["total"]
        and s["total"]["co2e_market_kg"]["scenario"] != s["total"]["co2e_kg"]["scenario"]
        for s in rep.scenarios
    )
    h = ['<section id="scenarios"><h2>What if</h2>']
    if "scenarios" in ch:
        h.append(f"<figure>{ch['scenarios']}</figure>")
    h.append('<table><tr><th>scenario</th><th class="n">carbon</th><th class="n">change</th>'
             + ('<th class="n">market-based change</th>' if market else "")
             + "<th>what it changes</th><th>sources</th></tr>")  # fmt: skip
    for s in rep.scenarios:
        for sid in s["sources"]:
            _cite(bib, sid, only_known=True)
        h.append(_scenario_row(s, market, bib))
    h.append("</table></section>")
    return "\n".join(h)


def _items(res: Result, bib: Bibliography) -> str:
    return "\n".join(
        f"<tr><td>{escape(it.phase)}</td><td>{escape(it.name)}</td><td>{escape(it.method)}</td>"
        f'<td class="n">{magnitude(it.energy_kwh, "kWh")}</td>'
        f'<td class="n">{magnitude(it.co2e_kg, "kgCO2e")}</td>'
        f'<td class="n">{magnitude(it.water_l, "L")}</td>'
        f"<td>{_src_links(it.sources, bib)}</td></tr>"
        for it in res.items
    )


def _assumptions(res: Result, bib: Bibliography) -> str:
    rows = []
    for a in res.assumptions:
        rows.append(
            f'<tr><td>{escape(a.name)}</td><td class="n">{escape(quantity(a.value, a.unit))}</td>'
            f"<td>{escape(a.status)}</td><td>{escape(a.note)}</td>"
            f"<td>{_src_links([a.source] if a.source else [], bib)}</td></tr>"
        )
    return "\n".join(rows)


def _validation(v: dict[str, Any] | None) -> str:
    if not v:
        return ""
    ok = v["reproduction_checks"] - v["reproduction_failed"]
    return (
        '<section id="validation"><h2>How far to trust the method</h2>'
        f"<p>lcai reproduces published footprints from their published inputs: {ok} of "
        f"{v['reproduction_checks']} checks within their stated tolerance "
        f"({escape(', '.join(v['cases']))}). Predicting training footprints from model "
        f"size and tokens alone, its median energy error is "
        f"{100 * (v['median_abs_energy_error'] or 0):.0f}% over {v['prediction_cases']} "
        f"cases, the worst {v['max_energy_factor'] or 0:.2f}x "
        "(<code>lcai validate</code>; docs/methodology.md).</p></section>"
    )


def _bibliography(bib: Bibliography) -> str:
    return "\n".join(
        f'<li id="src-{escape(sid)}"><code>{escape(sid)}</code>: {escape(text)}</li>'
        for sid, text in bib.items()
    )


def _serving(res: Result) -> str:
    """The usage boundary and the rates (per request, session, 1M tokens)."""
    text, rows = boundary_text(res), rates_of(res)
    out = f'<p class="meta">{escape(text)}</p>' if text else ""
    if rows:
        cells = "".join(
            f'<tr><td>{escape(label)}</td><td class="n">{escape(magnitude(x.energy_kwh, "kWh"))}'
            f'</td><td class="n">{escape(magnitude(x.co2e_kg, "kgCO2e"))}</td>'
            f'<td class="n">{escape(magnitude(x.water_l, "L"))}</td></tr>'
            for label, x in rows
        )
        out += (
            '<table class="rates"><tr><th>rate</th><th class="n">energy</th>'
            f'<th class="n">carbon</th><th class="n">water</th></tr>{cells}</table>'
        )
    return out


def render_html(rep: Report) -> str:
    """The report as one self-contained HTML document."""
    from lcai import __version__

    res = rep.result
    bib: Bibliography = dict(res.sources)
    ch = charts_for(rep)
    parts = {
        "name": escape(res.name),
        "css": _packaged("report.css"),
        "functional_unit": escape(res.functional_unit),
        "source_name": escape(Path(rep.source_file).name),
        "version": escape(__version__),
        "date": _dt.date.today().isoformat(),
        "cards": _cards(res),
        "headline": _headline(res, bib) + _serving(res),
        "phase_charts": "\n".join(
            f"<figure>{ch[k]}</figure>" for k in ch if k.startswith("phases-")
        ),
        "flow": _flow(ch),
        "uncertainty": _uncertainty(rep.uncertainty, ch),
        "sensitivity": _sensitivity(rep, ch),
        "scenarios": _scenarios(rep, ch, bib),
        "items": _items(res, bib),
        "assumptions": _assumptions(res, bib),
        "validation": _validation(rep.validation),
        "notes": "\n".join(f'<p class="meta">{escape(n)}</p>' for n in rep.notes),
    }
    parts["bibliography"] = _bibliography(bib)  # last: the sections above add to it
    return Template(_packaged("report.html")).substitute(parts)
