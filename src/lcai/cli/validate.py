"""``lcai validate`` (lcai against published footprints) and ``lcai version``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, cast

import click

from lcai.cli.common import emit
from lcai.text import terminal_text

if TYPE_CHECKING:
    from lcai.checks.validation import Mode

__all__ = ["validate", "version"]


@click.command()
@click.option("--json", "json_out", is_flag=True, help="Print a JSON list of checks.")
@click.option("--mode", type=click.Choice(["reproduction", "prediction"]),
              help="Only 'reproduction' or 'prediction' cases.")  # fmt: skip
@click.option("--suite", type=click.Path(path_type=Path),
              help="Another suite manifest (suite.yaml).")  # fmt: skip
def validate(json_out: bool, mode: str | None, suite: Path | None) -> int:
    """Run the validation suite: lcai against published footprints.

    Exit status 0 when every reproduction check is within its tolerance, 1 otherwise (or
    when a case of the suite is rejected: the others are still checked).
    """
    from lcai.checks.suite import load_suite
    from lcai.checks.validation import run_cases, summarise

    loaded = load_suite(suite)  # read once: the checks and their summary are of one suite
    checks, rejected = run_cases(suite, cast("Mode | None", mode), loaded=loaded)
    summary = summarise(checks, suite, loaded)
    if json_out:
        listed = [c.to_dict() for c in checks]
        listed += [{"case": r.case, "rejected": r.reason} for r in rejected]
        emit(json.dumps(listed, indent=2))
    else:
        from lcai.outputs import terminal
        from lcai.outputs.terminal.checks import render_validation

        render_validation(checks, summary, terminal.console())
    for r in rejected:
        click.echo(terminal_text(f"rejected: {r.reason}"), err=True)
    return 0 if summary.ok and not rejected else 1


@click.command()
def version() -> None:
    """Print lcai's version."""
    from lcai import __version__

    emit(__version__)
