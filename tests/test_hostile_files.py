"""Hostile assessment files: bounded reading, no silent reinterpretation (issue 14)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import lcai
from lcai.errors import SpecError, UnitError
from lcai.spec.reading import MAX_DEPTH, MAX_VALUES
from lcai.units import parse_quantity

LCAI = str(Path(sys.executable).with_name("lcai"))

BILLION_LAUGHS = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)]
    + ["name: x"]
)


def _write(tmp_path: Path, text: str, name: str = "a.yaml") -> Path:
    f = tmp_path / name
    f.write_text(text)
    return f


def test_an_alias_bomb_is_refused_fast(tmp_path: Path) -> None:
    """A 500-byte 'billion laughs' ran past 120 s and 3.5 GB."""
    f = _write(tmp_path, BILLION_LAUGHS)
    assert f.stat().st_size < 600
    t0 = time.perf_counter()
    with pytest.raises(SpecError, match=f"more than {MAX_VALUES:,} values"):
        lcai.assess_file(f)
    assert time.perf_counter() - t0 < 5


def test_deep_nesting_is_refused(tmp_path: Path) -> None:
    """20,000 levels of nesting gave a RecursionError."""
    f = _write(tmp_path, "name: x\ndeep: " + "[" * 20_000 + "]" * 20_000 + "\n")
    with pytest.raises(SpecError, match=rf"deeper than {MAX_DEPTH} levels|nesting depth"):
        lcai.assess_file(f)
    f = _write(tmp_path, "name = 'x'\ndeep = " + "[" * 5_000 + "]" * 5_000 + "\n", "a.toml")
    with pytest.raises(SpecError, match=r"deeper|malformed"):
        lcai.assess_file(f)


def test_a_recursive_alias_is_refused(tmp_path: Path) -> None:
    f = _write(tmp_path, "name: x\nloop: &l [*l]\n")
    with pytest.raises(SpecError, match=r"refers to itself|malformed YAML"):
        lcai.assess_file(f)


def test_duplicate_keys_are_an_error(tmp_path: Path) -> None:
    """Duplicate YAML keys: the last one won silently."""
    f = _write(tmp_path, "name: x\ngrid: {region: FR}\ngrid: {region: PL}\ntraining: {}\n")
    with pytest.raises(SpecError) as info:
        lcai.assess_file(f)
    assert info.value.line == 3 and "duplicate key 'grid'" in str(info.value)


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("!!binary MTAwIGg=", "binary"),  # '100 h' as bytes: it was read as the text
        ("!!set {100 h}", "set"),
        ("!!omap [{a: 1}]", "omap"),
        ("!!pairs [{a: 1}]", "pairs"),
    ],
)
def test_yaml_only_types_are_refused_at_their_line(tmp_path: Path, value: str, kind: str) -> None:
    text = f"name: x\ntraining:\n  accelerators:\n    type: A100\n    gpu_hours: {value}\n"
    with pytest.raises(SpecError) as info:
        lcai.assess_file(_write(tmp_path, text))
    assert info.value.line == 5 and f"a YAML !!{kind} value" in str(info.value)


def test_a_decimal_comma_is_an_error_not_thousands() -> None:
    """'1,5 kW' was read as 15,000 W."""
    with pytest.raises(UnitError, match="comma only groups thousands"):
        parse_quantity("1,5 kW", "power")
    assert parse_quantity("1,500 kW", "power").value == 1_500_000


def test_files_that_are_not_regular_or_too_big(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="is a directory"):
        lcai.assess_file(tmp_path)
    if hasattr(os, "mkfifo"):
        fifo = tmp_path / "pipe.yaml"
        os.mkfifo(fifo)
        with pytest.raises(SpecError, match="not a regular file"):
            lcai.assess_file(fifo)
    big = tmp_path / "big.yaml"
    with big.open("w") as fh:
        fh.write("name: x\n# " + "x" * (17 * 2**20) + "\n")
    with pytest.raises(SpecError, match="larger than 16 MiB"):
        lcai.assess_file(big)


def test_the_cli_says_one_line(tmp_path: Path) -> None:
    f = _write(tmp_path, BILLION_LAUGHS)
    proc = subprocess.run([LCAI, "assess", str(f)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert "Traceback" not in proc.stderr and str(f) in proc.stderr


def _measured(tmp_path: Path, runs: str) -> Path:
    return _write(tmp_path, f"name: x\ngrid: {{region: FR}}\ntraining:\n  measured: {runs}\n")


def test_measured_inputs_stay_inside_the_files_folder(tmp_path: Path) -> None:
    """`measured.runs: ['/dev/zero']` reached 3.5 GB in 6 s: run-file globs accepted any
    absolute or `../` path."""
    project = tmp_path / "project"
    project.mkdir()
    (tmp_path / "secret.jsonl").write_text("{}\n")
    for runs in ("/dev/zero", "../secret.jsonl", "'../*.jsonl'"):
        f = _measured(project, runs)
        with pytest.raises(SpecError, match="outside the assessment's folder"):
            lcai.assess_file(f)
    (project / "link.jsonl").symlink_to(tmp_path / "secret.jsonl")
    with pytest.raises(SpecError, match="outside the assessment's folder"):
        lcai.assess_file(_measured(project, "link.jsonl"))


def test_devices_and_folders_are_refused_even_when_outside_paths_are_allowed(
    tmp_path: Path,
) -> None:
    from lcai.spec.loading import load_source

    f = _measured(tmp_path, "/dev/zero")
    with pytest.raises(SpecError, match="not a regular file"):
        lcai.assess_source(load_source(f, outside_paths=True))
    (tmp_path / "runs.jsonl").mkdir()
    with pytest.raises(SpecError, match="not a regular file"):
        lcai.assess_file(_measured(tmp_path, "runs.jsonl"))


def test_a_counter_going_backwards_is_refused(tmp_path: Path) -> None:
    """A run file whose energy counter goes backwards gave negative carbon with exit 0."""
    (tmp_path / "runs").mkdir()
    (tmp_path / "runs" / "r.jsonl").write_text(
        '{"format": "lcai-run", "version": 1}\n'
        '{"sample": {"t": 1, "device": "gpu:0", "backend": "nvml", "energy_j": 100}}\n'
        '{"sample": {"t": 2, "device": "gpu:0", "backend": "nvml", "energy_j": 5}}\n'
    )
    f = _measured(tmp_path, "runs/r.jsonl")
    with pytest.raises(SpecError, match="goes backwards") as info:
        lcai.assess_file(f)
    assert info.value.field == "training.measured.runs" and info.value.line == 4


def test_the_cli_can_allow_outside_paths(tmp_path: Path) -> None:
    """`--outside-paths` lets assess and report read measured inputs from elsewhere."""
    from lcai.cli.main import run

    project, runs = tmp_path / "project", tmp_path / "runs"
    project.mkdir()
    runs.mkdir()
    (runs / "r.jsonl").write_text(
        '{"format": "lcai-run", "version": 1}\n'
        '{"sample": {"t": 1, "device": "gpu:0", "backend": "nvml", "energy_j": 0}}\n'
        '{"sample": {"t": 2, "device": "gpu:0", "backend": "nvml", "energy_j": 3600000}}\n'
    )
    f = _measured(project, "../runs/r.jsonl")
    assert run(["assess", str(f), "--json", "-o", str(tmp_path / "a.json")]) == 2
    assert run(["assess", str(f), "--json", "--outside-paths", "-o", str(tmp_path / "a.json")]) == 0
    out = tmp_path / "r.html"
    args = ["report", str(f), "-o", str(out), "--outside-paths", "--samples", "0",
            "--no-scenarios", "--no-sensitivity", "--no-validation"]  # fmt: skip
    assert run(args) == 0 and out.is_file()
