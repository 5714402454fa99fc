"""Audit: the numbers people read in reports, comparisons, catalog diffs and the
validation summary, against the machine-readable results they restate.

1. Reports (``lcai report FILE -o x.md|x.tex|x.html``) and the terminal tables: every
   figure equals the JSON result (``lcai assess FILE --json``, same seed and samples)
   after the documented rounding (docs/result.md: four significant digits, whole numbers
   from 1,000 up, the unit scaled both ways), re-implemented here from the docs rather
   than imported from ``lcai.fmt``; shares sum to 100% within rounding.
2. ``lcai compare``, ``lcai data diff`` and ``lcai assess --catalog-diff``: a user
   catalog folder (docs/data.md, "Your own data") changes a few rows; each row's part of
   the change is worked by hand from the line items and the rows' old and new values.
3. ``lcai validate``: the summary lines are recomputed from the rows of
   ``lcai validate --json``.

Every command runs as a subprocess (the ``lcai`` next to this Python), so a
``--catalog-dir`` never leaks into another test. Tests whose docstring starts with
"FIXED" pin what lcai got wrong against the hand figure, and its fix.
"""

from __future__ import annotations

import json
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from lcai.catalog.diff import version_of

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "open-model-lifecycle.yaml"
LCAI = str(Path(sys.executable).parent / "lcai")
SEED, SAMPLES = "3", "200"
HEADER = "key,label,quantity,value,unit,year,source_id,note\n"
SOURCE = "mine2025:\n  title: My 2025 figures\n  authors: Me\n  year: 2025\n"
TRAIN = (
    "name: audit training\n"
    "training:\n  grid:\n    region: DE\n"
    "  accelerators:\n    type: H100\n    gpu_hours: 1000 h\n"
)


def lcai(*args: str, ok: tuple[int, ...] = (0,)) -> str:
    env = {k: v for k, v in os.environ.items() if k != "LCAI_CATALOG_DIR"}
    env["COLUMNS"] = "250"
    p = subprocess.run([LCAI, *args], capture_output=True, text=True, env=env, check=False)
    assert p.returncode in ok, p.stderr
    return p.stdout


def flat(text: str) -> str:
    return " ".join(text.split())


def close(got: float, want: float, rel: float = 1e-9) -> None:
    assert got == pytest.approx(want, rel=rel, abs=1e-12)


# -- the documented rounding, written from docs/result.md (not imported) ---------------

_UP = {
    "kWh": ((1e9, "TWh"), (1e6, "GWh"), (1e3, "MWh")),
    "kg": ((1e9, "Mt"), (1e3, "t")),
    "kgCO2e": ((1e9, "MtCO2e"), (1e3, "tCO2e")),
    "L": ((1e9, "billion L"), (1e6, "million L")),
}
_DOWN = {
    "kWh": ((1e-3, "Wh"), (1e-6, "mWh")),
    "kg": ((1e-3, "g"), (1e-6, "mg")),
    "kgCO2e": ((1e-3, "gCO2e"), (1e-6, "mgCO2e")),
    "L": ((1e-3, "mL"),),
}


def digits4(x: float) -> str:
    """Four significant digits, positional, trailing zeros dropped; whole from 1,000."""
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    r = Decimal(f"{x:.4g}")
    if abs(r) >= 1000:  # 999.96 rounds up to 1,000
        return f"{float(r):,.0f}"
    s = format(r, "f")
    return s.rstrip("0").rstrip(".") if "." in s else s


def mag(x: float, unit: str) -> str:
    """The value with its unit scaled up (from 1,000 of it) or down (below 1/100 of it)."""
    v = abs(x)
    if v == 0:
        return f"0 {unit}"
    for f, name in _UP.get(unit, ()):
        if v >= f:
            return f"{digits4(x / f)} {name}"
    if v < 0.01 and unit in _DOWN:
        small = _DOWN[unit]
        for f, name in small:
            if v >= f or f == small[-1][0]:
                return f"{digits4(x / f)} {name}"
    return f"{digits4(x)} {unit}"


def pct(frac: float, signed: bool = False) -> str:
    """One decimal from 0.1% up, else two significant digits."""
    v = 100 * frac
    text = f"{v:,.1f}" if abs(v) >= 0.1 or v == 0 else f"{Decimal(f'{v:.2g}'):f}"
    return ("+" if signed and v >= 0 and not text.startswith("-") else "") + text + "%"


def test_the_rounding_rule_on_the_docs_examples() -> None:
    # docs/result.md: 8.17e-06 kg -> '8.17 mgCO2e', 32.26 mWh, 433.2 MWh; fmt's docstring:
    # 433196 kWh -> '433.2 MWh', 24690 kg -> '24.69 t'
    assert mag(8.17e-06, "kgCO2e") == "8.17 mgCO2e"
    assert mag(32.26e-6, "kWh") == "32.26 mWh"
    assert mag(433196, "kWh") == "433.2 MWh"
    assert mag(24690, "kg") == "24.69 t"
    assert mag(1234.6, "L") == "1,235 L" and mag(0.012345, "kWh") == "0.01235 kWh"
    assert pct(0.9996) == "100.0%" and pct(2.1e-5) == "0.0021%"


# -- the open 70B example: its JSON and its reports (200 samples, seed 3) --------------


@cache
def _tmp() -> str:
    return tempfile.mkdtemp(prefix="lcai-audit-")


@cache
def example_json() -> dict[str, Any]:
    return json.loads(lcai("assess", str(EXAMPLE), "--json", "-n", SAMPLES, "--seed", SEED))


@cache
def report(suffix: str) -> str:
    path = Path(_tmp()) / f"r.{suffix}"
    lcai("report", str(EXAMPLE), "-o", str(path), "-n", SAMPLES, "--seed", SEED)
    return path.read_text(encoding="utf-8")


