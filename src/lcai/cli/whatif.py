"""``lcai sensitivity``, ``scenarios``, ``project`` and ``capacity``: what if."""

from __future__ import annotations

import json
from pathlib import Path

import click

from lcai.cli import params
from lcai.cli.common import emit, option_errors

__all__ = ["capacity", "project", "scenarios", "sensitivity"]

_FILE = click.Path(path_type=Path)


@click.command()
@click.argument("file", type=_FILE)
@click.option("--quantity", "-q", type=click.Choice(["co2e", "energy", "water"]),
              default="co2e", show_default=True, help="The total to explain.")  # fmt: skip
@click.option("--base-samples", type=click.IntRange(min=16), default=1024, show_default=True,
              help="Sobol base samples N (N x (d+2) runs).")  # fmt: skip
@click.option("--seed", type=int, default=0, help="Seed (0 is a seed).")
@click.option("--json", "json_out", is_flag=True, help="Print JSON.")
@click.option("--outside-paths", is_flag=True,
              help="Read measured inputs from outside FILE's folder too.")  # fmt: skip
def sensitivity(
    file: Path, quantity: str, base_samples: int, seed: int, json_out: bool,
    outside_paths: bool,
) -> None:  # fmt: skip
    """Rank the uncertain inputs of FILE: Sobol indices and a one-at-a-time tornado."""
    from lcai.api import plan_source
    from lcai.spec.loading import load_source
    from lcai.whatif.sensitivity import QUANTITIES, plan_sobol, tornado

    plan = plan_source(load_source(file, outside_paths=outside_paths))
    with option_errors({"base_samples": "--base-samples", "seed": "--seed"}):
        indices = plan_sobol(plan, quantity, base_samples, seed)
    bars = tornado(plan, quantity)
    if json_out:
        from lcai.outputs.json_docs import sensitivity_json

        emit(sensitivity_json(QUANTITIES[quantity], plan.functional_unit, base_samples, seed,
                              indices, bars))  # fmt: skip
        return
    from lcai.outputs import terminal
    from lcai.outputs.terminal.whatif import render_sensitivity

    render_sensitivity(quantity, plan.functional_unit, base_samples, seed, indices, bars,
                       terminal.console())  # fmt: skip


@click.command()
@click.argument("file", type=_FILE)
@click.option("--scenario", "-s", "names", multiple=True,
              help="NAME or NAME:ARG (repeatable); default every library one.")  # fmt: skip
@click.option("--file", "-f", "user", type=_FILE, help="Your own scenarios (YAML).")
@click.option("--samples", "-n", type=click.IntRange(min=2), help="Paired Monte Carlo samples.")
@click.option("--seed", type=int, default=0, help="Seed (0 is a seed).")
@click.option("--json", "json_out", is_flag=True, help="Print JSON.")
@click.option("--list", "list_only", is_flag=True, help="List the scenarios.")
@click.option("--outside-paths", is_flag=True,
              help="Read measured inputs from outside FILE's folder too.")  # fmt: skip
def scenarios(
    file: Path, names: tuple[str, ...], user: Path | None, samples: int | None, seed: int,
    json_out: bool, list_only: bool, outside_paths: bool,
) -> None:  # fmt: skip
    """Compare scenarios (named, cited changes) with the baseline FILE, phase by phase."""
    from lcai.outputs import terminal
    from lcai.whatif import scenarios as sc

    known = sc.available(user)
    if list_only:
        from lcai.outputs.terminal.whatif import render_scenario_list

        render_scenario_list(known, terminal.console())
        return
    chosen = list(names) or [n for n, s in known.items() if s.argument is None]
    from lcai.spec.loading import load_source

    with option_errors({"samples": "--samples", "seed": "--seed"}):
        comps = sc.compare(load_source(file, outside_paths=outside_paths), chosen,
                           samples=samples, seed=seed, known=known)  # fmt: skip
    if json_out:
        emit(json.dumps([c.to_dict() for c in comps], indent=2))
        return
    from lcai.outputs.terminal.whatif import render_scenarios

    render_scenarios(comps, terminal.console())


_PROJECT_FLAGS = {
    "start": "--start", "growth": "--growth", "years": "--from/--to",
    "energy_per_request": "--energy-per-request", "efficiency": "--efficiency",
    "decarbonisation": "--decarbonisation", "requests_per_day": "--requests-per-day",
    "region": "--region",
}  # fmt: skip


