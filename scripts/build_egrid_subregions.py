#!/usr/bin/env python3
"""Write the eGRID2023 subregion rows (``egrid:XXXX``) of the grid_intensity table.

Input: ``scripts/data/egrid2023_subregions.csv`` -- the 27 eGRID2023 subregion CO2e total output
emission rates (SRC2ERTA, lb/MWh) and resource mixes, transcribed from EPA's own Power Profiler
data file (provenance in the header of that file and in docs/research/grid-boundaries.md).

For every subregion two rows are written, the same split as for the US states:

- ``co2e_intensity_direct`` (source ``epa2025egrid2023``): SRC2ERTA x 0.45359237 g/kWh per lb/MWh,
  rounded to 0.001 g/kWh. Direct (stack) CO2 + CH4 + N2O of the plants in the subregion.
- ``co2e_intensity`` (source ``lcai2026lifecycleuplift``): the direct rate x k_US, the national
  life-cycle/direct ratio (Ember/OWID US life-cycle 384.4 g/kWh over eGRID2023 USC2ERTA
  770.884 lb/MWh), rounded to 0.001 g/kWh.

Usage::

    python scripts/build_egrid_subregions.py            # rewrite the egrid: rows in place
    python scripts/build_egrid_subregions.py --check    # exit 1 if the table is not current
    python scripts/build_egrid_subregions.py --per-fuel # print the per-fuel alternative (no write)

Only the ``egrid:`` rows are touched: every other line of the CSV is kept byte for byte, and the
file is replaced atomically (temporary file + rename). ``--per-fuel`` prints, for comparison only,
a life-cycle rate built from each subregion's own mix (direct rate + sum over fuels of the share x
the IPCC AR5 WGIII Annex III Table A.III.2 life-cycle minus direct median); the table keeps the
national ratio, see docs/research/grid-boundaries.md for why.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import os
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "scripts" / "data" / "egrid2023_subregions.csv"
TABLE = ROOT / "src" / "lcai" / "data" / "tables" / "grid_intensity.csv"

SRC_EGRID = "epa2025egrid2023"
SRC_UPLIFT = "lcai2026lifecycleuplift"
YEAR = 2023
G_PER_KWH_PER_LB_PER_MWH = 0.45359237
US_LIFE_CYCLE_G_PER_KWH = 384.4  # Ember/OWID, US, 2025 (row US, co2e_intensity)
US_C2ERTA_LB_PER_MWH = 770.884  # eGRID2023 USC2ERTA
K_US = US_LIFE_CYCLE_G_PER_KWH / (US_C2ERTA_LB_PER_MWH * G_PER_KWH_PER_LB_PER_MWH)
HEADER = ["key", "label", "quantity", "value", "unit", "year", "source_id", "note"]
MIX_COLUMNS = (
    "coal_pct",
    "oil_pct",
    "gas_pct",
    "nuclear_pct",
    "hydro_pct",
    "biomass_pct",
    "wind_pct",
    "solar_pct",
    "geothermal_pct",
    "other_fossil_pct",
    "other_unknown_pct",
)
# Life-cycle minus direct medians of IPCC AR5 WGIII Annex III Table A.III.2, gCO2eq/kWh, read from
# secondary copies (sources/grid.yaml, schlomer2014ipccannex3). Oil, other fossil and other
# unknown have no IPCC figure: the gas difference is used for them (an assumption). eGRID counts
# biomass CO2 as zero, so biomass gets its whole life-cycle median.
UPSTREAM_G_PER_KWH = {
    "coal_pct": 820.0 - 760.0,
    "oil_pct": 490.0 - 370.0,
    "gas_pct": 490.0 - 370.0,
    "nuclear_pct": 12.0,
    "hydro_pct": 24.0,
    "biomass_pct": 230.0,
    "wind_pct": 11.0,
    "solar_pct": 48.0,
    "geothermal_pct": 38.0,
    "other_fossil_pct": 490.0 - 370.0,
    "other_unknown_pct": 490.0 - 370.0,
}
# eGRID2023 US resource mix, % of net generation, from the National feature of the same EPA file.
US_MIX_PCT = {
    "coal_pct": 16.1,
    "oil_pct": 0.5,
    "gas_pct": 43.2,
    "nuclear_pct": 18.5,
    "hydro_pct": 5.7,
    "biomass_pct": 1.1,
    "wind_pct": 10.0,
    "solar_pct": 3.9,
    "geothermal_pct": 0.4,
    "other_fossil_pct": 0.5,
    "other_unknown_pct": 0.1,
}


class Subregion:
    """One row of the input file, numbers checked."""

    def __init__(self, row: dict[str, str], line: int, source: str = DATA.name) -> None:
        self.code = row["subregion"].strip()
        self.name = row["name"].strip()
        if len(self.code) != 4 or not self.code.isalpha() or not self.code.isupper():
            raise ValueError(f"{source}:{line}: subregion code {self.code!r} is not 4 letters")
        self.c2erta_lb_per_mwh = _number(row, "src2erta_lb_per_mwh", (source, line), 0.0, 5000.0)
        self.co2rta_lb_per_mwh = _number(row, "srco2rta_lb_per_mwh", (source, line), 0.0, 5000.0)
        if self.c2erta_lb_per_mwh < self.co2rta_lb_per_mwh:
            raise ValueError(f"{source}:{line}: {self.code} CO2e rate below its CO2 rate")
        self.mix_pct = {c: _number(row, c, (source, line), 0.0, 100.0) for c in MIX_COLUMNS}
        total = sum(self.mix_pct.values())
        if not 99.0 <= total <= 101.0:  # EPA rounds each share to 0.1 %
            raise ValueError(f"{source}:{line}: {self.code} mix sums to {total} %, not 100")

    @property
    def direct_g_per_kwh(self) -> float:
        return round(self.c2erta_lb_per_mwh * G_PER_KWH_PER_LB_PER_MWH, 3)

    @property
    def life_cycle_g_per_kwh(self) -> float:
        return round(self.direct_g_per_kwh * K_US, 3)

    def per_fuel_life_cycle_g_per_kwh(self, scale: float = 1.0) -> float:
        return self.direct_g_per_kwh + scale * upstream_g_per_kwh(self.mix_pct)


def upstream_g_per_kwh(mix_pct: dict[str, float]) -> float:
    """Sum over fuels of the generation share x the IPCC life-cycle minus direct median."""
    return sum(mix_pct[c] / 100.0 * UPSTREAM_G_PER_KWH[c] for c in MIX_COLUMNS)


def _number(
    row: dict[str, str], field: str, where: tuple[str, int], low: float, high: float
) -> float:
    text = (row.get(field) or "").strip()
    at = f"{where[0]}:{where[1]}"
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{at}: {field} is {text!r}, expected a number") from None
    if not math.isfinite(value) or not low <= value <= high:
        raise ValueError(f"{at}: {field} = {value} outside [{low}, {high}]")
    return value


def read_subregions(path: Path = DATA) -> list[Subregion]:
    all_lines = path.read_text(encoding="utf-8").splitlines()
    lines = [ln for ln in all_lines if not ln.startswith("#")]
    first = len(all_lines) - len(lines) + 2  # file line of the first data row (comments on top)
    reader = csv.DictReader(lines)
    subs = [Subregion(row, first + i, path.name) for i, row in enumerate(reader)]
    codes = [s.code for s in subs]
    if len(set(codes)) != len(codes):
        raise ValueError(f"{path.name}: duplicate subregion codes")
    return subs


def _fmt(value: float) -> str:
    return repr(round(value, 3))


def rows_for(sub: Subregion) -> list[list[str]]:
    key = f"egrid:{sub.code}"
    label = f"eGRID subregion {sub.code} ({sub.name})"
    direct = sub.direct_g_per_kwh
    life_cycle = sub.life_cycle_g_per_kwh
    us_direct = US_C2ERTA_LB_PER_MWH * G_PER_KWH_PER_LB_PER_MWH
    lc_note = (
        "LIFE-CYCLE, DERIVED (annual average, generation-based, not marginal): eGRID2023 direct "
        f"rate {_fmt(direct)} g/kWh (row co2e_intensity_direct) x k_US {K_US:.5f} = "
        f"{_fmt(life_cycle)} g/kWh. k_US = Ember/OWID US life-cycle {US_LIFE_CYCLE_G_PER_KWH} "
        f"g/kWh (2025) / eGRID2023 US direct rate USC2ERTA {US_C2ERTA_LB_PER_MWH} lb/MWh "
        f"({us_direct:.3f} g/kWh, 2023): a national life-cycle/direct ratio, not the "
        "subregion's own fuel mix (see docs/research/grid-boundaries.md); understates "
        "low-carbon subregions, overstates coal-heavy ones."
    )
    direct_note = (
        "DIRECT (combustion only), annual average 2023, generation-based: eGRID2023 subregion "
        f"CO2e total output emission rate SRC2ERTA {_fmt(sub.c2erta_lb_per_mwh)} lb/MWh x 0.45359237 "
        f"= {_fmt(direct)} g/kWh. Read from EPA's Power Profiler data file (USEPA/power-profiler, "
        "app/data/subregion.json, dataYear 2023, field co2eEmissionRate = SRC2ERTA to 0.001 "
        "lb/MWh); transcribed in scripts/data/egrid2023_subregions.csv. Plants in the "
        "subregion, imports not counted."
    )
    return [
        [
            key,
            label,
            "co2e_intensity",
            _fmt(life_cycle),
            "gCO2e/kWh",
            str(YEAR),
            SRC_UPLIFT,
            lc_note,
        ],
        [
            key,
            label,
            "co2e_intensity_direct",
            _fmt(direct),
            "gCO2e/kWh",
            str(YEAR),
            SRC_EGRID,
            direct_note,
        ],
    ]


def _csv_line(fields: Iterable[str]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(list(fields))
    return buf.getvalue()


def render_table(table_text: str, subs: list[Subregion]) -> str:
    """The table text with its egrid: rows replaced (in the place of the first one)."""
    lines = table_text.splitlines(keepends=True)
    if not lines or next(csv.reader([lines[0]])) != HEADER:
        raise ValueError(f"{TABLE.name}: unexpected header")
    kept: list[str] = [lines[0]]
    insert_at: int | None = None
    for line in lines[1:]:
        fields = next(csv.reader([line]))
        if fields and fields[0].startswith("egrid:"):
            if insert_at is None:
                insert_at = len(kept)
            continue
        kept.append(line)
    if kept[-1] and not kept[-1].endswith("\n"):
        kept[-1] += "\n"
    block = [_csv_line(r) for s in sorted(subs, key=lambda s: s.code) for r in rows_for(s)]
    at = len(kept) if insert_at is None else insert_at
    return "".join(kept[:at] + block + kept[at:])


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def print_per_fuel(subs: list[Subregion]) -> None:
    us_direct = US_C2ERTA_LB_PER_MWH * G_PER_KWH_PER_LB_PER_MWH
    us_upstream = upstream_g_per_kwh(US_MIX_PCT)
    # Scale that makes the per-fuel US figure equal Ember's published US life-cycle intensity.
    scale = (US_LIFE_CYCLE_G_PER_KWH - us_direct) / us_upstream
    print(
        f"US: direct {us_direct:.1f}, upstream (IPCC medians, US mix) {us_upstream:.1f}, "
        f"per-fuel {us_direct + us_upstream:.1f} vs Ember {US_LIFE_CYCLE_G_PER_KWH} g/kWh "
        f"({(us_direct + us_upstream) / US_LIFE_CYCLE_G_PER_KWH - 1:+.1%}); "
        f"scale to Ember {scale:.3f}"
    )
    print("subregion  direct  national  per-fuel   (diff)  per-fuel-scaled   (diff)")
    for s in sorted(subs, key=lambda s: s.code):
        nr = s.life_cycle_g_per_kwh
        pf = s.per_fuel_life_cycle_g_per_kwh()
        ps = s.per_fuel_life_cycle_g_per_kwh(scale)
        print(
            f"{s.code:9} {s.direct_g_per_kwh:7.1f} {nr:9.1f} {pf:9.1f} {pf / nr - 1:+8.1%}"
            f" {ps:16.1f} {ps / nr - 1:+8.1%}"
        )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = ap.add_mutually_exclusive_group()
    group.add_argument("--check", action="store_true", help="exit 1 if the table is not current")
    group.add_argument("--per-fuel", action="store_true", help="print the per-fuel alternative")
    args = ap.parse_args(argv)
    try:
        subs = read_subregions()
        if args.per_fuel:
            print_per_fuel(subs)
            return 0
        old = TABLE.read_text(encoding="utf-8")
        new = render_table(old, subs)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.check:
        if new != old:
            print(f"{TABLE}: egrid: rows are not current; run this script", file=sys.stderr)
            return 1
        print(f"{TABLE.name}: {len(subs)} subregions current")
        return 0
    if new != old:
        _write_atomic(TABLE, new)
    print(f"{TABLE.name}: wrote {2 * len(subs)} egrid: rows ({len(subs)} subregions)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
