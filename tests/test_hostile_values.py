"""Numbers out of range are exit 2 and one line, never an overflow, a huge allocation or an
impossible result (issue 14)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lcai.cli.main import run

ROOT = Path(__file__).resolve().parents[1]
BLOOM = str(ROOT / "examples" / "bloom-176b.yaml")
P = ["project", "--start", "200 TWh", "--growth", "25%", "--from", "2024", "--to", "2030"]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["assess", BLOOM, "--samples", "9999999999999"], "samples: expected 1 to 2,000,000"),
        (["assess", BLOOM, "--samples", "10", "--seed", "-1"], "seed: expected 0"),
        ([*P[:-1], "99999"], "expected a year from 1900 to 2200"),
        ([*P[:-3], "1900", "--to", "2150"], "a horizon of at most 100 years"),
        ([*P[:3], "--growth", "1e300", *P[5:]], "'--growth': '1e300' is too large"),
        ([*P[:3], "--growth", "5000%", *P[5:]], "a growth of -99% to 1000% a year"),
        ([*P[:3], "--growth=-200%", *P[5:]], "got -200%"),
        (["project", "--start=-100 TWh", *P[3:]], "a yearly energy of 0 to"),
        ([*P, "--efficiency", "200%"], "a gain of 0% to 99% a year, got 200%"),
        ([*P, "--decarbonisation", "300%"], "0% to 100% a year, got 300%"),
        (["project", "--requests-per-day", "nan", "--energy-per-request", "1 Wh", *P[3:]],
         "--requests-per-day"),
    ],
)  # fmt: skip
def test_out_of_range_numbers(
    args: list[str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(args) == 2
    err = capsys.readouterr().err
    assert says in err and err.count("\n") == 1 and "Traceback" not in err, err


def test_a_functional_unit_needs_requests(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`functional_unit: per 1000 requests` with 0 requests was a ZeroDivisionError."""
    f = tmp_path / "a.yaml"
    f.write_text(
        "name: x\nfunctional_unit: per 1000 requests\ngrid: {region: FR}\n"
        "usage: {requests: 0, energy_per_request: 1 Wh}\n"
    )
    assert run(["assess", str(f)]) == 2
    assert "needs requests served > 0, got 0" in capsys.readouterr().err


