"""The one hourly-intensity reader (fleet and assessments): regions, hours, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from lcai.errors import SpecError
from lcai.measure.intensity import read_hourly_intensity


def test_regions_and_hours(tmp_path: Path) -> None:
    """Rows fall in the clock hour of their timestamp (UTC without a zone); g -> kg."""
    f = tmp_path / "h.csv"
    f.write_text(
        "timestamp,region,gco2e_per_kwh\n"
        "2024-01-01T00:30:00,FR,50\n"
        "2024-01-01T01:00:00+01:00,DE,400\n"  # = 00:00 UTC
    )
    hi = read_hourly_intensity(f)
    assert hi.by_region == {"FR": {1704067200: 0.05}, "DE": {1704067200: 0.4}}


def test_without_a_region_column(tmp_path: Path) -> None:
    f = tmp_path / "h.csv"
    f.write_text("timestamp,gco2e_per_kwh\n2024-01-01T00:00:00Z,120\n")
    assert read_hourly_intensity(f).by_region == {None: {1704067200: 0.12}}


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"time,value\n", "expected columns timestamp, gco2e_per_kwh"),
        (b"timestamp,gco2e_per_kwh\n", "has no rows"),
        (b"timestamp,gco2e_per_kwh\nsoon,5\n", "line 2: timestamp: expected ISO 8601"),
        (b"timestamp,gco2e_per_kwh\n2024-01-01,nan\n", "expected 0-5000, got nan"),
        (b"timestamp,gco2e_per_kwh\n2024-01-01,-3\n", "expected 0-5000, got -3"),
        (b"timestamp,gco2e_per_kwh\n2024-01-01,1e9\n", "expected 0-5000"),
        (b"timestamp,gco2e_per_kwh\n2024-01-01,x\n", "expected a number, got 'x'"),
        (b"timestamp,gco2e_per_kwh\n2024-01-01\n", "expected a number, got ''"),
        (b"timestamp,region,gco2e_per_kwh\n2024-01-01,,5\n", "region: empty"),
        (b"\xff\xfe\x00garbage", "is not a UTF-8 text file"),
        (
            b"timestamp,region,gco2e_per_kwh\n2024-01-01T00:00,FR,5\n2024-01-01T00:30,FR,6\n",
            "line 3: the hour of '2024-01-01T00:30' in FR is also on line 2",
        ),
    ],
)
def test_bad_input_names_file_line_and_column(
    tmp_path: Path, content: bytes, fragment: str
) -> None:
    f = tmp_path / "h.csv"
    f.write_bytes(content)
    with pytest.raises(SpecError, match=fragment.replace("(", r"\(")) as info:
        read_hourly_intensity(f)
    assert "h.csv" in str(info.value)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="cannot be read"):
        read_hourly_intensity(tmp_path / "none.csv")
    with pytest.raises(SpecError, match="cannot be read"):
        read_hourly_intensity(tmp_path)
