"""Scenarios: the packaged library, the operations, paired comparison, the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from lcai import catalog
from lcai.errors import DataError
from lcai.spec.loading import load_source
from lcai.whatif.scenarios import Scenario, apply, compare, library, load_scenarios
from tests.test_bad_input import run_cli

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "open-model-lifecycle.yaml"


def test_library_is_cited() -> None:
    lib = library()
    for name in (
        "liquid-cooling", "immersion-50c", "move-region", "renewable-contract",
        "co-packaged-optics", "5g-delivery", "fine-tune-open-base", "accelerator",
        "fp8-inference",
    ):  # fmt: skip
        assert name in lib, name
    bib = catalog.bibliography()
    for sc in lib.values():
        assert sc.description and sc.sources, sc.name
        assert all(s in bib for s in sc.sources), sc.name


def test_operations() -> None:
    data: dict[str, Any] = {
        "name": "x",
        "training": {"accelerators": {"gpu_hours": "1000 h", "power": 400.0}},
        "usage": {"network": {"medium": "4g"}},
    }
    sc = Scenario(
        "t",
        "",
        (),
        (
            {"scale": {"path": "training.accelerators.gpu_hours", "factor": 0.5}},
            {"scale": {"path": "training.accelerators.power", "factor": 2}},
            {"set": {"path": "training.grid.region", "value": "{arg}"}},
            {"remove": "training.accelerators.missing"},
            {"replace": {"path": "usage.network.medium", "from": "4G", "to": "5g"}},
            {"set": {"path": "annotation.hours", "value": "1 h"}},  # phase absent: skipped
        ),
    )
    out = apply(data, sc, "FR")
    assert out["training"]["accelerators"] == {"gpu_hours": "500.0 h", "power": 800.0}
    assert out["training"]["grid"] == {"region": "FR"}
    assert out["usage"]["network"]["medium"] == "5g"
    assert "annotation" not in out
    assert data["training"]["accelerators"]["gpu_hours"] == "1000 h"  # the input is untouched
    assert out["name"] == "x [t:FR]"


@pytest.mark.usefixtures("fixture_catalog")
def test_move_region_and_contract(tmp_path: Path) -> None:
    """AA (500 g/kWh) -> BB (100 g/kWh): location-based carbon x 0.2."""
    f = tmp_path / "a.yaml"
    f.write_text(
        "name: a\ngrid: {region: AA}\ntraining:\n  accelerators: {type: GPU-X, gpu_hours: 1000 h}\n"
    )
    (mv, rc) = compare(load_source(f), ["move-region:BB", "renewable-contract"])
    assert mv.result["total"]["co2e_kg"] == pytest.approx(0.2 * mv.baseline["total"]["co2e_kg"])
    _, rel = mv.change("training", "co2e_kg")
    assert rel == pytest.approx(-0.8)
    assert rc.result["total"]["co2e_kg"] == rc.baseline["total"]["co2e_kg"]
    assert rc.result["total"]["co2e_market_kg"] == 0
    d = mv.to_dict()
    assert d["total"]["co2e_kg"]["rel_change"] == pytest.approx(-0.8)
    assert set(d["phases"]) == {"manufacturing", "training", "annotation", "usage"}


@pytest.mark.usefixtures("fixture_catalog")
def test_paired_samples_cancel_shared_uncertainty(tmp_path: Path) -> None:
    """A scenario that leaves the location-based carbon alone (a renewable contract) gives
    it a zero interval, although the baseline itself is uncertain (+-20% grid)."""
    f = tmp_path / "a.yaml"
    f.write_text(
        "name: a\ngrid: {region: AA, co2e_intensity: 500 g/kWh +- 20%}\n"
        "training:\n  accelerators: {type: GPU-X, gpu_hours: 1000 h}\n"
    )
    (c,) = compare(load_source(f), ["renewable-contract"], samples=500, seed=0)
    assert c.interval["co2e_kg"] == {"p5": 0.0, "p50": 0.0, "p95": 0.0}
    (c2,) = compare(load_source(f), ["move-region:BB"], samples=500, seed=0)
    iv = c2.interval["co2e_kg"]
    assert iv["p5"] < iv["p50"] < iv["p95"] < 0


def test_accelerator_and_fine_tune_on_the_catalog(tmp_path: Path) -> None:
    """A100 -> H100 with given GPU-hours: hours x 312 / 989.4 at the H100's 700 W TDP."""
    f = tmp_path / "a.yaml"
    f.write_text(
        "name: a\ngrid: {region: US}\nfacility: {pue: 1.1}\n"
        "training:\n  accelerators: {type: A100-80GB, gpu_hours: 100000 h, power: 400 W}\n"
    )
    acc, ft = compare(load_source(f), ["accelerator:H100", "fine-tune-open-base"])
    ratio = acc.result["total"]["energy_kwh"] / acc.baseline["total"]["energy_kwh"]
    assert ratio == pytest.approx(312 / 989.4 * 700 / 400, rel=1e-6)
    assert ft.result["total"]["energy_kwh"] == pytest.approx(
        ft.baseline["total"]["energy_kwh"] * 24 / 82432, rel=1e-3
    )


