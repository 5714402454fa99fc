"""The command line on the fixture catalog: tables, JSON contract, CSV, compare, schema, data."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.test_bad_input import GOOD, run_cli

pytestmark = pytest.mark.usefixtures("fixture_catalog")


@pytest.fixture
def good(tmp_path: Path) -> Path:
    f = tmp_path / "good.yaml"
    f.write_text(GOOD)
    return f


def test_assess_table(good: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["assess", str(good)], capsys)
    assert code == 0
    assert "the whole life cycle" in out
    assert "training" in out and "750 kWh" in out and "375 kg" in out
    assert "people's yearly emissions" in out  # equivalences
    assert "Assumptions" in out and "training.facility.pue" in out


def test_assess_json_contract(good: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["assess", str(good), "--json"], capsys)
    assert code == 0
    d = json.loads(out)
    assert set(d) >= {"name", "functional_unit", "total", "phases", "assumptions"}
    assert set(d["total"]) >= {"energy_kwh", "co2e_kg", "water_l"}
    assert set(d["phases"]) == {"manufacturing", "training", "annotation", "usage"}
    for ph in d["phases"].values():
        assert set(ph) >= {"energy_kwh", "co2e_kg", "water_l", "items"}
        for it in ph["items"]:
            assert set(it) >= {"name", "energy_kwh", "co2e_kg", "water_l", "method", "sources"}
            assert it["method"] in ("measured", "given", "estimated")
    assert all(isinstance(a, str) for a in d["assumptions"])
    assert d["total"]["co2e_kg"] == pytest.approx(375)
    assert "fixture" in d["sources"]


def test_assess_csv(good: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["assess", str(good), "--csv"], capsys)
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["name"] for r in rows] == ["Test GPU X", "facility overhead (PUE 1.5)"]
    assert float(rows[0]["energy_kwh"]) == 500


def test_assess_output_file(good: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "sub" / "r.json"
    code, _, _ = run_cli(["assess", str(good), "--json", "-o", str(out)], capsys)
    assert code == 0
    assert json.loads(out.read_text())["total"]["energy_kwh"] == pytest.approx(750)
    txt = tmp_path / "r.txt"
    assert run_cli(["assess", str(good), "-o", str(txt)], capsys)[0] == 0
    assert "Line items" in txt.read_text()


def test_compare(good: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = tmp_path / "other.yaml"
    other.write_text(GOOD.replace("region: AA", "region: BB").replace("name: test", "name: b"))
    code, out, _ = run_cli(["compare", str(good), str(other)], capsys)
    assert code == 0
    assert "0.2x" in out  # 100 g vs 500 g per kWh
    code, out, _ = run_cli(["compare", str(good), str(other), "--json"], capsys)
    assert [d["name"] for d in json.loads(out)] == ["test", "b"]


def test_schema(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["schema"], capsys)
    assert code == 0
    s = json.loads(out)
    assert s["title"] == "Assessment"
    assert "training" in s["properties"]
    acc = s["$defs"]["Accelerators"]["properties"]
    assert acc["power"]["anyOf"][0]["x-dimension"] == "power"


def test_data_commands(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["data", "list"], capsys)
    assert code == 0 and "grid_intensity" in out
    code, out, _ = run_cli(["data", "show", "grid_intensity", "--filter", "key=AA"], capsys)
    assert code == 0 and "Country A" in out and "Country B" not in out
    code, out, _ = run_cli(["data", "show", "accelerators", "-f", "quantity=tdp", "--csv"], capsys)
    assert code == 0 and out.splitlines()[1].startswith("GPU-X,Test GPU X,tdp,500")
    code, out, _ = run_cli(["data", "cite", "fixture"], capsys)
    assert code == 0 and "Round numbers" in out and "used by" in out
    code, _, err = run_cli(["data", "show", "grid_intensity", "-f", "colour=red"], capsys)
    assert code == 2 and "unknown column" in err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    import lcai

    assert run_cli(["version"], capsys)[1].strip() == lcai.__version__


def test_help_loads_nothing_of_the_library() -> None:
    """`lcai --help` lists every command without importing numpy, pydantic, rich or any
    command module (each loads when its command runs)."""
    import subprocess
    import sys

    code = (
        "import sys, io, contextlib\n"
        "from lcai.cli.main import run\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        "    assert run(['--help']) == 0\n"
        "assert 'validate' in out.getvalue() and 'assess' in out.getvalue()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('lcai', 'numpy', 'pydantic', 'rich', 'typer', 'yaml')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['lcai', 'lcai.cli', 'lcai.cli.main']"


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (0.0, "kWh", "0 kWh"),
        (750.0, "kWh", "750 kWh"),
        (433_196.0, "kWh", "433.2 MWh"),
        (1.5e6, "kWh", "1.5 GWh"),
        (375.0, "kg", "375 kg"),
        (24_690.0, "kg", "24.69 t"),
        (24_690.0, "kgCO2e", "24.69 tCO2e"),
        (2.5e12, "kg", "2,500 Mt"),
        (3.2e6, "L", "3.2 million L"),
        (12.3456, "L", "12.35 L"),
        (0.000123, "W", "0.000123 W"),
        (-1500.0, "kg", "-1.5 t"),
        # issue 13.5: small values scale the unit down instead of an exponent (8.17e-06 kg)
        (8.17e-06, "kg", "8.17 mg"),
        (8.17e-06, "kgCO2e", "8.17 mgCO2e"),
        (0.003418, "kg", "3.418 g"),
        (3.226e-05, "kWh", "32.26 mWh"),
        (0.000101, "L", "0.101 mL"),
        (0.05682, "kg", "0.05682 kg"),
        (9186.0, "W", "9.186 kW"),
        (1.5e8, "W", "150 MW"),
        (3.12e14, "FLOP/s", "312 TFLOP/s"),
        (1e-12, "kg", "0.000001 mg"),
    ],
)
def test_one_number_formatter(value: float, unit: str, text: str) -> None:
    from lcai.fmt import magnitude

    assert magnitude(value, unit) == text


@pytest.mark.parametrize(
    ("fraction", "signed", "text"),
    [
        (0.99996, False, "100.0%"),  # was '1e+02%' (capacity against a 150 MW site)
        (0.134, True, "+13.4%"),
        (-0.000007, True, "-0.0007%"),
        (0.0, True, "+0.0%"),
        (1.2e-8, False, "0.0000012%"),
    ],
)
def test_percentages_have_no_exponent(fraction: float, signed: bool, text: str) -> None:
    from lcai.fmt import percent

    assert percent(fraction, signed=signed) == text


def test_compare_refuses_different_functional_units(
    good: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`lcai compare` of a life cycle and a file per 1,000 requests printed
    'carbon vs first 1.44e-05x', a ratio of two different things: it is refused, in one
    line naming both files and their functional units (ISO 14044 compares one unit)."""
    other = tmp_path / "per.yaml"
    other.write_text(GOOD + "functional_unit: per 1000 requests\n"
                     "usage:\n  deployment: 1 year\n  requests_per_day: 1000\n"
                     "  energy_per_request: 1 Wh\n")  # fmt: skip
    code, out, err = run_cli(["compare", str(good), str(other)], capsys)
    assert code == 2 and out == "" and err.count("\n") == 1, err
    assert str(good) in err and str(other) in err
    assert "(the whole life cycle)" in err and "(per 1,000 requests)" in err
    assert run_cli(["compare", str(good), str(other), "--json"], capsys)[0] == 2
    same = tmp_path / "same.yaml"
    same.write_text(other.read_text().replace("per 1000 requests", "per 1,000 requests"))
    assert run_cli(["compare", str(other), str(same)], capsys)[0] == 0


