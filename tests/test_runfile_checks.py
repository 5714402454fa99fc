"""Run files from elsewhere: time that goes back is an error; an unknown backend is never
called a measurement."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lcai.errors import SpecError
from lcai.measure.runfile import FORMAT, describe_energy, method_of, read_run, summarise


def _run(tmp_path: Path, samples: list[dict[str, object]]) -> Path:
    lines = [json.dumps({"format": FORMAT, "version": 1})]
    lines += [json.dumps({"sample": s}) for s in samples]
    lines.append(json.dumps({"end": {"t": 1e9}}))
    p = tmp_path / "r.jsonl"
    p.write_text("\n".join(lines) + "\n")
    return p


def test_samples_that_go_back_in_time_are_refused(tmp_path: Path) -> None:
    p = _run(
        tmp_path,
        [
            {"t": 100.0, "device": "gpu:0", "backend": "nvml", "energy_j": 0.0},
            {"t": 99.0, "device": "gpu:0", "backend": "nvml", "energy_j": 10.0},
        ],
    )
    with pytest.raises(SpecError, match="back in time") as info:
        read_run(p)
    assert "r.jsonl:3" in str(info.value)


def test_an_unknown_backend_is_not_measured(tmp_path: Path) -> None:
    assert method_of("nvml") == "measured" and method_of("rapl") == "measured"
    assert method_of("my-meter") == "unknown backend"
    p = _run(
        tmp_path,
        [
            {"t": 100.0, "device": "x:0", "backend": "my-meter", "energy_j": 0.0},
            {"t": 101.0, "device": "x:0", "backend": "my-meter", "energy_j": 3600.0},
        ],
    )
    s = summarise(read_run(p))
    assert [m["method"] for m in s["methods"]] == ["unknown backend"]
    assert "measured" not in describe_energy({"my-meter": 0.001})


@pytest.mark.parametrize(
    ("model", "key"),
    [
        ("Intel(R) Xeon(R) Platinum 8480+", "cpu:Xeon-8480+"),
        ("Intel(R) Xeon(R) Platinum 8380 CPU @ 2.30GHz", "cpu:Xeon-8380"),
        ("Intel(R) Xeon(R) 6980P", "cpu:Xeon-6980P"),
        ("AMD EPYC 7763 64-Core Processor", "cpu:EPYC-7763"),
        ("AMD EPYC 7H12 64-Core Processor", "cpu:EPYC-7H12"),
        ("AMD EPYC 9654 96-Core Processor", "cpu:EPYC-9654"),
        ("Intel(R) Core(TM) i7-8550U CPU @ 1.80GHz", None),
        ("", None),
    ],
)
def test_the_tracker_finds_the_cpu_as_proc_cpuinfo_names_it(model: str, key: str | None) -> None:
    from lcai import catalog
    from lcai.measure.tracker import cpu_key

    servers = catalog.table("servers")
    keys = servers.keys()
    cpus = [k for k in keys if k.startswith("cpu:")]
    assert cpu_key(model, cpus, servers.aliases) == key


@pytest.mark.parametrize(
    "command",
    [
        ["compare", "{f}", "{f}", "--json"],
        ["sensitivity", "{f}", "--base-samples", "16", "--json"],
        ["scenarios", "{f}", "-s", "liquid-cooling", "--json"],
    ],
    ids=["compare", "sensitivity", "scenarios"],
)
def test_every_reader_of_a_file_keeps_to_its_folder(
    tmp_path: Path, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """A run file outside the assessment's folder is refused unless --outside-paths."""
    from tests.test_bad_input import run_cli

    project, runs = tmp_path / "project", tmp_path / "runs"
    project.mkdir()
    runs.mkdir()
    _run(
        runs,
        [
            {"t": 1.0, "device": "gpu:0", "backend": "nvml", "energy_j": 0.0},
            {"t": 2.0, "device": "gpu:0", "backend": "nvml", "energy_j": 3.6e6},
        ],
    )
    f = project / "a.yaml"
    f.write_text(
        "name: m\ntraining:\n  grid: {region: FR}\n  facility: {pue: 1.2}\n"
        "  measured: {runs: ['../runs/r.jsonl']}\n"
    )
    args = [a.replace("{f}", str(f)) for a in command]
    code, _, err = run_cli(args, capsys)
    assert code == 2 and "outside" in err, err
    code, _, err = run_cli([*args, "--outside-paths"], capsys)
    assert code == 0, err
