"""Run-file summaries (``lcai runs show``) as terminal tables."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

from lcai.fmt import magnitude
from lcai.outputs.terminal import escape

__all__ = ["render_runs"]


def _num(value: float | None, unit: str) -> str:
    """``value`` in ``unit`` for people (:func:`lcai.fmt.magnitude`), '-' when unknown."""
    return "-" if value is None else magnitude(value, unit)


def _kg(grams: float | None) -> float | None:
    return None if grams is None else grams / 1000


def _table(sm: Mapping[str, Any]) -> Table:
    """The title says how the energy was obtained (an estimate is never "measured")."""
    t = Table(
        title=escape(f"{sm['file']}: {_num(sm['duration_s'], 's')}, {sm['energy']}"),
        title_justify="left",
    )
    for col in ("device", "energy", "average power", "method"):
        t.add_column(col, justify="right" if col in ("energy", "average power") else "left")
    for d, v in sm["devices"].items():
        t.add_row(
            escape(d),
            _num(v["energy_kwh"], "kWh"),
            _num(v["average_power_w"], "W"),
            escape(v["method"]),
        )
    return t


def _footprint(sm: Mapping[str, Any], console: Console) -> None:
    """With a region: CO2e and water of the run's energy, with the factors' sources."""
    if sm["co2e_g"] is None and sm["water_l"] is None:
        return
    console.print(
        escape(
            f"  region {sm['region']}: {_num(_kg(sm['co2e_g']), 'kgCO2e')}, "
            f"{_num(sm['water_l'], 'L')} water (IT energy only: no PUE)"
        ),
        soft_wrap=True,
    )
    for c in sm["citations"]:
        console.print(f"  factor: {escape(c)}", soft_wrap=True)


def render_runs(summaries: Sequence[Mapping[str, Any]], console: Console) -> None:
    """Print each run: duration, energy and how it was obtained; energy, power and
    method per device; CO2e and water with a region; notes."""
    for sm in summaries:
        console.print(_table(sm))
        _footprint(sm, console)
        for a in sm["assumptions"]:
            console.print(f"  assumption: {escape(a)}", soft_wrap=True)
        for w in sm["warnings"]:
            console.print(f"  [yellow]warning:[/yellow] {escape(w)}", soft_wrap=True)
