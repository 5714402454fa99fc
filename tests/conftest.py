"""Shared fixtures: a small catalog of round numbers for hand-worked tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from lcai import catalog

FIXTURE_CATALOG = Path(__file__).parent / "fixtures" / "catalog"
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _clear() -> None:
    catalog.table.cache_clear()
    catalog.table_names.cache_clear()
    catalog.bibliography.cache_clear()


@pytest.fixture
def fixture_catalog(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point lcai at tests/fixtures/catalog (round numbers) instead of the packaged data."""
    _clear()
    monkeypatch.setattr(catalog, "_data_dir", lambda: FIXTURE_CATALOG)
    yield FIXTURE_CATALOG
    _clear()