@click.command()
@click.option("--preset", help="huatai-US, huatai-CN or bofa-AI.")
@click.option("--start", callback=params.quantity_range("energy"),
              help="Yearly energy at the start, or a range: '200-283 TWh'.")  # fmt: skip
@click.option("--requests-per-day", type=float, help="Instead of --start: demand.")
@click.option("--energy-per-request", callback=params.quantity("energy"),
              help="With --requests-per-day: '0.3 Wh'.")  # fmt: skip
@click.option("--growth", callback=params.quantity_range("dimensionless"),
              help="Demand growth per year, or a range: '25-33%'.")  # fmt: skip
@click.option("--from", "from_year", type=int, help="Start year.")
@click.option("--to", "to_year", type=int, help="Horizon year.")
@click.option("--efficiency", callback=params.quantity("dimensionless"), default="0%",
              help="Energy per unit of demand falls by this a year.")  # fmt: skip
@click.option("--region", help="Grid region for carbon and water.")
@click.option("--decarbonisation", callback=params.quantity("dimensionless"), default="0%",
              help="Grid intensity falls by this a year.")  # fmt: skip
@click.option("--json", "json_out", is_flag=True, help="Print JSON.")
def project(
    preset: str | None, start: tuple[float, float] | None, requests_per_day: float | None,
    energy_per_request: float | None, growth: tuple[float, float] | None,
    from_year: int | None, to_year: int | None, efficiency: float,
    region: str | None, decarbonisation: float, json_out: bool,
) -> None:  # fmt: skip
    """Project yearly energy, carbon and water of growing demand, with low/high bands."""
    from lcai.whatif.projection import projection

    if requests_per_day is not None and energy_per_request is None and start is None:
        raise click.UsageError("--requests-per-day needs --energy-per-request")
    with option_errors(_PROJECT_FLAGS):
        proj = projection(
            preset_name=preset, start_kwh=start, requests_per_day=requests_per_day,
            energy_per_request_kwh=energy_per_request, growth=growth, start_year=from_year,
            end_year=to_year, efficiency=efficiency, region=region,
            decarbonisation=decarbonisation,
        )  # fmt: skip
    if json_out:
        emit(json.dumps(proj.to_dict(), indent=2))
        return
    from lcai.outputs import terminal
    from lcai.outputs.terminal.whatif import render_projection

    render_projection(proj, terminal.console())


_CAPACITY_FLAGS = {
    "accelerator": "--accelerator", "system": "--system", "pue": "--pue",
    "load_factor": "--load-factor", "count": "--count", "supply": "--supply",
    "region": "--region", "utilisation": "--utilisation",
}  # fmt: skip


@click.command()
@click.option("--accelerator", "-a", default="H100", show_default=True, help="e.g. H100.")
@click.option("--count", "-c", type=float, help="Number of accelerators.")
@click.option("--supply", callback=params.quantity("power"), help="Or: the supply, e.g. '150 MW'.")
@click.option("--system", help="Server around each accelerator: dgx-h100...")
@click.option("--pue", type=float, help="Default: industry average.")
@click.option("--region", help="Grid region for carbon and water.")
@click.option("--load-factor", type=float,
              help="Average / maximum power over a year (default 1).")  # fmt: skip
@click.option("--utilisation", type=float,
              help="Or: the accelerators' busy share; the load factor follows from the load "
              "model (busy and idle power).")  # fmt: skip
@click.option("--json", "json_out", is_flag=True, help="Print JSON.")
def capacity(
    accelerator: str, count: float | None, supply: float | None, system: str | None,
    pue: float | None, region: str | None, load_factor: float | None,
    utilisation: float | None, json_out: bool,
) -> None:  # fmt: skip
    """Power a cluster draws at the meter, or how many accelerators a supply can feed."""
    from lcai.whatif.capacity import plan_capacity

    with option_errors(_CAPACITY_FLAGS):
        cap = plan_capacity(
            accelerator, count=count, supply_w=supply, system=system, pue=pue, region=region,
            load_factor=load_factor, utilisation=utilisation,
        )  # fmt: skip
    if json_out:
        emit(json.dumps(cap.to_dict(), indent=2))
        return
    from lcai.outputs import terminal
    from lcai.outputs.terminal.whatif import render_capacity

    render_capacity(cap, terminal.console())
