"""Disclosures (hf-card, sci, ai-act): each read back with the format's own reader (the
Hugging Face model card with huggingface_hub, JSON with json) and checked against the result."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from lcai import __version__
from lcai.api import plan_source, result_of
from lcai.engine.plan import Plan
from lcai.engine.result import Result
from lcai.errors import SpecError
from lcai.outputs import disclosures
from lcai.outputs.report import FORMATS, Report, write_report
from lcai.spec.loading import load_source
from tests.test_bad_input import run_cli

hub = pytest.importorskip("huggingface_hub")

ROOT = Path(__file__).resolve().parents[1]
OPEN = ROOT / "examples" / "open-model-lifecycle.yaml"
BLOOM = ROOT / "examples" / "bloom-176b.yaml"
EXAMPLES = [OPEN, BLOOM]
HOSTILE = "evil\n---\n| a | b |\n<script>alert(1)</script>\n<!-- lcai:end -->\n# heading *x* _y_"


def _assess(path: Path) -> tuple[Result, Plan]:
    plan = plan_source(load_source(path))
    return result_of(plan, None, 0), plan


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def _training_g(res: Result) -> float:
    return res.phases["training"].impact.co2e_kg * res.divisor * 1000.0


def _hostile_copy(tmp_path: Path, src: Path = OPEN) -> Path:
    data = yaml.safe_load(src.read_text(encoding="utf-8"))
    data["name"] = HOSTILE
    out = tmp_path / "hostile.yaml"
    out.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return out


# --- hf-card ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_model_card_reads_back_with_huggingface_hub(path: Path, tmp_path: Path) -> None:
    res, plan = _assess(path)
    out = tmp_path / "README.md"
    disclosures.write("hf-card", res, out, plan)
    card = hub.ModelCard.load(out)
    co2 = card.data.co2_eq_emissions
    assert isinstance(card.data, hub.ModelCardData)
    assert _close(co2["emissions"], _training_g(res))
    assert co2["source"] == f"lcai {__version__}"
    assert co2["training_type"] == "pre-training"
    count = plan.params["training.accelerators.count"].value
    assert co2["hardware_used"] == f"{count:g} x NVIDIA A100 SXM4 80GB"
    where = {"open-model-lifecycle": "Oregon (US-OR)",
             "bloom-176b": "grid factor given in the assessment file (57 gCO2e/kWh)"}  # fmt: skip
    assert co2["geographical_location"] == where[path.stem]
    assert card.text.count("<!-- lcai:begin -->") == 1 and "<!-- lcai:end -->" in card.text
    for phase in ("manufacturing", "training", "annotation", "usage"):
        assert f"| {phase} |" in card.text
    if res.rates:
        assert "serving per 1M output tokens" in card.text


_README = """---
# a comment the card keeps
license: apache-2.0
tags:
- text-generation
-   odd   spacing
co2_eq_emissions:
  emissions: 1
  training_type: fine-tuning
  source: old
model-index:
- name: m
  results: []
---

# My model

Some text with `code` and a table:

| a | b |
|---|---|
| 1 | 2 |

<!-- lcai:begin -->
stale lcai section
<!-- lcai:end -->

## After

