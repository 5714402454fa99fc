"""A fleet accounting (``lcai fleet account``) as a terminal table and notes."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from lcai.fmt import magnitude
from lcai.outputs.terminal import escape

if TYPE_CHECKING:
    from lcai.fleet.account import FleetResult

__all__ = ["render_fleet"]


def render_fleet(res: FleetResult, output: Path, console: Console, top: int = 15) -> None:
    """Print the ``top`` jobs by carbon (saying how many more the output holds), the data
    faults found, and the assumptions."""
    t = Table(title=escape(f"Fleet: {res.samples:,} samples -> {output}"), title_justify="left")
    for col in ("job", "project", "GPU-hours", "energy", "carbon", "water"):
        t.add_column(col, justify="left" if col in ("job", "project") else "right")
    for row in res.jobs.sort("co2e_kg", descending=True).head(top).iter_rows(named=True):
        t.add_row(
            escape(str(row["job_id"])), escape(str(row.get("project") or "")),
            f"{row['gpu_hours']:,.2f}", magnitude(row["energy_kwh"], "kWh"),
            magnitude(row["co2e_kg"], "kg"), magnitude(row["water_l"], "L"),
        )  # fmt: skip
    console.print(t)
    hidden = res.jobs.height - top
    if hidden > 0:
        rows = "row" if hidden == 1 else "rows"
        console.print(f"  ... and {hidden:,} more {rows} with less carbon: every row is in "
                      f"{escape(str(output))}", soft_wrap=True)  # fmt: skip
    faults = {k: v for k, v in res.quality.to_dict().items() if v["count"]}
    for k, v in faults.items():
        console.print(f"[yellow]{escape(k)}[/yellow]: {v['count']} ({escape(v['rule'])})",
                      soft_wrap=True)  # fmt: skip
    for a in res.assumptions:
        console.print(f"  - {escape(a)}", soft_wrap=True)
