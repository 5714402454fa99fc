"""Reports: one self-contained HTML file, Markdown with SVG charts beside it, or LaTeX.

The HTML report has no scripts, fonts or images fetched from anywhere: its
charts are inline SVG (``lcai.outputs.charts``) and its styles inline CSS, so it opens
offline and prints. Every number's source is a link to the bibliography at the
end of the report.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

from lcai.engine.result import Result
from lcai.outputs import charts
from lcai.outputs.charts import Flow

__all__ = ["Report", "build_report", "render_html", "render_latex", "render_markdown"]

PHASES = ("manufacturing", "training", "annotation", "usage")
IMPACTS = (
    ("energy_kwh", "kWh", "Energy"),
    ("co2e_kg", "kgCO2e", "Carbon"),
    ("water_l", "L", "Water"),
)


@dataclass
class Report:
    """Everything a report shows; optional parts are None when not computed."""

    result: Result
    source_file: str
    uncertainty: dict[str, Any] | None = None
    tornado: list[dict[str, Any]] | None = None
    scenarios: list[dict[str, Any]] | None = None
    validation: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)


def build_report(
    path: str | Path,
    *,
    samples: int = 2000,
    seed: int = 0,
    with_scenarios: bool = True,
    with_sensitivity: bool = True,
    with_validation: bool = True,
) -> Report:
    """Assess ``path`` and gather what the report shows (uncertainty, sensitivity,
    scenarios and the validation status where they can be computed)."""
    from lcai.api import plan_source, result_of
    from lcai.spec.loading import load_source

    source = load_source(path)
    plan = plan_source(source)
    res = result_of(plan, samples or None, seed)
    rep = Report(result=res, source_file=str(path), uncertainty=res.uncertainty)
    try:
        import scipy  # noqa: F401  (the uncertainty extra)

        has_uncertainty = True
    except ImportError:  # pragma: no cover - exercised without the extra
        has_uncertainty = False
        rep.notes.append("Install lcai[uncertainty] for uncertainty, sensitivity and scenarios.")
    if with_sensitivity and has_uncertainty:
        from lcai.whatif.sensitivity import tornado

        bars = tornado(plan, "co2e")
        rep.tornado = [b.to_dict() for b in bars[:10] if b.swing > 0]
    if with_scenarios and has_uncertainty:
        from lcai.whatif.scenarios import compare, library

        names = [n for n, s in library().items() if s.argument is None]
        rep.scenarios = [c.to_dict() for c in compare(source, names)]
    if with_validation:
        from lcai.checks.validation import run_suite, summarise

        checks = run_suite(samples=0)
        s = summarise(checks)
        rep.validation = {
            "reproduction_checks": s.reproduction_checks,
            "reproduction_failed": s.reproduction_failed,
            "prediction_cases": s.prediction_cases,
            "median_abs_energy_error": s.median_abs_energy_error,
            "max_energy_factor": s.max_energy_factor,
            "cases": sorted({c.case for c in checks if c.mode == "reproduction"}),
        }
    return rep


# --- numbers -------------------------------------------------------------------------


def fmt(value: float, unit: str) -> str:
    """A readable magnitude with a scaled unit (kWh -> MWh, kgCO2e -> tCO2e, L -> ML)."""
    scales = {
        "kWh": ((1e9, "TWh"), (1e6, "GWh"), (1e3, "MWh")),
        "kgCO2e": ((1e9, "MtCO2e"), (1e3, "tCO2e")),
        "L": ((1e6, "million L"),),
    }.get(unit, ())
    v = abs(value)
    for factor, name in scales:
        if v >= factor:
            return f"{value / factor:,.4g} {name}"
    if v == 0:
        return f"0 {unit}"
    return f"{value:,.4g} {unit}" if v < 1000 else f"{value:,.0f} {unit}"


def _count(value: float) -> str:
    if value >= 1e6:
        return f"{value / 1e6:,.3g} million"
    return f"{float(f'{value:.3g}'):,.0f}" if value >= 1000 else f"{value:.3g}"


def _region_of(res: Result, phase: str) -> str:
    region = res.regions.get(phase)
    if region is None:
        return "reported"
    return "grid (given factor)" if region == "given" else f"{region} grid"


def _use_of(item: Any) -> str:
    if item.name.startswith("facility overhead"):
        return "facility overhead"
    if item.phase == "annotation" or item.name.startswith("network"):
        return "networks and devices"
    if item.method == "given" and item.name.startswith("reported"):
        return "reported"
    return "IT equipment"


_FLOW_SCALE = 1000.0  # the flow chart is drawn in MWh


def flows(res: Result) -> tuple[list[Flow], dict[str, str]]:
    """Energy flows: grid supply -> use (IT, overhead, networks) -> phase, in life-cycle MWh."""
    div = res.divisor
    a: dict[tuple[str, str], float] = {}
    b: dict[tuple[str, str], float] = {}
    for it in res.items:
        e = it.energy_kwh * div
        if e <= 0:
            continue
        src = _region_of(res, it.phase)
        use = _use_of(it)
        a[(src, use)] = a.get((src, use), 0.0) + e
        b[(use, it.phase)] = b.get((use, it.phase), 0.0) + e
    out = [Flow(0, s, t, v / _FLOW_SCALE) for (s, t), v in a.items()]
    out += [Flow(1, s, t, v / _FLOW_SCALE) for (s, t), v in b.items()]
    notes = {}
    for ph in PHASES:
        imp = res.phases[ph].impact
        notes[ph] = f"{fmt(imp.co2e_kg * div, 'kgCO2e')}, {fmt(imp.water_l * div, 'L')} water"
    return out, notes


# --- charts --------------------------------------------------------------------------


def charts_for(rep: Report) -> dict[str, str]:
    """Every chart of the report, by name, as SVG text."""
    res = rep.result
    out: dict[str, str] = {}
    present = [ph for ph in PHASES if res.phases[ph].items]
    if res.unallocated is not None:
        present.append("unallocated")
    for key, unit, label in IMPACTS:
        parts = [res.phases[ph] for ph in present if ph != "unallocated"]
        if res.unallocated is not None and "unallocated" in present:
            parts.append(res.unallocated)
        vals = [getattr(part.impact, key) for part in parts]
        u = unit if unit != "kgCO2e" else "kgCO2e"
        out[f"phases-{key}"] = charts.bar_chart(
            present, vals, title=f"{label} by phase ({res.functional_unit})", unit=u,
            name=f"phases-{key}",
        )  # fmt: skip
    fl, notes = flows(res)
    if fl:
        out["flow"] = charts.sankey(
            fl, title="Energy: from the grid, through IT and facility overhead, to each phase "
            "(life cycle)", unit="MWh", name="flow", notes=notes,
        )  # fmt: skip
    if rep.uncertainty:
        unc = rep.uncertainty
        labels = [ph for ph in PHASES if ph in unc["phases"]] + ["total"]
        src = [unc["phases"][ph]["co2e_kg"] for ph in labels[:-1]] + [unc["total"]["co2e_kg"]]
        out["uncertainty"] = charts.interval_chart(
            labels, [s["p5"] for s in src], [s["p50"] for s in src], [s["p95"] for s in src],
            title=f"Carbon: p5 to p95 of {unc['samples']:,} samples ({res.functional_unit})",
            unit="kgCO2e", name="uncertainty",
        )  # fmt: skip
    if rep.tornado:
        t = rep.tornado
        out["tornado"] = charts.tornado_chart(
            [b["input"] for b in t], [b["output_at_p5"] for b in t],
            [b["output_at_p95"] for b in t], res.total.co2e_kg,
            title=f"Which inputs matter: total carbon with each input at its p5 and p95 "
            f"({res.functional_unit})", unit="kgCO2e", name="tornado",
        )  # fmt: skip
    if rep.scenarios:
        labels = ["baseline"] + [s["scenario"] for s in rep.scenarios]
        vals = [rep.scenarios[0]["total"]["co2e_kg"]["baseline"]] + [
            s["total"]["co2e_kg"]["scenario"] for s in rep.scenarios
        ]
        out["scenarios"] = charts.bar_chart(
            labels, vals, title=f"What if: total carbon per scenario ({res.functional_unit})",
            unit="kgCO2e", name="scenarios", colors=[charts.PALETTE[7], *charts.PALETTE],
            width=620,
        )  # fmt: skip
    return out


# --- HTML ----------------------------------------------------------------------------


def _css() -> str:
    from importlib import resources

    return (resources.files("lcai") / "data" / "report.css").read_text(encoding="utf-8")


def _src_links(sources: Any, bib: dict[str, str]) -> str:
    parts = []
    for s in sources:
        if s in bib:
            parts.append(f'<a href="#src-{escape(s)}">{escape(s)}</a>')
        elif s:
            parts.append(escape(str(s)))
    return ", ".join(parts)


def render_html(rep: Report) -> str:
    """The report as one self-contained HTML document."""
    from lcai import __version__
    from lcai.engine.equivalences import equivalences

    res = rep.result
    bib = dict(res.sources)
    ch = charts_for(rep)
    t = res.total
    h: list[str] = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(res.name)}: life-cycle assessment</title>",
        f"<style>{_css()}</style></head><body>",
        f"<header><h1>{escape(res.name)}</h1>",
        f'<p class="meta">Life-cycle assessment, results <strong>{escape(res.functional_unit)}'
        f"</strong>. From <code>{escape(Path(rep.source_file).name)}</code> with lcai "
        f"{escape(__version__)}, {_dt.date.today().isoformat()}.</p></header>",
        '<section id="headline"><h2>Headline</h2><div class="cards">',
        f'<div class="card" data-total="energy_kwh" data-value="{t.energy_kwh!r}">'
        f'<div class="v">{fmt(t.energy_kwh, "kWh")}</div><div class="l">energy</div></div>',
        f'<div class="card" data-total="co2e_kg" data-value="{t.co2e_kg!r}">'
        f'<div class="v">{fmt(t.co2e_kg, "kgCO2e")}</div><div class="l">carbon, location-based'
        "</div></div>",
    ]
    if t.co2e_market_kg is not None:
        h.append(
            f'<div class="card" data-total="co2e_market_kg" data-value="{t.co2e_market_kg!r}">'
            f'<div class="v">{fmt(t.co2e_market_kg, "kgCO2e")}</div><div class="l">carbon, '
            "market-based</div></div>"
        )
    h.append(
        f'<div class="card" data-total="water_l" data-value="{t.water_l!r}">'
        f'<div class="v">{fmt(t.water_l, "L")}</div><div class="l">water (on and off site)'
        "</div></div></div>"
    )
    if res.functional_unit != "the whole life cycle":
        lc = res.life_cycle
        h.append(
            f"<p>Over the whole life cycle ({res.divisor:,.6g} functional units): "
            f"{fmt(lc.energy_kwh, 'kWh')}, {fmt(lc.co2e_kg, 'kgCO2e')}, {fmt(lc.water_l, 'L')}.</p>"
        )
    eqs = equivalences(res.life_cycle)
    if eqs:
        h.append("<p>The life cycle equals:</p><ul>")
        for e in eqs:
            h.append(
                f'<li>{_count(e.value)} {escape(e.what)} <a href="#src-{escape(e.source_id)}">'
                f"[{escape(e.source_id)}]</a></li>"
            )
            if e.source_id not in bib:
                from lcai import catalog

                bib[e.source_id] = catalog.format_citation(catalog.source(e.source_id))
        h.append("</ul>")
    for w in res.warnings:
        h.append(f'<div class="warn">{escape(w)}</div>')
    h.append("</section>")
    h.append('<section id="phases"><h2>The four phases</h2><div class="charts">')
    h += [f"<figure>{ch[k]}</figure>" for k in ch if k.startswith("phases-")]
    h.append("</div></section>")
    if "flow" in ch:
        h.append(f'<section id="flow"><h2>Where the energy goes</h2><figure>{ch["flow"]}</figure>')
        h.append(
            '<p class="meta">Manufacturing carries embodied carbon and fabrication water, no '
            "operational energy, so it does not appear in this flow.</p></section>"
        )
    if rep.uncertainty:
        unc = rep.uncertainty
        h.append('<section id="uncertainty"><h2>How sure</h2>')
        h.append(f"<figure>{ch['uncertainty']}</figure><table><tr><th></th>")
        h += [f'<th class="n">{lab} p5 / p50 / p95</th>' for _, _, lab in IMPACTS]
        h.append("</tr>")
        for name, v in [*unc["phases"].items(), ("total", unc["total"])]:
            cells = "".join(
                f'<td class="n">{" / ".join(fmt(v[k][p], u) for p in ("p5", "p50", "p95"))}</td>'
                for k, u, _ in IMPACTS
            )
            h.append(f"<tr><td>{escape(name)}</td>{cells}</tr>")
        h.append(
            f'</table><p class="meta">{unc["samples"]:,} Monte Carlo samples, seed '
            f"{unc['seed']}; {len(unc['uncertain_inputs'])} uncertain inputs.</p></section>"
        )
    if rep.tornado:
        h.append(f'<section id="sensitivity"><h2>Which inputs matter</h2><figure>'
                 f'{ch["tornado"]}</figure></section>')  # fmt: skip
    if rep.scenarios:
        h.append('<section id="scenarios"><h2>What if</h2>')
        h.append(f'<figure>{ch["scenarios"]}</figure><table><tr><th>scenario</th>'
                 '<th class="n">carbon</th><th class="n">change</th><th>what it changes</th>'
                 "<th>sources</th></tr>")  # fmt: skip
        from lcai import catalog

        for s in rep.scenarios:
            c = s["total"]["co2e_kg"]
            rel = "-" if c["rel_change"] is None else f"{100 * c['rel_change']:+.1f}%"
            for sid in s["sources"]:
                if sid not in bib and sid in catalog.bibliography():
                    bib[sid] = catalog.format_citation(catalog.source(sid))
            h.append(
                f'<tr><td>{escape(s["scenario"])}</td><td class="n">'
                f'{fmt(c["scenario"], "kgCO2e")}</td><td class="n">{rel}</td>'
                f"<td>{escape(s['description'])}</td><td>{_src_links(s['sources'], bib)}</td></tr>"
            )
        h.append("</table></section>")
    h.append('<section id="items"><h2>Line items</h2><table><tr><th>phase</th><th>item</th>'
             '<th>method</th><th class="n">energy</th><th class="n">carbon</th>'
             '<th class="n">water</th><th>sources</th></tr>')  # fmt: skip
    for it in res.items:
        h.append(
            f"<tr><td>{escape(it.phase)}</td><td>{escape(it.name)}</td><td>{it.method}</td>"
            f'<td class="n">{fmt(it.energy_kwh, "kWh")}</td>'
            f'<td class="n">{fmt(it.co2e_kg, "kgCO2e")}</td>'
            f'<td class="n">{fmt(it.water_l, "L")}</td><td>{_src_links(it.sources, bib)}</td></tr>'
        )
    h.append("</table></section>")
    h.append('<section id="assumptions"><h2>Assumptions</h2><p class="meta">Every value the '
             "assessment file did not state, with where it came from.</p><table><tr>"
             '<th>parameter</th><th class="n">value</th><th>status</th><th>from</th>'
             "<th>source</th></tr>")  # fmt: skip
    for a in res.assumptions:
        unit = "" if a.unit == "1" else f" {a.unit}"
        h.append(
            f'<tr><td>{escape(a.name)}</td><td class="n">{a.value:.6g}{escape(unit)}</td>'
            f"<td>{a.status}</td><td>{escape(a.note)}</td>"
            f"<td>{_src_links([a.source] if a.source else [], bib)}</td></tr>"
        )
    h.append("</table></section>")
    if rep.validation:
        v = rep.validation
        ok = v["reproduction_checks"] - v["reproduction_failed"]
        h.append(
            '<section id="validation"><h2>How far to trust the method</h2>'
            f"<p>lcai reproduces published footprints from their published inputs: {ok} of "
            f"{v['reproduction_checks']} checks within their stated tolerance "
            f"({escape(', '.join(v['cases']))}). Predicting training footprints from model "
            f"size and tokens alone, its median energy error is "
            f"{100 * (v['median_abs_energy_error'] or 0):.0f}% over {v['prediction_cases']} "
            f"cases, the worst {v['max_energy_factor'] or 0:.2f}x "
            "(<code>lcai validate</code>; docs/methodology.md).</p></section>"
        )
    for n in rep.notes:
        h.append(f'<p class="meta">{escape(n)}</p>')
    h.append('<section id="bibliography"><h2>Sources</h2><ol class="bib">')
    for sid, text in bib.items():
        h.append(f'<li id="src-{escape(sid)}"><code>{escape(sid)}</code>: {escape(text)}</li>')
    h.append("</ol></section></body></html>")
    return "\n".join(h) + "\n"


# --- Markdown and LaTeX --------------------------------------------------------------


def render_markdown(rep: Report, chart_dir: str) -> tuple[str, dict[str, str]]:
    """The report as Markdown, and its charts as {file name: SVG} to write in ``chart_dir``."""
    res = rep.result
    ch = charts_for(rep)
    files = {f"{name}.svg": svg for name, svg in ch.items()}
    t = res.total
    md = [
        f"# {res.name}",
        "",
        f"Life-cycle assessment, results **{res.functional_unit}**.",
        "",
        "| energy | carbon (location) | water |",
        "|---|---|---|",
        f"| {fmt(t.energy_kwh, 'kWh')} | {fmt(t.co2e_kg, 'kgCO2e')} | {fmt(t.water_l, 'L')} |",
        "",
    ]
    for w in res.warnings:
        md.append(f"> warning: {w}\n")
    for name in ch:
        md += [f"![{name}]({chart_dir}/{name}.svg)", ""]
    md += ["## Line items", "", "| phase | item | method | energy | carbon | water |",
           "|---|---|---|---|---|---|"]  # fmt: skip
    for it in res.items:
        md.append(
            f"| {it.phase} | {it.name} | {it.method} | {fmt(it.energy_kwh, 'kWh')} | "
            f"{fmt(it.co2e_kg, 'kgCO2e')} | {fmt(it.water_l, 'L')} |"
        )
    md += ["", "## Assumptions", "", "| parameter | value | status | from |", "|---|---|---|---|"]
    for a in res.assumptions:
        unit = "" if a.unit == "1" else f" {a.unit}"
        md.append(f"| {a.name} | {a.value:.6g}{unit} | {a.status} | {a.note} |")
    md += ["", "## Sources", ""]
    md += [f"- `{sid}`: {text}" for sid, text in res.sources.items()]
    return "\n".join(md) + "\n", files


def render_latex(rep: Report) -> str:
    """A short LaTeX table and a citable sentence for a paper's environmental-impact section."""
    res = rep.result

    def tex(s: str) -> str:
        return s.replace("\\", "\\textbackslash{}").replace("&", "\\&").replace("%", "\\%") \
            .replace("_", "\\_").replace("#", "\\#").replace("$", "\\$")  # fmt: skip

    rows = []
    for ph in PHASES:
        imp = res.phases[ph].impact
        if res.phases[ph].items:
            rows.append(
                f"{ph.capitalize()} & {fmt(imp.energy_kwh, 'kWh')} & "
                f"{fmt(imp.co2e_kg, 'kgCO2e')} & {fmt(imp.water_l, 'L')} \\\\"
            )
    t = res.total
    interval = ""
    if rep.uncertainty:
        c = rep.uncertainty["total"]["co2e_kg"]
        interval = (
            f" (90\\% interval {fmt(c['p5'], 'kgCO2e')} to {fmt(c['p95'], 'kgCO2e')}, "
            f"{rep.uncertainty['samples']:,} Monte Carlo samples)"
        )
    sentence = (
        f"We estimate the life-cycle footprint of {tex(res.name)} "
        f"({tex(res.functional_unit)}) at {fmt(t.energy_kwh, 'kWh')} of energy, "
        f"{fmt(t.co2e_kg, 'kgCO2e')} location-based{interval}, and "
        f"{fmt(t.water_l, 'L')} of water, covering hardware manufacturing, training, data "
        "annotation and usage, computed with lcai (version "
        f"{__import__('lcai').__version__}) from cited factors listed in its report."
    )
    return "\n".join(
        [
            "% Generated by lcai report --format latex",
            "\\begin{table}[h]",
            "\\centering",
            "\\begin{tabular}{lrrr}",
            "\\hline",
            "Phase & Energy & Carbon & Water \\\\",
            "\\hline",
            *[tex(r).replace("\\textbackslash{}\\textbackslash{}", "\\\\") for r in rows],
            "\\hline",
            f"Total & {fmt(t.energy_kwh, 'kWh')} & {fmt(t.co2e_kg, 'kgCO2e')} & "
            f"{fmt(t.water_l, 'L')} \\\\",
            "\\hline",
            "\\end{tabular}",
            f"\\caption{{Life-cycle footprint of {tex(res.name)}, {tex(res.functional_unit)}.}}",
            "\\end{table}",
            "",
            sentence,
            "",
        ]
    )
