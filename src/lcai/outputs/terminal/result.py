"""A result as terminal tables: phases x impacts, uncertainty, equivalences, line items,
assumptions; and results side by side."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

from lcai.engine.result import Assumption, Impact, Result
from lcai.fmt import count, magnitude, number, quantity, share
from lcai.outputs.parts import boundary_text, rates_of, uncertainty_of
from lcai.outputs.terminal import escape

__all__ = [
    "PHASES",
    "assumption_text",
    "render_comparison",
    "render_result",
    "render_uncertainty",
]

PHASES = ("manufacturing", "training", "annotation", "usage")
_IMPACTS = (("energy_kwh", "kWh", "energy"), ("co2e_kg", "kg", "carbon"), ("water_l", "L", "water"))


def _phase_cells(imp: Impact, total: Impact | None, market: bool) -> list[str]:
    """energy, share, carbon, share, [market carbon], water, share (shares blank for the total)."""
    if total is None:
        e_share = c_share = w_share = ""
    else:
        e_share = share(imp.energy_kwh, total.energy_kwh)
        c_share = share(imp.co2e_kg, total.co2e_kg)
        w_share = share(imp.water_l, total.water_l)
    cells = [magnitude(imp.energy_kwh, "kWh"), e_share, magnitude(imp.co2e_kg, "kg"), c_share]
    if market:
        cells.append(magnitude(imp.co2e_market_kg or 0.0, "kg"))
    return [*cells, magnitude(imp.water_l, "L"), w_share]


def _phase_table(res: Result) -> Table:
    market = res.total.co2e_market_kg is not None
    t = Table(title=escape(f"{res.name} — {res.functional_unit}"), title_justify="left")
    t.add_column("phase", no_wrap=True)
    for col in ("energy", "share", "carbon (location)", "share"):
        t.add_column(col, justify="right")
    if market:
        t.add_column("carbon (market)", justify="right")
    t.add_column("water", justify="right")
    t.add_column("share", justify="right")
    rows = [(ph, res.phases[ph]) for ph in PHASES]
    if res.unallocated is not None:
        rows.append(("unallocated", res.unallocated))
    for name, ph in rows:
        if ph.items:
            t.add_row(name, *_phase_cells(ph.impact, res.total, market))
    t.add_row("total", *_phase_cells(res.total, None, market), style="bold")
    return t


def _items_table(res: Result) -> Table:
    items = Table(title="Line items", title_justify="left", show_lines=False)
    items.add_column("phase", no_wrap=True)
    items.add_column("item")
    items.add_column("method")
    for col in ("energy", "carbon", "water"):
        items.add_column(col, justify="right")
    for it in res.items:
        items.add_row(
            escape(it.phase), escape(it.name), escape(it.method),
            magnitude(it.energy_kwh, "kWh"), magnitude(it.co2e_kg, "kg"),
            magnitude(it.water_l, "L"),
        )  # fmt: skip
    return items


def _print_equivalences(res: Result, console: Console) -> None:
    from lcai.engine.equivalences import equivalences

    eq = equivalences(res.life_cycle)
    if eq:
        console.print("Equivalent to (life cycle):")
        for e in eq:
            console.print(escape(f"  = {count(e.value)} {e.what} [{e.source_id}, {e.year}]"))


def assumption_text(a: Assumption) -> str:
    """One assumption as a line: 'name = value unit [status] (note; source: id)'."""
    text = f"{a.name} = {quantity(a.value, a.unit)} [{a.status}]"
    extra = [x for x in (a.note, a.source and f"source: {a.source}") if x]
    return text + (f" ({'; '.join(extra)})" if extra else "")


def _print_assumptions(res: Result, console: Console, verbose: bool) -> None:
    shown = res.assumptions if verbose else res.assumptions[:12]
    if not shown:
        return
    console.print(f"Assumptions ({len(res.assumptions)}; every value the file did not state):")
    for a in shown:
        console.print(f"  - {escape(assumption_text(a))}", soft_wrap=True)
    if len(shown) < len(res.assumptions):
        console.print(f"  ... {len(res.assumptions) - len(shown)} more (--verbose)")


def _print_rates(res: Result, console: Console) -> None:
    """The footprint per request, session and 1M tokens, and the usage boundary."""
    text = boundary_text(res)
    if text is not None:
        console.print(escape(text))
    for label, x in rates_of(res):
        console.print(
            f"  {label}: {magnitude(x.energy_kwh, 'kWh')}, {magnitude(x.co2e_kg, 'kg')} "
            f"CO2e, {magnitude(x.water_l, 'L')} water"
        )


def render_result(res: Result, console: Console, *, verbose: bool = False) -> None:
    """Print a result as tables: phases x impacts, equivalences, line items, assumptions."""
    console.print(_phase_table(res))
    if res.functional_unit != "the whole life cycle":
        lc = res.life_cycle
        console.print(
            f"Life cycle: {magnitude(lc.energy_kwh, 'kWh')}, {magnitude(lc.co2e_kg, 'kg')} CO2e, "
            f"{magnitude(lc.water_l, 'L')} water over {number(res.divisor, 6)} functional units."
        )
    _print_rates(res, console)
    if res.uncertainty is not None:
        render_uncertainty(res, console)
    _print_equivalences(res, console)
    console.print(_items_table(res))
    for w in res.warnings:
        console.print(f"[yellow]warning:[/yellow] {escape(w)}")
    _print_assumptions(res, console, verbose)


def render_uncertainty(res: Result, console: Console) -> None:
    """Print the Monte Carlo percentiles of a result."""
    unc = uncertainty_of(res)
    if unc is None:
        return
    t = Table(
        title=escape(
            f"Uncertainty ({unc['samples']:,} samples, seed {unc['seed']}; "
            f"{len(unc['uncertain_inputs'])} uncertain inputs) — {res.functional_unit}"
        ),
        title_justify="left",
    )
    t.add_column("")
    for q in ("energy", "carbon", "water"):
        t.add_column(f"{q} p5 / p50 / p95", justify="right")
    rows: list[tuple[str, Any]] = [*unc["phases"].items(), ("total", unc["total"])]
    for name, v in rows:
        cells = [
            " / ".join(magnitude(v[q][k], unit) for k in ("p5", "p50", "p95"))
            for q, unit, _ in _IMPACTS
        ]
        t.add_row(escape(name), *cells, style="bold" if name == "total" else None)
    console.print(t)


def render_comparison(
    results: Sequence[Result], console: Console, *, labels: Sequence[str] | None = None
) -> None:
    """Print results side by side: each impact per phase and in total, carbon vs the first;
    then each result's warnings, under its label (its file)."""
    labels = list(labels) if labels is not None else [r.name for r in results]
    t = Table(title=escape(f"Comparison ({results[0].functional_unit})"), title_justify="left")
    t.add_column("")
    for r in results:
        t.add_column(escape(r.name), justify="right")
    for q, unit, label in _IMPACTS:
        for ph in PHASES:
            cells = [magnitude(getattr(r.phases[ph].impact, q), unit) for r in results]
            t.add_row(f"{label}: {ph}", *cells)
        cells = [magnitude(getattr(r.total, q), unit) for r in results]
        t.add_row(f"{label}: total", *cells, style="bold")
    base = results[0].total.co2e_kg
    if base:
        ratios = [f"{number(r.total.co2e_kg / base, 3)}x" for r in results]
        t.add_row("carbon vs first", *ratios, style="dim")
    console.print(t)
    for label, r in zip(labels, results, strict=True):
        for w in r.warnings:
            console.print(f"[yellow]warning:[/yellow] {escape(label)}: {escape(w)}", soft_wrap=True)
