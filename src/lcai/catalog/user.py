"""Which catalog folders lcai reads: the packaged one (or another base, to compare two
versions), and a user's folder of tables in the same format that overrides or extends it.

The user folder is ``use(overlay=...)`` (``lcai --catalog-dir DIR``), else the
``LCAI_CATALOG_DIR`` environment variable. Its rows are checked as the packaged ones
are: the header, a finite value, a unit lcai parses, a year, a source in the
bibliography (the packaged one plus the folder's ``sources/*.yaml``).

May import: units, errors.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from lcai.errors import DataError, UnitError

__all__ = [
    "ENV",
    "MAX_BYTES",
    "base_dir",
    "check_rows",
    "extra_rows",
    "overlay_dir",
    "read_text",
    "rows_over",
    "use",
    "using",
]

ENV = "LCAI_CATALOG_DIR"
"""The environment variable naming a user's catalog folder."""
MAX_BYTES = 20_000_000
"""The largest catalog file read (a table or a bibliography), in bytes."""

_state: dict[str, Any] = {"base": None, "overlay": None, "env": True, "rows": {}}
_clearers: list[Callable[[], None]] = []


def on_change(clear: Callable[[], None]) -> None:
    """Register a cache to clear when the folders change."""
    _clearers.append(clear)


def _folder(path: str | Path, what: str) -> Path:
    p = Path(path)
    if not p.is_dir():
        raise DataError(f"{what} {p}: not a folder (expected one with tables/ and sources/)")
    if not (p / "tables").is_dir() and not (p / "sources").is_dir():
        raise DataError(f"{what} {p}: has neither tables/ nor sources/")
    return p


_NEAR = 0.85
"""difflib's similarity above which a name is a misspelling: one or two letters off a name
of ten or more (grid_intensty 0.96); distinct names like devices / servers score 0.57."""


def _near_spellings(folder: Path) -> None:
    """A user's table that is not packaged but is spelt nearly like a packaged one is a
    typo, not a new table: it would be added beside the packaged one and change nothing."""
    import difflib
    from importlib import resources

    tables = folder / "tables"
    if not tables.is_dir():
        return
    packaged = {
        f.stem for f in Path(str(resources.files("lcai") / "data" / "tables")).glob("*.csv")
    }
    for f in sorted(tables.glob("*.csv")):
        if f.stem in packaged:
            continue
        close = difflib.get_close_matches(f.stem, sorted(packaged), n=1, cutoff=_NEAR)
        if close:
            raise DataError(
                f"{f}: no packaged table {f.stem!r}; did you mean {close[0]}.csv? (a new "
                "table may not be spelt nearly like a packaged one)"
            )


def use(
    base: str | Path | None = None, overlay: str | Path | None = None, *, env: bool = True
) -> None:
    """Read the catalog from ``base`` (default: the packaged one) with ``overlay`` over it
    (default: ``LCAI_CATALOG_DIR`` where ``env``)."""
    b = None if base is None else _folder(base, "catalog")  # both checked before either is set
    o = None if overlay is None else _folder(overlay, "catalog folder")
    if o is not None:
        _near_spellings(o)
    _state["base"], _state["overlay"], _state["env"] = b, o, env
    for clear in _clearers:
        clear()


@contextmanager
def using(base: str | Path | None = None, overlay: str | Path | None = None) -> Iterator[None]:
    """The catalog read from exactly these folders for the block (no environment
    variable), then as before."""
    before = dict(_state)
    try:
        use(base, overlay, env=False)
        yield
    finally:
        _state.update(before)
        for clear in _clearers:
            clear()


@contextmanager
def rows_over(rows: dict[str, list[Any]]) -> Iterator[None]:
    """Extra rows (table name -> Row list) over the catalog for the block: an assessment
    file's own hardware. Not thread-safe: one resolution at a time."""
    if not rows:
        yield
        return
    before = _state["rows"]
    _state["rows"] = {**before, **rows}
    for clear in _clearers:
        clear()
    try:
        yield
    finally:
        _state["rows"] = before
        for clear in _clearers:
            clear()


def extra_rows(table: str) -> list[Any]:
    """The rows :func:`rows_over` adds to ``table``."""
    return list(_state["rows"].get(table, []))