def test_csv_cells_are_not_formulas(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`assess --csv` emitted a name `=cmd|' /C calc'!A0` as is (spreadsheet injection)."""
    import csv
    import io

    f = tmp_path / "a.yaml"
    f.write_text(
        "name: x\ngrid: {region: FR}\ntraining:\n"
        "  accelerators: {gpu_hours: 10 h, power: 1 kW}\n"
        "  idle: {name: \"=cmd|' /C calc'!A0\", power: 1 kW, duration: 1 h}\n"
    )
    assert run(["assess", str(f), "--csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    names = [r["name"] for r in rows]
    assert "'=cmd|' /C calc'!A0" in names
    assert all(not r[k].startswith(("=", "+", "@")) for r in rows for k in ("name", "note"))
    assert float(rows[0]["energy_kwh"]) == 10.0


def test_terminal_text_drops_escape_sequences() -> None:
    from lcai.text import terminal_text

    assert terminal_text("run\x1b[31m red\x1b[0m \x07bell\ttab\nline") == "run red bell\ttab\nline"


def test_names_print_as_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Names were read as rich markup (`run [v2] final` printed as `run  final`) and
    terminal escape sequences reached stdout."""
    f = tmp_path / "a.yaml"
    f.write_text(
        'name: "run [v2] final \\e[31mred\\e[0m"\ngrid: {region: FR}\n'
        "training: {accelerators: {gpu_hours: 10 h, power: 1 kW}}\n"
    )
    assert run(["assess", str(f)]) == 0
    out = capsys.readouterr().out
    assert "run [v2] final red" in out and "\x1b" not in out


def test_outputs_never_replace_a_device_a_pipe_or_a_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`-o` naming a device (as root, `schema -o /dev/full` replaced the device with a
    file), a pipe or a folder: a pipe is written as a stream, a folder is an error naming
    it, a symlink stays a link."""
    import os
    import stat
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()))
    reader.start()
    assert run(["schema", "-o", str(fifo)]) == 0
    reader.join(timeout=30)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and got and got[0].startswith("{")
    assert run(["assess", BLOOM, "--json", "-o", str(tmp_path)]) == 2
    assert f"error: {tmp_path}: is a folder" in capsys.readouterr().err
    real, link = tmp_path / "real.json", tmp_path / "link.json"
    link.symlink_to(real)
    assert run(["assess", BLOOM, "--json", "-o", str(link)]) == 0
    assert link.is_symlink() and real.read_text().startswith("{")


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ("{scale: {path: training.accelerators.power, factor: abc}}", "'factor' must be a number"),
        ("{scale: {path: training.accelerators.power, factor: -2}}", "'factor' must be a number"),
        ("{set: {value: 5}}", "expected {path, value}"),
        ("{remove: 5}", "expected a field path, got 5"),
        ("{set: {path: 'training..x', value: 1}}", "'path' must be a field path"),
        ("{accelerator: [H100]}", "expected a name"),
    ],
)
def test_user_scenarios_are_checked(
    tmp_path: Path, change: str, says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """User scenario files with `factor: abc`, `set` without a path or `remove: 5` were
    tracebacks."""
    f = tmp_path / "s.yaml"
    f.write_text(f"scenarios:\n  bad:\n    description: x\n    changes:\n      - {change}\n")
    assert run(["scenarios", BLOOM, "--file", str(f), "-s", "bad"]) == 2
    err = capsys.readouterr().err
    assert says in err and "bad.changes[0]" in err and err.count("\n") == 1


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["-c", "-100"], "--count: expected 1 to"),
        (["-c", "nan"], "--count: expected 1 to"),
        (["--pue", "nan", "-c", "10"], "--pue: expected a PUE of 1 to 5"),
        (["--supply", "-150 MW"], "--supply: expected a supply of 1 W"),
    ],
)
def test_capacity_numbers(args: list[str], says: str, capsys: pytest.CaptureFixture[str]) -> None:
    """`capacity -c -100`, `-c nan`, `--pue nan`, `--supply '-150 MW'` gave impossible
    results with exit 0."""
    assert run(["capacity", *args]) == 2
    assert says in capsys.readouterr().err


@pytest.mark.parametrize(
    "part",
    [
        "training: {accelerators: {type: H100, count: 8, model: {parameters: 7B}, tokens: 1T, "
        "peak: 0 FLOP/s}}",
        "annotation: {annotators: 3, hours: 10 h, devices: [{device: laptop, lifetime: 0 h}]}",
        "annotation: {annotators: 3, hours: 10 h, annual_use: 0 h}",
    ],
)
def test_a_zero_divisor_is_bad_input_not_a_crash(
    part: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A peak of 0 FLOP/s, a device lifetime of 0 h or 0 h of annual use divided by zero:
    exit 70 (ZeroDivisionError). Now exit 2, naming the item and its zero input."""
    f = tmp_path / "z.yaml"
    f.write_text(f"name: z\ngrid: {{region: FR}}\n{part}\n")
    assert run(["assess", str(f)]) == 2
    err = capsys.readouterr().err
    assert "not a finite number" in err and "= 0" in err and err.count("\n") == 1


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["capacity", "--supply", "1 kW"], "--supply: a supply of 1000 W feeds no"),
        ([*P, "--efficiency", "10-50%"], "--efficiency"),
        (["project", "--preset", "huatai-US", "--from", "2025"], "start energy is for 2022"),
    ],
)
def test_review_findings(args: list[str], says: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A supply feeding no accelerator printed '0 x H100 draw 0 W'; `--efficiency 10-50%`
    silently used 10%; a preset started from another year used the preset's year's energy."""
    assert run(args) == 2
    assert says in capsys.readouterr().err
