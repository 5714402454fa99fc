"""Bad input: one clear message naming the file, line and field; exit status 2; no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lcai.cli.main import main

pytestmark = pytest.mark.usefixtures("fixture_catalog")

GOOD = """\
name: test
grid:
  region: AA
training:
  accelerators:
    type: GPU-X
    gpu_hours: 1000 h
"""


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run the CLI in-process; return (exit status, stdout, stderr)."""
    old = sys.argv
    sys.argv = ["lcai", *args]
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    finally:
        sys.argv = old
    out = capsys.readouterr()
    return code, out.out, out.err


def _assess(tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    f = tmp_path / "bad.yaml"
    f.write_text(text)
    code, _out, err = run_cli(["assess", str(f)], capsys)
    assert "Traceback" not in err
    return code, err


def test_good_file_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = _assess(tmp_path, GOOD, capsys)
    assert code == 0


@pytest.mark.parametrize(
    ("text", "line", "field", "fragment"),
    [
        # unknown accelerator: suggestion
        (GOOD.replace("GPU-X", "GPU-Z"), 6, "training.accelerators.type", "did you mean 'GPU-X'"),
        # unknown region: suggestion
        (GOOD.replace("region: AA", "region: AAA"), 3, "grid.region", "did you mean 'AA'"),
        # wrong unit dimension
        (GOOD + "    power: 700 kg\n", 8, "training.accelerators.power", "is a mass"),
        # a unit is required
        (GOOD + "    power: 700\n", 8, "training.accelerators.power", "has no unit"),
        # negative value
        (GOOD.replace("1000 h", "-5 h"), 7, "training.accelerators.gpu_hours", "negative"),
        # non-numeric value
        (GOOD.replace("1000 h", "lots"), 7, "training.accelerators.gpu_hours", "not a number"),
        # utilisation above 1
        (GOOD + "    mfu: 1.5\n", 8, "training.accelerators.mfu", "less than or equal to 1"),
        # missing field
        (GOOD.replace("name: test\n", ""), None, "name", "required field is missing"),
        # unknown field
        (GOOD + "    wattage: 3 W\n", 8, "training.accelerators.wattage", "unknown field"),
        # missing way to get the energy
        (
            GOOD.replace("    gpu_hours: 1000 h\n", ""),
            5,
            "training.accelerators",
            "say how to get the energy",
        ),
        # PUE below 1
        (GOOD + "  facility:\n    pue: 0.9\n", 9, "training.facility.pue", "greater than or equal"),
    ],
)
def test_bad_values(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    text: str,
    line: int | None,
    field: str,
    fragment: str,
) -> None:
    code, err = _assess(tmp_path, text, capsys)
    assert code == 2, err
    assert err.count("\n") == 1, f"one line expected: {err!r}"
    assert "bad.yaml" in err
    if line is not None:
        assert f"bad.yaml:{line}:" in err, err
    assert field in err, err
    assert fragment in err, err


def test_malformed_yaml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _assess(tmp_path, "name: x\ntraining: [\n  a: b\n", capsys)
    assert code == 2
    assert "malformed YAML" in err and "bad.yaml:" in err


def test_empty_and_non_mapping(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _assess(tmp_path, "", capsys)[0] == 2
    code, err = _assess(tmp_path, "- a\n- b\n", capsys)
    assert code == 2 and "mapping" in err


def test_missing_file(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["assess", "/nonexistent/x.yaml"], capsys)
    assert code == 2
    assert err.strip() == "error: /nonexistent/x.yaml: file does not exist"


def test_malformed_toml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "bad.toml"
    f.write_text("name = \n")
    code, _, err = run_cli(["assess", str(f)], capsys)
    assert code == 2 and "malformed TOML" in err


def test_toml_works(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "ok.toml"
    f.write_text(
        'name = "t"\n[grid]\nregion = "AA"\n[training.accelerators]\n'
        'type = "GPU-X"\ngpu_hours = "1000 h"\n'
    )
    code, out, err = run_cli(["assess", str(f), "--json"], capsys)
    assert code == 0, err
    assert '"co2e_kg": 375.0' in out


def test_unknown_table_and_source(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["data", "show", "grid_intensty"], capsys)
    assert code == 2 and "did you mean 'grid_intensity'" in err
    code, _, err = run_cli(["data", "cite", "fixtur"], capsys)
    assert code == 2 and "'fixture'" in err


def test_usage_error_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["assess"], capsys)
    assert code == 2
    assert "Traceback" not in err


def test_output_not_half_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A failing run leaves an earlier output file untouched."""
    out = tmp_path / "result.json"
    out.write_text("previous")
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD.replace("GPU-X", "nope"))
    code, _, _ = run_cli(["assess", str(bad), "--json", "-o", str(out)], capsys)
    assert code == 2
    assert out.read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == sorted(["result.json", "bad.yaml"]) or set(
        p.name for p in tmp_path.iterdir()
    ) == {"result.json", "bad.yaml"}


def test_real_process_exit_status(tmp_path: Path) -> None:
    """The installed entry point itself exits 2 with no traceback."""
    f = tmp_path / "bad.yaml"
    f.write_text("name: x\ntraining:\n  accelerators:\n    type: A100\n    power: 700 kg\n")
    proc = subprocess.run(
        [sys.executable, "-m", "lcai.cli.main", "assess", str(f)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "training.accelerators.power" in proc.stderr
