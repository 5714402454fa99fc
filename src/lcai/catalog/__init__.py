"""The packaged, cited data catalog: tables of factors and their bibliography.

Tables are tidy CSVs (``key,label,quantity,value,unit,year,source_id,note``)
under ``lcai/data/tables`` with a YAML description beside each; the
bibliography is the union of ``lcai/data/sources/*.yaml``. Nothing is read at
import: the first lookup loads a table and caches it.

May import: units, errors.
"""

from __future__ import annotations

import csv
import datetime
import difflib
import io
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import Any

from lcai.catalog import user as user_folder
from lcai.errors import DataError, UnknownKeyError
from lcai.units import convert

__all__ = [
    "Factor",
    "Row",
    "Source",
    "Table",
    "bibliography",
    "citations",
    "data_dir",
    "format_citation",
    "load_yaml",
    "regional_key",
    "source",
    "table",
    "table_names",
]

_COLUMNS = ("key", "label", "quantity", "value", "unit", "year", "source_id", "note")
FILE_ORIGIN = "the assessment file"
"""The origin of rows an assessment file describes itself (its ``hardware``)."""


@dataclass(frozen=True)
class Row:
    """One row of a catalog table, as written in the CSV."""

    key: str
    label: str
    quantity: str
    value: float
    unit: str
    year: int
    source_id: str
    note: str
    origin: str = ""
    """Where the row comes from: "" for the packaged (or base) catalog, else the user's file."""


@dataclass(frozen=True)
class Factor:
    """A catalog value converted to the unit the caller asked for, with provenance."""

    value: float
    unit: str
    table: str
    key: str
    quantity: str
    year: int
    source_id: str
    note: str = ""
    origin: str = ""
    """The user's file the row comes from ("" for the packaged or base catalog)."""

    @property
    def ref(self) -> str:
        """Short provenance string: ``table:key.quantity (source_id, year)``."""
        return f"{self.table}:{self.key}.{self.quantity} ({self.source_id}, {self.year})"


@dataclass(frozen=True)
class Source:
    """One bibliography entry."""

    id: str
    title: str
    authors: str = ""
    year: int | None = None
    venue: str = ""
    url: str = ""
    note: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)


def _normalise(name: str) -> str:
    return re.sub(r"[\s_\-./()]+", "", name.lower())


def _load_yaml(text: str, origin: str = "") -> Any:
    """Parse YAML with the C loader when PyYAML has it (10x faster on the alias maps).

    ``origin``: a user's file, read untrusted: no aliases (a few bytes of them expand to
    gigabytes), no key given twice in a mapping, and a parse error names the file."""
    import yaml  # local: keeps `import lcai` free of file reads and heavy imports

    from lcai.files import yaml_only_tag

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    if not origin:
        return yaml.load(text, Loader=loader)  # a safe loader (C or Python): packaged data
    try:
        for event in yaml.parse(text, Loader=loader):
            if isinstance(event, yaml.AliasEvent):
                raise DataError(f"{origin}: YAML aliases are not allowed in catalog files")
            kind = yaml_only_tag(getattr(event, "tag", None))
            if kind is not None:
                mark = event.start_mark
                line = f":{mark.line + 1}" if mark is not None else ""
                raise DataError(f"{origin}{line}: a YAML !!{kind} value: catalog files hold "
                                "text, numbers, lists and mappings")  # fmt: skip
        root = yaml.compose(text, Loader=loader)
        _no_duplicate_keys(root, origin)
        return yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise DataError(
            f"{origin}{line}: not valid YAML ({getattr(exc, 'problem', exc)})"
        ) from None


def _check_quantities(quantities: Any, origin: str) -> None:
    """A user card's ``quantities``: a mapping of text names to {unit, description} text."""
    if quantities is None:
        return
    if not isinstance(quantities, dict):
        raise DataError(f"{origin}: quantities must be a mapping of name: {{unit, description}}")
    for name, spec in quantities.items():
        if not isinstance(name, str) or not name:
            raise DataError(f"{origin}: a quantity's name must be text, got {name!r}")
        if not isinstance(spec, dict) or not all(
            isinstance(spec.get(f, ""), str) for f in ("unit", "description")
        ):
            raise DataError(f"{origin}: quantity {name!r} must be a mapping of text unit and "
                            "description")  # fmt: skip


