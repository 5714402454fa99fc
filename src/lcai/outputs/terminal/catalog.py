"""The packaged data tables as terminal tables: the list, a table's rows, a citation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from lcai.fmt import number
from lcai.outputs.terminal import escape

if TYPE_CHECKING:
    from lcai.catalog import Row
    from lcai.catalog.diff import RowChange
    from lcai.whatif.catalog_change import Attribution

__all__ = [
    "render_attribution",
    "render_citation",
    "render_diff",
    "render_rows",
    "render_table_list",
]


def render_table_list(console: Console) -> None:
    """Print every packaged table: name, rows, keys, version and description."""
    from lcai import catalog

    t = Table(title="lcai data tables", title_justify="left")
    for col in ("table", "rows", "keys", "version", "description"):
        t.add_column(col, overflow="fold")
    for name in catalog.table_names():
        tab = catalog.table(name)
        t.add_row(
            escape(name),
            str(len(tab.rows)),
            str(len(tab.keys())),
            escape(tab.version),
            escape(tab.description.split(". ")[0][:90]),
        )
    console.print(t)


def render_rows(name: str, description: str, rows: Sequence[Row], console: Console) -> None:
    """Print a table's rows with their units, years and sources."""
    t = Table(
        title=escape(f"{name}: {len(rows)} rows"),
        title_justify="left",
        caption=escape(description),
    )
    for col in ("key", "label", "quantity", "value", "unit", "year", "source"):
        t.add_column(col, overflow="fold")
    for r in rows:
        cells = (r.key, r.label, r.quantity, number(r.value, 10), r.unit, str(r.year), r.source_id)
        t.add_row(*[escape(c) for c in cells])
    console.print(t)


def render_citation(citation: str, used_by: Mapping[str, int], console: Console) -> None:
    """Print a source's full reference and how many rows of each table use it."""
    console.print(escape(citation), soft_wrap=True)
    for name, n in used_by.items():
        console.print(escape(f"  used by {n} row(s) of {name}"))
    if not used_by:
        console.print("  (not used by any packaged row)")


def _side(r: Row | None) -> str:
    return "-" if r is None else f"{number(r.value, 6)} {r.unit} ({r.source_id}, {r.year})"


def render_diff(changes: Sequence[RowChange], old: str, new: str, console: Console) -> None:
    """Print the rows that differ between two catalogs."""
    t = Table(
        title=escape(f"Catalog {old} -> {new}: {len(changes)} rows differ"), title_justify="left"
    )
    for col in ("table", "key", "quantity", "change", "old", "new"):
        t.add_column(col, overflow="fold")
    for c in changes:
        t.add_row(
            *(escape(x) for x in (c.table, c.key, c.quantity, c.change, _side(c.old), _side(c.new)))
        )
    console.print(t)


def render_attribution(a: Attribution, console: Console) -> None:
    """Print the change of a life-cycle total and the parameters that made it."""
    if not a.change and not a.steps:
        console.print(
            escape(
                f"{a.quantity}: {number(a.old_total, 6)}, unchanged: no row this "
                "assessment reads differs between the two catalogs"
            )
        )
        return
    t = Table(
        title=escape(
            f"{a.quantity}: {number(a.old_total, 6)} -> {number(a.new_total, 6)} "
            f"({a.attributed_share:.1%} of the change attributed)"
        ),
        title_justify="left",
    )
    for col in ("parameter", "row", "old", "new", "part of the change", "share"):
        t.add_column(col, overflow="fold")
    for s in a.steps:
        share = s.delta / a.change if a.change else 0.0
        t.add_row(
            escape(s.name),
            escape(s.row or "-"),
            escape(f"{number(s.old, 6)} {s.unit}"),
            escape(f"{number(s.new, 6)} {s.unit}"),
            escape(number(s.delta, 6)),
            f"{share:.1%}",
        )
    if a.unattributed:
        t.add_row("(structure)", "-", "-", "-", escape(number(a.unattributed, 6)), "")
    console.print(t)