def items(d: dict[str, Any]) -> list[dict[str, Any]]:
    return [it for ph in d["phases"].values() for it in ph["items"]]


RATES = (
    ("per request (life cycle)", "per_request"),
    ("serving per request", "usage_per_request"),
    ("training per request", "training_per_request"),
    ("per chat session", "per_session"),
    ("serving per 1M input tokens", "usage_per_1m_input_tokens"),
    ("serving per 1M output tokens", "usage_per_1m_output_tokens"),
)


def md_rows(text: str, header: str) -> list[list[str]]:
    """The body rows of the Markdown table whose header row starts with ``header``."""
    lines = text.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith(header))
    rows = []
    for ln in lines[start + 2 :]:
        if not ln.startswith("|"):
            break
        rows.append([c.strip() for c in ln.strip("|").split(" | ")])
    return rows


def test_markdown_totals_rates_and_line_items_equal_the_json() -> None:
    d, md = example_json(), report("md")
    t = d["total"]
    # total 4.785568964 kWh -> '4.786 kWh'; 1.03886944 kg -> '1.039 kgCO2e'; 17.06572 L
    assert md_rows(md, "| energy | carbon (location) | water |") == [
        ["4.786 kWh", "1.039 kgCO2e", "17.07 L"]
    ]
    assert [mag(t["energy_kwh"], "kWh"), mag(t["co2e_kg"], "kgCO2e")] == [
        "4.786 kWh",
        "1.039 kgCO2e",
    ]
    rates = md_rows(md, "| rate |")
    assert [r[0] for r in rates] == [label for label, _ in RATES]
    for row, (_, key) in zip(rates, RATES, strict=True):
        x = d["rates"][key]
        assert row[1:] == [
            mag(x["energy_kwh"], "kWh"),
            mag(x["co2e_kg"], "kgCO2e"),
            mag(x["water_l"], "L"),
        ]
    # per request: 4.785569 Wh (0.004786 kWh, below 1/100 kWh -> Wh); usage 0.22489 Wh
    # = 224.6 mWh (below 1/100 Wh... scaled to mWh); water 0.0007599 L -> 0.7599 mL
    assert rates[0][1] == "4.786 Wh" and rates[1][1] == "224.9 mWh" and rates[1][3] == "0.761 mL"
    rows = md_rows(md, "| phase | item |")
    its = items(d)
    assert len(rows) == len(its)
    for row, it in zip(rows, its, strict=True):
        assert row[0] == it["phase"] and row[2] == it["method"]
        assert row[3:] == [
            mag(it["energy_kwh"], "kWh"),
            mag(it["co2e_kg"], "kgCO2e"),
            mag(it["water_l"], "L"),
        ]


def test_the_rates_by_hand() -> None:
    """Per request = total per 1,000 requests / 1,000; per session = x 3 requests; per 1M
    input / output tokens: the serving item split by prefill / decode energy, the other
    usage items by prefill / decode accelerator-seconds (docs/result.md)."""
    d = example_json()
    r, t = d["rates"], d["total"]
    a = {x["name"]: x["value"] for x in d["assumption_details"]}
    for q in ("energy_kwh", "co2e_kg", "water_l"):
        close(r["per_request"][q], t[q] / 1000)  # functional unit: 1,000 requests
        close(r["per_session"][q], 3 * r["per_request"][q])  # requests_per_session 3
        close(r["usage_per_request"][q], d["phases"]["usage"][q] / 1000)
        close(r["training_per_request"][q], d["phases"]["training"][q] / 1000)
    # serving per request 1.0326e-4 kWh = prefill 2.9638e-5 + decode 7.3618e-5 kWh;
    # the rest of usage 2.2489e-4 - 1.0326e-4 = 1.2163e-4 kWh splits by time:
    # prefill 0.15242 s / busy 0.81879 s = 0.18616.
    # input: (2.9638e-5 + 1.2163e-4 x 0.18616) / 500 tokens x 1e6 = 0.10456 kWh
    # output: (7.3618e-5 + 1.2163e-4 x 0.81384) / 300 tokens x 1e6 = 0.57535 kWh
    pre, dec = a["usage.inference.prefill_energy"], a["usage.inference.decode_energy"]
    share_t = a["usage.inference.prefill_seconds"] / a["usage.inference.busy_seconds"]
    serving = next(it for it in d["phases"]["usage"]["items"] if it["kind"] == "serving")
    rest = (d["phases"]["usage"]["energy_kwh"] - serving["energy_kwh"]) / 1000
    close(serving["energy_kwh"] / 1000, pre + dec, rel=1e-9)
    close(r["usage_per_1m_input_tokens"]["energy_kwh"], (pre + rest * share_t) / 500 * 1e6)
    close(r["usage_per_1m_output_tokens"]["energy_kwh"], (dec + rest * (1 - share_t)) / 300 * 1e6)
    close(r["usage_per_1m_input_tokens"]["energy_kwh"], 0.10456, rel=1e-3)
    close(r["usage_per_1m_output_tokens"]["energy_kwh"], 0.57535, rel=1e-3)


