"""``lcai report``: one self-contained HTML file, Markdown + SVG, or LaTeX; or a disclosure
(a Hugging Face model card, the SCI, the EU AI Act's training compute and energy)."""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["report"]

_FILE = click.Path(path_type=Path)
_DISCLOSURES = {
    "hf-card": "README.md",
    "sci": "sci.md",
    "ai-act": "ai-act.md",
    "cyclonedx": "bom.cdx.json",
    "ghg": "ghg.md",
}
"""The disclosure formats and their default file names."""


@click.command()
@click.argument("file", type=_FILE)
@click.option("--output", "-o", type=_FILE,
              help="Report file to write (default report.html, .md or .tex).")  # fmt: skip
@click.option("--format", "fmt",
              type=click.Choice(["html", "md", "latex", *_DISCLOSURES]),
              help="html, md (with SVG charts) or latex; default from the file name's suffix, "
              "else html. Disclosures: hf-card (a model card's co2_eq_emissions and a "
              "section; an existing card is updated), sci, ai-act, ghg (JSON for a .json "
              "name, else Markdown), cyclonedx (a CycloneDX 1.6 ML-BOM, JSON).")  # fmt: skip
@click.option("--samples", "-n", type=click.IntRange(min=0), default=2000, show_default=True,
              help="Monte Carlo samples (0: none).")  # fmt: skip
@click.option("--seed", type=int, default=0, help="Seed (0 is a seed).")
@click.option("--scenarios/--no-scenarios", default=True, help="Compare the library scenarios.")
@click.option("--sensitivity/--no-sensitivity", default=True, help="One-at-a-time tornado.")
@click.option("--validation/--no-validation", default=True,
              help="The method's validation status.")  # fmt: skip
@click.option("--outside-paths", is_flag=True,
              help="Read measured inputs from outside FILE's folder too.")  # fmt: skip
def report(
    file: Path, output: Path | None, fmt: str | None, samples: int, seed: int, scenarios: bool,
    sensitivity: bool, validation: bool, outside_paths: bool,
) -> None:  # fmt: skip
    """Write a report of FILE: one self-contained HTML file, Markdown + SVG, or LaTeX; or
    a disclosure of its result (--format hf-card, sci, ai-act, cyclonedx or ghg)."""
    if fmt in _DISCLOSURES:
        _disclose(file, output or Path(_DISCLOSURES[fmt]), fmt, seed, outside_paths)
        return
    from lcai.cli.common import report_target
    from lcai.outputs import terminal
    from lcai.outputs.report import build_report, write_report

    output, fmt = report_target(output, fmt)
    rep = build_report(
        file, samples=samples, seed=seed, with_scenarios=scenarios,
        with_sensitivity=sensitivity, with_validation=validation, outside_paths=outside_paths,
    )  # fmt: skip
    write_report(rep, output, fmt)
    terminal.console().print(f"Report written to {output}", markup=False)


def _disclose(file: Path, output: Path, fmt: str, seed: int, outside_paths: bool) -> None:
    """Write the disclosure ``fmt`` of FILE's nominal result (no Monte Carlo) to ``output``."""
    from lcai.api import plan_source, result_of
    from lcai.outputs import disclosures, terminal
    from lcai.spec.loading import load_source

    plan = plan_source(load_source(file, outside_paths=outside_paths))
    disclosures.write(fmt, result_of(plan, None, seed), output, plan)
    terminal.console().print(f"{fmt} written to {output}", markup=False)
