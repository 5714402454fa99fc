"""What-if outputs as terminal tables: sensitivity, scenarios, projections, capacity."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from lcai.outputs.fmt import magnitude

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
        u = "" if b.unit == "1" else f" {b.unit}"
        tt.add_row(
            escape(b.name), escape(f"{b.low_input:.4g}{u}"), escape(f"{b.high_input:.4g}{u}"),
            f"{b.output_at_low:.4g}", f"{b.output_at_high:.4g}", f"{b.swing:.4g}",
        )  # fmt: skip
    console.print(tt)


def render_scenario_list(known: Mapping[str, Any], console: Console) -> None:
    """Print each known scenario: NAME[:ARG] — description (sources)."""
    for name, s in known.items():
        arg = f":{s.argument.upper()}" if s.argument else ""
        text = escape(f"{s.description} ({', '.join(s.sources)})")
        console.print(f"[bold]{escape(name + arg)}[/bold] — {text}")


def _change_text(c: Comparison, q: str, unit: str) -> str:
    diff, rel = c.change("total", q)
    text = f"{magnitude(c.result['total'][q], unit)} ({'+' if diff >= 0 else '-'}"
    return text + magnitude(abs(diff), unit) + (f", {100 * rel:+.1f}%)" if rel is not None else ")")


def _totals_table(comps: Sequence[Comparison]) -> Table:
    market = any(c.baseline["total"]["co2e_market_kg"] != c.baseline["total"]["co2e_kg"]
                 or c.result["total"]["co2e_market_kg"] != c.result["total"]["co2e_kg"]
                 for c in comps)  # fmt: skip
    quantities = [("energy_kwh", "kWh", "energy"), ("co2e_kg", "kg", "carbon")]
    if market:
        quantities.append(("co2e_market_kg", "kg", "carbon (market)"))
    quantities.append(("water_l", "L", "water"))
    t = Table(title="Scenarios against the baseline (total; change)", title_justify="left")
    t.add_column("scenario")
    for _, _, label in quantities:
        t.add_column(label, justify="right")
    base = comps[0].baseline["total"]
    t.add_row("baseline", *[magnitude(base[q], u) for q, u, _ in quantities], style="bold")
    for c in comps:
        t.add_row(escape(c.scenario), *[_change_text(c, q, u) for q, u, _ in quantities])
    return t


def _phase_table(c: Comparison) -> Table:
    pt = Table(title=escape(f"{c.scenario}: carbon by phase"), title_justify="left")
    for col in ("phase", "baseline", "scenario", "change"):
        pt.add_column(col, justify="left" if col == "phase" else "right")
    for ph in ("manufacturing", "training", "annotation", "usage"):
        _, rel = c.change(ph, "co2e_kg")
        if c.baseline[ph]["co2e_kg"] == 0 and c.result[ph]["co2e_kg"] == 0:
            continue
        pt.add_row(
            ph, magnitude(c.baseline[ph]["co2e_kg"], "kg"),
            magnitude(c.result[ph]["co2e_kg"], "kg"),
            f"{100 * rel:+.1f}%" if rel is not None else "-",
        )  # fmt: skip
    return pt


def render_scenarios(comps: Sequence[Comparison], console: Console) -> None:
    """Print each scenario's change against the baseline, in total and by phase."""
    if not comps:
        return
    console.print(_totals_table(comps))
    for c in comps:
        console.print(_phase_table(c))
        if c.interval:
            iv = c.interval["co2e_kg"]
            console.print(
                "  carbon change p5/p50/p95 on paired samples: "
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
    mw = cap.power_w / 1e6
    console.print(
        f"{cap.count:,.0f} x {escape(cap.accelerator)} draw [bold]{mw:,.1f} MW[/bold] at the "
        f"meter ({cap.system_w_per_accelerator:,.0f} W per accelerator in its system x PUE "
        f"{cap.pue:g})."
    )
    line = f"A year at load factor {cap.load_factor:g}: {magnitude(cap.energy_kwh_per_year, 'kWh')}"
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
        text = f"{ratio:,.1f}x" if ratio >= 1 else f"{100 * ratio:.2g}%"
        t.add_row(
            escape(c["label"]), escape(f"{c['power_w'] / 1e6:,.4g} MW ({c['quantity']})"), text,
            escape(f"{c['source']}, {c['year']}"),
        )  # fmt: skip
    console.print(t)
    for a in cap.assumptions:
        console.print(f"  - {escape(a)}", soft_wrap=True)