def _no_duplicate_keys(node: Any, origin: str, depth: int = 0) -> None:
    """Refuse a mapping key given twice (YAML keeps the last silently), and nesting past 50."""
    import yaml

    if depth > 50:
        raise DataError(f"{origin}: nested more than 50 levels")
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for k, v in node.value:
            key = str(k.value)
            if key in seen:
                raise DataError(f"{origin}:{k.start_mark.line + 1}: '{key}' is given twice")
            seen.add(key)
            _no_duplicate_keys(v, origin, depth + 1)
    elif isinstance(node, yaml.SequenceNode):
        for v in node.value:
            _no_duplicate_keys(v, origin, depth + 1)


@dataclass(frozen=True, eq=False)
class Table:
    """A loaded catalog table; its YAML description is read only when first needed."""

    name: str
    rows: tuple[Row, ...]

    @cached_property
    def _meta(self) -> dict[str, Any]:
        path = _data_dir() / "tables" / f"{self.name}.yaml"
        meta = dict(_load_yaml(path.read_text(encoding="utf-8")) or {}) if path.is_file() else {}
        user = user_folder.overlay_dir()
        upath = user / "tables" / f"{self.name}.yaml" if user is not None else None
        if upath is not None and upath.is_file():
            extra = _load_yaml(user_folder.read_text(upath), str(upath)) or {}
            if not isinstance(extra, dict):
                raise DataError(f"{upath}: expected a mapping of fields")
            if not isinstance(extra.get("aliases") or {}, dict):
                raise DataError(f"{upath}: aliases must be a mapping of name: key")
            _check_quantities(extra.get("quantities"), str(upath))
            aliases = {**(meta.get("aliases") or {}), **(extra.get("aliases") or {})}
            meta = {**extra, **meta, "aliases": aliases}  # the packaged card wins but aliases
        return meta

    def card(self, field: str) -> Any:
        """A field of the table's description card (its YAML file), None if absent."""
        return self._meta.get(field)

    @property
    def description(self) -> str:
        return str(self._meta.get("description", "")).strip()

    @property
    def version(self) -> str:
        return str(self._meta.get("version", ""))

    @property
    def licence(self) -> str:
        return str(self._meta.get("licence", ""))

    @property
    def quantities(self) -> Mapping[str, Mapping[str, str]]:
        return dict(self._meta.get("quantities") or {})

    @cached_property
    def aliases(self) -> Mapping[str, str]:
        """Alternative spellings -> key."""
        return {str(k): str(v) for k, v in (self._meta.get("aliases") or {}).items()}

    @cached_property
    def _by_key(self) -> dict[str, dict[str, Row]]:
        out: dict[str, dict[str, Row]] = {}
        for r in self.rows:
            out.setdefault(r.key, {})[r.quantity] = r
        return out

    def keys(self) -> list[str]:
        """The table's keys, in file order, without repeats."""
        return list(self._by_key)

    def label(self, key: str) -> str:
        """Human-readable label of ``key``."""
        k = self.resolve(key)
        return next(iter(self._by_key[k].values())).label

    @cached_property
    def _index(self) -> dict[str, str]:
        idx: dict[str, str] = {}
        for r in self.rows:
            idx.setdefault(_normalise(r.key), r.key)
        for r in self.rows:
            if r.label:
                idx.setdefault(_normalise(r.label), r.key)
        for alias, key in self.aliases.items():
            if key in self._by_key:  # a stale alias never resolves (tests flag it)
                idx.setdefault(_normalise(alias), key)
        return idx

    def lookup(self, name: str) -> str | None:
        """The key ``name`` stands for (exact key, label or alias, ignoring case and
        separators), or None."""
        if name in self._by_key:
            return name
        return self._index.get(_normalise(name))

    def resolve(self, name: str, kind: str | None = None) -> str:
        """The key ``name`` stands for (as :meth:`lookup`), or :class:`UnknownKeyError`
        with the closest matches."""
        found = self.lookup(name)
        if found is not None:
            return found
        norm = _normalise(name)
        keys = self.keys()
        candidates = keys + [a for a in self.aliases if self.aliases[a] in self._by_key]
        close = difflib.get_close_matches(name, candidates, n=3, cutoff=0.5)
        if not close:
            close = [
                keys[i]
                for i, k in enumerate(_normalise(k) for k in keys)
                if norm and (norm in k or k in norm)
            ][:3]
        raise UnknownKeyError(name, kind or f"{self.name} key", close)

    def has(self, key: str, quantity: str) -> bool:
        """Whether ``key`` (resolved) has a row for ``quantity`` (no suggestions are
        worked out for a miss: callers probe with it)."""
        k = self.lookup(key)
        return k is not None and quantity in self._by_key[k]

    def row(self, key: str, quantity: str, *, kind: str | None = None) -> Row:
        """The row for ``key`` and ``quantity``."""
        k = self.resolve(key, kind)
        rows = self._by_key[k]
        if quantity in rows:
            return rows[quantity]
        if any(r.origin == FILE_ORIGIN for r in rows.values()):
            raise DataError(f"{k} (the file's hardware) has no {quantity}: give it there")
        raise UnknownKeyError(f"{k}.{quantity}", f"{self.name} quantity", sorted(rows))

    def factor(self, key: str, quantity: str, unit: str, *, kind: str | None = None) -> Factor:
        """The value of ``key``'s ``quantity`` converted to ``unit``, with its provenance."""
        r = self.row(key, quantity, kind=kind)
        return Factor(
            value=convert(r.value, r.unit, unit),
            unit=unit,
            table=self.name,
            key=r.key,
            quantity=r.quantity,
            year=r.year,
            source_id=r.source_id,
            note=r.note,
            origin=r.origin,
        )

    def filter(self, **criteria: str) -> Iterator[Row]:
        """Rows whose columns equal (case-insensitively) the given values."""
        for r in self.rows:
            if all(str(getattr(r, c)).lower() == v.lower() for c, v in criteria.items()):
                yield r


