"""Run-file summaries (``lcai runs show``) as terminal tables."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

__all__ = ["render_runs"]


def render_runs(summaries: Sequence[dict[str, Any]], console: Console) -> None:
    """Print each run: duration, energy, backends; energy and power per device; notes."""
    for sm in summaries:
        backends = ", ".join(sm["backends"]) or "none"
        t = Table(
            title=escape(
                f"{sm['file']}: {sm['duration_s']:.1f} s, {sm['energy_kwh']:.6g} kWh, "
                f"backends {backends}"
            ),
            title_justify="left",
        )
        for col in ("device", "energy", "average power"):
            t.add_column(col, justify="left" if col == "device" else "right")
        for d, v in sm["devices"].items():
            p = v["average_power_w"]
            t.add_row(escape(d), f"{v['energy_kwh']:.6g} kWh", "-" if p is None else f"{p:.1f} W")
        console.print(t)
        for a in sm["assumptions"]:
            console.print(f"  assumption: {escape(a)}", soft_wrap=True)
        for w in sm["warnings"]:
            console.print(f"  [yellow]warning:[/yellow] {escape(w)}", soft_wrap=True)
