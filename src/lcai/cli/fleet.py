"""``lcai fleet synth|account``: footprint per job and project from telemetry."""

from __future__ import annotations

from pathlib import Path

import click

from lcai.cli.common import option_errors

__all__ = ["fleet"]

_PATH = click.Path(path_type=Path)


@click.group(no_args_is_help=True)
def fleet() -> None:
    """Footprint per job and project from a data center's telemetry."""


@fleet.command("synth")
@click.option("--output", "-o", type=_PATH, required=True, help="Folder to write.")
@click.option("--nodes", type=click.IntRange(min=1), default=4, show_default=True,
              help="Nodes of 8 GPUs.")  # fmt: skip
@click.option("--hours", type=click.IntRange(min=1), default=2, show_default=True,
              help="Hours of 1 Hz telemetry.")  # fmt: skip
@click.option("--seed", type=int, default=0, help="Seed (0 is a seed).")
@click.option("--faults", is_flag=True, help="Inject data faults.")
@click.option("--per-node", is_flag=True, help="A telemetry file per node and hour.")
@click.option("--replace", is_flag=True, help="Replace an existing, non-empty folder.")
def fleet_synth(
    output: Path, nodes: int, hours: int, seed: int, faults: bool, per_node: bool, replace: bool
) -> None:
    """Write synthetic telemetry, jobs, hourly intensity and sites (demos, tests, benchmarks)."""
    from lcai.fleet.synth import synthesize
    from lcai.outputs import terminal

    with option_errors({"nodes": "--nodes", "hours": "--hours", "seed": "--seed"}):
        info = synthesize(output, replace=replace, nodes=nodes, hours=hours, seed=seed,
                          faults=faults, per_node=per_node)  # fmt: skip
    terminal.console().print(
        f"{info['samples']:,} samples in {info['files']} file(s), {info['jobs']} jobs: {output}",
        markup=False,
    )


@fleet.command("account")
@click.option("--power", type=_PATH, required=True, help="Telemetry file or folder.")
@click.option("--jobs", type=_PATH, required=True, help="Job table (CSV or sacct --parsable2).")
@click.option("--output", "-o", type=_PATH, required=True, help="Folder for the results.")
@click.option("--intensity", type=_PATH, help="Hourly intensity CSV.")
@click.option("--sites", type=_PATH, help="Node metadata CSV.")
@click.option("--gap", type=float, default=10.0, show_default=True,
              help="Longest interval counted [s].")  # fmt: skip
@click.option("--allocate-idle", help="'proportional' to spread idle.")
@click.option("--engine", default="polars", show_default=True,
              help="polars (one machine) or dask (a cluster).")  # fmt: skip
@click.option("--scheduler", help="Dask scheduler address; default a local cluster.")
def fleet_account(
    power: Path, jobs: Path, output: Path, intensity: Path | None, sites: Path | None,
    gap: float, allocate_idle: str | None, engine: str, scheduler: str | None,
) -> None:  # fmt: skip
    """Account telemetry to jobs: energy, carbon of the hour, water, embodied; per job,
    project and model, with a data-quality report."""
    from rich.progress import Progress

    from lcai.fleet.account import account
    from lcai.outputs import terminal
    from lcai.outputs.terminal.fleet import render_fleet

    console = terminal.console()
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task("accounting", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        flags = {"gap_s": "--gap", "allocate_idle": "--allocate-idle", "engine": "--engine",
                 "scheduler": "--scheduler"}  # fmt: skip
        with option_errors(flags):
            res = account(
                power, jobs, intensity=intensity, sites=sites, gap_s=gap,
                allocate_idle=allocate_idle, progress=progress, engine=engine,
                scheduler=scheduler,
            )  # fmt: skip
    res.write(output)
    render_fleet(res, output, console)