def base_dir() -> Path | None:
    """The base folder in use instead of the packaged one (None: the packaged one)."""
    base = _state["base"]
    return None if base is None else Path(base)


def overlay_dir() -> Path | None:
    """The user's folder over the base (explicit, else ``LCAI_CATALOG_DIR``), or None."""
    if _state["overlay"] is not None:
        return Path(_state["overlay"])
    if not _state["env"]:
        return None
    env_check()
    env = os.environ.get(ENV, "").strip()
    return _folder(env, f"{ENV}:") if env else None


def env_check() -> None:
    """Clear the caches when ``LCAI_CATALOG_DIR`` was set or changed since the tables were
    read (a dictionary lookup: cheap enough for every table lookup)."""
    if _state["overlay"] is not None or not _state["env"]:
        return
    env = os.environ.get(ENV, "").strip()
    if env != _state.get("seen_env", ""):
        _state["seen_env"] = env
        for clear in _clearers:
            clear()
        if env:
            _near_spellings(_folder(env, f"{ENV}:"))


def read_text(path: Path) -> str:
    """A catalog file as text: bounded, UTF-8, a regular file."""
    try:
        if not path.is_file():
            raise DataError(f"{path}: not a regular file")
        if path.stat().st_size > MAX_BYTES:
            raise DataError(f"{path}: larger than {MAX_BYTES:,} bytes")
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise DataError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot be read ({exc.strerror})") from None


_SHARES = ("utilisation", "mfu", "goodput", "_fraction", "_share", "_utilisation", "_yield")
"""Quantities that are shares of a whole: from 0 to 1."""


MIN_YIELD = 0.01
"""The lowest yield a user catalog may state: a sanity bound, not a published figure
(production yields are tens of percent; 0.01 already multiplies a die's impacts 100-fold)."""


def _bound(quantity: str, value: float) -> str | None:
    """What is wrong with ``value`` for ``quantity`` (no catalog quantity is negative; a PUE
    is at least 1; a share at most 1), or None."""
    if value < 0:
        return f"{quantity} must not be negative, got {value:g}"
    if quantity == "pue" and value < 1:
        return f"a PUE is at least 1 (total facility energy / IT energy), got {value:g}"
    if (quantity.endswith(_SHARES) or quantity in _SHARES) and value > 1:
        return f"{quantity} is a share: at most 1, got {value:g}"
    if quantity.endswith("_yield") and value < MIN_YIELD:
        return (
            f"{quantity} divides the per-area impacts: at least {MIN_YIELD:g} (a yield "
            f"under it would multiply them over {1 / MIN_YIELD:g}-fold), got {value:g}"
        )
    return None


def check_rows(rows: Any, path: Path, sources: Any) -> None:
    """The checks a user's rows must pass: finite and physically possible value, known
    unit, a year from 1900 to 2100, a source in the bibliography, no key and quantity given
    twice. ``rows`` are (line, Row); errors name file:line."""
    from lcai.units import parse_unit

    seen: dict[tuple[str, str], int] = {}
    for line, r in rows:
        where = f"{path}:{line}"
        if not r.key or not r.quantity:
            raise DataError(f"{where}: key and quantity must not be empty")
        if (r.key, r.quantity) in seen:
            raise DataError(
                f"{where}: {r.key} {r.quantity} is given twice (first on line "
                f"{seen[(r.key, r.quantity)]})"
            )
        seen[(r.key, r.quantity)] = line
        if not math.isfinite(r.value):
            raise DataError(f"{where}: value must be a finite number, got {r.value}")
        problem = _bound(r.quantity, r.value)
        if problem is not None:
            raise DataError(f"{where}: {problem}")
        try:
            parse_unit(r.unit)
        except UnitError as exc:
            raise DataError(f"{where}: unit: {exc}") from None
        if not 1900 <= r.year <= 2100:
            raise DataError(f"{where}: year must be from 1900 to 2100, got {r.year}")
        if r.source_id not in sources:
            raise DataError(
                f"{where}: source_id {r.source_id!r} is not in the bibliography (add it to "
                "the folder's sources/*.yaml)"
            )
