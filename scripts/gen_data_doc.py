"""Write docs/data.md from the packaged catalog: every table, what it holds, its boundary
and basis, its sources and licence, how to add or override a row, and the changelog.

    .venv/bin/python scripts/gen_data_doc.py

tests/test_catalog_features.py checks that the committed file is what this gives.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from lcai import catalog

DOC = Path(__file__).resolve().parent.parent / "docs" / "data.md"

INTRO = """# The data: lcai's catalog

Every factor lcai uses that an assessment file does not state comes from a packaged
table (`src/lcai/data/tables/NAME.csv`, described by `NAME.yaml`), one row per figure:
`key,label,quantity,value,unit,year,source_id,note`. Every row cites a source of the
bibliography (`src/lcai/data/sources/*.yaml`, with its licence and the date it was read),
and its note says where in the source the figure is and how it was derived.
`lcai data list`, `lcai data show TABLE` and `lcai data cite SOURCE_ID` show them.

## Boundaries and bases

- Grid carbon (`grid_intensity`): `co2e_intensity` is the **life-cycle** factor
  (generation with fuel supply and plant construction) for every region, so countries,
  US states, eGRID subregions and cloud regions compare; `co2e_intensity_direct` is the
  combustion-only factor where published, chosen per assessment with
  `grid: {boundary: direct}`. Every row's note starts with its boundary and basis (annual
  average, generation-based). Where no life-cycle factor is published (US states, eGRID
  subregions, Google and China regions), the conversion used is cited in the row.
- Cloud regions (`aws:`, `gcp:`, `azure:`) bring their operator's published PUE and WUE
  (`facility` table) unless the file states a facility.
- Embodied carbon (`accelerators`): the method is part of the quantity's name
  (`embodied_manufacturer`, `embodied_lca`, `embodied_parametric`, ...): never mixed.
- Uncertainty (`uncertainty`): the distribution of each default, keyed `TABLE.QUANTITY`.

## Your own data

A folder with `tables/NAME.csv` (same header) and `sources/*.yaml` is read over the
packaged catalog with `lcai --catalog-dir DIR ...` or the `LCAI_CATALOG_DIR` environment
variable: a row with the same key and quantity replaces the packaged one, a new one is
added, and every row is checked as the packaged ones are (a finite value, a unit lcai
parses, a year from 1900 to 2100, a source in the bibliography); an error names the file
and line. A table file spelt nearly like a packaged one (`grid_intensty.csv`) is refused as
a typo rather than added as a new table. Results say which rows came from your folder. An accelerator the catalog lacks
can also be described in the assessment file itself (`hardware:`).

To see what changed between two catalogs, `lcai data diff OLD NEW` (`packaged`, a
catalog folder with a `catalog.yaml`, or a folder of your tables; NEW defaults to the
catalog in use, with `--catalog-dir` or `LCAI_CATALOG_DIR`); to see why a result
moved, `lcai assess FILE --catalog-diff OLD` attributes the change row by row.

To add a row to the packaged catalog: put it in the table's CSV with a source id, add
the source to a `sources/*.yaml` file (title, authors, year, url, licence, accessed),
run `make test` (every row is checked for its unit, year and source; a time-varying
factor older than ten years must say in its note why it is kept, `Kept: ...`), and add
a line to the changelog in `src/lcai/data/catalog.yaml`.
"""


def render() -> str:
    card = catalog.load_yaml((catalog.data_dir() / "catalog.yaml").read_text(encoding="utf-8"))
    bib = catalog.bibliography()
    lines = [INTRO, f"## Tables (catalog version {card['version']})", ""]
    lines += ["| table | rows | keys | sources | licence |", "|---|---|---|---|---|"]
    for name in catalog.table_names():
        t = catalog.table(name)
        n_src = len({r.source_id for r in t.rows})
        lic = " ".join(t.licence.split()).replace("|", "/")
        lines.append(f"| `{name}` | {len(t.rows)} | {len(t.keys())} | {n_src} | {lic} |")
    lines.append("")
    for name in catalog.table_names():
        t = catalog.table(name)
        lines += [f"### `{name}`", "", " ".join(t.description.split()), ""]
        for q, meta in t.quantities.items():
            desc = " ".join(str(meta.get("description", "")).split())
            lines.append(f"- `{q}` [{meta.get('unit', '')}]: {desc}")
        top = Counter(r.source_id for r in t.rows).most_common(5)
        cited = ", ".join(f"`{s}` ({n})" for s, n in top if s in bib)
        lines += ["", f"Most cited: {cited}.", ""]
    licences = Counter(str(s.extra.get("licence", "not stated")) for s in bib.values())
    lines += ["## Sources by licence", "", "| licence | sources |", "|---|---|"]
    lines += [f"| {lic} | {n} |" for lic, n in licences.most_common()]
    lines += ["", "## Changelog", ""]
    for entry in card["changelog"]:
        lines.append(f"### {entry['version']} ({entry['date']})")
        lines += ["", *(f"- {c}" for c in entry["changes"]), ""]
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    text = render()
    if "--check" in sys.argv:
        sys.exit(0 if DOC.exists() and DOC.read_text() == text else 1)
    DOC.write_text(text)
    print(f"wrote {DOC}")