def _data_dir() -> Any:
    base = user_folder.base_dir()
    return base if base is not None else resources.files("lcai") / "data"


def data_dir() -> Any:
    """The catalog folder in use (packaged, or the base of :func:`user.use`)."""
    return _data_dir()


def load_yaml(text: str, origin: str = "") -> Any:
    """YAML text of a catalog file, parsed with a safe loader (``origin``: a user's file,
    read untrusted)."""
    return _load_yaml(text, origin)


def _csv_names(d: Any) -> set[str]:
    return {p.name[:-4] for p in d.iterdir() if p.name.endswith(".csv")} if d.is_dir() else set()


@cache
def table_names() -> tuple[str, ...]:
    """Names of the tables: the packaged (or base) ones and any the user's folder adds."""
    names = _csv_names(_data_dir() / "tables")
    user = user_folder.overlay_dir()
    if user is not None:
        names |= _csv_names(user / "tables")
    return tuple(sorted(names))


def _parse_rows(name: str, text: str, origin: str = "") -> tuple[tuple[int, Row], ...]:
    """(line, row) of a table's CSV; ``origin`` names a user's file in errors and rows."""
    where = origin or f"table {name}"

    def at(line: int) -> str:
        return f"{origin}:{line}" if origin else f"table {name}, line {line}"

    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != _COLUMNS:
        raise DataError(f"{where}: header must be {','.join(_COLUMNS)}, got {reader.fieldnames}")
    rows = []
    for line_no, rec in enumerate(reader, start=2):
        if None in rec:
            raise DataError(f"{at(line_no)}: more cells than the header (quote a note with commas)")
        if any(rec.get(c) is None for c in _COLUMNS):
            raise DataError(f"{at(line_no)}: fewer cells than the header ({','.join(_COLUMNS)})")
        try:
            rows.append(
                (
                    line_no,
                    Row(
                        key=rec["key"].strip(),
                        label=(rec["label"] or "").strip(),
                        quantity=rec["quantity"].strip(),
                        value=float(rec["value"]),
                        unit=rec["unit"].strip(),
                        year=int(rec["year"]),
                        source_id=rec["source_id"].strip(),
                        note=(rec["note"] or "").strip(),
                        origin=origin,
                    ),
                )
            )
        except (TypeError, ValueError, AttributeError) as exc:
            raise DataError(f"{at(line_no)}: {exc}") from None
    return tuple(rows)


def _user_rows(name: str) -> tuple[Row, ...]:
    """The user's rows of table ``name`` (checked), or none."""
    user = user_folder.overlay_dir()
    path = user / "tables" / f"{name}.csv" if user is not None else None
    if path is None or not path.exists():
        return ()
    rows = _parse_rows(name, user_folder.read_text(path), origin=str(path))
    user_folder.check_rows(rows, path, bibliography())
    described = Table(name=name, rows=()).quantities  # the table's card (packaged and user)
    if described:
        _as_described(rows, path, described)
    return tuple(r for _, r in rows)


