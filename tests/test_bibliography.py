"""The packaged bibliography (lcai/data/sources/*.yaml): every entry says what it is, under
which terms lcai uses its figures, when it was read, and where it can be found publicly."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

import lcai

SOURCES = Path(lcai.__file__).resolve().parent / "data" / "sources"
FILES = sorted(SOURCES.glob("*.yaml"))
LOCAL_PATH_MARKERS = ("/tmp", "/work", "/home", "file:")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _entries() -> list[tuple[str, str, dict[str, Any]]]:
    out = []
    for path in FILES:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        assert isinstance(data, dict), f"{path.name}: expected a mapping of source ids"
        for sid, entry in data.items():
            out.append((path.name, str(sid), entry))
    return out


ENTRIES = _entries()
IDS = [f"{name}:{sid}" for name, sid, _ in ENTRIES]


def _strings(value: Any) -> list[str]:
    """Every string inside a field value (nested lists and mappings included)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in _strings(k) + _strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return []


def test_bibliography_files_are_packaged() -> None:
    assert FILES, f"no bibliography files under {SOURCES}"
    assert len(ENTRIES) >= 170


@pytest.mark.parametrize(("name", "sid", "entry"), ENTRIES, ids=IDS)
def test_entry_has_title_year_licence(name: str, sid: str, entry: Any) -> None:
    assert isinstance(entry, dict), f"{name}: {sid} is not a mapping of fields"
    title = entry.get("title")
    assert isinstance(title, str) and title.strip(), f"{name}: {sid} has no title"
    year = entry.get("year")
    assert isinstance(year, int) and not isinstance(year, bool), f"{name}: {sid} year {year!r}"
    assert 1900 <= year <= 2026, f"{name}: {sid} year {year} out of range"
    licence = entry.get("licence")
    assert isinstance(licence, str) and licence.strip(), f"{name}: {sid} has no licence"


@pytest.mark.parametrize(("name", "sid", "entry"), ENTRIES, ids=IDS)
def test_entry_accessed_is_an_iso_date(name: str, sid: str, entry: Any) -> None:
    accessed = entry.get("accessed")
    assert isinstance(accessed, str), (
        f"{name}: {sid} accessed must be a quoted ISO date, got {accessed!r}"
    )
    assert ISO_DATE.match(accessed), f"{name}: {sid} accessed {accessed!r} is not YYYY-MM-DD"
    day = date.fromisoformat(accessed)
    assert date(2020, 1, 1) <= day <= date(2026, 12, 31), f"{name}: {sid} accessed {day}"


@pytest.mark.parametrize(("name", "sid", "entry"), ENTRIES, ids=IDS)
def test_entry_url_is_web_address(name: str, sid: str, entry: Any) -> None:
    url = entry.get("url")
    if url is None or url == "":  # no public address (e.g. a copy without a header)
        return
    assert isinstance(url, str), f"{name}: {sid} url {url!r}"
    assert url.startswith(("https://", "http://")), f"{name}: {sid} url {url!r}"
    assert not any(c.isspace() for c in url), f"{name}: {sid} url has whitespace: {url!r}"


@pytest.mark.parametrize(("name", "sid", "entry"), ENTRIES, ids=IDS)
def test_entry_names_no_local_path(name: str, sid: str, entry: Any) -> None:
    for text in _strings(entry):
        for marker in LOCAL_PATH_MARKERS:
            assert marker not in text, f"{name}: {sid} names a local path ({marker!r}): {text!r}"


def test_ids_are_unique_across_files() -> None:
    seen: dict[str, str] = {}
    for name, sid, _ in ENTRIES:
        assert sid not in seen, f"{sid} is in both {seen[sid]} and {name}"
        seen[sid] = name