def test_latex_table_and_sentence_equal_the_json() -> None:
    d, tex = example_json(), report("tex")
    rows = {
        ln.split(" & ")[0]: ln.removesuffix(" \\\\").split(" & ")[1:]
        for ln in tex.splitlines()
        if " & " in ln
    }
    for ph in ("manufacturing", "training", "annotation", "usage"):
        p = d["phases"][ph]
        want = [mag(p["energy_kwh"], "kWh"), mag(p["co2e_kg"], "kgCO2e"), mag(p["water_l"], "L")]
        assert rows[ph.capitalize()] == want
    t = d["total"]
    assert rows["Total"] == [
        mag(t["energy_kwh"], "kWh"),
        mag(t["co2e_kg"], "kgCO2e"),
        mag(t["water_l"], "L"),
    ]
    # annotation: laptop 7.233 Wh + monitor 9.863 Wh = 17.10 Wh = 0.0171 kWh (>= 1/100 kWh)
    assert rows["Annotation"][0] == "0.0171 kWh"
    for label, key in RATES:
        x = d["rates"][key]
        assert rows[label] == [
            mag(x["energy_kwh"], "kWh"),
            mag(x["co2e_kg"], "kgCO2e"),
            mag(x["water_l"], "L"),
        ]
    c = d["uncertainty"]["total"]["co2e_kg"]
    interval = (
        f"(90\\% interval {mag(c['p5'], 'kgCO2e')} to {mag(c['p95'], 'kgCO2e')}, "
        f"{SAMPLES} Monte Carlo samples)"
    )
    assert interval in flat(tex)
    assert f"at {mag(t['energy_kwh'], 'kWh')} of energy, {mag(t['co2e_kg'], 'kgCO2e')}" in tex


def _html_cells(html: str, row_label: str) -> list[str]:
    m = re.search(rf"<tr><td>{re.escape(row_label)}</td>(.*?)</tr>", html)
    assert m, row_label
    return re.findall(r'<td class="n">(.*?)</td>', m.group(1))


def test_html_cards_headline_and_equivalences_equal_the_json() -> None:
    d, html = example_json(), report("html")
    t, lc = d["total"], d["life_cycle"]
    for key, unit in (
        ("energy_kwh", "kWh"),
        ("co2e_kg", "kgCO2e"),
        ("co2e_market_kg", "kgCO2e"),
        ("water_l", "L"),
    ):
        m = re.search(rf'data-total="{key}" data-value="([^"]+)"><div class="v">([^<]+)<', html)
        assert m, key
        assert float(m.group(1)) == t[key]  # full precision, as the JSON
        assert m.group(2) == mag(t[key], unit)
    # 365,000 functional units = 1M requests/day x 365 days / 1,000
    assert d["functional_units"] == 365_000
    assert (
        f"Over the whole life cycle (365,000 functional units): {mag(lc['energy_kwh'], 'kWh')}, "
        f"{mag(lc['co2e_kg'], 'kgCO2e')}, {mag(lc['water_l'], 'L')}." in html
    )
    assert "1.747 GWh, 379.2 tCO2e, 6.229 million L" in html
    # equivalences of the life cycle, three significant digits:
    # 379,187 kg / 19,580 = 19.37 -> 19.4; / 14,299 = 26.52 -> 26.5; / 4,670 = 81.20;
    # / 8,367 = 45.32; / 5,571 = 68.06; / 0.24855 kg/km = 1,525,597 km -> 1.53 million;
    # 6,228,989 L / 0.5 L = 12,457,977 -> 12.5 million bottles
    close(lc["co2e_kg"] / 19580, 19.366, rel=1e-4)
    for text in (
        "<li>19.4 people",
        "<li>26.5 people",
        "<li>81.2 people",
        "<li>45.3 people",
        "<li>68.1 people",
        "<li>1.53 million km by average car",
        "<li>12.5 million bottles of water (0.5 L)",
    ):
        assert text in html
    for label, key in RATES:
        x = d["rates"][key]
        want = [mag(x["energy_kwh"], "kWh"), mag(x["co2e_kg"], "kgCO2e"), mag(x["water_l"], "L")]
        assert _html_cells(html, label) == want


def test_html_uncertainty_bands_equal_the_json() -> None:
    d, html = example_json(), report("html")
    unc = d["uncertainty"]
    assert f"{SAMPLES} Monte Carlo samples, seed {SEED}; {len(unc['uncertain_inputs'])} " in html
    for name, v in [*unc["phases"].items(), ("total", unc["total"])]:
        want = [
            " / ".join(mag(v[q][p], u) for p in ("p5", "p50", "p95"))
            for q, u in (("energy_kwh", "kWh"), ("co2e_kg", "kgCO2e"), ("water_l", "L"))
        ]
        assert _html_cells(html, name) == want, name
    # and the band holds the nominal total: p5 0.6508 <= 1.039 <= p95 1.752 kgCO2e
    c = unc["total"]["co2e_kg"]
    assert c["p5"] <= d["total"]["co2e_kg"] <= c["p95"]


def test_report_scenarios_equal_lcai_scenarios_json() -> None:
    d, md, html = example_json(), report("md"), report("html")
    sc = json.loads(lcai("scenarios", str(EXAMPLE), "--json"))
    rows = {r[0]: r for r in md_rows(md, "| scenario |")}
    for s in sc:
        c, m = s["total"]["co2e_kg"], s["total"]["co2e_market_kg"]
        close(c["baseline"], d["total"]["co2e_kg"], rel=1e-12)
        close(m["baseline"], d["total"]["co2e_market_kg"], rel=1e-12)
        for x in (c, m):
            close(x["rel_change"], (x["scenario"] - x["baseline"]) / x["baseline"], rel=1e-9)
        row = rows[s["scenario"]]
        assert row[1:4] == [
            mag(c["scenario"], "kgCO2e"),
            pct(c["rel_change"], True),
            pct(m["rel_change"], True),
        ]
        cells = _html_cells(html, s["scenario"])
        assert cells == [
            mag(c["scenario"], "kgCO2e"),
            pct(c["rel_change"], True),
            pct(m["rel_change"], True),
        ]
    # renewable contracts for training and serving: market = manufacturing 0.143 +
    # annotation 0.008519 = 0.1515 kg of 0.9207 -> -83.5%; location unchanged
    assert rows["renewable-contract"][2:4] == ["+0.0%", "-83.5%"]


