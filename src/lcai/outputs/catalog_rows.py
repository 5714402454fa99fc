"""The packaged data as outputs read it: a table's rows by column values, its rows as
CSV, and a source's citation with the rows that use it."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lcai.catalog import Row, Table

__all__ = ["FILTER_COLUMNS", "citation_and_usage", "rows_csv", "select_rows"]

FILTER_COLUMNS = ("key", "label", "quantity", "unit", "year", "source_id")
_CSV_COLUMNS = ("key", "label", "quantity", "value", "unit", "year", "source_id", "note")


def select_rows(name: str, criteria: Mapping[str, str]) -> tuple[Table, list[Row]]:
    """The table ``name`` and its rows whose columns equal ``criteria`` (a key may be an alias)."""
    from lcai import catalog
    from lcai.errors import SpecError

    tab = catalog.table(name)
    wanted: dict[str, str] = {}
    for col, val in criteria.items():
        if col not in FILTER_COLUMNS:
            raise SpecError(
                f"unknown column {col!r} (key, label, quantity, year, ...)", path=("filter",)
            )
        wanted[col] = tab.resolve(val) if col == "key" else val
    return tab, list(tab.filter(**wanted))


def rows_csv(rows: Iterable[Row]) -> str:
    """Rows as CSV with a header line: key, label, quantity, value, unit, year, source_id, note."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(_CSV_COLUMNS)
    for r in rows:
        w.writerow([r.key, r.label, r.quantity, r.value, r.unit, r.year, r.source_id, r.note])
    return buf.getvalue()


def citation_and_usage(source_id: str) -> tuple[str, dict[str, int]]:
    """A source's full reference, and how many rows of each packaged table cite it."""
    from lcai import catalog

    s = catalog.source(source_id)
    used: dict[str, int] = {}
    for name in catalog.table_names():
        n = sum(1 for r in catalog.table(name).rows if r.source_id == s.id)
        if n:
            used[name] = n
    return catalog.format_citation(s), used
