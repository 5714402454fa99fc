"""Hostile and edge-case inputs for the LLM-serving model (usage.inference, usage.provisioned,
usage.boundary / embodied / idle, the 'sessions' functional unit), its scenarios, rates
and report.

Bad inputs must exit 2 with one message naming the field. Properties (hypothesis) hold
over random valid inputs on the packaged catalog. Tests marked ``xfail(strict=True)``
show a bug found in review; each reason says what is wrong.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import lcai
from lcai.api import plan_source
from lcai.engine.evaluate import evaluate
from lcai.errors import SpecError
from lcai.model import serving as sv
from lcai.spec.loading import parse_source
from lcai.whatif import scenarios as sc
from tests.test_bad_input import run_cli

J = 3.6e6  # J per kWh
H100 = "H100-SXM5-80GB"


# --- helpers ----------------------------------------------------------------------------


def _spec(
    model: Any = "llama-3.1-8b",
    accelerator: str = H100,
    boundary: str = "accelerator",
    usage: dict[str, Any] | None = None,
    **inference: Any,
) -> dict[str, Any]:
    inf = {
        "model": model,
        "accelerator": accelerator,
        "input_tokens": 1000,
        "output_tokens": 300,
        **inference,
    }
    u: dict[str, Any] = {"requests": 1000, "boundary": boundary, "inference": inf}
    u.update(usage or {})
    return {
        "name": "serving",
        "grid": {"region": "FR"},
        "functional_unit": "per 1 request",
        "usage": u,
    }


def _values(r: lcai.Result) -> dict[str, float]:
    return {a.name: a.value for a in r.assumptions}


def _cli(
    tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[int, str, str]:
    f = tmp_path / "serving.yaml"
    f.write_text(text)
    return run_cli(["assess", str(f), *extra], capsys)


# a file on the round-number fixture catalog (tests/fixtures/catalog): GPU-X, test-10b
FIXTURE_FILE = """\
name: s
grid: {{region: AA}}
usage:
  requests: 10
{usage}  inference:
    model: {model}
    accelerator: GPU-X
    input_tokens: 1000
    output_tokens: 100
{inference}"""


def _fixture_file(model: str = "test-10b", inference: str = "", usage: str = "") -> str:
    return FIXTURE_FILE.format(model=model, inference=inference, usage=usage)


# --- bad inputs: exit 2, one message naming the field -------------------------------------


@pytest.mark.usefixtures("fixture_catalog")
@pytest.mark.parametrize(
    ("model", "inference", "usage", "field", "fragment"),
    [
        ("test-10b", "    memory_bandwidth: -1 GB/s\n", "", "usage.inference.memory_bandwidth",
         "negative"),
        ("test-10b", "    memory_bandwidth: 1 kW\n", "", "usage.inference.memory_bandwidth",
         "is a power"),
        ("test-10b", "    step_overhead: -1 ms\n", "", "usage.inference.step_overhead",
         "negative"),
        ("test-10b", "    step_overhead: 2 W\n", "", "usage.inference.step_overhead",
         "is a power"),
        ("test-10b", "    step_overhead: nan ms\n", "", "usage.inference.step_overhead",
         "not a number"),
        ("test-10b", "    step_overhead: 1e300 h\n", "", "usage.inference.step_overhead",
         "too large"),
        ("test-10b", "    batch_size: 0\n", "", "usage.inference.batch_size", "greater than 0"),
        ("test-10b", "    batch_size: -3\n", "", "usage.inference.batch_size", "greater than 0"),
        ("test-10b", "    batch_size: inf\n", "", "usage.inference.batch_size", "not a number"),
        ("test-10b", "    batch_size: nan\n", "", "usage.inference.batch_size", "not a number"),
        ("test-10b", "    batch_size: 1e300\n", "", "usage.inference.batch_size", "too large"),
        ("test-10b", "    accelerators: 0\n", "", "usage.inference.accelerators",
         "greater than 0"),
        ("test-10b", "    accelerators: nan\n", "", "usage.inference.accelerators",
         "not a number"),
        ("test-10b", "    bytes_per_parameter: 0\n", "", "usage.inference.bytes_per_parameter",
         "greater than 0"),
        ("test-10b", "    bandwidth_utilisation: 1.5\n", "",
         "usage.inference.bandwidth_utilisation", "less than or equal to 1"),
        ("test-10b", "    bandwidth_utilisation: 0\n", "",
         "usage.inference.bandwidth_utilisation", "greater than 0"),
        ("test-10b", "    decode_utilisation: 0\n", "", "usage.inference.decode_utilisation",
         "greater than 0"),
        ("test-10b", "    prefill_utilisation: 2\n", "", "usage.inference.prefill_utilisation",
         "less than or equal to 1"),
        ("test-10b", "    power: -5 W\n", "", "usage.inference.power", "negative"),
        ("test-10b", "    power: 5 kg\n", "", "usage.inference.power", "is a mass"),
        ("test-10b", "    peak: 1 W\n", "", "usage.inference.peak", "is a power"),
        ("test-10b", "    wattage: 1 W\n", "", "usage.inference.wattage", "unknown field"),
        ("{name: test-10b, weight_precision: fp7}", "", "",
         "usage.inference.model.weight_precision", "'mxfp4'"),
        ("{name: test-10b, kv_precision: fp2}", "", "", "usage.inference.model.kv_precision",
         "'bf16'"),
        ("{name: test-10b, layers: 0}", "", "", "usage.inference.model.layers",
         "greater than or equal to 1"),
        ("{name: test-10b, head_dim: -1}", "", "", "usage.inference.model.head_dim",
         "greater than or equal to 1"),
        ("{name: test-10b, kv_heads: 20, attention_heads: 10}", "", "", "usage.inference.model",
         "kv_heads cannot exceed attention_heads"),
        ("{parameters: 10B, experts: 8}", "", "", "usage.inference.model",
         "'experts' and 'experts_per_token' together"),
        ("{parameters: 10B, experts_per_token: 2}", "", "", "usage.inference.model",
         "'experts' and 'experts_per_token' together"),
        ("{parameters: 10B, experts: 2, experts_per_token: 8}", "", "", "usage.inference.model",
         "experts_per_token cannot exceed experts"),
        ("{name: test-moe, experts: 1, experts_per_token: 2}", "", "", "usage.inference.model",
         "experts_per_token cannot exceed experts"),
        ("{name: test-10b, experts: 8, experts_per_token: 0}", "", "",
         "usage.inference.model.experts_per_token", "greater than or equal to 1"),
        ("{parameters: 10B, active_parameters: 20B}", "", "", "usage.inference.model",
         "active_parameters cannot exceed parameters"),
        ("{name: test-moe, parameters: 10B}", "", "", "usage.inference.model.active_parameters",
         "cannot exceed parameters"),
        ("{parameters: 10B, active_parameters: 1, experts: 8, experts_per_token: 2}", "", "",
         "usage.inference.model.active_parameters", "do not fit 8 experts"),
        ("{parameters: 0}", "", "", "usage.inference.model.parameters", "greater than 0"),
        ("{parameters: nan}", "", "", "usage.inference.model.parameters", "not a number"),
        ("{parameters: 1e40}", "", "", "usage.inference.model.parameters", "too large"),
        ("{}", "", "", "usage.inference.model", "give 'name'"),
        ("{name: no-such}", "", "", "usage.inference.model.name", "unknown model"),
        ("{name: test-10b, colour: red}", "", "", "usage.inference.model.colour",
         "unknown field"),
        ("{parameters: 100B}", "    accelerators: 1\n", "", "usage.inference.accelerators",
         "cannot hold the weights"),
        ("test-10b", "    input_tokens: 8150\n", "",
         "usage.inference.input_tokens", "context of 8192"),
        ("test-10b", "", "  fleet_utilisation: 0\n", "usage.fleet_utilisation",
         "greater than 0"),
        ("test-10b", "", "  fleet_utilisation: 1.2\n", "usage.fleet_utilisation",
         "less than or equal to 1"),
        ("test-10b", "", "  host_power: -1 W\n", "usage.host_power", "negative"),
        ("test-10b", "", "  host_power: 1 kg\n", "usage.host_power", "is a mass"),
        ("test-10b", "", "  boundary: gpu\n", "usage.boundary", "'facility'"),
        ("test-10b", "", "  embodied: maybe\n", "usage.embodied", "valid boolean"),
        ("test-10b", "", "  requests_per_session: 0\n", "usage.requests_per_session",
         "greater than 0"),
        ("test-10b", "", "  idle: {power: -1 W, duration: 1 h}\n", "usage.idle.power",
         "negative"),
        ("test-10b", "", "  idle: {power: 1 kW}\n", "usage.idle.duration", "give 'duration'"),
    ],
)  # fmt: skip
def test_bad_serving_input_names_the_field(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    model: str,
    inference: str,
    usage: str,
    field: str,
    fragment: str,
) -> None:
    text = _fixture_file(model, inference, usage)
    if "input_tokens: 8150" in inference:  # replace, not repeat, the field
        text = text.replace("    input_tokens: 1000\n", "")
    code, _out, err = _cli(tmp_path, text, capsys)
    assert code == 2, err
    assert "Traceback" not in err and "internal error" not in err, err
    assert f"{field}:" in err and fragment in err, err


@pytest.mark.usefixtures("fixture_catalog")
@pytest.mark.parametrize(
    ("text", "field", "fragment"),
    [
        ("usage:\n  requests: 10\n  deployment: 10 h\n  provisioned: {accelerator: GPU-X, "
         "utilisation: 0.5, count: 0}\n", "usage.provisioned.count", "greater than 0"),
        ("usage:\n  requests: 10\n  deployment: 10 h\n  provisioned: {accelerator: GPU-X, "
         "count: 8, utilisation: 1.5}\n", "usage.provisioned.utilisation", "less than or equal"),
        ("usage:\n  requests: 10\n  deployment: 10 h\n  provisioned: {accelerator: GPU-X, "
         "count: 8, utilisation: 0}\n", "usage.provisioned.utilisation", "greater than 0"),
        ("usage:\n  requests: 10\n  deployment: 10 h\n  provisioned: {accelerator: GPU-X, "
         "count: 8, utilisation: 0.5, power: -1 W}\n", "usage.provisioned.power", "negative"),
        ("usage:\n  requests: 10\n  deployment: 10 h\n  provisioned: {accelerator: GPU-Q, "
         "count: 8, utilisation: 0.5}\n", "usage.provisioned.accelerator", "did you mean"),
        ("usage:\n  requests: 10\n  provisioned: {accelerator: GPU-X, count: 8, "
         "utilisation: 0.5}\n", "usage", "needs its 'duration' or usage 'deployment'"),
        ("usage:\n  requests: 10\n  boundary: accelerator\n  provisioned: {accelerator: GPU-X, "
         "count: 8, utilisation: 0.5, duration: nan h}\n", "usage.provisioned.duration",
         "not a number"),
        ("functional_unit: per chat session\nusage:\n  requests: 10\n  inference: {model: "
         "test-10b, accelerator: GPU-X, input_tokens: 10, output_tokens: 10}\n",
         "usage.requests_per_session", "needs usage.requests_per_session"),
        ("functional_unit: per 0 sessions\nusage:\n  requests: 10\n  requests_per_session: 2\n"
         "  inference: {model: test-10b, accelerator: GPU-X, input_tokens: 10, "
         "output_tokens: 10}\n", "functional_unit.amount", "greater than 0"),
        ("functional_unit: per chat sessionz\nusage:\n  requests: 10\n  requests_per_session: 2"
         "\n  inference: {model: test-10b, accelerator: GPU-X, input_tokens: 10, "
         "output_tokens: 10}\n", "functional_unit", "per chat session"),
        ("functional_unit: per chat session\nusage:\n  requests: 0\n  requests_per_session: 2\n"
         "  inference: {model: test-10b, accelerator: GPU-X, input_tokens: 10, "
         "output_tokens: 10}\n", "usage.requests", "requests served > 0"),
    ],
)  # fmt: skip
def test_bad_fleet_and_session_input_names_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, field: str, fragment: str
) -> None:
    code, _out, err = _cli(tmp_path, "name: s\ngrid: {region: AA}\n" + text, capsys)
    assert code == 2, err
    assert "Traceback" not in err and "internal error" not in err, err
    assert f"{field}:" in err and fragment in err, err


@pytest.mark.usefixtures("fixture_catalog")
def test_zero_peak_is_refused_naming_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = _cli(tmp_path, _fixture_file(inference="    peak: 0 FLOP/s\n"), capsys)
    assert code == 2 and "usage.inference.peak:" in err, err


@pytest.mark.usefixtures("fixture_catalog")
def test_zero_bandwidth_is_refused_naming_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = _cli(
        tmp_path, _fixture_file(inference="    memory_bandwidth: 0 GB/s\n"), capsys
    )
    assert code == 2 and "usage.inference.memory_bandwidth" in err, err
    assert "expert_parameters" not in err, err


@pytest.mark.usefixtures("fixture_catalog")
@pytest.mark.parametrize(
    ("model", "inference"),
    [
        ("test-10b", "    output_tokens: 1e-303\n"),
        ("{parameters: 10B, kv_elements_per_layer: 1e-306}", ""),
    ],
)
def test_a_tiny_kv_cache_does_not_overflow_the_batch_cap(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], model: str, inference: str
) -> None:
    text = _fixture_file(model, inference).replace("input_tokens: 1000", "input_tokens: 0")
    if inference:
        text = text.replace("    output_tokens: 100\n", "")
    code, _out, err = _cli(tmp_path, text, capsys)
    assert code in (0, 2) and "internal error" not in err, err


@pytest.mark.usefixtures("fixture_catalog")
def test_kv_heads_above_the_catalog_heads_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = _cli(tmp_path, _fixture_file("{name: test-10b, kv_heads: 20}"), capsys)
    assert code == 2 and "kv_heads" in err, err


@pytest.mark.usefixtures("fixture_catalog")
def test_all_experts_per_token_with_fewer_active_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = "{name: test-moe, experts: 8, experts_per_token: 8}"  # table: 40B, 16B active
    code, _out, err = _cli(tmp_path, _fixture_file(model), capsys)
    assert code == 2 and "usage.inference.model" in err, err


# --- CLI: Monte Carlo, scenarios, sensitivity, report on the packaged catalog ----------------

NAMED = """\
name: chat
grid: {region: FR}
functional_unit: per 1000 requests
usage:
  requests: 1000000
  boundary: BOUNDARY
  inference:
    model: MODEL
    accelerator: H100-SXM5-80GB
    input_tokens: 1000
    output_tokens: 300
