"""Read back what ``lcai fleet account`` wrote: the jobs.csv of a fleet result, summed
over the jobs an assessment asks for. Plain CSV: no Polars needed to read a result."""

from __future__ import annotations

import csv
import math
from pathlib import Path

from lcai.errors import SpecError
from lcai.fleet.account import IDLE
from lcai.measure.inputs import FleetTotals

__all__ = ["MAX_BYTES", "read_fleet_totals"]

MAX_BYTES = 512 * 1024 * 1024
"""Largest jobs.csv read [bytes]."""
_COLUMNS = ("it_energy_kwh", "energy_kwh", "co2e_kg", "water_l")


def _rows(f: Path) -> list[dict[str, str]]:
    try:
        if f.stat().st_size > MAX_BYTES:
            raise SpecError(f"{f}: larger than {MAX_BYTES // 2**20} MiB")
        with f.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except OSError as exc:
        raise SpecError(f"{f}: cannot be read: {exc.strerror}") from None
    except (UnicodeDecodeError, csv.Error):
        raise SpecError(f"{f}: not a jobs.csv from `lcai fleet account`") from None
    need = {"job_id", *_COLUMNS}
    if not rows or not need <= set(rows[0]):
        raise SpecError(
            f"{f}: not a jobs.csv from `lcai fleet account` (needs {', '.join(sorted(need))})"
        )
    return rows


def _cell(text: str | None) -> str | None:
    """A text cell as the fleet wrote it: the apostrophe that neutralises a formula cell
    (``lcai.text.csv_cell``) removed again."""
    if text is not None and text.startswith("'") and text[1:2] in ("=", "+", "-", "@"):
        return text[1:]
    return text


def _value(f: Path, row: dict[str, str], column: str) -> float:
    try:
        x = float(row[column])
    except (TypeError, ValueError):
        x = math.nan
    if not math.isfinite(x) or x < 0:
        raise SpecError(f"{f.name}: job {row['job_id']!r}: {column}: expected a number >= 0")
    return x


def read_fleet_totals(
    path: str | Path, *, model: str | None, project: str | None, phase: str | None
) -> FleetTotals:
    """The summed footprint of the jobs that match the filters (all non-idle jobs without
    any): IT and facility energy [kWh], carbon [kgCO2e], water [L]."""
    f = Path(path)
    wanted = {k: v for k, v in (("model", model), ("project", project), ("phase", phase)) if v}
    chosen = [
        r for r in _rows(f)
        if r["job_id"] != IDLE and all(_cell(r.get(k)) == v for k, v in wanted.items())
    ]  # fmt: skip
    if not chosen:
        raise SpecError(f"no job in {f.name} matches {wanted or 'any job'}")
    sums = dict.fromkeys(_COLUMNS, 0.0)
    for r in chosen:
        for c in _COLUMNS:
            sums[c] += _value(f, r, c)
    return FleetTotals(str(path), len(chosen), **sums)
