"""``lcai assess``, ``lcai compare`` and ``lcai schema``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from lcai.cli.common import emit

__all__ = ["assess", "compare", "schema"]

_FILE = click.Path(path_type=Path)


@click.command()
@click.argument("file", type=_FILE)
@click.option("--json", "json_out", is_flag=True, help="Print the JSON result.")
@click.option("--csv", "csv_out", is_flag=True, help="Print the line items as CSV.")
@click.option("--output", "-o", type=_FILE, help="Write to this file instead.")
@click.option("--verbose", "-v", is_flag=True, help="All assumptions.")
@click.option("--samples", "-n", type=click.IntRange(min=1),
              help="Monte Carlo samples: p5/p50/p95 per total.")  # fmt: skip
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seed of the Monte Carlo (0 is a seed).")  # fmt: skip
@click.option("--report", "report_path", type=_FILE,
              help="Also write a report here (.html, .md or .tex).")  # fmt: skip
@click.option("--outside-paths", is_flag=True,
              help="Read measured inputs (runs, fleet, hourly intensity) from outside "
                   "FILE's folder too.")  # fmt: skip
@click.option("--catalog-diff", "catalog_diff", metavar="OLD",
              help="Explain the change of the result from catalog OLD ('packaged', a "
                   "catalog folder, or a folder of tables over the packaged one) to the one "
                   "in use, row by row.")  # fmt: skip
def assess(
    file: Path, json_out: bool, csv_out: bool, output: Path | None, verbose: bool,
    samples: int | None, seed: int, report_path: Path | None, outside_paths: bool,
    catalog_diff: str | None,
) -> None:  # fmt: skip
    """Assess FILE (.yaml or .toml): energy, carbon and water per phase and in total."""
    if json_out and csv_out:
        raise click.UsageError("choose one of --json and --csv")
    if catalog_diff is not None:
        _explain_change(file, catalog_diff, json_out, output, outside_paths)
        return
    if report_path is None:
        from lcai.api import assess_source
        from lcai.spec.loading import load_source

        source = load_source(file, outside_paths=outside_paths)
        res = assess_source(source, samples=samples, seed=seed)
    else:  # one assessment serves the report and the printed result
        from dataclasses import replace

        from lcai.cli.common import report_target
        from lcai.outputs.report import build_report, write_report

        report_path, fmt = report_target(report_path, None, "--report")
        rep = build_report(file, samples=samples or 2000, seed=seed, outside_paths=outside_paths)
        write_report(rep, report_path, fmt)
        res = rep.result if samples else replace(rep.result, uncertainty=None)
    if json_out:
        emit(res.to_json(), output)
    elif csv_out:
        emit(res.items_csv(), output)
    else:
        from lcai.outputs import terminal
        from lcai.outputs.terminal.result import render_result

        if output is None:
            render_result(res, terminal.console(), verbose=verbose)
        else:
            emit(terminal.recorded_text(lambda c: render_result(res, c, verbose=verbose)), output)


def _explain_change(
    file: Path, old: str, json_out: bool, output: Path | None, outside_paths: bool
) -> None:
    """The change of FILE's life-cycle totals from catalog OLD to the one in use."""
    import json

    from lcai.spec.loading import load_source
    from lcai.whatif.catalog_change import QUANTITIES, attribute_change

    source = load_source(file, outside_paths=outside_paths)
    folder = None if old == "packaged" else old
    atts = [attribute_change(source, folder, q) for q in QUANTITIES]
    if json_out:
        emit(json.dumps([a.to_dict() for a in atts], indent=2, allow_nan=False), output)
        return
    from lcai.outputs import terminal
    from lcai.outputs.terminal.catalog import render_attribution

    def show(console: Any) -> None:
        for a in atts:
            render_attribution(a, console)

    if output is None:
        show(terminal.console())
    else:
        emit(terminal.recorded_text(show), output)


def _same_functional_unit(files: tuple[Path, ...], units: list[str]) -> None:
    """Refuse results per different functional units: their ratio means nothing (a life
    cycle against 1,000 requests), and ISO 14044 compares systems on one functional unit."""
    from lcai.errors import SpecError

    def norm(u: str) -> str:
        return " ".join(u.lower().replace(",", "").split())

    for f, u in zip(files[1:], units[1:], strict=True):
        if norm(u) != norm(units[0]):
            raise SpecError(
                f"cannot compare {files[0]} ({units[0]}) with {f} ({u}): give both files the "
                "same functional_unit"
            )


@click.command()
@click.argument("files", nargs=-1, required=True, type=_FILE)
@click.option("--json", "json_out", is_flag=True, help="Print a JSON list.")
@click.option("--outside-paths", is_flag=True,
              help="Read measured inputs from outside each FILE's folder too.")  # fmt: skip
def compare(files: tuple[Path, ...], json_out: bool, outside_paths: bool) -> None:
    """Compare assessments FILES side by side (phases and totals), per one functional unit."""
    from lcai.api import assess_source
    from lcai.spec.loading import load_source

    results = [assess_source(load_source(f, outside_paths=outside_paths)) for f in files]
    _same_functional_unit(files, [r.functional_unit for r in results])
    boundaries = {r.regions[p].endswith("(direct)") for r in results for p in r.regions}
    if len(boundaries) > 1:
        click.echo(
            "warning: the files' grid factors are of different boundaries (direct and "
            "life-cycle): their difference is partly the boundary's",
            err=True,
        )
    if json_out:
        import json

        emit(json.dumps([r.to_dict() for r in results], indent=2))
        return
    from lcai.outputs import terminal
    from lcai.outputs.terminal.result import render_comparison

    render_comparison(results, terminal.console(), labels=[str(f) for f in files])


@click.command()
@click.option("--output", "-o", type=_FILE, help="Write to a file.")
def schema(output: Path | None) -> None:
    """Print the JSON Schema of the assessment file."""
    import json

    from lcai.spec.schema import Assessment

    emit(json.dumps(Assessment.model_json_schema(), indent=2), output)