def test_compare_prints_each_files_warnings(
    good: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`lcai compare` dropped the files' warnings (here: no grid region, world average)."""
    nogrid = tmp_path / "nogrid.yaml"
    nogrid.write_text(GOOD.replace("grid:\n  region: AA\n", ""))
    code, out, _ = run_cli(["compare", str(good), str(nogrid)], capsys)
    assert code == 0
    warnings = [line for line in out.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and str(nogrid) in warnings[0] and "world average" in out
    code, out, _ = run_cli(["compare", str(good), str(nogrid), "--json"], capsys)
    assert [len(d["warnings"]) for d in json.loads(out)] == [0, 1]


def test_user_text_is_escaped(
    good: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A name with markup characters reaches the terminal, Markdown and LaTeX literally."""
    from lcai.outputs.report import build_report, render_latex, render_markdown
    from lcai.outputs.report.latex import tex_escape
    from lcai.outputs.report.markdown import md_escape

    f = tmp_path / "odd.yaml"
    f.write_text(GOOD.replace("name: test", "name: '[bold]a|b_c & 50%'"))
    code, out, _ = run_cli(["assess", str(f)], capsys)
    assert code == 0 and "[bold]a|b_c & 50%" in out
    rep = build_report(f, samples=0, with_scenarios=False, with_sensitivity=False,
                       with_validation=False)  # fmt: skip
    assert "# \\[bold\\]a\\|b\\_c & 50%" in render_markdown(rep, "c")[0]
    assert "[bold]a|b\\_c \\& 50\\%" in render_latex(rep)
    assert tex_escape("{~}") == "\\{\\textasciitilde{}\\}" and md_escape("a\nb") == "a b"


def test_library_errors_name_parameters_and_the_cli_names_flags(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from lcai.errors import SpecError
    from lcai.whatif.projection import projection

    with pytest.raises(SpecError) as err:
        projection(growth=(0.1, 0.1), start_year=2020, end_year=2030)
    assert err.value.path == ("start",) and "--" not in err.value.message
    code, _, err_text = run_cli(["project", "--growth", "10%", "--from", "2020", "--to", "2030"],
                                capsys)  # fmt: skip
    assert code == 2 and err_text.startswith("error: --start: ") and err_text.count("\n") == 1
    code, _, err_text = run_cli(["assess"], capsys)
    assert code == 2 and err_text.count("\n") == 1 and "FILE" in err_text