Last line without a newline"""


def test_existing_card_changes_only_its_co2_key_and_lcai_section(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    res, _ = _assess(OPEN)
    out = tmp_path / "README.md"
    out.write_text(_README, encoding="utf-8")
    before = hub.ModelCard.load(out).data.to_dict()
    for _ in range(2):
        code, _, err = run_cli(["report", str(OPEN), "--format", "hf-card", "-o", str(out)], capsys)
        assert code == 0, err
    text = out.read_text(encoding="utf-8")
    first = text
    code, _, _ = run_cli(["report", str(OPEN), "--format", "hf-card", "-o", str(out)], capsys)
    assert code == 0 and out.read_text(encoding="utf-8") == first  # idempotent
    # everything but the co2 key and the section is byte for byte as it was
    head = _README.partition("co2_eq_emissions:")[0]
    assert text.startswith(head + "co2_eq_emissions:\n")
    assert "\nmodel-index:\n- name: m\n  results: []\n---\n\n# My model\n" in text
    assert text.endswith("\n\n## After\n\nLast line without a newline")
    assert "| a | b |\n|---|---|\n| 1 | 2 |\n\n<!-- lcai:begin -->\n## Environmental" in text
    assert "stale lcai section" not in text and text.count("<!-- lcai:begin -->") == 1
    card = hub.ModelCard.load(out)
    after = card.data.to_dict()
    co2 = after.pop("co2_eq_emissions")
    before.pop("co2_eq_emissions")
    assert after == before
    assert _close(co2["emissions"], _training_g(res))
    assert co2["training_type"] == "fine-tuning"  # as the card says
    assert co2["source"] == f"lcai {__version__}"


@pytest.mark.parametrize(
    "readme",
    ["# Plain card\n\nNo front matter.\n",
     "---\n# For reference on model card metadata, see the spec\n{}\n---\n\n# Model\n",
     "---\nlicense: mit\n---\n", "", "---\n{license: mit, tags: [a, b]}\n---\nbody\n"],
    ids=["no-front-matter", "hf-template", "front-matter-only", "empty", "flow-style"],
)  # fmt: skip
def test_cards_of_every_shape_are_updated(readme: str, tmp_path: Path) -> None:
    res, plan = _assess(BLOOM)
    out = tmp_path / "README.md"
    out.write_text(readme, encoding="utf-8")
    before = yaml.safe_load(readme.split("---")[1]) if readme.startswith("---") else None
    disclosures.write("hf-card", res, out, plan)
    once = out.read_text(encoding="utf-8")
    disclosures.write("hf-card", res, out, plan)
    assert out.read_text(encoding="utf-8") == once
    card = hub.ModelCard.load(out)
    data = card.data.to_dict()
    assert _close(data.pop("co2_eq_emissions")["emissions"], _training_g(res))
    assert data == (before or {})
    body = readme.split("---", 2)[2] if readme.startswith("---") else readme
    assert body.strip() in once
    if "comment" in readme or "reference" in readme:
        assert "# For reference on model card metadata" in once


# --- sci ------------------------------------------------------------------------------------


def _embodied_g(res: Result) -> float:
    kinds = ("embodied", "annotation-embodied")
    return sum(it.co2e_kg for it in res.items if it.kind in kinds) * res.divisor * 1000.0


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_sci_terms_recomputed_by_hand(path: Path) -> None:
    res, plan = _assess(path)
    t = json.loads(disclosures.render("sci", res, plan, as_json=True))
    d = res.divisor
    e = res.life_cycle.energy_kwh
    m = _embodied_g(res)
    o = res.life_cycle.co2e_kg * 1000.0 - m
    i = o / e  # the energy-weighted average of the phases' grid factors
    grids = {ph: plan.params[f"{ph}.grid.co2e_intensity"].value * 1000.0 for ph in t["phases"]}
    energies = {ph: res.phases[ph].impact.energy_kwh * d for ph in t["phases"]}
    assert _close(i, sum(grids[p] * energies[p] for p in grids) / sum(energies.values()))
    assert _close(t["E_kwh"], e) and _close(t["M_gco2e"], m) and _close(t["I_gco2e_per_kwh"], i)
    assert t["R"] == d and t["functional_unit"] == res.functional_unit
    sci = (e * i + m) / d
    assert _close(t["sci_gco2e_per_functional_unit"], sci)
    assert _close(sci, res.total.co2e_kg * 1000.0)  # the SCI is the result per its unit
    assert t["formula"] == "SCI = ((E * I) + M) per R"
    assert "ISO/IEC 21031:2024" in t["specification"] and "1.1.0" in t["specification"]
    assert t["boundary"]["usage_boundary"] == res.usage_boundary
    md = disclosures.render("sci", res, plan)
    assert "SCI = ((E x I) + M) per R" in md and "## Boundary" in md and "## SCI for AI" in md
    if res.usage_boundary:
        assert f"Usage boundary: {res.usage_boundary} (" in md


def test_sci_for_ai_views() -> None:
    res, plan = _assess(OPEN)
    ai = json.loads(disclosures.render("sci", res, plan, as_json=True))["sci_for_ai"]
    assert "sci-ai" in ai["source"]
    usage_g = res.phases["usage"].impact.co2e_kg * res.divisor * 1000.0
    c = ai["consumer"]
    requests = plan.params["usage.requests"].value
    assert _close(c["carbon_gco2e"], usage_g)
    assert _close(c["per_request_gco2e"], usage_g / requests)
    assert _close(c["per_request_gco2e"], res.rates["usage_per_request"].co2e_kg * 1000.0)
    assert _close(c["per_token_gco2e"], usage_g / (requests * 800))
    p = ai["provider"]
    assert _close(p["per_training_token_gco2e"], p["carbon_gco2e"] / 2e12)
    assert _close(p["per_flop_gco2e"], p["carbon_gco2e"] / (6 * 70e9 * 2e12))
    bloom, bplan = _assess(BLOOM)
    b = json.loads(disclosures.render("sci", bloom, bplan, as_json=True))["sci_for_ai"]
    assert b["consumer"]["applicable"] is False
    assert b["provider"]["per_training_token_gco2e"] is None  # the file gives no tokens


# --- ai-act ---------------------------------------------------------------------------------


def test_ai_act_open_model_compute_is_6nd() -> None:
    res, plan = _assess(OPEN)
    a = json.loads(disclosures.render("ai-act", res, plan, as_json=True))
    assert "2024/1689" in a["regulation"] and "Annex XI" in a["regulation"]
    c = a["point_2d"]
    assert _close(c["training_compute_flop"], 6 * 70e9 * 2e12)
    assert c["training_compute_method"].startswith("estimated: 6 x N x D")
    p = plan.params
    hours = 6 * 70e9 * 2e12 / (p["training.accelerators.peak"].value
                               * p["training.accelerators.mfu"].value * 3600) \
        / p["training.accelerators.goodput"].value  # fmt: skip
    assert _close(c["accelerator_hours"], hours)
    assert _close(c["training_time_hours"], hours / 2048)
    e = a["point_2e"]
    assert _close(e["energy_kwh"], res.phases["training"].impact.energy_kwh * res.divisor)
    assert e["measured"] is False and "estimate" in e["estimation_method"]
    assert _close(sum(it["energy_kwh"] for it in e["items"]), e["energy_kwh"])
    md = disclosures.render("ai-act", res, plan)
    assert "8.4 x 10^23 FLOP" in md and "point 2(d)" in md and "point 2(e)" in md
    assert "Regulation (EU) 2024/1689" in md


def test_ai_act_says_not_stated() -> None:
    res, plan = _assess(BLOOM)
    a = json.loads(disclosures.render("ai-act", res, plan, as_json=True))
    c = a["point_2d"]
    assert c["training_compute_flop"] is None and c["training_compute_method"] == "not stated"
    assert c["accelerator_hours"] == 1082990
    assert _close(c["training_time_hours"], 1082990 / 384)
    assert _close(a["point_2e"]["energy_kwh"], 433196 + 256646)
    assert "1 of 2 items measured" in a["point_2e"]["estimation_method"]
    md = disclosures.render("ai-act", res, plan)
    assert "| training compute | not stated | not stated |" in md


# --- without the plan, through the report API ----------------------------------------------


@pytest.mark.parametrize("fmt", ["hf-card", "sci", "ai-act"])
def test_report_api_writes_the_disclosures_without_the_plan(fmt: str, tmp_path: Path) -> None:
    assert fmt in FORMATS
    res, plan = _assess(OPEN)
    out = tmp_path / f"{fmt}.json"
    write_report(Report(result=res, source_file=str(OPEN)), out, fmt)
    assert json.loads(out.read_text()) == json.loads(
        disclosures.render(fmt, res, plan, as_json=True)
    )


def test_unknown_format_and_no_hub_import() -> None:
    res, plan = _assess(BLOOM)
    with pytest.raises(SpecError):
        disclosures.render("pdf", res, plan)
    code = (
        "import sys\nfrom lcai.api import assess_file\nfrom lcai.outputs import disclosures\n"
        f"r = assess_file({str(OPEN)!r})\n"
        "for f in disclosures.FORMATS: disclosures.render(f, r)\n"
        "assert 'huggingface_hub' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --- hostile names --------------------------------------------------------------------------


def test_hostile_names_are_escaped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = _hostile_copy(tmp_path)
    card = tmp_path / "README.md"
    for _ in range(2):
        code, _, err = run_cli(["report", str(f), "--format", "hf-card", "-o", str(card)], capsys)
        assert code == 0, err
    text = card.read_text(encoding="utf-8")
    loaded = hub.ModelCard.load(card)
    assert set(loaded.data.to_dict()) == {"co2_eq_emissions"}
    assert text.count("<!-- lcai:begin -->") == 1 and text.count("\n<!-- lcai:end -->") == 1
    for fmt in ("sci", "ai-act"):
        md = tmp_path / f"{fmt}.md"
        js = tmp_path / f"{fmt}.json"
        for out in (md, js):
            code, _, err = run_cli(["report", str(f), "--format", fmt, "-o", str(out)], capsys)
            assert code == 0, err
        assert json.loads(js.read_text(encoding="utf-8"))["name"] == HOSTILE
        text += md.read_text(encoding="utf-8")
    assert "<script>" not in text and "\\<script\\>" in text
    assert "\\| a \\| b \\|" in text and "\\*x\\*" in text
    lines = text.splitlines()
    assert "---" not in lines[9:]  # only the front matter's own lines are rules
    assert not any(line.startswith(("# heading", "| a |", "<!-- lcai:end --> #")) for line in lines)


# --- the command line -----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["hf-card", "sci", "ai-act"])
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_cli_writes_and_refuses_a_bad_output(
    fmt: str, path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.md"
    code, stdout, err = run_cli(["report", str(path), "--format", fmt, "-o", str(out)], capsys)
    assert code == 0, err
    assert out.read_text(encoding="utf-8") and "written to" in stdout
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    for bad in (tmp_path, blocker / "out.md"):  # a folder; a name under a file
        code, _, err = run_cli(["report", str(path), "--format", fmt, "-o", str(bad)], capsys)
        assert code == 2 and err.startswith("error: "), err


@pytest.mark.parametrize(
    "content",
    [b"---\nlicense: [unclosed\n---\nbody\n", b"---\n- a list\n---\n",
     b"# card\n<!-- lcai:begin -->\nno end\n", b"\xff\xfe not utf-8"],
    ids=["bad-yaml", "not-a-mapping", "one-marker", "not-utf-8"],
)  # fmt: skip
def test_cli_refuses_a_card_it_cannot_update(
    content: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "README.md"
    out.write_bytes(content)
    code, _, err = run_cli(["report", str(BLOOM), "--format", "hf-card", "-o", str(out)], capsys)
    assert code == 2 and err.startswith("error: ") and "README.md" in err, err
    assert out.read_bytes() == content  # left as it was


# -- CycloneDX ML-BOM and GHG inventory (added with the formats) ---------------------------


@pytest.mark.parametrize("example", ["open-model-lifecycle", "bloom-176b"])
def test_cyclonedx_ml_bom_is_valid_and_carries_the_numbers(example: str) -> None:
    """Validated with cyclonedx-python-lib's strict JSON validator for CycloneDX 1.6."""
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    from lcai.api import assess_file
    from lcai.outputs.disclosures import render

    res = assess_file(ROOT / "examples" / f"{example}.yaml")
    text = render("cyclonedx", res)
    errors = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    assert errors is None, errors
    bom = json.loads(text)
    (model,) = bom["components"]
    assert model["type"] == "machine-learning-model" and model["name"] == res.name
    env = model["modelCard"]["considerations"]["environmentalConsiderations"]
    by = {c["activity"]: c for c in env["energyConsumptions"]}
    d = res.divisor
    train = res.phases["training"].impact
    assert by["training"]["activityEnergyCost"]["value"] == pytest.approx(train.energy_kwh * d)
    assert by["training"]["co2CostEquivalent"]["value"] == pytest.approx(train.co2e_kg * d / 1000)
    if res.phases["usage"].items:
        assert "inference" in by