def test_terminal_phase_shares_sum_to_100_percent(tmp_path: Path) -> None:
    d = example_json()
    out = tmp_path / "o.txt"
    lcai("assess", str(EXAMPLE), "-o", str(out))
    cells = {}
    for ln in out.read_text().splitlines():
        parts = [p.strip() for p in re.split(r"[│┃]", ln)[1:-1]]
        if parts and parts[0] in d["phases"] and parts[0] not in cells:
            cells[parts[0]] = parts  # the phase table comes before the line items
    assert set(cells) == set(d["phases"])
    # columns: phase, energy, share, carbon, share, carbon (market), water, share
    for col, q in ((2, "energy_kwh"), (4, "co2e_kg"), (7, "water_l")):
        shares = [float(cells[ph][col].rstrip("%")) for ph in d["phases"]]
        for ph, s in zip(d["phases"], shares, strict=True):
            assert s == round(100 * d["phases"][ph][q] / d["total"][q], 1)
        # four shares each rounded to 0.1: their sum is within 4 x 0.05 of 100
        assert abs(sum(shares) - 100) <= 0.2 + 1e-9
        close(sum(d["phases"][ph][q] for ph in d["phases"]), d["total"][q], rel=1e-12)
    # energy: 0.0 + 94.9 (4.5436/4.7856 = 94.94) + 0.4 + 4.7 = 100.0%
    assert [cells[ph][2] for ph in d["phases"]] == ["0.0%", "94.9%", "0.4%", "4.7%"]


# -- compare -----------------------------------------------------------------------------


def test_compare_by_hand(tmp_path: Path) -> None:
    """1,000 GPU-h of an H100 at 700 W = 700 kWh IT, x PUE 1.58 (industry average) =
    1,106 kWh; carbon DE 1,106 x 0.32965 = 364.5929 kg, FR 1,106 x 0.04144 = 45.83264 kg;
    ratio 45.83264 / 364.5929 = 0.12571 -> '0.126x'."""
    a, b = tmp_path / "de.yaml", tmp_path / "fr.yaml"
    a.write_text(TRAIN)
    b.write_text(TRAIN.replace("region: DE", "region: FR"))
    res = json.loads(lcai("compare", str(a), str(b), "--json"))
    close(res[0]["total"]["energy_kwh"], 1106.0)
    close(res[0]["total"]["co2e_kg"], 364.5929)
    close(res[1]["total"]["co2e_kg"], 45.83264)
    text = lcai("compare", str(a), str(b))
    assert re.search(r"carbon vs first\s*│\s*1x\s*│\s*0\.126x", text)
    assert re.search(r"carbon: total\s*│\s*364\.6 kg\s*│\s*45\.83 kg", text)


# -- catalog diffs -----------------------------------------------------------------------


def user_folder(root: Path, tables: dict[str, str]) -> Path:
    d = root / "mycat"
    (d / "tables").mkdir(parents=True)
    (d / "sources").mkdir()
    (d / "sources" / "mine.yaml").write_text(SOURCE)
    for name, rows in tables.items():
        (d / "tables" / f"{name}.csv").write_text(HEADER + rows)
    return d


THREE_ROWS = {
    "grid_intensity": "DE,Germany (mine),co2e_intensity,200,gCO2e/kWh,2025,mine2025,x\n",
    "facility": "industry_average,Industry average (mine),pue,1.3,1,2025,mine2025,x\n",
    "electricity_water": "DE,Germany (mine),water_consumption,2.5,L/kWh,2025,mine2025,x\n",
}


def attribution(folder: Path, file: Path, old: str = "packaged") -> dict[str, Any]:
    out = lcai("--catalog-dir", str(folder), "assess", str(file), "--catalog-diff", old, "--json")
    return {a["quantity"]: a for a in json.loads(out)}


def steps_of(a: dict[str, Any]) -> dict[str, float]:
    """Each row's part of the change (summed over the parameters it feeds)."""
    out: dict[str, float] = {}
    for s in a["steps"]:
        out[s["row"]] = out.get(s["row"], 0.0) + s["delta"]
    return out


def test_data_diff_lists_the_three_rows(tmp_path: Path) -> None:
    d = user_folder(tmp_path, THREE_ROWS)
    doc = json.loads(lcai("data", "diff", "packaged", str(d), "--json"))
    got = {
        (r["table"], r["key"], r["quantity"]): (r["change"], r["old"]["value"], r["new"]["value"])
        for r in doc["rows"]
    }
    assert got == {
        ("grid_intensity", "DE", "co2e_intensity"): ("changed", 329.65, 200.0),
        ("facility", "industry_average", "pue"): ("changed", 1.58, 1.3),
        ("electricity_water", "DE", "water_consumption"): ("changed", 1.947, 2.5),
    }
    packaged = version_of(None)
    assert doc["old"] == packaged and doc["new"].startswith(f"{packaged} + ")
    back = json.loads(lcai("data", "diff", str(d), "packaged", "--json"))
    assert {(r["key"], r["old"]["value"], r["new"]["value"]) for r in back["rows"]} == {
        ("DE", 200.0, 329.65),
        ("industry_average", 1.3, 1.58),
        ("DE", 2.5, 1.947),
    }
    # a new key is 'added', with no old side
    d2 = user_folder(
        tmp_path / "b",
        {"grid_intensity": "XX-AUDIT,X,co2e_intensity,1,gCO2e/kWh,2025,mine2025,x\n"},
    )
    rows = json.loads(lcai("data", "diff", "packaged", str(d2), "--json"))["rows"]
    assert [(r["key"], r["change"], r["old"]) for r in rows] == [("XX-AUDIT", "added", None)]
    # NEW defaults to the catalog in use: --catalog-dir's (it was the packaged one: 0 rows)
    in_use = json.loads(lcai("--catalog-dir", str(d), "data", "diff", "packaged", "--json"))
    assert {(r["key"], r["new"]["value"]) for r in in_use["rows"]} == {
        ("DE", 200.0), ("industry_average", 1.3), ("DE", 2.5)
    }  # fmt: skip
    assert json.loads(lcai("data", "diff", "packaged", "--json"))["rows"] == []


