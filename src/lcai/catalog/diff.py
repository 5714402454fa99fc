"""What changed between two catalogs: rows added, removed or changed, table by table.

A catalog is the packaged one (None), a whole catalog folder (one with a
``catalog.yaml``), or a user's folder of tables read over the packaged catalog.

May import: catalog, units, errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from lcai import catalog
from lcai.catalog import Row, user

__all__ = ["RowChange", "diff_catalogs", "folders_of", "load_rows", "version_of"]

Change = Literal["added", "removed", "changed"]


@dataclass(frozen=True)
class RowChange:
    """One row that differs between two catalogs."""

    table: str
    key: str
    quantity: str
    change: Change
    old: Row | None
    new: Row | None

    def to_dict(self) -> dict[str, Any]:
        def side(r: Row | None) -> dict[str, Any] | None:
            if r is None:
                return None
            return {"value": r.value, "unit": r.unit, "year": r.year, "source_id": r.source_id}

        return {
            "table": self.table,
            "key": self.key,
            "quantity": self.quantity,
            "change": self.change,
            "old": side(self.old),
            "new": side(self.new),
        }


def folders_of(folder: str | Path | None) -> tuple[Path | None, Path | None]:
    """(base, overlay) of a catalog given as None (packaged) or a folder."""
    if folder is None:
        return None, None
    p = Path(folder)
    return (p, None) if (p / "catalog.yaml").is_file() else (None, p)


def load_rows(folder: str | Path | None) -> dict[str, dict[tuple[str, str], Row]]:
    """Every table's rows of a catalog, by (key, quantity)."""
    base, overlay = folders_of(folder)
    with user.using(base, overlay):
        return {
            name: {(r.key, r.quantity): r for r in catalog.table(name).rows}
            for name in catalog.table_names()
        }


def version_of(folder: str | Path | None) -> str:
    """The catalog's version (a user's folder: the packaged version it overlays, marked)."""
    base, overlay = folders_of(folder)
    with user.using(base, overlay):
        path = catalog.data_dir() / "catalog.yaml"
        if base is None:
            card = catalog.load_yaml(path.read_text(encoding="utf-8")) or {}
        else:
            where = Path(str(path))
            card = catalog.load_yaml(user.read_text(where), str(where)) or {}
    if not isinstance(card, dict):
        card = {}
    version = str(card.get("version", "unknown"))
    return f"{version} + {overlay}" if overlay is not None else version


def _same(a: Row, b: Row) -> bool:
    return (a.value, a.unit, a.year, a.source_id) == (b.value, b.unit, b.year, b.source_id)


def diff_catalogs(old: str | Path | None, new: str | Path | None) -> list[RowChange]:
    """The rows that differ (value, unit, year or source), were added or were removed."""
    a, b = load_rows(old), load_rows(new)
    out: list[RowChange] = []
    for name in sorted(set(a) | set(b)):
        ra, rb = a.get(name, {}), b.get(name, {})
        for kq in list(ra) + [x for x in rb if x not in ra]:
            x, y = ra.get(kq), rb.get(kq)
            if x is not None and y is not None and _same(x, y):
                continue
            change: Change = "added" if x is None else "removed" if y is None else "changed"
            out.append(RowChange(name, kq[0], kq[1], change, x, y))
    return out