"""


@pytest.mark.parametrize("boundary", ["accelerator", "it", "facility"])
@pytest.mark.parametrize("model", ["llama-3.1-8b", "mixtral-8x7b", "gemma-3-27b"])
def test_monte_carlo_of_serving_is_finite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], boundary: str, model: str
) -> None:
    import json

    text = NAMED.replace("BOUNDARY", boundary).replace("MODEL", model)
    code, out, err = _cli(tmp_path, text, capsys, "--samples", "2000", "--json")
    assert code == 0, err
    assert "RuntimeWarning" not in err, err
    d = json.loads(out)
    band = d["uncertainty"]["total"]["energy_kwh"]
    assert all(math.isfinite(v) and v > 0 for v in band.values()), band
    assert band["p5"] <= band["p50"] <= band["p95"]
    assert d["usage_boundary"] == boundary


def test_scenarios_and_sensitivity_on_a_named_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "chat.yaml"
    f.write_text(NAMED.replace("BOUNDARY", "facility").replace("MODEL", "llama-3.1-8b"))
    for s in ("fp8-inference", "accelerator:H200-SXM-141GB", "liquid-cooling"):
        code, _out, err = run_cli(["scenarios", str(f), "--scenario", s], capsys)
        assert code == 0, (s, err)
    code, _out, err = run_cli(["sensitivity", str(f), "--base-samples", "16"], capsys)
    assert code == 0, err


def _accelerator_missing(q: str) -> str | None:
    from lcai import catalog

    acc = catalog.table("accelerators")
    return next((k for k in sorted(set(acc.keys())) if not acc.has(k, q)), None)


@pytest.mark.parametrize("quantity", ["memory_bandwidth", "tdp"])
def test_accelerator_scenario_without_serving_figures_is_not_applicable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], quantity: str
) -> None:
    key = _accelerator_missing(quantity)
    if key is None:
        pytest.skip(f"every accelerator has {quantity}")
    f = tmp_path / "chat.yaml"
    f.write_text(NAMED.replace("BOUNDARY", "facility").replace("MODEL", "llama-3.1-8b"))
    code, out, err = run_cli(["scenarios", str(f), "--scenario", f"accelerator:{key}"], capsys)
    assert code == 0, err
    assert "not applicable" in out


def test_fp8_scenario_never_inflates_a_4_bit_model() -> None:
    src = parse_source(_spec("gpt-oss-120b", boundary="facility"))
    (cmp,) = sc.compare(src, ["fp8-inference"])
    if cmp.applicable:
        assert cmp.result["total"]["energy_kwh"] <= cmp.baseline["total"]["energy_kwh"]


def test_accelerator_scenario_moves_only_the_serving_hardware() -> None:
    data = _spec(boundary="facility")
    data["manufacturing"] = {
        "components": [
            {"name": "serving", "hardware": H100, "count": 8, "duration": "1000 h"},
            {"name": "other", "hardware": "A100-SXM4-80GB", "count": 1, "duration": "1000 h"},
        ]
    }
    src = parse_source(data)
    out = sc.changes(dict(src.data), sc.library()["accelerator"], "H200-SXM-141GB", None)
    hw = [c["hardware"] for c in out["manufacturing"]["components"]]
    assert hw == ["H200-SXM-141GB", "A100-SXM4-80GB"]


def test_report_states_the_usage_boundary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "chat.yaml"
    f.write_text(NAMED.replace("BOUNDARY", "accelerator").replace("MODEL", "llama-3.1-8b"))
    md = tmp_path / "r.md"
    quick = ["--samples", "0", "--no-scenarios", "--no-sensitivity", "--no-validation"]
    code, _out, err = run_cli(["report", str(f), "--format", "md", "-o", str(md), *quick], capsys)
    assert code == 0, err
    assert "boundary" in md.read_text().lower()


# --- rates, boundary, embodied, idle, sessions ------------------------------------------------


def test_input_token_rate_is_the_prefill_energy() -> None:
    r = lcai.assess(_spec())
    a = _values(r)
    per_in = r.rates["usage_per_1m_input_tokens"].energy_kwh
    assert per_in * 1000 / 1e6 == pytest.approx(a["usage.inference.prefill_energy"], rel=1e-6)


def test_rates_add_up_to_the_usage_per_request() -> None:
    for boundary in ("accelerator", "it", "facility"):
        r = lcai.assess(_spec(boundary=boundary))
        rates = r.rates
        whole = rates["usage_per_1m_input_tokens"].energy_kwh * 1000 / 1e6
        whole += rates["usage_per_1m_output_tokens"].energy_kwh * 300 / 1e6
        assert whole == pytest.approx(rates["usage_per_request"].energy_kwh, rel=1e-9)


def test_no_token_rates_for_zero_tokens_and_no_nan() -> None:
    r = lcai.assess(_spec(input_tokens=0, output_tokens=0, boundary="facility"))
    assert "usage_per_1m_input_tokens" not in r.rates
    assert "usage_per_1m_output_tokens" not in r.rates
    for v in r.rates.values():
        assert math.isfinite(v.energy_kwh) and math.isfinite(v.co2e_kg)


def test_provisioned_fleet_at_the_accelerator_boundary() -> None:
    spec = {
        "name": "p",
        "grid": {"region": "FR"},
        "usage": {
            "requests": 1000,
            "deployment": "100 h",
            "boundary": "accelerator",
            "idle": {"power": "1 kW", "duration": "10 h"},
            "network": {"intensity": "0.1 kWh/GB", "data_per_request": "1 MB"},
            "provisioned": {"accelerator": H100, "count": 8, "utilisation": 0.4},
        },
    }
    r = lcai.assess(spec)
    assert [it.kind for it in r.items] == ["serving"]
    # 8 x 100 h x 0.4 busy at (0.543 + 1.0) / 2 x 700 W
    assert r.total.energy_kwh == pytest.approx(320 * 0.7 * (0.543 + 1.0) / 2, rel=1e-9)
    assert r.usage_boundary == "accelerator"
    assert any("outside the 'accelerator' boundary" in w for w in r.warnings)


def test_embodied_asked_for_outside_the_boundary_is_said() -> None:
    r = lcai.assess(_spec(usage={"embodied": True}))
    assert any("embodied" in w for w in r.warnings), r.warnings


@pytest.mark.parametrize("embodied", [None, True, False])
@pytest.mark.parametrize("manufacturing", [False, True])
def test_embodied_switch(embodied: bool | None, manufacturing: bool) -> None:
    spec = _spec(boundary="it")
    if embodied is not None:
        spec["usage"]["embodied"] = embodied
    if manufacturing:
        spec["manufacturing"] = {
            "components": [{"hardware": H100, "count": 8, "duration": "1000 h"}]
        }
    r = lcai.assess(spec)
    kinds = [it.kind for it in r.items if it.phase == "usage"]
    want = embodied if embodied is not None else not manufacturing
    assert ("embodied" in kinds) == want
    silent_default = embodied is None and manufacturing
    assert any("left to the manufacturing phase" in w for w in r.warnings) == silent_default


def test_idle_given_replaces_the_fleet_idle_capacity_once() -> None:
    idle = {"power": "1 kW", "duration": "10 h"}
    for boundary, n_idle in (("accelerator", 0), ("it", 1), ("facility", 1)):
        r = lcai.assess(_spec(boundary=boundary, usage={"idle": idle}))
        items = [it for it in r.items if it.kind == "idle"]
        assert len(items) == n_idle, boundary
        if items:  # 1 kW x 10 h over 1,000 requests, per request
            assert items[0].energy_kwh == pytest.approx(10 / 1000, rel=1e-9)


def test_per_chat_session_is_the_turns_times_a_request() -> None:
    spec = _spec(boundary="facility", usage={"requests_per_session": 5})
    per_request = lcai.assess(spec).total
    spec["functional_unit"] = "per chat session"
    r = lcai.assess(spec)
    assert r.total.energy_kwh == pytest.approx(5 * per_request.energy_kwh, rel=1e-9)
    assert r.rates["per_session"].energy_kwh == pytest.approx(r.total.energy_kwh, rel=1e-9)
    spec["functional_unit"] = "per 10 conversations"
    assert lcai.assess(spec).total.energy_kwh == pytest.approx(50 * per_request.energy_kwh)


# --- physics bugs -----------------------------------------------------------------------------


def test_window_share_never_exceeds_one() -> None:
    try:
        r = lcai.assess(
            _spec({"name": "mistral-7b", "layers": 8}, input_tokens=8000, output_tokens=100)
        )
    except SpecError as exc:  # refusing the contradiction is a fix too
        assert "layers" in str(exc)
        return
    a = _values(r)
    assert 0.0 <= a["usage.inference.model.windowed_share"] <= 1.0
    # a decode step reads at least the weights
    b, g = a["usage.inference.batch_size"], a["usage.inference.accelerators"]
    weights = a["usage.inference.model.parameters"] * a["usage.inference.model.weight_bytes"]
    step = weights / (g * 3350e9 * a["usage.inference.bandwidth_utilisation"])
    assert a["usage.inference.decode_seconds"] >= 100 * g * step / b


def test_batch_cap_counts_sliding_windows() -> None:
    r = lcai.assess(_spec("gemma-3-27b", input_tokens=30000, output_tokens=100))
    a = _values(r)
    pre = "usage.inference.model."
    ctx = 30100
    share, window = a[pre + "windowed_share"], a[pre + "sliding_window"]
    layers, kv_el, kv_b = a[pre + "layers"], a[pre + "kv_elements_per_layer"], a[pre + "kv_bytes"]
    per_request = layers * ((1 - share) * ctx + share * min(ctx, window)) * kv_el * kv_b / 1e9
    weights = a[pre + "parameters"] * a[pre + "weight_bytes"] / 1e9
    free = a["usage.inference.accelerators"] * 80 * 0.9 - weights
    assert a["usage.inference.batch_cap"] >= math.floor(free / per_request)


def test_default_replica_is_not_implausible() -> None:
    r = lcai.assess(_spec("llama-3.1-70b"))
    assert not any("implausible: serving energy" in w for w in r.warnings), r.warnings


@pytest.mark.parametrize(
    ("name", "values", "min_ratio"),
    [
        ("usage.inference.model.parameters", (7e9, 140e9), 10.0),
        ("usage.inference.model.kv_heads", (8.0, 32.0), 1.5),
    ],
)
def test_sampled_architecture_moves_the_energy(
    name: str, values: tuple[float, float], min_ratio: float
) -> None:
    model = {
        "parameters": "70B",
        "layers": 80,
        "attention_heads": 64,
        "kv_heads": 8,
        "head_dim": 128,
    }
    # batch 1 weight-bound for the size; batch 64 at long context KV-bound for kv_heads
    # (with long outputs, so that decode, not prefill, sets the energy)
    batch = 1 if name.endswith("parameters") else 64
    spec = _spec(model, accelerators=8, batch_size=batch, input_tokens=8000, output_tokens=4000)
    plan = plan_source(parse_source(spec))
    ev = evaluate(plan, {name: np.array(values)})
    e = ev.total("energy_kwh") / ev.divisor
    assert e[1] / e[0] >= min_ratio


@pytest.mark.usefixtures("fixture_catalog")
def test_experts_without_active_parameters_is_not_silently_dense() -> None:
    arch = {"layers": 10, "attention_heads": 10, "kv_heads": 2, "head_dim": 100}
    moe = {"parameters": "40B", "experts": 8, "experts_per_token": 2, **arch}
    dense = {"parameters": "40B", **arch}
    spec: dict[str, Any] = {
        "name": "s",
        "grid": {"region": "AA"},
        "usage": {
            "requests": 1,
            "boundary": "accelerator",
            "inference": {
                "accelerator": "GPU-X",
                "input_tokens": 100,
                "output_tokens": 100,
                "batch_size": 1,
                "accelerators": 1,
            },
        },
    }
    s_moe, s_dense = copy.deepcopy(spec), copy.deepcopy(spec)
    s_moe["usage"]["inference"]["model"] = moe
    s_dense["usage"]["inference"]["model"] = dense
    try:
        e_moe = lcai.assess(s_moe).total.energy_kwh
    except SpecError as exc:
        assert "active_parameters" in str(exc)
        return
    assert e_moe < 0.9 * lcai.assess(s_dense).total.energy_kwh


# --- properties -------------------------------------------------------------------------------

MODELS = [
    "llama-3.1-8b", "llama-3.1-70b", "llama-3.1-405b", "mixtral-8x7b", "mixtral-8x22b",
    "deepseek-v3", "gpt-oss-20b", "gpt-oss-120b", "gemma-2-9b", "gemma-3-27b",
    "llama-4-scout-17b-16e", "llama-4-maverick-17b-128e", "qwen3-30b-a3b", "qwen3-235b-a22b",
    "mistral-7b", "phi-4", "falcon-7b", "bloom-176b", "olmo-2-7b", "qwen2.5-72b",
]  # fmt: skip
ACCELERATORS = [
    "A100-SXM4-40GB", "A100-SXM4-80GB", "H100-SXM5-80GB", "H100-PCIE-80GB",
    "H200-SXM-141GB", "MI300X", "L4", "V100-SXM2-32GB", "TPU-v4",
]  # fmt: skip
PROPS = settings(max_examples=25, deadline=None)


def _random_spec(draw: st.DrawFn, boundary: str = "facility") -> dict[str, Any]:
    extra: dict[str, Any] = {}
    if draw(st.booleans()):
        extra["batch_size"] = draw(st.floats(1, 512))
    if draw(st.booleans()):
        extra["model"] = {
            "name": draw(st.sampled_from(MODELS)),
            "weight_precision": draw(st.sampled_from(["bf16", "fp8", "int4", "mxfp4"])),
            "kv_precision": draw(st.sampled_from(["bf16", "fp8"])),
        }
    else:
        extra["model"] = draw(st.sampled_from(MODELS))
    return _spec(
        accelerator=draw(st.sampled_from(ACCELERATORS)),
        boundary=boundary,
        # within every model's 2,048-token context
        input_tokens=draw(st.one_of(st.just(0.0), st.floats(1, 1500))),
        output_tokens=draw(st.one_of(st.just(0.0), st.floats(1, 500))),
        **extra,
    )


@st.composite
def _specs(draw: st.DrawFn) -> dict[str, Any]:
    return _random_spec(draw, draw(st.sampled_from(["accelerator", "it", "facility"])))


@PROPS
@given(_specs())
def test_results_are_finite_and_non_negative(spec: dict[str, Any]) -> None:
    r = lcai.assess(spec)
    values = [r.total.energy_kwh, r.total.co2e_kg, r.total.water_l]
    values += [x for it in r.items for x in (it.energy_kwh, it.co2e_kg, it.water_l)]
    values += [x for v in r.rates.values() for x in (v.energy_kwh, v.co2e_kg, v.water_l)]
    values += [a.value for a in r.assumptions]
    assert all(math.isfinite(v) and v >= 0 for v in values), values
    a = _values(r)
    assert 0 <= a["usage.inference.model.windowed_share"] <= 1
    assert a.get("usage.inference.batch_size", 1.0) >= 1


@st.composite
def _facility_specs(draw: st.DrawFn) -> dict[str, Any]:
    return _random_spec(draw)


@PROPS
@given(_facility_specs())
def test_boundaries_nest(spec: dict[str, Any]) -> None:
    by = {}
    for b in ("accelerator", "it", "facility"):
        s = copy.deepcopy(spec)
        s["usage"]["boundary"] = b
        by[b] = lcai.assess(s).total
    tol = 1 + 1e-12
    assert by["accelerator"].energy_kwh <= by["it"].energy_kwh * tol
    assert by["it"].energy_kwh <= by["facility"].energy_kwh * tol
    assert by["accelerator"].co2e_kg <= by["it"].co2e_kg * tol
    assert by["it"].co2e_kg <= by["facility"].co2e_kg * tol


@PROPS
@given(_specs(), st.floats(1, 500))
def test_serving_energy_never_falls_with_more_output(spec: dict[str, Any], extra: float) -> None:
    base = lcai.assess(spec)
    more = copy.deepcopy(spec)
    more["usage"]["inference"]["output_tokens"] += extra
    inf = more["usage"]["inference"]
    assume(inf["input_tokens"] + inf["output_tokens"] <= 2048)
    r = lcai.assess(more)
    assert r.total.energy_kwh >= base.total.energy_kwh * (1 - 1e-12)
    serving = [it.energy_kwh for it in r.items if it.kind == "serving"]
    serving0 = [it.energy_kwh for it in base.items if it.kind == "serving"]
    assert serving[0] >= serving0[0] * (1 - 1e-12)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    total=st.floats(5e9, 2e11),
    active_share=st.floats(0.02, 0.9),
    experts=st.integers(2, 256),
    k_share=st.floats(0.0, 0.5),
    n_in=st.floats(1, 4000),
    n_out=st.floats(1, 2000),
)
def test_moe_at_batch_one_is_below_the_dense_model(
    fixture_catalog: Path,
    total: float,
    active_share: float,
    experts: int,
    k_share: float,
    n_in: float,
    n_out: float,
) -> None:
    """A mixture of experts reads (and computes) only its active parameters at batch 1:
    cheaper than the dense model of the same total size on the same replica."""
    k = max(1, min(experts - 1, round(k_share * experts)))
    arch = {"layers": 10, "attention_heads": 10, "kv_heads": 2, "head_dim": 100}
    inf = {
        "accelerator": "GPU-X",
        "input_tokens": n_in,
        "output_tokens": n_out,
        "batch_size": 1,
        "accelerators": 8,
    }

    def energy(model: dict[str, Any]) -> float:
        spec = {
            "name": "s",
            "grid": {"region": "AA"},
            "usage": {
                "requests": 1,
                "boundary": "accelerator",
                "inference": {**inf, "model": model},
            },
        }
        return lcai.assess(spec).total.energy_kwh

    moe = {
        "parameters": total,
        "active_parameters": total * active_share,
        "experts": experts,
        "experts_per_token": k,
        **arch,
    }
    try:
        e_moe = energy(moe)
    except SpecError as exc:  # the always-used part would be negative: refused
        assert "do not fit" in str(exc)
        return
    assert e_moe < energy({"parameters": total, **arch})


@settings(max_examples=200, deadline=None)
@given(
    st.floats(0, 1e6), st.floats(0, 1e6), st.floats(0, 1e6), st.floats(0, 1),
    st.floats(1, 512), st.integers(1, 512), st.floats(1e-3, 1),
)  # fmt: skip
def test_pure_functions_stay_in_range(
    n_in: float, n_out: float, window: float, share: float, batch: float, e: int, kf: float
) -> None:
    ctx = sv.kv_context_tokens(n_in, n_out, window, share)
    assert 0 <= ctx <= n_in + n_out / 2 + 1e-6
    k = max(1.0, min(float(e), round(kf * e)))
    touched = sv.distinct_experts(float(e), k, batch)
    assert k - 1e-9 <= touched <= min(float(e), batch * k) + 1e-9
    t, r = sv.decode_step(1e9, 1e12, 1, 1e12, 0.5, 1e15, 0.5)
    assert t > 0 and 0 <= r <= 1
