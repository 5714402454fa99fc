"""Reports: self-contained HTML, Markdown with SVG charts, LaTeX; checked in a real browser."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lcai.outputs.report import build_report, render_html, render_latex, render_markdown
from tests.test_bad_input import run_cli

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "open-model-lifecycle.yaml"
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="module")
def report_html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "report.html"
    proc = subprocess.run(
        [sys.executable, "-m", "lcai.cli.main", "report", str(EXAMPLE), "-o", str(out),
         "--samples", "500"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return out


def test_html_is_self_contained(report_html: Path) -> None:
    html = report_html.read_text()
    assert "<script" not in html.lower()
    assert not re.search(r"""\s(src|href)\s*=\s*["'](?!#)""", html), "external reference"
    assert "@import" not in html and "url(" not in html
    for section in ("headline", "phases", "flow", "uncertainty", "sensitivity", "scenarios",
                    "items", "assumptions", "validation", "bibliography"):  # fmt: skip
        assert f'id="{section}"' in html, section
    # every source link points to an entry of the bibliography
    links = set(re.findall(r'href="#src-([^"]+)"', html))
    entries = set(re.findall(r'id="src-([^"]+)"', html))
    assert links and links <= entries
    assert report_html.stat().st_size < 5_000_000


def test_markdown_and_latex(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    md = tmp_path / "r.md"
    quick = ["--no-scenarios", "--no-validation"]
    code, _, err = run_cli(
        ["report", str(EXAMPLE), "--format", "md", "-o", str(md), "--samples", "0", *quick], capsys
    )
    assert code == 0, err
    text = md.read_text()
    # one version folder of charts, named by their content, linked from the .md
    (version,) = (tmp_path / "r-charts").iterdir()
    svgs = sorted(version.glob("*.svg"))
    assert {p.name for p in svgs} >= {"phases-co2e_kg.svg", "flow.svg", "tornado.svg"}
    for p in svgs:
        assert f"(<r-charts/{version.name}/{p.name}>)" in text
        assert p.read_text().startswith("<svg")
    tex = tmp_path / "r.tex"
    code, _, _ = run_cli(
        ["report", str(EXAMPLE), "--format", "latex", "-o", str(tex), "--samples", "200", *quick],
        capsys,
    )
    assert code == 0
    t = tex.read_text()
    assert "\\begin{tabular}" in t and "We estimate the life-cycle footprint" in t
    assert "90\\% interval" in t
    code, _, err = run_cli(["report", str(EXAMPLE), "--format", "pdf"], capsys)
    assert code == 2 and "--format" in err


def test_report_api_and_assess_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rep = build_report(EXAMPLE, samples=0, with_scenarios=False, with_validation=False)
    html = render_html(rep)
    assert 'id="uncertainty"' not in html  # no samples, no section
    assert render_latex(rep) and render_markdown(rep, "c")[1]
    out = tmp_path / "a.html"
    code, _, _ = run_cli(["assess", str(ROOT / "examples" / "bloom-176b.yaml"), "--report",
                          str(out)], capsys)  # fmt: skip
    assert code == 0 and out.read_text().startswith("<!DOCTYPE html>")


def _chromium() -> str | None:
    path = os.environ.get("LCAI_CHROMIUM") or shutil.which("chromium")
    return path if path and Path(path).exists() else None


def test_report_in_headless_chromium(report_html: Path) -> None:
    """Open the report offline in the system's Chromium: no request leaves the file, no
    console error, every chart drawn with a size, and the totals equal `lcai assess --json`."""
    browser_path = _chromium()
    if browser_path is None:
        pytest.skip("no Chromium on this machine (Debian: apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    expected = json.loads(
        subprocess.run(
            [sys.executable, "-m", "lcai.cli.main", "assess", str(EXAMPLE), "--json"],
            capture_output=True, text=True, check=True,
        ).stdout
    )["total"]  # fmt: skip
    requests: list[str] = []
    errors: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=browser_path,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"],
        )  # fmt: skip
        page = browser.new_page(viewport={"width": 1100, "height": 1400})
        page.on("request", lambda r: requests.append(r.url))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(report_html.as_uri())
        page.wait_for_load_state("load")
        charts = page.eval_on_selector_all(
            "svg.chart",
            "els => els.map(e => ({name: e.dataset.chart, w: e.getBoundingClientRect().width, "
            "h: e.getBoundingClientRect().height, "
            "marks: e.querySelectorAll('rect, path').length}))",
        )
        totals = page.eval_on_selector_all(
            "[data-total]", "els => els.map(e => [e.dataset.total, Number(e.dataset.value)])"
        )
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
        browser.close()
    assert [u for u in requests if not u.startswith("file://")] == []
    assert errors == []
    names = {c["name"] for c in charts}
    assert {"phases-energy_kwh", "phases-co2e_kg", "phases-water_l", "flow"} <= names
    assert {"uncertainty", "tornado", "scenarios"} <= names
    for c in charts:
        assert c["w"] > 100 and c["h"] > 100 and c["marks"] > 0, c
    shown = dict(totals)
    for key in ("energy_kwh", "co2e_kg", "water_l", "co2e_market_kg"):
        assert shown[key] == pytest.approx(expected[key], rel=1e-12), key
    assert (ARTIFACTS / "report.png").stat().st_size > 10_000


