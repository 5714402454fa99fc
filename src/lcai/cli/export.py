"""``lcai export FILE --to brightway|openlca``: FILE's foreground inventory for LCA software
(a Brightway 2.5 project folder, or an openLCA JSON-LD zip); the ``lcai[lca]`` extra."""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["export"]

_FILE = click.Path(path_type=Path)


@click.command()
@click.argument("file", type=_FILE)
@click.option("--to", "target", required=True, type=click.Choice(["brightway", "openlca"]),
              help="brightway: a Brightway 2.5 project (bw2data) in a folder of its own; "
              "openlca: an openLCA JSON-LD zip (olca-schema).")  # fmt: skip
@click.option("--output", "-o", type=_FILE,
              help="brightway: the folder to create (Brightway's BRIGHTWAY2_DIR; default "
              "FILE's name + '-brightway' here); openlca: the zip (default FILE's name + "
              "'-openlca.zip' here).")  # fmt: skip
@click.option("--project", default="lcai", show_default=True,
              help="brightway: the project's name.")  # fmt: skip
@click.option("--force", is_flag=True, help="brightway: replace an existing output folder.")
@click.option("--samples", "-n", type=click.IntRange(min=1),
              help="brightway: also write lcai's N joint Monte Carlo draws of every "
              "exchange that moves (lcai-samples.zip, a bw_processing datapackage; "
              "at most 100,000).")  # fmt: skip
@click.option("--seed", type=int,
              help="With --samples: seed of the draws, the same draws as lcai assess "
              "--seed (default 0).")  # fmt: skip
@click.option("--outside-paths", is_flag=True,
              help="Read measured inputs from outside FILE's folder too.")  # fmt: skip
def export(
    file: Path,
    target: str,
    output: Path | None,
    project: str,
    force: bool,
    samples: int | None,
    seed: int | None,
    outside_paths: bool,
) -> None:
    """Export FILE's foreground inventory to Brightway or openLCA: one activity per phase
    and line item, exchanges in physical units with their catalog sources, the keys that
    link electricity and hardware to a background database, and the uncertainties that
    one exchange can carry (see docs/lca-export.md)."""
    from lcai.api import plan_source
    from lcai.errors import LcaiError
    from lcai.outputs import terminal
    from lcai.outputs.lca import inventory_of
    from lcai.spec.loading import load_source

    if samples is not None and target != "brightway":
        raise LcaiError("--samples: only the Brightway export carries joint draws (openLCA's "
                        "JSON-LD has per-exchange distributions only)")  # fmt: skip
    if target == "openlca":
        from lcai.outputs.lca.stamp import source_date

        source_date()  # a bad SOURCE_DATE_EPOCH is said before anything loads
    if seed is not None and samples is None:
        raise LcaiError("--seed: it seeds the joint draws of --samples N, which only the "
                        "Brightway export writes; give --to brightway --samples N")  # fmt: skip
    seed = 0 if seed is None else seed
    source = load_source(file, outside_paths=outside_paths)
    inv = inventory_of(plan_source(source), samples=samples, seed=seed)
    stem = file.stem or "assessment"
    if target == "brightway":
        from lcai.outputs.lca.brightway import SAMPLES_FILE, write_brightway

        out = output or Path(f"{stem}-brightway")
        write_brightway(inv, out, project=project, force=force)
        samples_file = out / SAMPLES_FILE
        what = f"Brightway project '{project}' written to {out} (BRIGHTWAY2_DIR)"
    else:
        from lcai.outputs.lca.openlca import write_openlca

        out = output or Path(f"{stem}-openlca.zip")
        write_openlca(inv, out)
        what = f"openLCA JSON-LD written to {out}"
    fu = inv.functional_unit
    per = fu if fu.startswith("per ") else f"for {fu}"
    from lcai.fmt import magnitude

    console = terminal.console()
    console.print(what, markup=False)
    console.print(
        f"{len(inv.activities)} activities; lcai's total {magnitude(inv.co2e_kg, 'kgCO2e')} and "
        f"{magnitude(inv.water_l, 'L')} of water {per}; uncertain inputs: "
        f"{len(inv.carried)} carried by an exchange, {len(inv.not_carried)} not expressible "
        "per exchange (nominal in the export)",
        markup=False,
    )
    if inv.samples is not None:  # only with --to brightway
        p5, p50, p95 = inv.samples.co2e_percentiles()
        moving = len(inv.samples.amounts)
        console.print(
            f"{inv.samples.n} joint draws (seed {seed}) of {moving} exchanges that move "
            + (f"in {samples_file}" if moving else "(none: no draws written)")
            + f"; lcai's p5/p50/p95 {' / '.join(magnitude(x, 'kgCO2e') for x in (p5, p50, p95))}",
            markup=False,
        )
