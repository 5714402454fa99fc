"""The `lcai` command line: a thin shell over the library.

Every error the library raises on bad input is printed as one line and exits
with status 2; the CLI never shows a traceback for bad input.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from lcai.checks.validation import Check, SuiteSummary
    from lcai.engine.result import Result
    from lcai.whatif.scenarios import Comparison

app = typer.Typer(
    name="lcai",
    help="Life-cycle assessment of AI: energy, carbon and water, from manufacturing to usage.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
data_app = typer.Typer(help="See the packaged, cited data.", no_args_is_help=True)
app.add_typer(data_app, name="data")
runs_app = typer.Typer(help="Read run files written by `lcai track`.", no_args_is_help=True)
app.add_typer(runs_app, name="runs")
fleet_app = typer.Typer(
    help="Footprint per job and project from a data center's telemetry.", no_args_is_help=True
)
app.add_typer(fleet_app, name="fleet")

PHASE_NAMES = ("manufacturing", "training", "annotation", "usage")


def _console(stderr: bool = False) -> Console:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file and a rename: never half-written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # as a plain open() would create it
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        write_atomic(output, text if text.endswith("\n") else text + "\n")


def _fmt(value: float, unit: str) -> str:
    """Readable magnitude: 433196 kWh -> '433,196 kWh'; 24690 kg -> '24.69 t'."""
    v = abs(value)
    scaled = {
        "kWh": ((1e9, "TWh"), (1e6, "GWh")),
        "kg": ((1e9, "Mt"), (1e3, "t")),
        "L": ((1e9, "billion L"), (1e6, "million L")),
    }.get(unit, ())
    for factor, name in scaled:
        if v >= factor:
            x = value / factor
            return f"{x:,.0f} {name}" if abs(x) >= 1000 else f"{x:,.4g} {name}"
    if v == 0:
        return f"0 {unit}"
    if v >= 100:
        return f"{value:,.0f} {unit}"
    if v >= 1:
        return f"{value:,.2f} {unit}"
    return f"{value:.3g} {unit}"


def _count(value: float) -> str:
    """Readable count: 49.15 -> '49.2'; 203456 -> '203,000'; 6.2e6 -> '6.2 million'."""
    if value >= 1e6:
        return f"{value / 1e6:,.3g} million"
    if value >= 1000:
        return f"{float(f'{value:.3g}'):,.0f}"
    return f"{value:.3g}"


def _share(part: float, whole: float) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def render_result(res: Result, console: Console, *, verbose: bool = False) -> None:
    """Print a result as tables: phases x impacts, equivalences, assumptions."""
    from rich.markup import escape
    from rich.table import Table

    from lcai.engine.equivalences import equivalences

    market = res.total.co2e_market_kg is not None
    t = Table(title=f"{res.name} — {res.functional_unit}", title_justify="left")
    t.add_column("phase", no_wrap=True)
    for col in ("energy", "share", "carbon (location)", "share"):
        t.add_column(col, justify="right")
    if market:
        t.add_column("carbon (market)", justify="right")
    t.add_column("water", justify="right")
    t.add_column("share", justify="right")
    rows = [(ph, res.phases[ph]) for ph in PHASE_NAMES]
    if res.unallocated is not None:
        rows.append(("unallocated", res.unallocated))
    for name, ph in rows:
        imp = ph.impact
        if not ph.items:
            continue
        cells = [
            name,
            _fmt(imp.energy_kwh, "kWh"),
            _share(imp.energy_kwh, res.total.energy_kwh),
            _fmt(imp.co2e_kg, "kg"),
            _share(imp.co2e_kg, res.total.co2e_kg),
        ]
        if market:
            cells.append(_fmt(imp.co2e_market_kg or 0.0, "kg"))
        cells += [_fmt(imp.water_l, "L"), _share(imp.water_l, res.total.water_l)]
        t.add_row(*cells)
    tot = res.total
    cells = ["total", _fmt(tot.energy_kwh, "kWh"), "", _fmt(tot.co2e_kg, "kg"), ""]
    if market:
        cells.append(_fmt(tot.co2e_market_kg or 0.0, "kg"))
    cells += [_fmt(tot.water_l, "L"), ""]
    t.add_row(*cells, style="bold")
    console.print(t)
    if res.functional_unit != "the whole life cycle":
        lc = res.life_cycle
        console.print(
            f"Life cycle: {_fmt(lc.energy_kwh, 'kWh')}, {_fmt(lc.co2e_kg, 'kg')} CO2e, "
            f"{_fmt(lc.water_l, 'L')} water over {res.divisor:,.6g} functional units."
        )
    if res.uncertainty is not None:
        render_uncertainty(res, console)
    eq = equivalences(res.life_cycle)
    if eq:
        console.print("Equivalent to (life cycle):")
        for e in eq:
            console.print(f"  = {_count(e.value)} {e.what} " + escape(f"[{e.source_id}, {e.year}]"))
    items = Table(title="Line items", title_justify="left", show_lines=False)
    items.add_column("phase", no_wrap=True)
    items.add_column("item")
    items.add_column("method")
    for col in ("energy", "carbon", "water"):
        items.add_column(col, justify="right")
    for it in res.items:
        items.add_row(
            it.phase,
            it.name,
            it.method,
            _fmt(it.energy_kwh, "kWh"),
            _fmt(it.co2e_kg, "kg"),
            _fmt(it.water_l, "L"),
        )
    console.print(items)
    if res.warnings:
        for w in res.warnings:
            console.print(f"[yellow]warning:[/yellow] {w}")
    shown = res.assumptions if verbose else res.assumptions[:12]
    if shown:
        console.print(f"Assumptions ({len(res.assumptions)}; every value the file did not state):")
        for a in shown:
            console.print(f"  - {escape(str(a))}", soft_wrap=True)
        if len(shown) < len(res.assumptions):
            console.print(f"  ... {len(res.assumptions) - len(shown)} more (--verbose)")


def render_uncertainty(res: Result, console: Console) -> None:
    """Print the Monte Carlo percentiles of a result."""
    from rich.table import Table

    unc = res.uncertainty
    assert unc is not None
    t = Table(
        title=f"Uncertainty ({unc['samples']:,} samples, seed {unc['seed']}; "
        f"{len(unc['uncertain_inputs'])} uncertain inputs) — {res.functional_unit}",
        title_justify="left",
    )
    t.add_column("")
    for q in ("energy", "carbon", "water"):
        t.add_column(f"{q} p5 / p50 / p95", justify="right")
    rows = [(ph, v) for ph, v in unc["phases"].items()] + [("total", unc["total"])]
    for name, v in rows:
        cells = [
            " / ".join(_fmt(v[q][k], unit) for k in ("p5", "p50", "p95"))
            for q, unit in (("energy_kwh", "kWh"), ("co2e_kg", "kg"), ("water_l", "L"))
        ]
        t.add_row(name, *cells, style="bold" if name == "total" else None)
    console.print(t)


@app.command()
def assess(
    file: Annotated[Path, typer.Argument(help="Assessment file (.yaml or .toml).")],
    json_out: Annotated[bool, typer.Option("--json", help="Print the JSON result.")] = False,
    csv_out: Annotated[bool, typer.Option("--csv", help="Print the line items as CSV.")] = False,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead.")
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="All assumptions.")] = False,
    samples: Annotated[
        int | None,
        typer.Option("--samples", "-n", min=1, help="Monte Carlo samples: p5/p50/p95 per total."),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the Monte Carlo (0 is a seed).")] = 0,
    report_path: Annotated[
        Path | None, typer.Option("--report", help="Also write an HTML report here.")
    ] = None,
) -> None:
    """Assess FILE: energy, carbon and water per phase and in total."""
    from lcai.api import assess_file

    if json_out and csv_out:
        raise typer.BadParameter("choose one of --json and --csv")
    if report_path is None:
        res = assess_file(file, samples=samples, seed=seed)
    else:  # one assessment serves the report and the printed result
        from dataclasses import replace

        from lcai.outputs.report import build_report

        rep = build_report(file, samples=samples or 2000, seed=seed)
        write_report(rep, report_path)
        res = rep.result if samples else replace(rep.result, uncertainty=None)
    if json_out:
        _emit(res.to_json(), output)
    elif csv_out:
        _emit(res.items_csv(), output)
    elif output is not None:
        import io

        from rich.console import Console

        console = Console(record=True, width=120, file=io.StringIO())
        render_result(res, console, verbose=verbose)
        _emit(console.export_text(), output)
    else:
        render_result(res, _console(), verbose=verbose)


@app.command()
def compare(
    files: Annotated[list[Path], typer.Argument(help="Two or more assessment files.")],
    json_out: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
) -> None:
    """Compare assessments side by side (phases and totals)."""
    import json

    from rich.table import Table

    from lcai.api import assess_file

    results = [assess_file(f) for f in files]
    if json_out:
        _emit(json.dumps([r.to_dict() for r in results], indent=2), None)
        return
    t = Table(title="Comparison", title_justify="left")
    t.add_column("")
    for r in results:
        t.add_column(f"{r.name}\n({r.functional_unit})", justify="right")
    for q, unit, label in (
        ("energy_kwh", "kWh", "energy"),
        ("co2e_kg", "kg", "carbon"),
        ("water_l", "L", "water"),
    ):
        for ph in PHASE_NAMES:
            t.add_row(
                f"{label}: {ph}", *[_fmt(getattr(r.phases[ph].impact, q), unit) for r in results]
            )
        t.add_row(f"{label}: total", *[_fmt(getattr(r.total, q), unit) for r in results],
                  style="bold")  # fmt: skip
    base = results[0].total.co2e_kg
    if base:
        t.add_row(
            "carbon vs first", *[f"{r.total.co2e_kg / base:.3g}x" for r in results], style="dim"
        )
    _console().print(t)


@app.command()
def schema(
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to a file.")] = None,
) -> None:
    """Print the JSON Schema of the assessment file."""
    import json

    from lcai.spec.schema import Assessment

    _emit(json.dumps(Assessment.model_json_schema(), indent=2), output)


@data_app.command("list")
def data_list() -> None:
    """List the packaged tables."""
    from rich.table import Table

    from lcai import catalog

    t = Table(title="lcai data tables", title_justify="left")
    for col in ("table", "rows", "keys", "version", "description"):
        t.add_column(col, overflow="fold")
    for name in catalog.table_names():
        tab = catalog.table(name)
        t.add_row(
            name, str(len(tab.rows)), str(len(tab.keys())), tab.version,
            tab.description.split(". ")[0][:90],
        )  # fmt: skip
    _console().print(t)


@data_app.command("show")
def data_show(
    table: Annotated[str, typer.Argument(help="Table name (see `lcai data list`).")],
    filter_: Annotated[
        list[str] | None,
        typer.Option("--filter", "-f", help="COLUMN=VALUE, e.g. key=FR or quantity=tdp."),
    ] = None,
    csv_out: Annotated[bool, typer.Option("--csv", help="Print CSV.")] = False,
) -> None:
    """Show a table's rows (optionally filtered), with units, years and sources."""
    from lcai import catalog
    from lcai.errors import SpecError

    tab = catalog.table(table)
    criteria: dict[str, str] = {}
    for f in filter_ or []:
        if "=" not in f:
            raise SpecError(f"--filter expects COLUMN=VALUE, got {f!r}")
        col, val = f.split("=", 1)
        if col not in ("key", "label", "quantity", "unit", "year", "source_id"):
            raise SpecError(f"--filter: unknown column {col!r} (key, label, quantity, year, ...)")
        if col == "key":
            val = tab.resolve(val)
        criteria[col] = val
    rows = list(tab.filter(**criteria))
    if csv_out:
        import csv
        import io

        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["key", "label", "quantity", "value", "unit", "year", "source_id", "note"])
        for r in rows:
            w.writerow([r.key, r.label, r.quantity, r.value, r.unit, r.year, r.source_id, r.note])
        _emit(buf.getvalue(), None)
        return
    from rich.table import Table

    t = Table(title=f"{table}: {len(rows)} rows", title_justify="left", caption=tab.description)
    for col in ("key", "label", "quantity", "value", "unit", "year", "source"):
        t.add_column(col, overflow="fold")
    for r in rows:
        t.add_row(r.key, r.label, r.quantity, f"{r.value:g}", r.unit, str(r.year), r.source_id)
    _console().print(t)