# --- issue 13.3 and 13.5: reports with scenarios that do not apply; well-formed outputs ----

L4_SERVING = """\
name: serving on L4
functional_unit: per 1000 requests
grid: {region: US}
usage:
  deployment: 1 year
  requests_per_day: 10000
  inference:
    model: {parameters: 8B}
    accelerator: L4
    input_tokens: 500
    output_tokens: 300
"""


def test_report_lists_a_scenario_that_does_not_apply(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`lcai report` and `assess --report` failed for serving on an L4 ('[scenario
    fp8-inference]: no FP8 throughput for L4 in the catalog'); the report now lists it as
    not applicable, with why, and shows the scenarios that apply."""
    f = tmp_path / "l4.yaml"
    f.write_text(L4_SERVING)
    out = tmp_path / "r.html"
    code, _, err = run_cli(["report", str(f), "-o", str(out), "--samples", "0",
                            "--no-validation"], capsys)  # fmt: skip
    assert code == 0, err
    html = out.read_text()
    assert "not applicable: no FP8 throughput for L4 in the catalog" in html
    assert "not applicable: the assessment has no usage.network.medium" in html
    assert re.search(r"<td>liquid-cooling</td><td class=\"n\">[^<]+CO2e</td>", html)
    md = tmp_path / "r.md"
    code, _, err = run_cli(["assess", str(f), "--report", str(md)], capsys)
    assert code == 0, err
    assert "| fp8-inference | not applicable: no FP8 throughput for L4 in the catalog |" in (
        md.read_text()
    )


def test_latex_rows_have_four_cells(tmp_path: Path) -> None:
    """The LaTeX table must separate its columns with '&' (a bare '\\&' is an escaped,
    literal ampersand, not a column): every row of the tabular has four cells."""
    f = tmp_path / "amp.yaml"
    f.write_text(L4_SERVING.replace("serving on L4", "R&D serving"))
    rep = build_report(f, samples=0, with_scenarios=False, with_sensitivity=False,
                       with_validation=False)  # fmt: skip
    tex = render_latex(rep)
    body = tex[tex.index("\\begin{tabular}{lrrr}") : tex.index("\\end{tabular}")]
    rows = [r for r in body.splitlines()[1:] if r.strip() not in ("\\hline", "")]
    assert rows[0] == "Phase & Energy & Carbon & Water \\\\"
    assert [r.split(" & ")[0] for r in rows] == ["Phase", "Usage", "Total"]
    for r in rows:
        assert r.endswith(" \\\\")
        cells = re.split(r"(?<!\\)&", r[: -len(" \\\\")])
        assert len(cells) == 4, r
    assert "R\\&D serving" in tex


def test_report_format_follows_the_file_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`report -o x.md` wrote HTML into x.md: the format now comes from the suffix when
    --format is not given, and a suffix that names another format is an error."""
    f = tmp_path / "l4.yaml"
    f.write_text(L4_SERVING)
    quick = ["--samples", "0", "--no-scenarios", "--no-validation", "--no-sensitivity"]
    md = tmp_path / "x.md"
    code, _, err = run_cli(["report", str(f), "-o", str(md), *quick], capsys)
    assert code == 0, err
    assert md.read_text().startswith("# serving on L4") and "<html" not in md.read_text()
    tex = tmp_path / "x.tex"
    assert run_cli(["report", str(f), "-o", str(tex), *quick], capsys)[0] == 0
    assert tex.read_text().startswith("% Generated by lcai")
    for args, fragment in (
        (["-o", str(md), "--format", "html"], "is a md file name, but --format is html"),
        (["-o", str(tmp_path / "x.txt")], "cannot tell the report format"),
    ):
        code, _, err = run_cli(["report", str(f), *args, *quick], capsys)
        assert code == 2 and err.count("\n") == 1 and fragment in err, err
    assert not (tmp_path / "x.txt").exists()
    code, _, err = run_cli(["assess", str(f), "--report", str(tmp_path / "y.txt")], capsys)
    assert code == 2 and "--report: cannot tell the report format" in err


_EXPONENT = re.compile(r"\d(?:\.\d+)?e[+-]\d+")


def test_numbers_are_written_without_exponents(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Small items were printed raw ('8.17e-06 kg' next to '3,884 kgCO2e') in the terminal
    and the reports; the one formatter scales the unit (mg, mWh, mL) instead."""
    code, out, _ = run_cli(["assess", str(EXAMPLE)], capsys)
    assert code == 0
    assert not _EXPONENT.search(out), _EXPONENT.findall(out)
    assert "mgCO2e" in out or " mg " in out or "mWh" in out
    rep = build_report(EXAMPLE, samples=0, with_scenarios=True, with_validation=False)
    text, _ = render_markdown(rep, "c")
    assert not _EXPONENT.search(text), _EXPONENT.findall(text)
    visible = re.sub(r"<style>.*?</style>|<[^>]+>", " ", render_html(rep), flags=re.S)
    assert not _EXPONENT.search(visible), _EXPONENT.findall(visible)