def test_cooling_is_relative_to_the_facility(tmp_path: Path) -> None:
    """Overhead (PUE - 1) x (1.343 - 1) / (1.58 - 1): PUE 1.2 -> 1.118."""
    f = tmp_path / "a.yaml"
    f.write_text(
        "name: a\ngrid: {region: US}\nfacility: {pue: 1.2, wue: 1 L/kWh}\n"
        "training:\n  accelerators: {type: A100-80GB, gpu_hours: 1000 h}\n"
    )
    (c,) = compare(load_source(f), ["liquid-cooling"])
    pue = c.result["total"]["energy_kwh"] / (1000 * 0.4)
    assert pue == pytest.approx(1 + 0.2 * (1.343 - 1) / (1.58 - 1), rel=1e-6)


def test_user_scenarios_and_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    user = tmp_path / "mine.yaml"
    user.write_text(
        "scenarios:\n  half-power:\n    description: GPUs capped at half power\n"
        "    sources: [my lab notes]\n    changes:\n"
        "      - {scale: {path: training.accelerators.power, factor: 0.5}}\n"
    )
    assert "half-power" in load_scenarios(user)
    f = tmp_path / "a.yaml"
    f.write_text(
        "name: a\ngrid: {region: US}\n"
        "training:\n  accelerators: {type: A100-80GB, gpu_hours: 1000 h, power: 400 W}\n"
    )
    code, out, _ = run_cli(
        ["scenarios", str(f), "-f", str(user), "-s", "half-power", "--json"], capsys
    )
    assert code == 0
    (d,) = json.loads(out)
    assert d["scenario"] == "half-power"
    assert d["phases"]["training"]["energy_kwh"]["rel_change"] == pytest.approx(-0.5)
    code, out, _ = run_cli(["scenarios", str(f), "--list"], capsys)
    assert code == 0 and "move-region:REGION" in out
    code, _, err = run_cli(["scenarios", str(f), "-s", "liquid-coolin"], capsys)
    assert code == 2 and "liquid-cooling" in err
    code, _, err = run_cli(["scenarios", str(f), "-s", "move-region"], capsys)
    assert code == 2 and "needs an argument" in err
    bad = tmp_path / "bad.yaml"
    bad.write_text("scenarios:\n  x:\n    changes:\n      - {explode: now}\n")
    code, _, err = run_cli(["scenarios", str(f), "-f", str(bad)], capsys)
    assert code == 2 and "each change is one of" in err


def test_example_runs_every_library_scenario() -> None:
    comps = compare(load_source(EXAMPLE), [n for n, s in library().items() if s.argument is None])
    by = {c.scenario: c for c in comps}
    assert by["co-packaged-optics"].change("training", "energy_kwh")[0] < 0
    assert by["5g-delivery"].change("usage", "energy_kwh")[0] < 0
    assert by["immersion-50c"].change("total", "water_l")[0] < 0


def test_scale_keeps_the_unit_and_refuses_what_is_no_quantity() -> None:
    data: dict[str, Any] = {
        "name": "x",
        "training": {
            "accelerators": {"duration": "118 days", "gpu_hours": "1.3M h", "power": "700W"},
            "memory": {"power": "85%"},
            "cpu": {"power": "400 W +- 10%"},
        },
    }

    def scaled(path: str) -> Any:
        sc = Scenario("t", "", (), ({"scale": {"path": path, "factor": 0.5}},))
        return apply(data, sc)

    accs = scaled("training.accelerators.duration")["training"]["accelerators"]
    assert accs["duration"] == "59.0 days"
    accs = scaled("training.accelerators.gpu_hours")["training"]["accelerators"]
    assert accs["gpu_hours"] == "650000.0 h"
    accs = scaled("training.accelerators.power")["training"]["accelerators"]
    assert accs["power"] == "350.0 W"
    assert scaled("training.memory.power")["training"]["memory"]["power"] == "42.5 %"
    # an uncertain "+-" value is the normal it stands for, scaled (mean and sd)
    cpu = scaled("training.cpu.power")["training"]["cpu"]["power"]
    assert cpu == {"dist": "normal", "mean": "200.0 W", "sd": "20.0 W"}
    data["training"]["cpu"]["power"] = "fast"
    with pytest.raises(DataError, match="cannot scale"):
        scaled("training.cpu.power")


