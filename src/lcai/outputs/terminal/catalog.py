"""The packaged data tables as terminal tables: the list, a table's rows, a citation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from lcai.outputs.fmt import number
from lcai.outputs.terminal import escape

if TYPE_CHECKING:
    from lcai.catalog import Row

__all__ = ["render_citation", "render_rows", "render_table_list"]


def render_table_list(console: Console) -> None:
    """Print every packaged table: name, rows, keys, version and description."""
    from lcai import catalog

    t = Table(title="lcai data tables", title_justify="left")
    for col in ("table", "rows", "keys", "version", "description"):
        t.add_column(col, overflow="fold")
    for name in catalog.table_names():
        tab = catalog.table(name)
        t.add_row(
            escape(name), str(len(tab.rows)), str(len(tab.keys())), escape(tab.version),
            escape(tab.description.split(". ")[0][:90]),
        )  # fmt: skip
    console.print(t)


def render_rows(name: str, description: str, rows: Sequence[Row], console: Console) -> None:
    """Print a table's rows with their units, years and sources."""
    t = Table(
        title=escape(f"{name}: {len(rows)} rows"), title_justify="left",
        caption=escape(description),
    )  # fmt: skip
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
