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