# --- issue 13.3: a scenario that does not apply is skipped, not fatal ---------------------

SERVING = """\
name: serving on {acc}
functional_unit: per 1000 requests
grid: {{region: US}}
usage:
  deployment: 1 year
  requests_per_day: 10000
  inference:
    model: {{parameters: 8B}}
    accelerator: {acc}
    input_tokens: 500
    output_tokens: 300
"""


@pytest.mark.parametrize("acc", ["L4", "A100-80GB"])
def test_fp8_on_an_accelerator_without_fp8_figures_is_not_applicable(
    acc: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Serving on an accelerator without FP8 figures (L4, A100) made every run of the library
    fail ('[scenario fp8-inference]: no FP8 throughput for L4 in the catalog'): now that
    scenario says why it does not apply and the others run."""
    f = tmp_path / "serve.yaml"
    f.write_text(SERVING.format(acc=acc))
    names = [n for n, s in library().items() if s.argument is None]
    by = {c.scenario: c for c in compare(load_source(f), names)}
    fp8 = by["fp8-inference"]
    assert not fp8.applicable and fp8.not_applicable is not None
    assert "no FP8 throughput" in fp8.not_applicable and acc.split("-")[0] in fp8.not_applicable
    assert by["liquid-cooling"].applicable
    assert by["liquid-cooling"].change("total", "energy_kwh")[0] < 0
    code, out, err = run_cli(["scenarios", str(f), "--json"], capsys)
    assert code == 0, err
    d = {x["scenario"]: x for x in json.loads(out)}
    assert d["fp8-inference"]["applicable"] is False
    assert "no FP8 throughput" in d["fp8-inference"]["not_applicable"]
    assert d["liquid-cooling"]["applicable"] is True and "total" in d["liquid-cooling"]
    code, out, _ = run_cli(["scenarios", str(f)], capsys)
    assert code == 0 and "fp8-inference: not applicable: no FP8 throughput" in out


def test_scenarios_that_change_nothing_say_not_applicable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """5G delivery on a file without mobile delivery and co-packaged optics without an
    interconnect printed '+0.0%' as if they had been tried: they are not applicable."""
    f = tmp_path / "serve.yaml"
    f.write_text(SERVING.format(acc="H100"))
    (g5, optics) = compare(load_source(f), ["5g-delivery", "co-packaged-optics"])
    assert g5.not_applicable == "the assessment has no usage.network.medium"
    assert optics.not_applicable == "the assessment has no training"
    fixed = tmp_path / "fixed.yaml"
    fixed.write_text(
        SERVING.format(acc="H100") + "  network: {medium: fixed, data_per_request: 20 kB}\n"
    )
    (g5,) = compare(load_source(fixed), ["5g-delivery"])
    assert g5.not_applicable == "usage.network.medium is fixed, not 4g"
    code, out, _ = run_cli(["scenarios", str(f), "-s", "5g-delivery", "-s", "liquid-cooling"],
                           capsys)  # fmt: skip
    assert code == 0
    assert "5g-delivery: not applicable: the assessment has no usage.network.medium" in out
    row = next(line for line in out.splitlines() if line.startswith("│ 5g-delivery"))
    assert "not applicable" in row and "%" not in row


def test_scale_of_a_defaulted_field_scales_the_default(tmp_path: Path) -> None:
    """`scale training.accelerators.power` gave +0.0% when the file left the power to the
    TDP: the baseline's value (400 W, the A100's TDP) is scaled and written in the file."""
    f = tmp_path / "a.yaml"
    f.write_text(
        "name: a\ngrid: {region: US}\nfacility: {pue: 1.1}\n"
        "training:\n  accelerators: {type: A100-80GB, gpu_hours: 1000 h}\n"
    )
    sc = Scenario(
        "half-power", "", (), ({"scale": {"path": "training.accelerators.power", "factor": 0.5}},)
    )
    source = load_source(f)
    from lcai.api import plan_source

    changed = apply(source.data, sc, base=plan_source(source))
    assert changed["training"]["accelerators"]["power"] == "200.0 W"
    user = tmp_path / "mine.yaml"
    user.write_text(
        "scenarios:\n  half-power:\n    description: half\n    sources: [notes]\n"
        "    changes:\n      - {scale: {path: training.accelerators.power, factor: 0.5}}\n"
    )
    (c,) = compare(source, ["half-power"], user_file=user)
    assert c.change("training", "energy_kwh")[1] == pytest.approx(-0.5)


def test_an_argument_to_a_scenario_that_takes_none_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`-s liquid-cooling:immersion` ran plain liquid cooling under that label."""
    f = tmp_path / "a.yaml"
    f.write_text("name: a\ngrid: {region: US}\ntraining:\n  accelerators: {type: A100-80GB, "
                 "gpu_hours: 1000 h}\n")  # fmt: skip
    code, out, err = run_cli(["scenarios", str(f), "-s", "liquid-cooling:immersion"], capsys)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "liquid-cooling takes no argument" in err


