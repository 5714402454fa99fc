"""What-if outputs as terminal tables: sensitivity, scenarios, projections, capacity."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from lcai.fmt import magnitude, number, percent
from lcai.fmt import quantity as with_unit
from lcai.outputs.terminal import escape

if TYPE_CHECKING:
    from lcai.whatif.capacity import Capacity
    from lcai.whatif.projection import Projection
    from lcai.whatif.scenarios import Comparison

__all__ = [
    "render_capacity",
    "render_projection",
    "render_scenario_list",
    "render_scenarios",
    "render_sensitivity",
]

PHASES = ("manufacturing", "training", "annotation", "usage")
_UNITS = {"co2e": "kg", "energy": "kWh", "water": "L"}


def render_sensitivity(
    quantity: str, functional_unit: str, base_samples: int, seed: int,
    indices: Sequence[Any], bars: Sequence[Any], console: Console,
) -> None:  # fmt: skip
    """Print the Sobol indices and the one-at-a-time swings of a total."""
    if not indices:
        console.print("No uncertain inputs: give distributions in the file (see docs).")
        return
    t = Table(
        title=escape(
            f"Sobol indices of total {quantity} ({functional_unit}; N={base_samples}, "
            f"{base_samples * (len(indices) + 2):,} runs, seed {seed})"
        ),
        title_justify="left",
    )
    for col in ("input", "first-order S1", "total ST", ""):
        t.add_column(col, justify="left" if col in ("input", "") else "right")
    for i in indices:
        bar = "#" * max(0, round(30 * min(max(i.st, 0.0), 1.0)))
        t.add_row(
            escape(i.name), f"{i.s1:.3f} +- {i.s1_conf:.3f}", f"{i.st:.3f} +- {i.st_conf:.3f}", bar
        )
    console.print(t)
    unit = _UNITS[quantity]
    tt = Table(title="One at a time: each input at its p5 and p95", title_justify="left")
    for col in ("input", "p5", "p95", f"total at p5 [{unit}]", f"total at p95 [{unit}]", "swing"):
        tt.add_column(escape(col), justify="left" if col == "input" else "right")
    for b in bars:
        tt.add_row(
            escape(b.name), escape(with_unit(b.low_input, b.unit)),
            escape(with_unit(b.high_input, b.unit)), number(b.output_at_low),
            number(b.output_at_high), number(b.swing),
        )  # fmt: skip
    console.print(tt)


def render_scenario_list(known: Mapping[str, Any], console: Console) -> None:
    """Print each known scenario: NAME[:ARG] — description (sources)."""
    for name, s in known.items():
        arg = f":{s.argument.upper()}" if s.argument else ""
        text = escape(f"{s.description} ({', '.join(s.sources)})")
        console.print(f"[bold]{escape(name + arg)}[/bold] — {text}")


def _change_text(c: Comparison, part: str, q: str, unit: str) -> str:
    """The scenario's value and its change: '3.597 kWh (-0.4%)'; '12.9 L (no change)'."""
    diff, rel = c.change(part, q)
    value = magnitude(c.result[part][q], unit)
    if diff == 0:
        return f"{value} (no change)"
    if rel is None:
        return f"{value} (+{magnitude(diff, unit)})"
    return f"{value} ({percent(rel, signed=True)})"


def _has_market(comps: Sequence[Comparison]) -> bool:
    """Whether market-based carbon differs from location-based in any total."""
    return any(
        fig["total"]["co2e_market_kg"] != fig["total"]["co2e_kg"]
        for c in comps
        for fig in (c.baseline, c.result)
        if fig
    )


def _market_tells_more(c: Comparison) -> bool:
    """Whether the market-based change of some phase differs from its location-based one
    (a renewable contract changes only the market-based figure)."""
    for ph in PHASES:
        loc, m = c.change(ph, "co2e_kg"), c.change(ph, "co2e_market_kg")
        if not math.isclose(loc[0], m[0], rel_tol=1e-9, abs_tol=0.0) and (
            loc[1] is None or m[1] is None or not math.isclose(loc[1], m[1], rel_tol=1e-6)
        ):
            return True
    return False


def _totals_table(comps: Sequence[Comparison]) -> Table:
    quantities = [("energy_kwh", "kWh", "energy"), ("co2e_kg", "kg", "carbon")]
    if _has_market(comps):
        quantities.append(("co2e_market_kg", "kg", "carbon (market)"))
    quantities.append(("water_l", "L", "water"))
    t = Table(title="Scenarios against the baseline (total; change)", title_justify="left")
    t.add_column("scenario", no_wrap=True)
    for _, _, label in quantities:
        t.add_column(label, justify="right")
    base = comps[0].baseline["total"]
    t.add_row("baseline", *[magnitude(base[q], u) for q, u, _ in quantities], style="bold")
    for c in comps:
        if c.not_applicable is not None:
            blanks = [""] * (len(quantities) - 1)
            t.add_row(escape(c.scenario), "not applicable", *blanks, style="dim")
            continue
        t.add_row(escape(c.scenario), *[_change_text(c, "total", q, u) for q, u, _ in quantities])
    return t


def _rel_text(c: Comparison, part: str, q: str) -> str:
    _, rel = c.change(part, q)
    return percent(rel, signed=True) if rel is not None else "-"