@pytest.mark.parametrize("example", ["open-model-lifecycle", "bloom-176b"])
def test_ghg_inventory_adds_up(example: str) -> None:
    """Scope 2 (both bases) plus Scope 3 category 1 is the result's life cycle."""
    from lcai.api import plan_file, result_of
    from lcai.outputs.disclosures import render

    plan = plan_file(ROOT / "examples" / f"{example}.yaml")
    res = result_of(plan)
    inv = json.loads(render("ghg", res, plan, as_json=True))
    total = (
        inv["scope2_total"]["location_based_kgco2e"]
        + inv["scope3_category1_purchased_goods_kgco2e"]
    )
    assert total == pytest.approx(res.life_cycle.co2e_kg, rel=1e-9)
    market = res.life_cycle.co2e_market_kg
    if market is not None:
        got = (
            inv["scope2_total"]["market_based_kgco2e"]
            + inv["scope3_category1_purchased_goods_kgco2e"]
        )
        assert got == pytest.approx(market, rel=1e-9)
    md = render("ghg", res, plan)
    assert "Scope 2" in md and "Scope 3, category 1" in md


def test_ghg_states_the_files_contracts() -> None:
    from lcai.api import plan_file, result_of
    from lcai.outputs.disclosures import render

    plan = plan_file(OPEN)
    inv = json.loads(render("ghg", result_of(plan), plan, as_json=True))
    names = {i["parameter"] for i in inv["instruments"]}
    assert {"usage.grid.contract_share", "training.grid.contract_share"} <= names