def test_renewable_contract_shows_its_market_change_by_phase(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The by-phase table of renewable-contract showed only the location-based carbon
    (+0.0% everywhere); it shows the market-based change too."""
    code, out, _ = run_cli(["scenarios", str(EXAMPLE), "-s", "renewable-contract"], capsys)
    assert code == 0
    table = out[out.index("renewable-contract: carbon by phase") :]
    assert "market:" in table
    usage = next(line for line in table.splitlines() if line.startswith("│ usage"))
    assert "+0.0%" in usage and "-100.0%" in usage
    code, out, _ = run_cli(["scenarios", str(EXAMPLE), "-s", "liquid-cooling"], capsys)
    assert "market:" not in out  # the same change either way: no market columns


def test_the_terminal_shows_the_market_based_interval_where_it_tells_more(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """renewable-contract changes only the market-based figure: its location-based interval
    is 0 / 0 / 0, and the terminal printed nothing else (the market-based one was in
    --json only)."""
    f = str(Path(__file__).resolve().parent.parent / "examples" / "open-model-lifecycle.yaml")
    code, out, err = run_cli(["scenarios", f, "-s", "renewable-contract", "-n", "200"], capsys)
    assert code == 0, err
    assert "carbon change p5/p50/p95 on paired samples: 0 kg / 0 kg / 0 kg" in out
    line = next(x for x in out.splitlines() if "market-based carbon change p5/p50/p95" in x)
    assert "-" in line.split(":", 1)[1]  # a reduction
    code, out, _ = run_cli(["scenarios", f, "-s", "fine-tune-open-base", "-n", "200"], capsys)
    assert code == 0 and "market-based carbon change" not in out  # it tells nothing more


def test_move_region_drops_the_old_regions_residual_mix() -> None:
    """The example's training grid gives a residual mix of 400 g/kWh for US-OR; moved to SE
    it was kept, so market-based carbon moved -4% while location-based moved -69%."""
    src = load_source(
        Path(__file__).resolve().parent.parent / "examples" / "open-model-lifecycle.yaml"
    )
    assert "residual_intensity" in src.data["training"]["grid"]
    data = apply(dict(src.data), library()["move-region"], "SE", None)
    for phase in ("training", "usage"):
        assert "residual_intensity" not in (data.get(phase, {}).get("grid") or {}), phase


def test_json_has_market_based_carbon_only_with_an_instrument(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Was: `lcai scenarios --json` gave `co2e_market_kg` (equal to the location-based
    figure) for a file and a scenario with no market instrument, where the assessment's
    own JSON leaves it out (result.md). A renewable contract is an instrument: with it
    the market-based carbon is there, and the electricity's falls to 0."""
    code, text, _ = run_cli(
        ["scenarios", str(EXAMPLE.with_name("bloom-176b.yaml")), "-s", "liquid-cooling",
         "-s", "renewable-contract", "--json", "--samples", "200"],
        capsys,
    )  # fmt: skip
    assert code == 0
    cooling, contract = json.loads(text)
    assert "co2e_market_kg" not in cooling["total"]
    assert all("co2e_market_kg" not in ph for ph in cooling["phases"].values())
    assert "co2e_market_kg" not in cooling["change_interval"]
    assert set(cooling["total"]) == {"energy_kwh", "co2e_kg", "water_l"}
    m = contract["total"]["co2e_market_kg"]
    assert m["baseline"] == contract["total"]["co2e_kg"]["baseline"]
    # the contract covers electricity: training's market-based carbon is 0, and what is
    # left is the hardware's embodied carbon (11.21 t)
    assert contract["phases"]["training"]["co2e_market_kg"]["scenario"] == 0
    assert m["scenario"] == contract["phases"]["manufacturing"]["co2e_kg"]["scenario"]
    assert "co2e_market_kg" in contract["change_interval"]