def _as_described(rows: Iterable[tuple[int, Row]], path: Any, described: Mapping[str, Any]) -> None:
    """Each user row's quantity is one the table's card describes, in a unit of the same
    dimension (a typo would add a row nothing reads; kWh for a grid factor would be read
    as nonsense)."""
    from lcai.units import parse_unit

    for line, r in rows:
        card = described.get(r.quantity)
        if card is None:
            raise DataError(
                f"{path}:{line}: quantity {r.quantity!r} is not one the table describes "
                f"({', '.join(sorted(described))}); describe a new one in the table's yaml"
            )
        unit = str(card.get("unit", "")) if isinstance(card, Mapping) else ""
        if unit and parse_unit(unit)[1] != parse_unit(r.unit)[1]:
            raise DataError(f"{path}:{line}: {r.quantity} is in {unit} or alike, not {r.unit}")


def table(name: str) -> Table:
    """Load (once) and return table ``name``: the packaged (or base) rows, with the user's
    folder's rows over them (a row of the same key and quantity replaces the packaged one)
    and after them (new rows)."""
    user_folder.env_check()
    return _table(name)


@cache
def _table(name: str) -> Table:
    if name not in table_names():
        close = difflib.get_close_matches(name, table_names(), n=3)
        raise UnknownKeyError(name, "table", close)
    path = _data_dir() / "tables" / f"{name}.csv"
    base_dir = user_folder.base_dir()
    if base_dir is None:  # the packaged catalog: trusted, checked by the tests
        base = _parse_rows(name, path.read_text(encoding="utf-8")) if path.is_file() else ()
    elif not path.exists():  # a table only the user's folder has
        base = ()
    else:  # another catalog folder (an old version): read and checked as a user's
        where = Path(str(path))
        base = _parse_rows(name, user_folder.read_text(where), origin=str(where))
        user_folder.check_rows(base, where, bibliography())
        base = tuple((n, replace(r, origin="")) for n, r in base)
    merged: dict[tuple[str, str], Row] = {(r.key, r.quantity): r for _, r in base}
    for r in (*_user_rows(name), *user_folder.extra_rows(name)):
        merged[(r.key, r.quantity)] = r
    t = Table(name=name, rows=tuple(merged.values()))
    _user_aliases_resolve(t)
    return t


def _user_aliases_resolve(t: Table) -> None:
    """A user card's alias that names no key of the table is an error (it would be
    silently ignored)."""
    user = user_folder.overlay_dir()
    card = user / "tables" / f"{t.name}.yaml" if user is not None else None
    if card is None or not card.is_file():
        return
    keys = set(t.keys())
    for alias, key in t.aliases.items():
        if key not in keys:
            raise DataError(f"{card}: alias {alias!r} names {key!r}, which the table lacks")


def _source_files() -> list[tuple[str, str, bool]]:
    """(name, text, untrusted) of every bibliography file: the packaged ones (trusted), or
    a base folder's, then the user's folder's (untrusted: bounded and checked)."""
    out = []
    base = user_folder.base_dir()
    d = _data_dir() / "sources"
    if d.is_dir():
        for p in sorted(d.iterdir(), key=lambda p: p.name):
            if p.name.endswith(".yaml"):
                if base is None:
                    out.append((p.name, p.read_text(encoding="utf-8"), False))
                else:
                    out.append((str(p), user_folder.read_text(Path(str(p))), True))
    user = user_folder.overlay_dir()
    if user is not None and (user / "sources").is_dir():
        for p in sorted((user / "sources").iterdir(), key=lambda p: p.name):
            if p.name.endswith(".yaml"):
                out.append((str(p), user_folder.read_text(p), True))
    return out


