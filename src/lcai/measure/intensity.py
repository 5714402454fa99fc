"""The hourly grid intensity file, read once for fleets and assessments alike.

CSV with a header: ``timestamp`` (ISO 8601; without a zone, UTC), ``gco2e_per_kwh``
and, optionally, ``region`` (a file for several grids). Each row is the intensity of
the clock hour its timestamp falls in.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from pathlib import Path

from lcai.errors import SpecError
from lcai.measure.inputs import HourlyIntensity
from lcai.units import S_PER_H

__all__ = ["MAX_BYTES", "read_hourly_intensity"]

MAX_BYTES = 512 * 1024 * 1024
"""Largest intensity file read [bytes] (about 10 million rows)."""
_MAX_INTENSITY_G = 5000.0
"""No grid exceeds this [gCO2e/kWh]: the dirtiest yearly averages are ~1,300."""


def _hour(text: str, where: str) -> int:
    try:
        ts = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise SpecError(f"{where}: timestamp: expected ISO 8601, got {text[:40]!r}") from None
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=dt.UTC)
    return int(ts.timestamp() // S_PER_H * S_PER_H)


def _kg_per_kwh(text: str, where: str) -> float:
    try:
        g = float(text)
    except ValueError:
        raise SpecError(f"{where}: gco2e_per_kwh: expected a number, got {text[:40]!r}") from None
    if not math.isfinite(g) or not 0 <= g <= _MAX_INTENSITY_G:
        raise SpecError(f"{where}: gco2e_per_kwh: expected 0-{_MAX_INTENSITY_G:g}, got {g:g}")
    return g / 1000.0


def _rows(reader: csv.DictReader[str], name: str) -> dict[str | None, dict[int, float]]:
    """region (None without a region column) -> {hour start [s] -> kgCO2e/kWh}."""
    cols = set(reader.fieldnames or ())
    if not {"timestamp", "gco2e_per_kwh"} <= cols:
        raise SpecError("expected columns timestamp, gco2e_per_kwh (and region)", file=name)
    has_region = "region" in cols
    by_region: dict[str | None, dict[int, float]] = {}
    first_line: dict[tuple[str | None, int], int] = {}
    for n, row in enumerate(reader, start=2):
        where = f"{name}, line {n}"
        region = ((row.get("region") or "").strip() or None) if has_region else None
        if has_region and region is None:
            raise SpecError(f"{where}: region: empty")
        hour = _hour(row["timestamp"] or "", where)
        if (region, hour) in first_line:
            raise SpecError(
                f"{where}: the hour of {row['timestamp']!r}"
                + (f" in {region}" if region else "")
                + f" is also on line {first_line[region, hour]}; give one row per hour "
                "(average finer data per hour first)"
            )
        first_line[region, hour] = n
        by_region.setdefault(region, {})[hour] = _kg_per_kwh(row["gco2e_per_kwh"] or "", where)
    return by_region


def read_hourly_intensity(path: str | Path) -> HourlyIntensity:
    """Read an hourly intensity CSV; every bad row is an error naming file, line and column."""
    f = Path(path)
    name = str(path)
    try:
        size = f.stat().st_size
        if size > MAX_BYTES:
            raise SpecError(f"larger than {MAX_BYTES // 2**20} MiB", file=name)
        fh = f.open(encoding="utf-8", newline="")
    except OSError as exc:
        raise SpecError(f"cannot be read: {exc.strerror}", file=name) from None
    with fh:
        try:
            by_region = _rows(csv.DictReader(fh), name)
        except UnicodeDecodeError:
            raise SpecError("is not a UTF-8 text file", file=name) from None
        except csv.Error as exc:
            raise SpecError(f"malformed CSV: {exc}", file=name) from None
    if not by_region:
        raise SpecError("has no rows", file=name)
    return HourlyIntensity(name, by_region)