@data_app.command("cite")
def data_cite(
    source_id: Annotated[str, typer.Argument(help="A source id (see the 'source' column).")],
) -> None:
    """Print the full reference of a source, and which rows use it."""
    from lcai import catalog

    s = catalog.source(source_id)
    console = _console()
    console.print(catalog.format_citation(s), soft_wrap=True)
    n = 0
    for name in catalog.table_names():
        used = [r for r in catalog.table(name).rows if r.source_id == s.id]
        if used:
            n += len(used)
            console.print(f"  used by {len(used)} row(s) of {name}")
    if not n:
        console.print("  (not used by any packaged row)")


@app.command()
def sensitivity(
    file: Annotated[Path, typer.Argument(help="Assessment file (.yaml or .toml).")],
    quantity: Annotated[
        str, typer.Option("--quantity", "-q", help="co2e (default), energy or water.")
    ] = "co2e",
    base_samples: Annotated[
        int, typer.Option("--base-samples", min=16, help="Sobol base samples N (N x (d+2) runs).")
    ] = 1024,
    seed: Annotated[int, typer.Option("--seed", help="Seed (0 is a seed).")] = 0,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Rank the uncertain inputs of FILE: Sobol indices and a one-at-a-time tornado."""
    import json

    from lcai.api import plan_file
    from lcai.errors import SpecError
    from lcai.whatif.sensitivity import QUANTITIES, plan_sobol, tornado

    if quantity not in QUANTITIES:
        raise SpecError(f"--quantity: expected one of {', '.join(QUANTITIES)}, got {quantity!r}")
    plan = plan_file(file)
    indices = plan_sobol(plan, quantity, base_samples, seed)
    bars = tornado(plan, quantity)
    if json_out:
        _emit(
            json.dumps(
                {
                    "quantity": QUANTITIES[quantity],
                    "functional_unit": plan.functional_unit,
                    "base_samples": base_samples,
                    "seed": seed,
                    "sobol": [i.to_dict() for i in indices],
                    "tornado": [b.to_dict() for b in bars],
                },
                indent=2,
            ),
            None,
        )
        return
    from rich.table import Table

    console = _console()
    if not indices:
        console.print("No uncertain inputs: give distributions in the file (see docs).")
        return
    unit = {"co2e": "kg", "energy": "kWh", "water": "L"}[quantity]
    t = Table(
        title=f"Sobol indices of total {quantity} ({plan.functional_unit}; "
        f"N={base_samples}, {base_samples * (len(indices) + 2):,} runs, seed {seed})",
        title_justify="left",
    )
    for col in ("input", "first-order S1", "total ST", ""):
        t.add_column(col, justify="left" if col in ("input", "") else "right")
    for i in indices:
        bar = "#" * max(0, round(30 * min(max(i.st, 0.0), 1.0)))
        t.add_row(i.name, f"{i.s1:.3f} +- {i.s1_conf:.3f}", f"{i.st:.3f} +- {i.st_conf:.3f}", bar)
    console.print(t)
    tt = Table(title="One at a time: each input at its p5 and p95", title_justify="left")
    for col in ("input", "p5", "p95", f"total at p5 [{unit}]", f"total at p95 [{unit}]", "swing"):
        tt.add_column(col, justify="left" if col == "input" else "right")
    for b in bars:
        u = "" if b.unit == "1" else f" {b.unit}"
        tt.add_row(
            b.name, f"{b.low_input:.4g}{u}", f"{b.high_input:.4g}{u}",
            f"{b.output_at_low:.4g}", f"{b.output_at_high:.4g}", f"{b.swing:.4g}",
        )  # fmt: skip
    console.print(tt)


@app.command()
def scenarios(
    file: Annotated[Path, typer.Argument(help="Assessment file (.yaml or .toml).")],
    scenario: Annotated[
        list[str] | None,
        typer.Option(
            "--scenario", "-s", help="NAME or NAME:ARG (repeatable); default every library one."
        ),
    ] = None,
    user: Annotated[
        Path | None, typer.Option("--file", "-f", help="Your own scenarios (YAML).")
    ] = None,
    samples: Annotated[
        int | None, typer.Option("--samples", "-n", min=2, help="Paired Monte Carlo samples.")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed (0 is a seed).")] = 0,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    list_only: Annotated[bool, typer.Option("--list", help="List the scenarios.")] = False,
) -> None:
    """Compare scenarios (named, cited changes) with the baseline FILE, phase by phase."""
    import json

    from lcai.whatif import scenarios as sc

    known = sc.library()
    if user is not None:
        known.update(sc.load_scenarios(user))
    if list_only:
        console = _console()
        for name, s in known.items():
            arg = f":{s.argument.upper()}" if s.argument else ""
            console.print(f"[bold]{name}{arg}[/bold] — {s.description} ({', '.join(s.sources)})")
        return
    names = scenario or [n for n, s in known.items() if s.argument is None]
    from lcai.spec.loading import load_source

    comps = sc.compare(load_source(file), names, user_file=user, samples=samples, seed=seed)
    if json_out:
        _emit(json.dumps([c.to_dict() for c in comps], indent=2), None)
        return
    render_scenarios(comps, _console())


def render_scenarios(comps: list[Comparison], console: Console) -> None:
    """Print each scenario's change against the baseline."""
    from rich.table import Table

    if not comps:
        return
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
    t.add_row("baseline", *[_fmt(base[q], u) for q, u, _ in quantities], style="bold")
    for c in comps:
        cells = []
        for q, u, _ in quantities:
            diff, rel = c.change("total", q)
            text = f"{_fmt(c.result['total'][q], u)} ({'+' if diff >= 0 else '-'}"
            text += f"{_fmt(abs(diff), u)}" + (f", {100 * rel:+.1f}%)" if rel is not None else ")")
            cells.append(text)
        t.add_row(c.scenario, *cells)
    console.print(t)
    for c in comps:
        pt = Table(title=f"{c.scenario}: carbon by phase", title_justify="left")
        for col in ("phase", "baseline", "scenario", "change"):
            pt.add_column(col, justify="left" if col == "phase" else "right")
        for ph in ("manufacturing", "training", "annotation", "usage"):
            diff, rel = c.change(ph, "co2e_kg")
            if c.baseline[ph]["co2e_kg"] == 0 and c.result[ph]["co2e_kg"] == 0:
                continue
            pt.add_row(
                ph, _fmt(c.baseline[ph]["co2e_kg"], "kg"), _fmt(c.result[ph]["co2e_kg"], "kg"),
                f"{100 * rel:+.1f}%" if rel is not None else "-",
            )  # fmt: skip
        console.print(pt)
        if c.interval:
            iv = c.interval["co2e_kg"]
            console.print(
                f"  carbon change p5/p50/p95 on paired samples: {_fmt(iv['p5'], 'kg')} / "
                f"{_fmt(iv['p50'], 'kg')} / {_fmt(iv['p95'], 'kg')}"
            )
        console.print(f"  [dim]{c.description} Sources: {', '.join(c.sources)}[/dim]")


@app.command()
def project(
    preset: Annotated[
        str | None, typer.Option("--preset", help="huatai-US, huatai-CN or bofa-AI.")
    ] = None,
    start: Annotated[
        str | None,
        typer.Option("--start", help="Yearly energy at the start, or a range: '200-283 TWh'."),
    ] = None,
    requests_per_day: Annotated[
        float | None, typer.Option("--requests-per-day", help="Instead of --start: demand.")
    ] = None,
    energy_per_request: Annotated[
        str | None, typer.Option("--energy-per-request", help="With --requests-per-day: '0.3 Wh'.")
    ] = None,
    growth: Annotated[
        str | None, typer.Option("--growth", help="Demand growth per year, or a range: '25-33%'.")
    ] = None,
    from_year: Annotated[int | None, typer.Option("--from", help="Start year.")] = None,
    to_year: Annotated[int | None, typer.Option("--to", help="Horizon year.")] = None,
    efficiency: Annotated[
        str, typer.Option("--efficiency", help="Energy per unit of demand falls by this a year.")
    ] = "0%",
    region: Annotated[
        str | None, typer.Option("--region", help="Grid region for carbon and water.")
    ] = None,
    decarbonisation: Annotated[
        str, typer.Option("--decarbonisation", help="Grid intensity falls by this a year.")
    ] = "0%",
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Project yearly energy, carbon and water of growing demand, with low/high bands."""
    import json

    from lcai import catalog
    from lcai.errors import SpecError
    from lcai.units import parse_quantity, parse_range
    from lcai.whatif import projection as pj

    def quantity(text: str, dim: str, option: str) -> tuple[float, float]:
        try:
            return parse_range(text, dim)
        except SpecError as exc:
            raise SpecError(f"{option}: {exc.message}") from None

    p: dict[str, Any] = pj.preset(preset) if preset else {"start_kwh": None, "growth": None}
    start_kwh = p["start_kwh"]
    if start is not None:
        start_kwh = quantity(start, "energy", "--start")
    elif requests_per_day is not None:
        if energy_per_request is None:
            raise SpecError("--requests-per-day needs --energy-per-request")
        per = parse_quantity(energy_per_request, "energy").value
        start_kwh = (requests_per_day * 365 * per,) * 2
    if start_kwh is None:
        raise SpecError("give --start (yearly energy) or --requests-per-day, or a --preset")
    rate = quantity(growth, "dimensionless", "--growth") if growth else p["growth"]
    if rate is None:
        raise SpecError("give --growth (e.g. '25-33%') or a --preset")
    y0 = from_year if from_year is not None else p.get("start_year")
    y1 = to_year if to_year is not None else p.get("end_year")
    if y0 is None or y1 is None:
        raise SpecError("give --from and --to years (or a --preset)")
    if y1 < y0:
        raise SpecError(f"--to {y1} is before --from {y0}")
    intensity = water = 0.0
    if region is not None:
        key = catalog.table("grid_intensity").resolve(region, "grid region")
        intensity = catalog.table("grid_intensity").factor(key, "co2e_intensity", "kg/kWh").value
        w = catalog.table("electricity_water")
        water_key, _ = catalog.regional_key("electricity_water", "water_consumption", key)
        water = w.factor(water_key, "water_consumption", "L/kWh").value
    rows = pj.project(
        start_kwh, rate, y0, y1,
        efficiency=quantity(efficiency, "dimensionless", "--efficiency")[0],
        intensity_kg_per_kwh=intensity,
        decarbonisation=quantity(decarbonisation, "dimensionless", "--decarbonisation")[0],
        water_l_per_kwh=water,
    )  # fmt: skip
    if json_out:
        _emit(
            json.dumps(
                {
                    "preset": preset,
                    "note": p.get("note"),
                    "region": region,
                    "years": [r.to_dict() for r in rows],
                },
                indent=2,
            ),
            None,
        )
        return
    from rich.table import Table

    console = _console()
    if p.get("note"):
        console.print(f"{p['note']} [source: {p['source']}]")
    t = Table(title="Projection (low / central / high)", title_justify="left")
    t.add_column("year")
    t.add_column("energy", justify="right")
    if region:
        t.add_column(f"carbon ({region})", justify="right")
        t.add_column("water (off-site)", justify="right")
    for r in rows:
        cells = [" / ".join(_fmt(x, "kWh") for x in r.energy_kwh)]
        if region:
            cells += [
                " / ".join(_fmt(x, "kg") for x in r.co2e_kg),
                " / ".join(_fmt(x, "L") for x in r.water_l),
            ]
        t.add_row(str(r.year), *cells)
    console.print(t)
    if p.get("expected_kwh"):
        lo, hi = p["expected_kwh"]
        console.print(
            f"Check: the forecast says {lo / 1e12:g}-{hi / 1e12:g} trillion kWh in {y1}; "
            f"lcai gives {rows[-1].energy_kwh[0] / 1e12:.3g}-{rows[-1].energy_kwh[2] / 1e12:.3g}."
        )


@app.command()
def capacity(
    accelerator: Annotated[str, typer.Option("--accelerator", "-a", help="e.g. H100.")] = "H100",
    count: Annotated[
        float | None, typer.Option("--count", "-c", help="Number of accelerators.")
    ] = None,
    supply: Annotated[
        str | None, typer.Option("--supply", help="Or: the supply, e.g. '150 MW'.")
    ] = None,
    system: Annotated[
        str | None, typer.Option("--system", help="Server around each accelerator: dgx-h100...")
    ] = None,
    pue: Annotated[float | None, typer.Option("--pue", help="Default: industry average.")] = None,
    region: Annotated[
        str | None, typer.Option("--region", help="Grid region for carbon and water.")
    ] = None,
    load_factor: Annotated[
        float, typer.Option("--load-factor", help="Average / maximum power over a year.")
    ] = 1.0,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Power a cluster draws at the meter, or how many accelerators a supply can feed."""
    import json

    from lcai.errors import SpecError
    from lcai.units import parse_quantity
    from lcai.whatif.capacity import plan_capacity

    supply_w = None
    if supply is not None:
        try:
            supply_w = parse_quantity(supply, "power").value
        except SpecError as exc:
            raise SpecError(f"--supply: {exc.message}") from None
    if pue is not None and pue < 1:
        raise SpecError(f"--pue must be at least 1, got {pue:g}")
    cap = plan_capacity(
        accelerator, count=count, supply_w=supply_w, system=system, pue=pue, region=region,
        load_factor=load_factor,
    )  # fmt: skip
    if json_out:
        _emit(json.dumps(cap.to_dict(), indent=2), None)
        return
    from rich.markup import escape
    from rich.table import Table

    console = _console()
    mw = cap.power_w / 1e6
    console.print(
        f"{cap.count:,.0f} x {cap.accelerator} draw [bold]{mw:,.1f} MW[/bold] at the meter "
        f"({cap.system_w_per_accelerator:,.0f} W per accelerator in its system x PUE {cap.pue:g})."
    )
    line = f"A year at load factor {cap.load_factor:g}: {_fmt(cap.energy_kwh_per_year, 'kWh')}"
    if cap.co2e_kg_per_year is not None and cap.water_l_per_year is not None:
        line += (
            f", {_fmt(cap.co2e_kg_per_year, 'kg')} CO2e, {_fmt(cap.water_l_per_year, 'L')} water"
        )
    console.print(line + ".")
    t = Table(title="Against real sites and grids", title_justify="left")
    for col in ("site or grid", "power", "this cluster is", "source"):
        t.add_column(col, justify="right" if col in ("power", "this cluster is") else "left")
    for c in sorted(cap.comparisons, key=lambda c: c["power_w"]):
        share = c["share"]
        text = f"{share:,.1f}x" if share >= 1 else f"{100 * share:.2g}%"
        t.add_row(
            escape(c["label"]), f"{c['power_w'] / 1e6:,.4g} MW ({c['quantity']})", text,
            f"{c['source']}, {c['year']}",
        )  # fmt: skip
    console.print(t)
    for a in cap.assumptions:
        console.print(f"  - {escape(a)}", soft_wrap=True)


@app.command()
def report(
    file: Annotated[Path, typer.Argument(help="Assessment file (.yaml or .toml).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Report file to write.")] = Path(
        "report.html"
    ),
    fmt_: Annotated[
        str, typer.Option("--format", help="html (default), md (with SVG charts) or latex.")
    ] = "html",
    samples: Annotated[
        int, typer.Option("--samples", "-n", min=0, help="Monte Carlo samples (0: none).")
    ] = 2000,
    seed: Annotated[int, typer.Option("--seed", help="Seed (0 is a seed).")] = 0,
    scenarios_: Annotated[
        bool, typer.Option("--scenarios/--no-scenarios", help="Compare the library scenarios.")
    ] = True,
    sensitivity_: Annotated[
        bool, typer.Option("--sensitivity/--no-sensitivity", help="One-at-a-time tornado.")
    ] = True,
    validation_: Annotated[
        bool, typer.Option("--validation/--no-validation", help="The method's validation status.")
    ] = True,
) -> None:
    """Write a report of FILE: one self-contained HTML file, Markdown + SVG, or LaTeX."""
    from lcai.errors import SpecError
    from lcai.outputs.report import build_report

    if fmt_ not in ("html", "md", "latex"):
        raise SpecError(f"--format: expected html, md or latex, got {fmt_!r}")
    rep = build_report(
        file, samples=samples, seed=seed, with_scenarios=scenarios_,
        with_sensitivity=sensitivity_, with_validation=validation_,
    )  # fmt: skip
    write_report(rep, output, fmt_)
    _console().print(f"Report written to {output}")


def write_report(rep: Any, output: Path, fmt_: str = "html") -> None:
    """Write a built report in a format, atomically (charts beside a Markdown report)."""
    from lcai.outputs.report import render_html, render_latex, render_markdown

    if fmt_ == "html":
        write_atomic(output, render_html(rep))
    elif fmt_ == "latex":
        write_atomic(output, render_latex(rep))
    else:
        chart_dir = f"{output.stem}-charts"
        text, files = render_markdown(rep, chart_dir)
        for name, svg in files.items():
            write_atomic(output.parent / chart_dir / name, svg)
        write_atomic(output, text)


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def track(
    ctx: typer.Context,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Run file (default: runs/run-*.jsonl).")
    ] = None,
    interval: Annotated[float, typer.Option("--interval", help="Seconds between samples.")] = 1.0,
    flush: Annotated[float, typer.Option("--flush", help="Seconds between flushes to disk.")] = 5.0,
    region: Annotated[
        str | None, typer.Option("--region", help="Grid region for the live gCO2e.")
    ] = None,
    pid: Annotated[int | None, typer.Option("--pid", help="Attach to a running process.")] = None,
) -> None:
    """Measure a command (`lcai track -- python train.py`) or a process (`--pid`)."""
    from lcai.measure.cli import run_tracked

    rc = run_tracked(list(ctx.args), output, interval, flush, region, pid)
    if rc:
        raise typer.Exit(rc)


@runs_app.command("show")
def runs_show(
    files: Annotated[list[Path], typer.Argument(help="Run files.")],
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Summarise run files: duration, energy per device, average power, backends, warnings."""
    import json

    from lcai.measure.runfile import read_run

    runs = [read_run(f) for f in files]
    summaries: list[dict[str, Any]] = []
    for r in runs:
        devices = {
            d: {
                "energy_kwh": r.energy_j(d) / 3.6e6,
                "average_power_w": r.energy_j(d) / r.duration_s if r.duration_s else None,
            }
            for d in r.devices
        }
        summaries.append(
            {
                "file": r.path,
                "started": r.header.get("started"),
                "command": r.header.get("command"),
                "duration_s": r.duration_s,
                "energy_kwh": r.energy_kwh,
                "devices": devices,
                "backends": r.backends,
                "assumptions": r.assumptions,
                "warnings": r.warnings,
                "exit_status": (r.end or {}).get("exit_status"),
            }
        )
    if json_out:
        _emit(json.dumps(summaries, indent=2), None)
        return
    from rich.markup import escape
    from rich.table import Table

    console = _console()
    for sm in summaries:
        t = Table(
            title=f"{sm['file']}: {sm['duration_s']:.1f} s, {sm['energy_kwh']:.6g} kWh, "
            f"backends {', '.join(sm['backends']) or 'none'}",
            title_justify="left",
        )
        for col in ("device", "energy", "average power"):
            t.add_column(col, justify="left" if col == "device" else "right")
        for d, v in sm["devices"].items():
            p = v["average_power_w"]
            t.add_row(d, f"{v['energy_kwh']:.6g} kWh", "-" if p is None else f"{p:.1f} W")
        console.print(t)
        for a in sm["assumptions"]:
            console.print(f"  assumption: {escape(a)}", soft_wrap=True)
        for w in sm["warnings"]:
            console.print(f"  [yellow]warning:[/yellow] {escape(w)}", soft_wrap=True)


@fleet_app.command("synth")
def fleet_synth(
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder to write.")],
    nodes: Annotated[int, typer.Option("--nodes", min=1, help="Nodes of 8 GPUs.")] = 4,
    hours: Annotated[int, typer.Option("--hours", min=1, help="Hours of 1 Hz telemetry.")] = 2,
    seed: Annotated[int, typer.Option("--seed", help="Seed (0 is a seed).")] = 0,
    faults: Annotated[bool, typer.Option("--faults", help="Inject data faults.")] = False,
) -> None:
    """Write synthetic telemetry, jobs, hourly intensity and sites (demos, tests, benchmarks)."""
    from lcai.fleet.synth import synthesize

    info = synthesize(output, nodes=nodes, hours=hours, seed=seed, faults=faults)
    _console().print(
        f"{info['samples']:,} samples in {info['files']} file(s), {info['jobs']} jobs: {output}"
    )


@fleet_app.command("account")
def fleet_account(
    power: Annotated[Path, typer.Option("--power", help="Telemetry file or folder.")],
    jobs: Annotated[Path, typer.Option("--jobs", help="Job table (CSV or sacct --parsable2).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for the results.")],
    intensity: Annotated[
        Path | None, typer.Option("--intensity", help="Hourly intensity CSV.")
    ] = None,
    sites: Annotated[Path | None, typer.Option("--sites", help="Node metadata CSV.")] = None,
    gap: Annotated[float, typer.Option("--gap", help="Longest interval counted [s].")] = 10.0,
    allocate_idle: Annotated[
        str | None, typer.Option("--allocate-idle", help="'proportional' to spread idle.")
    ] = None,
    engine: Annotated[
        str, typer.Option("--engine", help="polars (one machine) or dask (a cluster).")
    ] = "polars",
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Dask scheduler address; default a local cluster."),
    ] = None,
) -> None:
    """Account telemetry to jobs: energy, carbon of the hour, water, embodied; per job,
    project and model, with a data-quality report."""
    from rich.progress import Progress
    from rich.table import Table

    from lcai.fleet.account import account

    console = _console()
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task("accounting", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        res = account(
            power, jobs, intensity=intensity, sites=sites, gap_s=gap,
            allocate_idle=allocate_idle, progress=progress, engine=engine, scheduler=scheduler,
        )  # fmt: skip
    res.write(output)
    t = Table(title=f"Fleet: {res.samples:,} samples -> {output}", title_justify="left")
    for col in ("job", "project", "GPU-hours", "energy", "carbon", "water"):
        t.add_column(col, justify="left" if col in ("job", "project") else "right")
    for row in res.jobs.sort("co2e_kg", descending=True).head(15).iter_rows(named=True):
        t.add_row(
            str(row["job_id"]), str(row.get("project") or ""), f"{row['gpu_hours']:,.2f}",
            _fmt(row["energy_kwh"], "kWh"), _fmt(row["co2e_kg"], "kg"),
            _fmt(row["water_l"], "L"),
        )  # fmt: skip
    console.print(t)
    faults = {k: v for k, v in res.quality.to_dict().items() if v["count"]}
    for k, v in faults.items():
        console.print(f"[yellow]{k}[/yellow]: {v['count']} ({v['rule']})", soft_wrap=True)
    for a in res.assumptions:
        console.print(f"  - {a}", soft_wrap=True)


@app.command()
def validate(
    json_out: Annotated[bool, typer.Option("--json", help="Print a JSON list of checks.")] = False,
    mode: Annotated[
        str | None, typer.Option("--mode", help="Only 'reproduction' or 'prediction' cases.")
    ] = None,
    suite: Annotated[
        Path | None, typer.Option("--suite", help="Another suite manifest (suite.yaml).")
    ] = None,
) -> None:
    """Run the validation suite: lcai against published footprints.

    Exit status 0 when every reproduction check is within its tolerance, 1 otherwise.
    """
    import json

    from lcai.checks.validation import run_suite, summarise
    from lcai.errors import SpecError

    if mode not in (None, "reproduction", "prediction"):
        raise SpecError(f"--mode: expected 'reproduction' or 'prediction', got {mode!r}")
    checks = run_suite(suite, mode)  # type: ignore[arg-type]
    summary = summarise(checks, suite)
    if json_out:
        _emit(json.dumps([c.to_dict() for c in checks], indent=2), None)
    else:
        render_validation(checks, summary, _console())
    if not summary.ok:
        raise typer.Exit(1)


def render_validation(checks: list[Check], summary: SuiteSummary, console: Console) -> None:
    """Print the validation table and the summary lines."""
    from rich.markup import escape
    from rich.table import Table

    sources = {s: i + 1 for i, s in enumerate(dict.fromkeys(c.source for c in checks))}
    for mode in ("reproduction", "prediction"):
        rows = [c for c in checks if c.mode == mode]
        if not rows:
            continue
        t = Table(title=f"Validation: {mode}", title_justify="left")
        cols = ["case", "quantity", "published", "lcai", "error", "", "src"]
        if mode == "prediction":
            cols.insert(4, "lcai p5-p95")
        for col in cols:
            right = col in ("published", "lcai", "error", "lcai p5-p95")
            t.add_column(col, justify="right" if right else "left")
        for c in rows:
            unit = "" if c.unit == "1" else f" {c.unit}"
            err = "-" if c.rel_error is None else f"{100 * c.rel_error:+.2f}%"
            mark = "ok" if c.within_tolerance else ("MISS" if mode == "reproduction" else "> 2x")
            cells = [c.case, c.quantity, f"{c.published:,.6g}{unit}", f"{c.computed:,.6g}{unit}"]
            if mode == "prediction":
                cells.append(
                    f"{c.p5:,.4g}-{c.p95:,.4g}" + (" in" if c.covered else " OUT")
                    if c.p5 is not None and c.p95 is not None
                    else "-"
                )
            t.add_row(*cells, err, mark, f"[{sources[c.source]}]")
        console.print(t)
    console.print("Sources:")
    for s, i in sources.items():
        console.print(escape(f"  [{i}] {s}"), soft_wrap=True)
    console.print(
        f"Reproduction: {summary.reproduction_checks - summary.reproduction_failed} of "
        f"{summary.reproduction_checks} checks within tolerance."
    )
    if summary.median_abs_energy_error is not None and summary.max_energy_factor is not None:
        verdict = "meets" if summary.prediction_goal_met else "misses"
        console.print(
            f"Prediction ({summary.prediction_cases} cases, no GPU-hours given): median absolute "
            f"energy error {100 * summary.median_abs_energy_error:.1f}%, worst case off by "
            f"{summary.max_energy_factor:.2f}x; {verdict} the goal (30%, 2x)."
        )
    if summary.coverage is not None and summary.max_interval_factor is not None:
        ok = summary.coverage >= 0.8 and summary.max_interval_factor <= 4
        console.print(
            f"Calibration: the published value is inside lcai's p5-p95 interval for "
            f"{100 * summary.coverage:.0f}% of the prediction checks; the widest interval is "
            f"{summary.max_interval_factor:.2f}x (p95/p5); {'meets' if ok else 'misses'} the "
            "goal (80%, at most 4x)."
        )
    if summary.inference_checks:
        console.print(
            f"Inference estimates: {summary.inference_within} of {summary.inference_checks} "
            "within their bound (2x; 10x for the sanity check); see the table for each error."
        )


@app.command()
def version() -> None:
    """Print lcai's version."""
    from lcai import __version__

    _emit(__version__, None)


def main() -> None:
    """Entry point: run the app, turning lcai errors into one message and exit 2."""
    from typer.exceptions import TyperException

    from lcai.errors import LcaiError

    if sys.argv[1:2] == ["track"] and not {"-h", "--help"} & set(sys.argv[2:]):
        # fast path: a tracker should start quickly, so `lcai track` skips typer's imports
        from lcai.measure.cli import fast_main

        sys.exit(fast_main(sys.argv[2:]))
    try:
        rc = app(standalone_mode=False)
    except LcaiError as exc:
        sys.stderr.write(f"error: {exc}\n")
        sys.exit(2)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        sys.stderr.write("aborted\n")
        sys.exit(1)
    except TyperException as exc:  # usage errors: bad option, missing argument
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            sys.stderr.write(f"error: {exc.format_message()}\n")
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    if isinstance(rc, int) and rc:
        sys.exit(rc)


if __name__ == "__main__":
    main()