def test_catalog_diff_three_rows_by_hand(tmp_path: Path) -> None:
    """E_IT = 1,000 h x 700 W = 700 kWh; WUE 0.84 L/kWh (industry average, unchanged).
    old: energy 700 x 1.58 = 1,106 kWh; carbon 1,106 x 0.32965 = 364.5929 kg;
         water 700 x 0.84 + 700 x 1.58 x 1.947 = 588 + 2,153.382 = 2,741.382 L.
    new: energy 700 x 1.3 = 910; carbon 910 x 0.2 = 182; water 588 + 700 x 1.3 x 2.5 = 2,863.
    Steps, largest single effect first, each from where the previous left:
      carbon: grid 700 x 1.58 x (0.2 - 0.32965) = -143.3929 (PUE alone: 700 x -0.28 x
              0.32965 = -64.6114, smaller); then PUE at the new grid 700 x -0.28 x 0.2 = -39.2;
              sum -182.5929 = 182 - 364.5929.
      energy: PUE 700 x (1.3 - 1.58) = -196.
      water:  EWIF 700 x 1.58 x (2.5 - 1.947) = 611.618; then PUE 700 x -0.28 x 2.5 = -490;
              sum 121.618 = 2,863 - 2,741.382."""
    d = user_folder(tmp_path, THREE_ROWS)
    f = tmp_path / "t.yaml"
    f.write_text(TRAIN)
    att = attribution(d, f)
    c, e, w = att["co2e_kg"], att["energy_kwh"], att["water_l"]
    close(c["old_total"], 364.5929)
    close(c["new_total"], 182.0)
    close(e["old_total"], 1106.0)
    close(e["new_total"], 910.0)
    close(w["old_total"], 2741.382)
    close(w["new_total"], 2863.0)
    g, p, x = (
        "grid_intensity:DE.co2e_intensity",
        "facility:industry_average.pue",
        "electricity_water:DE.water_consumption",
    )
    assert [s["row"] for s in c["steps"]][:2] == [g, p]
    sc, se, sw = steps_of(c), steps_of(e), steps_of(w)
    close(sc[g], -143.3929)
    close(sc[p], -39.2)
    assert sc[x] == 0
    close(se[p], -196.0)
    assert se[g] == 0 and se[x] == 0
    close(sw[x], 611.618)
    close(sw[p], -490.0)
    for a in (c, e, w):
        assert a["attributed_share"] == 1.0 and abs(a["unattributed"]) < 1e-9
        close(sum(s["delta"] for s in a["steps"]), a["change"])
    # the step's old and new values are the rows' (329.65 g = 0.32965 kg)
    s = next(s for s in c["steps"] if s["row"] == g)
    assert (s["old"], s["new"], s["unit"]) == (pytest.approx(0.32965), 0.2, "kg/kWh")
    assert (s["source_old"], s["source_new"]) == ("ember2026owidcarbonintensity", "mine2025")


