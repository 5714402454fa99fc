"""`lcai validate`: the packaged suite of published footprints, and its exit status."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from lcai.api import plan_file, result_of
from lcai.checks.selectors import parse_selector, sample_values, value
from lcai.checks.suite import load_suite
from lcai.checks.validation import run_cases, run_suite, summarise
from lcai.engine.evaluate import evaluate
from lcai.errors import DataError
from tests.test_bad_input import run_cli

SUITE = Path(__file__).resolve().parent.parent / "src" / "lcai" / "data" / "validation"


def test_every_reproduction_case_is_within_tolerance() -> None:
    checks = run_suite(mode="reproduction")
    assert len({c.case for c in checks}) >= 11
    misses = [c for c in checks if not c.within_tolerance]
    assert not misses, misses
    # the tolerance can fail: no reproduction tolerance is looser than 1.5%
    assert all(c.tolerance is not None and c.tolerance <= 0.015 for c in checks if c.rel_error)


def test_prediction_cases_are_reported_not_gated() -> None:
    checks = run_suite(mode="prediction")
    cases = {c.case for c in checks}
    assert len(cases) == 23
    assert all(c.tolerance is None for c in checks)
    s = summarise(checks)
    assert s.prediction_cases == 6 and s.inference_checks == 18
    assert s.median_abs_energy_error is not None and s.max_energy_factor is not None
    # the goals of the suite (20% median, +-10% signed median, 1.5x worst; 80% coverage,
    # intervals at most 4x)
    assert s.median_abs_energy_error <= 0.20 and s.max_energy_factor <= 1.5
    assert s.signed_median_energy_error is not None
    assert abs(s.signed_median_energy_error) <= 0.10
    assert s.prediction_goal_met
    # the prediction is reported honestly: errors both ways since goodput is counted,
    # and the error is what the table shows (no constant is fitted per case)
    training = [c for c in checks if c.quantity == "GPU-hours"]
    assert len(training) == 6 and all(c.rel_error is not None for c in training)
    # calibrated: every training prediction check has an interval; coverage is reported
    assert all(c.p5 is not None and c.p95 is not None for c in training)
    assert s.coverage is not None and s.coverage >= 0.8
    assert s.max_interval_factor is not None and 1 < s.max_interval_factor <= 4


def test_serving_estimates_against_measurements() -> None:
    """Per-request GPU energy against 16 measurements the serving factors were not fitted
    to (LLM-Inference-Bench, Kumar et al., ML.ENERGY, Google's disclosure): the goals of
    issue 12 are a median within 1.3x with the batch stated, within 2x without; the worst
    case (an eager Transformers stack) and the p5-p95 coverage are reported, not gated."""
    s = summarise(run_suite(mode="prediction"))
    assert s.inference_given is not None and s.inference_default is not None
    assert s.inference_given.count == 13 and s.inference_default.count == 3
    assert s.inference_given.median <= 1.3
    assert s.inference_default.median <= 2.0
    assert s.inference_coverage is not None and 0 < s.inference_coverage <= 1
    checks = run_suite(mode="prediction")
    given = [c for c in checks if c.batch_given]
    assert all(c.p5 is not None and c.p5 < c.computed < (c.p95 or 0) for c in given)


def test_cli_json_keys_and_exit_status(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["validate", "--json"], capsys)
    assert code == 0
    rows = json.loads(out)
    for key in (
        "case", "quantity", "mode", "published", "computed", "rel_error",
        "within_tolerance", "source",
    ):  # fmt: skip
        assert all(key in r for r in rows), key
    assert {r["mode"] for r in rows} == {"reproduction", "prediction"}


def test_cli_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["validate"], capsys)
    assert code == 0
    assert "Reproduction:" in out and "checks within tolerance" in out
    assert "median absolute energy error" in out


def _copy_suite(tmp_path: Path) -> Path:
    dest = tmp_path / "suite"
    shutil.copytree(SUITE, dest)
    return dest / "suite.yaml"


def test_a_failing_reproduction_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = _copy_suite(tmp_path)
    text = manifest.read_text().replace("published: 552.1 tCO2e", "published: 600 tCO2e")
    manifest.write_text(text)
    code, out, _ = run_cli(["validate", "--suite", str(manifest)], capsys)
    assert code == 1
    assert "MISS" in out


def test_circular_prediction_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A prediction whose default utilisation comes from the paper it is checked against."""
    manifest = _copy_suite(tmp_path)
    text = manifest.read_text().replace(
        "independent_of: [luccioni2023bloom, luccioni2023bloomhw]",
        "independent_of: [luccioni2023bloom, narayanan2021megatron]",
    )
    manifest.write_text(text)
    code, out, err = run_cli(["validate", "--suite", str(manifest)], capsys)
    assert code == 1  # the case is rejected; the others are still checked
    assert "circular" in err and "rejected:" in err and "GPT-3" in out


def test_bad_mode(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["validate", "--mode", "guess"], capsys)
    assert code == 2 and "--mode" in err


# --- the suite's format: typed, and its selectors find items by kind ---------------------


def _suite_with(tmp_path: Path, old: str, new: str) -> Path:
    manifest = _copy_suite(tmp_path)
    text = manifest.read_text()
    assert old in text, old
    manifest.write_text(text.replace(old, new, 1))
    return manifest


def _rejection(manifest: Path) -> str:
    """The reason the suite at ``manifest`` rejects its one bad case (the rest load)."""
    suite, _, rejected = load_suite(manifest)
    assert len(rejected) == 1 and suite.cases, rejected
    return rejected[0].reason


def test_a_rejected_case_does_not_stop_the_others(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 13: a suite with one rejected case (an unknown mode) lost the whole run; now the
    others are checked and the rejected one is reported, with exit status 1."""
    manifest = _suite_with(tmp_path, "    mode: reproduction", "    mode: reproducton")
    checks, rejected = run_cases(manifest, mode="reproduction", samples=0)
    assert [r.case for r in rejected] == ["BLOOM-176B final training"]
    assert "mode: Input should be 'reproduction' or 'prediction'" in rejected[0].reason
    assert checks and all(c.case != "BLOOM-176B final training" for c in checks)
    code, _, err = run_cli(["validate", "--suite", str(manifest), "--mode", "reproduction"],
                             capsys)  # fmt: skip
    assert code == 1 and "rejected:" in err and "reproducton" in err


def test_an_ambiguous_kind_is_an_error_not_the_first_item(tmp_path: Path) -> None:
    manifest = _suite_with(tmp_path, "item[embodied:0].co2e_kg", "item[embodied].co2e_kg")
    with pytest.raises(DataError) as exc:
        run_suite(manifest, mode="reproduction", samples=0)
    msg = str(exc.value)
    assert "BLOOM-176B final training" in msg and "embodied, GPUs" in msg
    assert "item[embodied] is ambiguous" in msg
    assert "item[embodied:0] is 'A100 GPUs (embodied)'" in msg
    assert "item[embodied:1] is 'servers without GPUs (embodied)'" in msg


def test_a_kind_the_result_lacks_is_an_error(tmp_path: Path) -> None:
    manifest = _suite_with(tmp_path, "item[idle].co2e_kg", "item[serving].co2e_kg")
    with pytest.raises(DataError, match=r"item\[serving\]: no item of that kind"):
        run_suite(manifest, mode="reproduction", samples=0)
    manifest = _suite_with(tmp_path / "2", "item[embodied:1]", "item[embodied:2]")
    with pytest.raises(DataError, match="only 2 items are of kind 'embodied'"):
        run_suite(manifest, mode="reproduction", samples=0)


def test_a_display_name_is_not_a_selector(tmp_path: Path) -> None:
    manifest = _suite_with(
        tmp_path, "item[accelerators].energy_kwh", "item[NVIDIA A100 SXM4 80GB].energy_kwh"
    )
    msg = _rejection(manifest)
    assert msg.startswith(f"{manifest}:")  # the file, and the line of the field
    assert "case 'BLOOM-176B final training': checks[0].select" in msg
    assert "'NVIDIA A100 SXM4 80GB' is not an item kind" in msg and "accelerators" in msg


@pytest.mark.parametrize(
    ("old", "new", "field", "says"),
    [
        ("    mode: reproduction", "    mode: replication", "mode", "'reproduction' or 'predict"),
        ("tolerance: 0.005", "tolerance: -0.005", "tolerance", "greater than or equal to 0"),
        ("published: 433196 kWh", "published: 433196", "checks[0].published", "has no unit"),
        ("published: 433196 kWh", "published: 433196 kg", "checks[0].published", "expected a"),
        ("unit: kWh, tolerance: 0.001", "unit: kWhh", "checks[0].unit", "unknown unit"),
        ("{quantity: dynamic energy,", "{quantity: dynamic energy, slect: x,", "checks[0].slect",
         "unknown field"),
        ("quantity: \"embodied, GPUs\"", "quantity: embodied, GPUs", "checks[3].GPUs",
         "unknown field"),
        ("    tolerance: 0.005\n", "", "checks[1] (dynamic emissions)", "needs a tolerance"),
        ("select: \"item[idle].co2e_kg\"", "select: \"total.co2e_kg - item[idle].co2e_kg + 1\"",
         "checks[2].select", "more than one operator"),
        ("item[accelerators].energy_kwh", "item[accelerators].co2e_kg", "checks[0]",
         "select gives kg, which cannot be compared in 'kWh'"),
        ("select: \"item[idle].co2e_kg\"", "select: \"total.co2e_kg - total.energy_kwh\"",
         "checks[2].select", "mixes kg and kWh"),
    ],
)  # fmt: skip
def test_a_malformed_suite_names_file_case_and_field(
    tmp_path: Path, old: str, new: str, field: str, says: str
) -> None:
    manifest = _suite_with(tmp_path, old, new)
    msg = _rejection(manifest)
    assert msg.startswith(f"{manifest}:"), msg
    assert f"case 'BLOOM-176B final training': {field}" in msg, msg
    assert says in msg, msg


def test_an_unknown_version_or_top_level_field(tmp_path: Path) -> None:
    manifest = _suite_with(tmp_path, "version: 1", "version: 2")
    with pytest.raises(DataError, match=r"suite\.yaml:\d+: version: Input should be 1"):
        load_suite(manifest)
    manifest = _suite_with(tmp_path / "2", "version: 1", "version: 1\nowner: me")
    with pytest.raises(DataError, match=r"suite\.yaml:\d+: owner: unknown field"):
        load_suite(manifest)


def test_a_prediction_is_not_given_a_tolerance(tmp_path: Path) -> None:
    manifest = _suite_with(
        tmp_path,
        "published: 3552000 h, unit: h,",
        "published: 3552000 h, unit: h, tolerance: 0.1,",
    )
    assert re.search(r"case 'GPT-3 175B \(prediction\)': .*not gated", _rejection(manifest))


def test_per_sample_items_are_the_items_of_the_result() -> None:
    """The selector finds the same item in the result and in the plan's evaluation
    (which lists items in another order)."""
    suite, base, _ = load_suite()
    (case,) = [c for c in suite.cases if c.case == "BLOOM-176B final training"]
    plan = plan_file(Path(str(base / case.file)))
    res = result_of(plan)
    ev = evaluate(plan)
    for text in (
        "item[embodied:0].co2e_kg",
        "item[manufacturing.embodied:1].co2e_kg",
        "item[training.idle].co2e_kg",
        "total.water_l - item[accelerators].water_l",
    ):
        sel = parse_selector(text)
        one, unit = value(res, sel)
        per_sample, sample_unit = sample_values(plan, ev, sel, {})
        assert unit == sample_unit
        assert float(np.asarray(per_sample).reshape(-1)[0]) == pytest.approx(one, rel=1e-12)


def test_a_prediction_of_zero_is_infinitely_off_not_a_crash(tmp_path: Path) -> None:
    """A prediction check whose computed value is 0 crashed `summarise` (ZeroDivisionError,
    exit 70)."""
    from lcai.checks.validation import _factor

    assert _factor(0.0, 10.0) == float("inf") and _factor(20.0, 10.0) == 2.0


def test_a_tolerance_above_100_percent_is_refused(tmp_path: Path) -> None:
    """A user suite's `tolerance: 1e9` passed 1 t against 50.5 t."""
    manifest = _suite_with(tmp_path, "tolerance: 0.005", "tolerance: 1e9")
    assert "less than or equal to 1" in _rejection(manifest)