def _year(value: Any, name: str, sid: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise DataError(f"{name}: source {sid!r}: year must be a whole number, got {value!r}")
    try:
        return int(value)
    except ValueError:
        raise DataError(
            f"{name}: source {sid!r}: year must be a whole number, got {value!r}"
        ) from None


@cache
def bibliography() -> Mapping[str, Source]:
    """Every source of the catalog's data (and of a user's folder), keyed by ``source_id``."""
    out: dict[str, Source] = {}
    for name, text, untrusted in _source_files():
        entries = _load_yaml(text, name if untrusted else "") or {}
        if not isinstance(entries, dict):
            raise DataError(f"{name}: expected a mapping of source ids")
        for sid, e in entries.items():
            if not isinstance(sid, str):
                raise DataError(f"{name}: a source id must be text, got {sid!r}")
            if sid in out:
                raise DataError(f"source id {sid!r} is defined twice (second in {name})")
            if not isinstance(e, dict):
                raise DataError(f"{name}: source {sid!r} must be a mapping of fields")
            e = dict(e or {})
            year = e.pop("year", None)
            if isinstance(e.get("accessed"), datetime.date):  # YAML reads 2025-03-01 as a date
                e["accessed"] = e["accessed"].isoformat()
            if untrusted:
                for f in ("title", "authors", "venue", "url", "note", "accessed", "licence"):
                    if f in e and not isinstance(e[f], str):
                        raise DataError(f"{name}: source {sid!r}: {f} must be text, got "
                                        f"{type(e[f]).__name__}")  # fmt: skip
            cites = e.get("cites", [])
            if not isinstance(cites, list) or not all(isinstance(c, str) for c in cites):
                raise DataError(f"{name}: source {sid!r}: cites must be a list of source ids")
            out[sid] = Source(
                id=sid,
                title=str(e.pop("title", "")),
                authors=str(e.pop("authors", "")),
                year=_year(year, name, sid),
                venue=str(e.pop("venue", "")),
                url=str(e.pop("url", "")),
                note=str(e.pop("note", "")),
                extra=e,
            )
    for sid, src in out.items():
        missing = [c for c in src.extra.get("cites", ()) if c not in out]
        if missing:
            raise DataError(f"source {sid!r} cites {', '.join(map(repr, missing))}, which the "
                            "bibliography does not hold")  # fmt: skip
    return out


def source(source_id: str) -> Source:
    """The bibliography entry ``source_id`` (with suggestions when unknown)."""
    bib = bibliography()
    if source_id in bib:
        return bib[source_id]
    raise UnknownKeyError(
        source_id, "source", difflib.get_close_matches(source_id, list(bib), n=3, cutoff=0.4)
    )


def regional_key(table_name: str, quantity: str, region: str | None) -> tuple[str, str]:
    """The key of ``table_name`` holding ``quantity`` for a region, falling back from a
    sub-national region (``US-VA``) to its country (``US``) and then to ``WORLD``.

    Returns (key, level) with level ``region``, ``country`` or ``world``.
    """
    t = table(table_name)
    candidates: list[tuple[str, str]] = []
    if region is not None:
        candidates.append((region, "region"))
        if "-" in region and ":" not in region:
            candidates.append((region.split("-")[0], "country"))
    candidates.append(("WORLD", "world"))
    for key, level in candidates:
        if t.has(key, quantity):
            return t.resolve(key), level
    raise DataError(f"table {table_name} has no {quantity} for {region} nor for WORLD")


def citations(source_ids: Iterable[str]) -> dict[str, str]:
    """The one-line citation of each id that is in the bibliography (others left out),
    followed by the sources that a derivation entry ``cites`` (its inputs)."""
    bib = bibliography()
    out: dict[str, str] = {}
    todo = list(dict.fromkeys(source_ids))
    while todo:
        i = todo.pop(0)
        if i in out or i not in bib:
            continue
        out[i] = format_citation(bib[i])
        todo += list(bib[i].extra.get("cites", ()))
    return out


def format_citation(s: Source) -> str:
    """One-line citation: ``Authors (year). Title. Venue. URL``."""
    parts = []
    head = s.authors or ""
    if s.year:
        head = f"{head} ({s.year})" if head else f"({s.year})"
    if head:
        parts.append(head)
    parts.append(s.title)
    if s.venue:
        parts.append(s.venue)
    if s.url:
        parts.append(s.url)
    text = ". ".join(p.rstrip(".") for p in parts if p) + "."
    if s.note:
        text += f" [{s.note}]"
    return text


user_folder.on_change(_table.cache_clear)
setattr(table, "cache_clear", _table.cache_clear)  # noqa: B010  (callers clear it as before)
user_folder.on_change(table_names.cache_clear)
user_folder.on_change(bibliography.cache_clear)