def test_catalog_diff_the_other_way_round(tmp_path: Path) -> None:
    """From the user folder (old) back to the packaged catalog (in use): the change of
    carbon is +182.5929; grid first: 700 x 1.3 x (0.32965 - 0.2) = 117.9815 (PUE alone:
    700 x 0.28 x 0.2 = 39.2); then PUE at the packaged grid: 700 x 0.28 x 0.32965 = 64.6114."""
    d = user_folder(tmp_path, THREE_ROWS)
    f = tmp_path / "t.yaml"
    f.write_text(TRAIN)
    env = {k: v for k, v in os.environ.items() if k != "LCAI_CATALOG_DIR"}
    p = subprocess.run(
        [LCAI, "assess", str(f), "--catalog-diff", str(d), "--json"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    c = {a["quantity"]: a for a in json.loads(p.stdout)}["co2e_kg"]
    close(c["change"], 182.5929)
    sc = steps_of(c)
    close(sc["grid_intensity:DE.co2e_intensity"], 117.9815)
    close(sc["facility:industry_average.pue"], 64.6114)
    assert c["attributed_share"] == 1.0


def test_catalog_diff_terminal_shares(tmp_path: Path) -> None:
    """-143.3929 / -182.5929 = 78.53% -> 78.5%; -39.2 / -182.5929 = 21.47% -> 21.5%."""
    d = user_folder(tmp_path, THREE_ROWS)
    f = tmp_path / "t.yaml"
    f.write_text(TRAIN)
    text = lcai("--catalog-dir", str(d), "assess", str(f), "--catalog-diff", "packaged")
    assert "co2e_kg: 364.593 -> 182 (100.0% of the change attributed)" in text
    assert re.search(r"grid_intensity:DE\.co2e_intensity.*-143\.393\s*│\s*78\.5%", text)
    assert re.search(r"facility:industry_average\.pue.*-39\.2\s*│\s*21\.5%", text)


@cache
def example_life_cycle() -> dict[str, Any]:
    """The example's nominal JSON, per functional unit x 365,000 = life cycle."""
    d = json.loads(lcai("assess", str(EXAMPLE), "--json"))
    fu = d["functional_units"]
    ph = {
        k: {q: v[q] * fu for q in ("energy_kwh", "co2e_kg", "water_l")}
        for k, v in d["phases"].items()
    }
    its = {
        it["name"]: {q: it[q] * fu for q in ("energy_kwh", "co2e_kg", "water_l")} for it in items(d)
    }
    return {"lc": d["life_cycle"], "phases": ph, "items": its}


def test_catalog_diff_one_row_two_phases(tmp_path: Path) -> None:
    """electricity_water:US 3.1321 -> 4 L/kWh feeds the training and the usage grid (both
    fall back to the US average). Off-site water is E x EWIF for every energy item (IT x
    PUE, and network), so each phase moves by its life-cycle energy x 0.8679:
    training 1,658,406 kWh x 0.8679 = 1,439,331 L; usage 81,962 kWh x 0.8679 = 71,135 L."""
    d = user_folder(
        tmp_path, {"electricity_water": "US,US (mine),water_consumption,4,L/kWh,2025,mine2025,x\n"}
    )
    base = example_life_cycle()
    w = attribution(d, EXAMPLE)["water_l"]
    per = {s["parameter"]: s["delta"] for s in w["steps"]}
    close(
        per["training.grid.water_intensity"],
        base["phases"]["training"]["energy_kwh"] * (4 - 3.1321),
        rel=1e-9,
    )
    close(
        per["usage.grid.water_intensity"],
        base["phases"]["usage"]["energy_kwh"] * (4 - 3.1321),
        rel=1e-9,
    )
    close(steps_of(w)["electricity_water:US.water_consumption"], w["change"], rel=1e-9)
    assert w["attributed_share"] == 1.0


def test_catalog_diff_serving_grid_pue_and_bandwidth(tmp_path: Path) -> None:
    """US-VA grid 269.07 -> 200 g/kWh, Microsoft's PUE 1.18 -> 1.25, H100 bandwidth 3,350
    -> 4,000 GB/s; all three act on usage only.
    carbon, grid first (all else old): every usage item is at the US-VA factor, so
      22,087.0 kg x (0.2 / 0.26907 - 1) = -5,669.7 kg.
    PUE, last in every quantity (the others new): the serving IT energy E_IT,new is the
      new facility-overhead item / (1.25 - 1); energy step 0.07 x E_IT,new; carbon step
      x 0.2 kg/kWh; water step x 3.1321 L/kWh (US EWIF; WUE is per IT kWh, no PUE).
    bandwidth (energy, first): (E_IT,new - E_IT,old) x 1.18, E_IT,old = old overhead / 0.18.
    The steps sum to the change."""
    d = user_folder(
        tmp_path,
        {
            "grid_intensity": "US-VA,VA (mine),co2e_intensity,200,gCO2e/kWh,2025,mine2025,x\n",
            "facility": "operator:microsoft,MS (mine),pue,1.25,1,2025,mine2025,x\n",
            "accelerators": "H100-SXM5-80GB,H100 (mine),memory_bandwidth,4000,GB/s,2025,"
            "mine2025,x\n",
        },
    )
    base = example_life_cycle()
    new = json.loads(lcai("--catalog-dir", str(d), "assess", str(EXAMPLE), "--json"))
    over_new = next(it for it in new["phases"]["usage"]["items"] if it["kind"] == "overhead")
    it_new = over_new["energy_kwh"] * new["functional_units"] / 0.25
    it_old = base["items"]["facility overhead (PUE 1.18)"]["energy_kwh"] / 0.18
    att = attribution(d, EXAMPLE)
    g, p, b = (
        "grid_intensity:US-VA.co2e_intensity",
        "facility:operator:microsoft.pue",
        "accelerators:H100-SXM5-80GB.memory_bandwidth",
    )
    sc, se, sw = (steps_of(att[q]) for q in ("co2e_kg", "energy_kwh", "water_l"))
    close(sc[g], base["phases"]["usage"]["co2e_kg"] * (0.2 / 0.26907 - 1), rel=1e-9)
    close(sc[g], -5669.7, rel=1e-4)
    close(se[p], 0.07 * it_new, rel=1e-9)
    close(sc[p], 0.07 * it_new * 0.2, rel=1e-9)
    close(sw[p], 0.07 * it_new * 3.1321, rel=1e-9)
    close(se[b], (it_new - it_old) * 1.18, rel=1e-9)
    for a in att.values():
        assert a["attributed_share"] == 1.0
        close(sum(s["delta"] for s in a["steps"]), a["change"], rel=1e-9)


def test_catalog_diff_annotation_rows(tmp_path: Path) -> None:
    """Kenya's grid 95.44 -> 150 g/kWh and the laptop's power 22 -> 30 W. Device use:
    300 annotators x 400 h x (22 + 30 W) = 6,240 kWh (laptop 2,640 + monitor 3,600).
    carbon: grid first 6,240 x (0.15 - 0.09544) = 340.4544 kg; then the laptop at the new
      grid 300 x 400 h x 8 W = 960 kWh x 0.15 = 144 kg.
    energy: 960 kWh; water: 960 kWh x 4.81 L/kWh (world EWIF) = 4,617.6 L."""
    d = user_folder(
        tmp_path,
        {
            "grid_intensity": "KE,Kenya (mine),co2e_intensity,150,gCO2e/kWh,2025,mine2025,x\n",
            "devices": "laptop,Laptop (mine),power,30,W,2025,mine2025,x\n",
        },
    )
    att = attribution(d, EXAMPLE)
    sc, se, sw = (steps_of(att[q]) for q in ("co2e_kg", "energy_kwh", "water_l"))
    close(sc["grid_intensity:KE.co2e_intensity"], 340.4544)
    close(sc["devices:laptop.power"], 144.0)
    close(se["devices:laptop.power"], 960.0)
    close(sw["devices:laptop.power"], 4617.6)
    for a in att.values():
        assert a["attributed_share"] == 1.0


def test_catalog_diff_fab_water_row(tmp_path: Path) -> None:
    """FIXED: a fabrication-water row's change is left 0% attributed.

    embodied_factors:wafer_fab.water_per_area 16.9 -> 20 L/cm2 is the only row changed.
    The fab water of both manufactured components is die area x this row / fab yield
    0.875, allocated by unit-hours: (8,092.69 L (A100s) + 2,071.58 L (H100s)) / 0.875 =
    11,616.31 L over the life cycle, so the change is 11,616.31 x (20 / 16.9 - 1) =
    +2,130.80 L, all of it this row's. lcai found the change but listed no step: 0.0, all of it
    '(structure)'. Cause: the components' ``fab_water`` is a 'derived' parameter (computed
    at plan time from the row), and attribute_change skips derived parameters."""
    d = user_folder(
        tmp_path,
        {"embodied_factors": "wafer_fab,Wafer (mine),water_per_area,20,L/cm2,2025,mine2025,x\n"},
    )
    base = example_life_cycle()
    fab = base["phases"]["manufacturing"]["water_l"]
    close(fab, 10164.27 / 0.875, rel=1e-6)
    w = attribution(d, EXAMPLE)["water_l"]
    close(w["change"], fab * (20 / 16.9 - 1), rel=1e-9)  # the change itself is right
    assert w["attributed_share"] >= 0.99, (w["attributed_share"], w["steps"])


def test_catalog_diff_die_area_with_tdp(tmp_path: Path) -> None:
    """FIXED: with two rows changed, water is only 96.9% attributed (< 99%).

    accelerators:H100-SXM5-80GB.tdp 700 -> 800 W (serving power) and
    accelerators:A100-SXM4-80GB.die_area 826 -> 900 mm2 (fab water of the training GPUs).
    By hand the die-area row moves water by 8,092.69 / 0.875 L x (900 / 826 - 1) =
    +828.58 L (the training GPUs' fab water at the fab yield); lcai attributed the TDP step
    only and reported exactly that part as unattributed. Same cause: fab_water is a derived
    parameter."""
    rows = (
        "H100-SXM5-80GB,H100 (mine),tdp,800,W,2025,mine2025,x\n"
        "A100-SXM4-80GB,A100 (mine),die_area,900,mm2,2025,mine2025,x\n"
    )
    d = user_folder(tmp_path, {"accelerators": rows})
    base = example_life_cycle()
    fab_a100 = base["items"]["training GPUs (A100-80GB)"]["water_l"]
    att = attribution(d, EXAMPLE)
    w = att["water_l"]
    close(att["co2e_kg"]["attributed_share"], 1.0)
    assert abs(w["unattributed"]) < 1e-6 * fab_a100  # it was exactly the die area's part
    assert steps_of(w).get("accelerators:A100-SXM4-80GB.die_area", 0.0) == pytest.approx(
        fab_a100 * (900 / 826 - 1), rel=1e-3
    )
    assert w["attributed_share"] >= 0.99


def test_catalog_diff_accelerator_memory(tmp_path: Path) -> None:
    """FIXED: an accelerator-memory row is attributed -75.2% of the carbon change.

    accelerators:H100-SXM5-80GB.memory 80 -> 40 GB is the only row changed. By hand:
    - manufacturing (die-area method): 64 GPUs x (40 - 80) GB x 0.774 kg/GB x
      8,760 h / (43,800 h x 0.85) = -466.22 kg;
    - serving: 141 GB of bf16 weights plus the KV cache no longer fit on 4 x 36 GB usable,
      so the replica grows from 4 to 8 GPUs; memory-bound time x GPUs is unchanged but the
      2 ms step overhead is paid on twice the GPUs: per request 300 tokens x 4 more GPUs x
      2 ms / batch 32 = 0.075 accelerator-s more, at idle power 74.9 W, host 240 W and idle
      capacity (0.3 / 0.7) x (74.9 + 240) W: 0.075 x 449.86 W = 33.74 J, x PUE 1.18 =
      39.81 J = 1.1059e-5 kWh x 365M requests = +4,036.5 kWh x 0.26907 = +1,086.11 kg.
    The row explains the whole change, -466.22 + 1,086.11 = +619.89 kg (and +4,036.5 kWh).
    lcai attributes -466.22 kg to it and reports +1,086.11 kg as '(structure)', an
    attributed share of -75.2% (0% for energy and water). Cause: the replica size and batch
    cap are 'derived' parameters with no memory parameter behind them in usage, so
    attribute_change cannot reset them to the old catalog."""
    d = user_folder(
        tmp_path, {"accelerators": "H100-SXM5-80GB,H100 (mine),memory,40,GB,2025,mine2025,x\n"}
    )
    att = attribution(d, EXAMPLE)
    c, e = att["co2e_kg"], att["energy_kwh"]
    manuf = 64 * (40 - 80) * 0.774 * 8760 / (43800 * 0.85)
    extra_j = 300 * 4 * 0.002 / 32 * (74.9 + 240) * (1 + 0.3 / 0.7) * 1.18
    serving_kwh = extra_j / 3.6e6 * 365e6
    close(e["change"], serving_kwh, rel=1e-6)
    close(c["change"], manuf + serving_kwh * 0.26907, rel=1e-6)
    # the row explains the whole change: manufacturing and the larger replica
    close(steps_of(c)["accelerators:H100-SXM5-80GB.memory"], manuf + serving_kwh * 0.26907,
          rel=1e-6)  # fmt: skip
    assert c["attributed_share"] >= 0.99, c["attributed_share"]
    assert e["attributed_share"] >= 0.99, e["attributed_share"]


# -- validate ----------------------------------------------------------------------------


@cache
def validation() -> tuple[list[dict[str, Any]], str, set[str]]:
    rows = json.loads(lcai("validate", "--json"))
    text = flat(lcai("validate"))
    from lcai.checks.suite import load_suite

    inference = {c.case for c in load_suite()[0].cases if c.group == "inference"}
    return rows, text, inference


ENERGY_UNITS = {"J", "kJ", "Wh", "kWh", "MWh", "mWh"}


def factor(c: dict[str, Any]) -> float:
    a, b = c["computed"], c["published"]
    return math.inf if a <= 0 or b <= 0 else max(a / b, b / a)


def test_validate_reproduction_count() -> None:
    rows, text, _ = validation()
    rep = [c for c in rows if c["mode"] == "reproduction"]
    n_ok = sum(c["within_tolerance"] for c in rep)
    for c in rep:  # each row's verdict follows from its error and tolerance
        if c["rel_error"] is not None and c["tolerance"] is not None:
            assert c["within_tolerance"] == (abs(c["rel_error"]) <= c["tolerance"]), c
            close(c["rel_error"], (c["computed"] - c["published"]) / c["published"])
    assert f"Reproduction: {n_ok} of {len(rep)} checks within tolerance." in text
    assert (n_ok, len(rep)) == (26, 26)


def test_validate_prediction_summary() -> None:
    """Training predictions' energy errors (MWh rows): GPT-3 -15.50%, BLOOM -8.30%,
    Llama 2 7B +17.10%, 70B +25.46%, Llama 3 70B -25.10%, OPT +0.04%.
    |e| sorted 0.04, 8.30, 15.50, 17.10, 25.10, 25.46: median (15.50 + 17.10) / 2 = 16.3%;
    signed sorted -25.10, -15.50, -8.30, 0.04, ...: median (-8.30 + 0.04) / 2 = -4.1%;
    worst factor 4,480 / 3,355.35 = 1.335 -> 1.34x."""
    rows, text, inference = validation()
    train = [c for c in rows if c["mode"] == "prediction" and c["case"] not in inference]
    energy = [c for c in train if c["unit"] in ENERGY_UNITS]
    assert len(energy) == 6 and len({c["case"] for c in train}) == 6
    errs = [c["rel_error"] for c in energy]
    med = statistics.median(abs(e) for e in errs)
    bias = statistics.median(errs)
    worst = max(factor(c) for c in energy)
    line = (
        f"Prediction (6 cases, no GPU-hours given): median absolute energy error "
        f"{100 * med:.1f}%, signed median {100 * bias:+.1f}%, worst case off by {worst:.2f}x"
    )
    assert line in text
    assert (f"{100 * med:.1f}", f"{100 * bias:+.1f}", f"{worst:.2f}") == ("16.3", "-4.1", "1.34")
    # calibration: share of training checks inside p5-p95, widest p95 / p5
    iv = [c for c in train if c["covered"] is not None]
    for c in iv:
        assert c["covered"] == (c["p5"] <= c["published"] <= c["p95"])
    cov = sum(c["covered"] for c in iv) / len(iv)
    widest = max(c["p95"] / c["p5"] for c in iv)
    assert (
        f"inside lcai's p5-p95 interval for {100 * cov:.0f}% of the prediction checks; the "
        f"widest interval is {widest:.2f}x (p95/p5)" in text
    )


def test_validate_inference_summary() -> None:
    """18 inference checks, 2 outside their bound (Llama 3.1 70B, BLOOM API);
    batch stated: 13 per-request energies, worst Llama 2 7B on H100 at batch 64
    303.2 / 210.94 = 1.44x; batch default: 3 (ML.ENERGY 8B 1.90x, 70B 2.04x, Gemini
    1.17x): median 1.90x; per-request coverage 13 of 16 = 81.25% -> 81%."""
    rows, text, inference = validation()
    inf = [c for c in rows if c["case"] in inference]
    within = sum(c["within_tolerance"] for c in inf)
    assert f"Inference estimates: {within} of {len(inf)} checks within their bound." in text
    assert (within, len(inf)) == (16, 18)
    per_req = [c for c in inf if c["batch_given"] is not None and c["unit"] in ENERGY_UNITS]
    stated = [c for c in per_req if c["batch_given"]]
    default = [c for c in per_req if not c["batch_given"]]
    for label, group in (("stated", stated), ("left to the default", default)):
        fs = [factor(c) for c in group]
        assert (
            f"Serving energy per request, batch {label} ({len(fs)} measurements): median "
            f"{statistics.median(fs):.2f}x off, worst {max(fs):.2f}x." in text
        )
    iv = [c for c in per_req if c["covered"] is not None]
    cov = sum(c["covered"] for c in iv) / len(iv)
    assert (len(iv), sum(c["covered"] for c in iv)) == (16, 13)
    assert f"inside lcai's p5-p95 for {100 * cov:.0f}% of the per-request checks" in text


def test_report_validation_paragraph_follows_the_rows() -> None:
    """The HTML report: '26 of 26 checks', median 16.3% printed whole '16%', 6 cases,
    worst 1.34x."""
    rows, _, inference = validation()
    html = flat(report("html"))
    rep = [c for c in rows if c["mode"] == "reproduction"]
    energy = [
        c
        for c in rows
        if c["mode"] == "prediction" and c["case"] not in inference and c["unit"] in ENERGY_UNITS
    ]
    med = statistics.median(abs(c["rel_error"]) for c in energy)
    worst = max(factor(c) for c in energy)
    n_ok = sum(c["within_tolerance"] for c in rep)
    assert f"{n_ok} of {len(rep)} checks within their stated tolerance" in html
    assert (
        f"its median energy error is {100 * med:.0f}% over 6 cases, the worst {worst:.2f}x" in html
    )


def test_catalog_diff_with_nothing_changed_says_so() -> None:
    """Against the catalog in use, nothing moves: it printed '100.0% of the change
    attributed' over an empty table; now each total says it is unchanged."""
    text = lcai("assess", str(EXAMPLE), "--catalog-diff", "packaged")
    assert "of the change attributed" not in text
    assert text.count("unchanged: no row this assessment reads differs") >= 3
