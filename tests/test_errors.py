"""The command line's one error boundary: bad input exit 2, a bug exit 70, Ctrl-C 130."""

from __future__ import annotations

from pathlib import Path

import pytest

import lcai.api
from lcai.cli.main import INTERNAL_ERROR, run

ROOT = Path(__file__).resolve().parents[1]
BLOOM = str(ROOT / "examples" / "bloom-176b.yaml")


def _boom(*_: object, **__: object) -> None:
    raise RuntimeError("something inside lcai broke")


def test_an_internal_error_is_one_line_and_exit_70(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(lcai.api, "assess_source", _boom)
    monkeypatch.delenv("LCAI_DEBUG", raising=False)
    assert run(["assess", BLOOM, "--json"]) == INTERNAL_ERROR == 70
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "internal error: RuntimeError: something inside lcai broke" in err
    assert "please report it" in err


@pytest.mark.parametrize("how", ["flag", "env"])
def test_debug_shows_the_traceback(
    how: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(lcai.api, "assess_source", _boom)
    args = ["assess", BLOOM]
    if how == "flag":
        args.insert(0, "--debug")
    else:
        monkeypatch.setenv("LCAI_DEBUG", "1")
    assert run(args) == 70
    assert "Traceback" in capsys.readouterr().err


def test_ctrl_c_is_130_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(*_: object, **__: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(lcai.api, "assess_source", interrupted)
    assert run(["assess", BLOOM]) == 130
    err = capsys.readouterr().err
    assert "Traceback" not in err and "interrupted" in err


def test_bad_input_is_still_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "a.yaml"
    f.write_text("name: x\ntraining: {accelerators: {gpu_hours: 5 W, power: 1 kW}}\n")
    assert run(["assess", str(f)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {f}:2: training.accelerators.gpu_hours") and err.count("\n") == 1