def _phase_cells(c: Comparison, ph: str, q: str) -> list[str]:
    """Baseline, scenario and relative change of carbon ``q`` of phase ``ph``."""
    return [
        magnitude(c.baseline[ph][q], "kg"),
        magnitude(c.result[ph][q], "kg"),
        _rel_text(c, ph, q),
    ]


def _phase_table(c: Comparison) -> Table:
    """Carbon by phase; the market-based carbon too where its change differs (contracts)."""
    market = _market_tells_more(c)
    pt = Table(title=escape(f"{c.scenario}: carbon by phase"), title_justify="left")
    cols = ["phase", "baseline", "scenario", "change"]
    if market:
        cols += ["market: baseline", "market: scenario", "market: change"]
    for col in cols:
        pt.add_column(col, justify="left" if col == "phase" else "right", no_wrap=col == "phase")
    for ph in PHASES:
        figures = [
            fig[ph][q] for fig in (c.baseline, c.result) for q in ("co2e_kg", "co2e_market_kg")
        ]
        if not any(figures):
            continue
        cells = _phase_cells(c, ph, "co2e_kg")
        if market:
            cells += _phase_cells(c, ph, "co2e_market_kg")
        pt.add_row(ph, *cells)
    return pt


def render_scenarios(comps: Sequence[Comparison], console: Console) -> None:
    """Print each scenario's change against the baseline, in total and by phase; a scenario
    that does not apply is listed as 'not applicable' with the reason."""
    if not comps:
        return
    console.print(_totals_table(comps))
    for c in comps:
        if c.not_applicable is not None:
            console.print(escape(f"  {c.scenario}: not applicable: {c.not_applicable}"))
    for c in comps:
        if c.not_applicable is not None:
            continue
        console.print(_phase_table(c))
        if c.interval:
            for q, label in (("co2e_kg", "carbon"), ("co2e_market_kg", "market-based carbon")):
                iv = c.interval.get(q)
                if iv is None or (q == "co2e_market_kg" and not _market_tells_more(c)):
                    continue
                console.print(
                    f"  {label} change p5/p50/p95 on paired samples: "
                    + " / ".join(magnitude(iv[p], "kg") for p in ("p5", "p50", "p95"))
                )
        text = escape(f"{c.description} Sources: {', '.join(c.sources)}")
        console.print(f"  [dim]{text}[/dim]")


def render_projection(proj: Projection, console: Console) -> None:
    """Print a projection's low / central / high paths, and the forecast's own check."""
    if proj.note:
        console.print(escape(f"{proj.note} [source: {proj.source}]"))
    t = Table(title="Projection (low / central / high)", title_justify="left")
    t.add_column("year")
    t.add_column("energy", justify="right")
    if proj.region:
        t.add_column(escape(f"carbon ({proj.region})"), justify="right")
        t.add_column("water (off-site)", justify="right")
    for r in proj.years:
        cells = [" / ".join(magnitude(x, "kWh") for x in r.energy_kwh)]
        if proj.region:
            cells += [
                " / ".join(magnitude(x, "kg") for x in r.co2e_kg),
                " / ".join(magnitude(x, "L") for x in r.water_l),
            ]
        t.add_row(str(r.year), *cells)
    console.print(t)
    if proj.expected_kwh:
        lo, hi = proj.expected_kwh
        last = proj.years[-1]
        console.print(
            f"Check: the forecast says {lo / 1e12:g}-{hi / 1e12:g} trillion kWh in {last.year}; "
            f"lcai gives {last.energy_kwh[0] / 1e12:.3g}-{last.energy_kwh[2] / 1e12:.3g}."
        )


def render_capacity(cap: Capacity, console: Console) -> None:
    """Print a cluster's power at the meter, its year, and its size against real sites."""
    console.print(
        f"{with_unit(cap.count, '1')} x {escape(cap.accelerator)} draw "
        f"[bold]{magnitude(cap.power_w, 'W')}[/bold] at the meter "
        f"({magnitude(cap.system_w_per_accelerator, 'W')} per accelerator in its system x PUE "
        f"{number(cap.pue)})."
    )
    line = f"A year at load factor {number(cap.load_factor)}: "
    line += magnitude(cap.energy_kwh_per_year, "kWh")
    if cap.co2e_kg_per_year is not None and cap.water_l_per_year is not None:
        line += (
            f", {magnitude(cap.co2e_kg_per_year, 'kg')} CO2e, "
            f"{magnitude(cap.water_l_per_year, 'L')} water"
        )
    console.print(line + ".")
    t = Table(title="Against real sites and grids", title_justify="left")
    for col in ("site or grid", "power", "this cluster is", "source"):
        t.add_column(col, justify="right" if col in ("power", "this cluster is") else "left")
    for c in sorted(cap.comparisons, key=lambda c: c["power_w"]):
        ratio = c["share"]
        text = f"{number(ratio, 3)}x" if ratio >= 1 else percent(ratio)
        t.add_row(
            escape(c["label"]), escape(f"{magnitude(c['power_w'], 'W')} ({c['quantity']})"), text,
            escape(f"{c['source']}, {c['year']}"),
        )  # fmt: skip
    console.print(t)
    for a in cap.assumptions:
        console.print(f"  - {escape(a)}", soft_wrap=True)
