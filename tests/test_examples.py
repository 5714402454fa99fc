"""The packaged examples on the packaged catalog, checked against published figures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import lcai

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_bloom_reproduces_luccioni_2023() -> None:
    """Luccioni, Viguier, Ligozat (JMLR 2023), Tables 1-3: 1,082,990 GPU-h x 400 W =
    433,196 kWh x 57 g = 24.69 t dynamic; idle 256,646 kWh -> 14.6 t; embodied
    150 kg/GPU and 2,500 kg per 8-GPU server over 6 years at 85% -> 3.64 t + 7.57 t;
    total 50.5 t. The paper rounds to 3 significant figures: tolerance 0.5%."""
    r = lcai.assess_file(EXAMPLES / "bloom-176b.yaml")
    items = {it.name: it for it in r.items}
    gpu = items["NVIDIA A100 SXM4 80GB"]
    assert gpu.energy_kwh == pytest.approx(433_196, rel=1e-9)
    assert gpu.co2e_kg == pytest.approx(24_690, rel=5e-3)
    assert items["idle servers and infrastructure"].co2e_kg == pytest.approx(14_600, rel=5e-3)
    assert items["A100 GPUs (embodied)"].co2e_kg == pytest.approx(3_640, rel=5e-3)
    assert items["servers without GPUs (embodied)"].co2e_kg == pytest.approx(7_570, rel=5e-3)
    assert r.phases["manufacturing"].impact.co2e_kg == pytest.approx(11_200, rel=5e-3)
    assert r.total.co2e_kg == pytest.approx(50_500, rel=5e-3)
    assert r.total.energy_kwh == pytest.approx(433_196 + 256_646, rel=1e-9)


def test_source_article_is_49_americans() -> None:
    """962.37 tCO2e / 19.58 t per American per year (Maplecroft, 2009) = 49.15."""
    from lcai.engine.equivalences import equivalences

    r = lcai.assess_file(EXAMPLES / "source-article.yaml")
    assert r.total.co2e_kg == pytest.approx(962_370)
    assert r.unallocated is not None
    eq = [e for e in equivalences(r.life_cycle) if "Maplecroft" in e.what]
    assert len(eq) == 1 and round(eq[0].value) == 49


def test_open_model_exercises_every_phase() -> None:
    r = lcai.assess_file(EXAMPLES / "open-model-lifecycle.yaml")
    assert r.functional_unit == "per 1,000 requests"
    for phase in ("manufacturing", "training", "annotation", "usage"):
        assert r.phases[phase].items, phase
        assert r.phases[phase].impact.co2e_kg > 0, phase
    methods = {it.method for it in r.items}
    assert methods == {"given", "estimated"}
    assert r.total.co2e_market_kg is not None
    assert r.total.co2e_market_kg < r.total.co2e_kg
    # the life cycle is the per-1,000-request figure x the number of thousands served
    assert r.life_cycle.co2e_kg == pytest.approx(r.total.co2e_kg * 365_000, rel=1e-12)


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.yaml")))
def test_every_example_runs_through_the_cli(name: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "lcai.cli.app", "assess", str(EXAMPLES / name), "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    d = json.loads(proc.stdout)
    assert d["total"]["co2e_kg"] > 0
    assert all(s in d["sources"] or " " in s for it in lcai.assess_file(EXAMPLES / name).items
               for s in it.sources)  # fmt: skip
