"""lcai export: the foreground inventory, Brightway (bw2data + bw2calc) and openLCA
(olca-schema) read back with the tools' own code."""

from __future__ import annotations

import importlib
import importlib.util
import math
import os
import re
import sys
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from lcai.api import assess_file, plan_file, result_of
from lcai.cli.main import run
from lcai.engine.evaluate import evaluate
from lcai.engine.plan import ItemPlan, Plan
from lcai.engine.uncertainty import sample_params
from lcai.errors import LcaiError
from lcai.outputs.lca import Inventory, inventory_of
from lcai.outputs.lca.inventory import CO2E, WATER, _Builder
from lcai.spec.distributions import Dist, transformed
from tests.conftest import EXAMPLES

HAS_BW = all(importlib.util.find_spec(m) for m in ("bw2data", "bw2calc"))
HAS_OLCA = importlib.util.find_spec("olca_schema") is not None
needs_bw = pytest.mark.skipif(not HAS_BW, reason="bw2data and bw2calc (lcai[lca]) not installed")
needs_olca = pytest.mark.skipif(not HAS_OLCA, reason="olca-schema (lcai[lca]) not installed")

# Every uncertain input of this file moves one exchange only, affinely: the grid's carbon
# and water (lognormal), the operator's PUE (normal, truncated at 1) and WUE (lognormal),
# the network's kWh/GB (lognormal), a laptop's power (normal) and embodied carbon
# (lognormal), and the A100's embodied carbon per unit (lognormal).
SIMPLE = """\
name: export test
training:
  grid: {region: DE}
  facility: {operator: google}
  accelerators:
    type: A100-80GB
    count: 64
    gpu_hours: 100000 h
    power: 300 W
  network: {data: 10 TB, medium: dc_link}
annotation:
  grid: {region: KE}
  annotators: 10
  hours: 100 h
  devices: [laptop]
manufacturing:
  components:
    - name: training GPUs
      hardware: A100-80GB
      unit_hours: 100000 h
      lifetime: 5 years
      utilization: 0.85
"""


@pytest.fixture
def simple(tmp_path: Path) -> Path:
    path = tmp_path / "simple.yaml"
    path.write_text(SIMPLE, encoding="utf-8")
    return path


def solve(inv: Inventory, draw: int | None = None) -> dict[str, float]:
    """The inventory's scores per functional unit, by solving its matrices with NumPy (at
    joint draw ``draw`` of its samples)."""
    codes = [a.code for a in inv.activities]
    at = {c: i for i, c in enumerate(codes)}
    flows = {f.code: j for j, f in enumerate(inv.flows)}
    a = np.eye(len(codes))
    b = np.zeros((len(flows), len(codes)))
    moving = inv.samples.amounts if inv.samples is not None and draw is not None else {}
    for act in inv.activities:
        for j, e in enumerate(act.exchanges):
            x = moving.get((act.code, j))
            amount = e.amount if x is None else float(x[draw])
            if e.kind == "technosphere":
                a[at[e.source], at[act.code]] -= amount
            else:
                b[flows[e.source], at[act.code]] += amount
    demand = np.zeros(len(codes))
    demand[at[inv.reference]] = 1.0
    g = b @ np.linalg.solve(a, demand)
    return {f: float(g[j]) for f, j in flows.items()}


def _rel(a: float, b: float) -> float:
    return abs(a - b) / max(abs(b), 1e-300)


# the inventory (no extra needed)


@pytest.mark.parametrize(
    "path",
    [EXAMPLES / "open-model-lifecycle.yaml", EXAMPLES / "bloom-176b.yaml", "simple"],
    ids=["open-model", "bloom", "simple"],
)
def test_inventory_reproduces_the_result(path: Path | str, simple: Path) -> None:
    path = simple if path == "simple" else path
    plan = plan_file(path)
    res = result_of(plan)
    inv = inventory_of(plan)
    got = solve(inv)
    assert _rel(got[CO2E], res.total.co2e_kg) < 1e-12
    assert _rel(got[WATER] * 1000, res.total.water_l) < 1e-12
    assert inv.co2e_kg == pytest.approx(res.total.co2e_kg, rel=1e-12)
    if res.total.co2e_market_kg is not None:
        assert _rel(got["co2e-market"], res.total.co2e_market_kg) < 1e-12


def test_exchanges_in_physical_units_with_keys_and_sources(simple: Path) -> None:
    plan = plan_file(simple)
    inv = inventory_of(plan)
    by_name = {a.name: a for a in inv.activities}
    acc = next(a for a in inv.activities if a.kind == "accelerators" and a.role == "item")
    (hours,) = acc.exchanges
    # 100,000 GPU-hours of 0.3 kWh each (300 W): 30,000 kWh from the training data centre
    assert hours.amount == pytest.approx(100_000, rel=1e-12) and hours.unit == "h"
    use = inv.activity(hours.source)
    assert use.role == "item use" and use.unit == "h"
    (e,) = use.exchanges
    assert e.amount == pytest.approx(0.3, rel=1e-12)
    assert e.unit == "kWh" and e.kind == "technosphere"
    # the network: 10 TB = 10,000 GB transferred
    net = next(a for a in inv.activities if a.kind == "network" and a.role == "item")
    (gb,) = net.exchanges
    assert gb.unit == "GB" and gb.amount == pytest.approx(10_000, rel=1e-12)
    # the laptop: 10 annotators x 100 h = 1,000 person-hours x 1 laptop
    laptop = next(a for a in inv.activities if a.kind == "annotation-device" and a.role == "item")
    (ph,) = laptop.exchanges
    assert ph.unit == "h" and ph.amount == pytest.approx(1_000, rel=1e-12)
    assert inv.activity(e.source).role == "data centre"
    assert e.link["region"] == "DE"
    assert e.link["technology"] == "electricity, IT load in a data centre"
    assert e.link["catalog_row"] == "grid_intensity:DE.co2e_intensity"
    dc_grid = next(x for x in inv.activity(e.source).exchanges if x.kind == "technosphere")
    assert dc_grid.link["technology"] == "electricity, grid mix"  # the one to relink
    assert inv.activity(dc_grid.source).location == "DE"
    grid = by_name["electricity, grid mix, DE (training)"]
    co2 = next(x for x in grid.exchanges if x.source == CO2E)
    g = plan.params["training.grid.co2e_intensity"]
    assert co2.amount == g.value and co2.unit == "kg"
    assert g.source is not None and g.source in co2.comment
    assert "grid_intensity:DE.co2e_intensity" in co2.comment
    water = next(x for x in grid.exchanges if x.source == WATER)
    assert water.amount == pytest.approx(plan.params["training.grid.water_intensity"].value / 1000)
    assert water.unit == "m3"
    dc = inv.activity(e.source)
    pue = plan.params["training.facility.pue"].value
    tech = [x for x in dc.exchanges if x.kind == "technosphere"]
    over = next(x for x in tech if inv.activity(x.source).kind == "overhead")
    assert over.amount == pytest.approx(pue - 1, rel=1e-12)
    # the embodied GPUs: allocated units of an A100 unit that emits its per-unit figure
    gpus = next(a for a in inv.activities if a.kind == "embodied")
    (hw,) = [x for x in gpus.exchanges if x.kind == "technosphere"]
    (fab,) = [x for x in gpus.exchanges if x.kind == "biosphere"]
    assert fab.source == WATER and fab.unit == "m3"  # fabrication water, allocated
    key = plan.accelerator_keys["training.accelerators"]  # the same A100 (A100-SXM4-80GB)
    assert hw.unit == "unit" and hw.link["hardware"] == key
    assert hw.link["catalog_row"].startswith(f"accelerators:{key}.embodied_")
    unit = inv.activity(hw.source)
    per_unit = plan.params["manufacturing.components[0].embodied"].value
    assert unit.exchanges[0].amount == per_unit
    # unit-hours / (lifetime x utilisation) = 1e5 h / (5 x 8760 h x 0.85)
    assert hw.amount == pytest.approx(1e5 / (5 * 8760 * 0.85), rel=1e-9)
    assert all(e.comment for a in inv.activities if a.role == "item" for e in a.exchanges)


def test_a_new_item_appears_without_exporter_changes(simple: Path) -> None:
    plan = plan_file(simple)
    acc = next(it for it in plan.items if it.kind == "accelerators")
    pumps = ItemPlan(
        name="cooling tower pumps",
        phase="training",
        method="estimated",
        kind="idle",
        energy=lambda p: 1234.0,
        supply=acc.supply,
    )
    offsets = ItemPlan(
        name="a made-up embodied line",
        phase="annotation",
        method="given",
        kind="embodied",
        co2e=lambda p: 42.0,
        water=lambda p: 7.0,
    )
    before = result_of(plan).total
    plan2 = Plan(**{**plan.__dict__, "items": [*plan.items, pumps, offsets]})
    res = result_of(plan2)
    inv = inventory_of(plan2)
    names = {a.name for a in inv.activities}
    assert {"cooling tower pumps (training)", "a made-up embodied line (annotation)"} <= names
    pumps_act = next(a for a in inv.activities if a.name.startswith("cooling tower pumps"))
    assert [x.amount for x in pumps_act.exchanges] == [1234.0]
    got = solve(inv)
    assert _rel(got[CO2E], res.total.co2e_kg) < 1e-12
    assert _rel(got[WATER] * 1000, res.total.water_l) < 1e-12
    # the pumps are IT load: the facility overhead grows with them
    assert res.total.co2e_kg > before.co2e_kg + 42.0


def test_every_uncertainty_of_the_simple_file_is_carried(simple: Path) -> None:
    plan = plan_file(simple)
    inv = inventory_of(plan)
    uncertain = {k for k, p in plan.params.items() if p.dist is not None}
    assert set(inv.carried) == uncertain and not inv.not_carried
    carriers = [e for a in inv.activities for e in a.exchanges if e.carries]
    assert sorted(e.carries for e in carriers) == sorted(uncertain)  # one exchange each


def test_shared_inputs_are_listed_as_not_carried() -> None:
    inv = inventory_of(plan_file(EXAMPLES / "open-model-lifecycle.yaml"))
    why = dict(inv.not_carried)
    # MFU sets the GPU-hours that every training item and the embodied GPUs follow
    assert why["training.accelerators.mfu"].startswith("shared by")
    assert "training.grid.co2e_intensity" in inv.carried
    assert not set(why) & set(inv.carried)
    for a in inv.activities:
        for e in a.exchanges:
            assert (e.dist is None) == (e.carries is None)


def test_one_factor_read_by_two_phases_is_not_split_into_two_exchange_distributions() -> None:
    """Training and usage in FR read one grid factor (lcai draws it once). As two exchange
    distributions, an LCA tool would draw them apart and narrow the total's interval, so
    neither carries it: not carried, saying why; the joint samples still hold it."""
    from lcai.api import plan_source
    from lcai.spec.loading import parse_source
    from tests.test_shared_inputs import TEXT as SHARED

    plan = plan_source(parse_source(yaml.safe_load(SHARED)))
    inv = inventory_of(plan, samples=200, seed=1)
    why = dict(inv.not_carried)
    for k, other in (
        ("training.grid.co2e_intensity", "usage.grid.co2e_intensity"),
        ("usage.grid.co2e_intensity", "training.grid.co2e_intensity"),
    ):
        assert k not in inv.carried
        assert why[k] == f"one catalog factor with {other} (drawn together in the samples)"
    # the joint draws: every sample's carbon is the one factor x 375 + 1,250 kWh
    from lcai.engine.uncertainty import sample_params

    d = sample_params(plan, 200, 1)["training.grid.co2e_intensity"]
    assert inv.samples is not None
    np.testing.assert_allclose(inv.samples.co2e_kg, 1625 * d, rtol=1e-12)


@given(
    kind=st.sampled_from(["normal", "uniform", "triangular"]),
    slope=st.floats(1e-3, 1e3),
    shift=st.floats(-10, 10),
    u=st.floats(0.01, 0.99),
)
@settings(max_examples=60, deadline=None)
def test_transformed_distribution_is_the_transformed_variable(
    kind: str, slope: float, shift: float, u: float
) -> None:
    d = {
        "normal": Dist("normal", 2.0, 0.3),
        "uniform": Dist("uniform", 1.0, 3.0),
        "triangular": Dist("triangular", 1.0, 1.5, 3.0),
    }[kind]
    t = transformed(d, slope, shift)
    assert t is not None
    x = float(d.ppf(np.array([u]))[0])
    assert float(t.ppf(np.array([u]))[0]) == pytest.approx(slope * x + shift, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("path", [EXAMPLES / "open-model-lifecycle.yaml", "simple"])
def test_joint_draws_give_lcais_total_at_every_draw(path: Path | str, simple: Path) -> None:
    """Shared and combined inputs too: the inventory's amounts at draw i solve to lcai's
    total of draw i, and the draws are lcai assess's own (same seed, same percentiles)."""
    path = simple if path == "simple" else path
    n, seed = 400, 11
    plan = plan_file(path)
    inv = inventory_of(plan, samples=n, seed=seed)
    assert inv.samples is not None and inv.samples.n == n and inv.samples.amounts
    ev = evaluate(plan, sample_params(plan, n, seed))
    want = ev.total("co2e_kg") / ev.divisor
    assert np.array_equal(inv.samples.co2e_kg, want)
    for i in range(0, n, 37):
        got = solve(inv, i)
        assert _rel(got[CO2E], float(want[i])) < 1e-12
        assert _rel(got[WATER] * 1000, float(inv.samples.water_l[i])) < 1e-12
    band = assess_file(path, samples=n, seed=seed).uncertainty
    assert band is not None
    p5, p50, p95 = np.percentile(inv.samples.co2e_kg, [5, 50, 95])
    assert (p5, p50, p95) == pytest.approx(
        (band.total["co2e_kg"].p5, band.total["co2e_kg"].p50, band.total["co2e_kg"].p95),
        rel=1e-12,
    )
    assert p95 / p5 > 1.3  # the draws move the total
    # the nominal inventory is untouched by the draws
    nominal = inventory_of(plan)
    assert [a.exchanges for a in nominal.activities] == [a.exchanges for a in inv.activities]


VALIDATION_FILES = sorted(
    p for p in (EXAMPLES / "validation").glob("*.yaml") if p.name != "suite.yaml"
)


@pytest.mark.parametrize("path", VALIDATION_FILES, ids=[p.stem for p in VALIDATION_FILES])
def test_joint_draws_of_every_validation_case(path: Path) -> None:
    """Every shape of plan the suite holds (training, serving, provisioned, water, embodied):
    the replayed inventory solves to lcai's total at its draws, carbon and water."""
    plan = plan_file(path)
    inv = inventory_of(plan, samples=24, seed=2)
    assert inv.samples is not None
    for i in (0, 11, 23):
        got = solve(inv, i)
        assert _rel(got[CO2E], float(inv.samples.co2e_kg[i])) < 1e-12
        water = float(inv.samples.water_l[i])
        assert abs(got[WATER] * 1000 - water) <= 1e-12 * max(abs(water), 1e-300)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**63 - 1), n=st.integers(1, 40))
def test_joint_draws_any_seed(seed: int, n: int) -> None:
    plan = plan_file(EXAMPLES / "open-model-lifecycle.yaml")
    inv = inventory_of(plan, samples=n, seed=seed)
    assert inv.samples is not None
    for i in {0, n - 1}:
        assert _rel(solve(inv, i)[CO2E], float(inv.samples.co2e_kg[i])) < 1e-12


def test_joint_draws_bounds_and_alignment() -> None:
    plan = plan_file(EXAMPLES / "open-model-lifecycle.yaml")
    with pytest.raises(LcaiError, match="samples: expected 1 to 100,000"):
        inventory_of(plan, samples=100_001)
    with pytest.raises(LcaiError, match="seed"):
        inventory_of(plan, samples=10, seed=-1)
    for bad in (2.5, "10", True):
        with pytest.raises(LcaiError, match="samples: expected a whole number"):
            inventory_of(plan, samples=bad)  # type: ignore[arg-type]
    with pytest.raises(LcaiError, match="seed: expected a whole number"):
        inventory_of(plan, samples=3, seed=1.5)  # type: ignore[arg-type]
    got = inventory_of(plan, samples=np.int64(3), seed=np.int64(4))  # type: ignore[arg-type]
    assert got.samples is not None and type(got.samples.n) is int and got.samples.seed == 4
    # a replay that would take the plan apart differently is refused, not misread
    ev = evaluate(plan)
    nominal = _Builder(plan, ev)
    nominal.build()
    nominal.calls = nominal.calls[:-1]
    replay = _Builder(plan, ev, replay=nominal, draws=(sample_params(plan, 5, 0), 5))
    with pytest.raises(LcaiError, match="export without samples"):
        replay.walk()


def test_a_shifted_lognormal_is_not_expressible() -> None:
    d = Dist("lognormal", 1.2, 1.1, lower=1.0)
    assert transformed(d, 1.0, -1.0) is None
    t = transformed(d, 2.0, 0.0)
    assert t == Dist("lognormal", 2.4, 1.1, lower=2.0)


# Brightway


def _bw(out: Path) -> tuple[Any, Any]:
    from lcai.outputs.lca.brightway import open_project

    bd = open_project(out)
    return bd, importlib.import_module("bw2calc")


@needs_bw
@pytest.mark.parametrize("path", [EXAMPLES / "open-model-lifecycle.yaml", "simple"])
def test_brightway_lca_gives_lcais_total(path: Path | str, simple: Path, tmp_path: Path) -> None:
    from lcai.outputs.lca.brightway import FOREGROUND, METHODS, write_brightway

    path = simple if path == "simple" else path
    home_before = os.environ.get("BRIGHTWAY2_DIR")
    plan = plan_file(path)
    res = result_of(plan)
    out = tmp_path / "bw"
    write_brightway(inventory_of(plan), out)
    assert os.environ.get("BRIGHTWAY2_DIR") == home_before
    assert (out / "projects.db").is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".bw")]  # no temp left
    bd, bc = _bw(out)
    assert Path(bd.projects.dir).is_relative_to(out)
    fu = {bd.get_activity((FOREGROUND, "functional-unit")): 1}
    lca = bc.LCA(fu, method=METHODS[CO2E][0])
    lca.lci()
    lca.lcia()
    assert _rel(lca.score, res.total.co2e_kg) < 1e-6
    lca = bc.LCA(fu, method=METHODS[WATER][0])
    lca.lci()
    lca.lcia()
    assert _rel(lca.score * 1000, res.total.water_l) < 1e-6


@needs_bw
def test_brightway_exchanges_carry_link_keys_and_sources(simple: Path, tmp_path: Path) -> None:
    from lcai.outputs.lca.brightway import FOREGROUND, write_brightway

    write_brightway(inventory_of(plan_file(simple)), tmp_path / "bw")
    bd, _ = _bw(tmp_path / "bw")
    db = bd.Database(FOREGROUND)
    acc = next(a for a in db if a["lcai_kind"] == "accelerators" and a["lcai_role"] == "item use")
    (e,) = list(acc.technosphere())
    assert e["amount"] == pytest.approx(0.3)  # kWh per GPU-hour
    assert e["unit"] == "kilowatt hour" and acc["unit"] == "hour"
    assert e["lcai_region"] == "DE"
    assert e["lcai_technology"] == "electricity, IT load in a data centre"
    assert e["lcai_catalog_row"] == "grid_intensity:DE.co2e_intensity"
    assert "sources:" in e["comment"]
    grid = next(a for a in db if a["lcai_role"] == "electricity" and a["location"] == "DE")
    (co2,) = [x for x in grid.biosphere() if x.input["code"] == CO2E]
    assert co2["uncertainty type"] == 2  # lognormal
    assert math.exp(co2["scale"]) == pytest.approx(1.1)  # the catalog's gsd


def _relink_snippet() -> str:
    """The Python block of docs/lca-export.md that relinks the grid exchanges."""
    doc = (Path(__file__).parent.parent / "docs" / "lca-export.md").read_text(encoding="utf-8")
    blocks = doc.split("```python\n")[1:]
    return next(b.split("```")[0] for b in blocks if "lcai_technology" in b)


@needs_bw
def test_the_documented_relink_uses_a_background_market(simple: Path, tmp_path: Path) -> None:
    """docs/lca-export.md's few lines, run on a made-up background market for DE at
    0.5 kgCO2e/kWh: the training's kWh now carry that factor, nothing else changes."""
    from lcai.outputs.lca.brightway import BIOSPHERE, FOREGROUND, METHODS, write_brightway

    plan = plan_file(simple)
    inv = inventory_of(plan)
    write_brightway(inv, tmp_path / "bw")
    bd, bc = _bw(tmp_path / "bw")
    fu = {bd.get_activity((FOREGROUND, "functional-unit")): 1}
    lca = bc.LCA(fu, method=METHODS[CO2E][0])
    lca.lci()
    lca.lcia()
    grid = next(a for a in inv.activities if a.role == "electricity" and a.location == "DE")
    de_kwh = lca.supply_array[lca.dicts.activity[bd.get_activity((FOREGROUND, grid.code)).id]]
    before = lca.score
    bd.Database("ecoinvent-3.10-cutoff").write(
        {
            ("ecoinvent-3.10-cutoff", "de-mv"): {
                "name": "market for electricity, medium voltage",
                "location": "DE",
                "unit": "kilowatt hour",
                "exchanges": [
                    {
                        "input": ("ecoinvent-3.10-cutoff", "de-mv"),
                        "amount": 1.0,
                        "type": "production",
                    },
                    {"input": (BIOSPHERE, CO2E), "amount": 0.5, "type": "biosphere"},
                ],
            }
        }
    )
    exec(_relink_snippet(), {})  # verbatim: bw2data already points at the project
    lca = bc.LCA(fu, method=METHODS[CO2E][0])
    lca.lci()
    lca.lcia()
    g = plan.params["training.grid.co2e_intensity"].value
    # 30,000 kWh of GPUs x PUE + the network's kWh, all from the DE grid
    assert de_kwh > 30_000
    assert lca.score == pytest.approx(before + de_kwh * (0.5 - g), rel=1e-6)


def _scores(lca: Any, n: int, *, keep_first: bool = False) -> list[float]:
    """n Monte Carlo scores of a bw2calc LCA (``keep_first``: the first is the LCA's own
    first iteration, as for sequential arrays)."""
    lca.lci()
    lca.lcia()
    if keep_first:
        lca.keep_first_iteration()
    out = []
    for _ in range(n):
        next(lca)
        out.append(float(lca.score))
    return out


def _quantile_se(x: np.ndarray, p: float, n: int) -> float:
    """Standard error of the p-quantile of n draws: sqrt(p (1 - p) / n) / density, the
    density at the quantile estimated from the spacing of a large sample ``x``."""
    h = 0.01
    lo, hi = np.quantile(x, [p - h, p + h])
    density = 2 * h / (hi - lo)
    return math.sqrt(p * (1 - p) / n) / density


@needs_bw
def test_brightway_monte_carlo_matches_lcais(simple: Path, tmp_path: Path) -> None:
    """bw2calc samples the exported distributions (stats_arrays) with its own generator,
    lcai its own: the percentiles agree within 4 standard errors of the two estimates
    (each sqrt(p(1-p)/N) / density; bw2calc N = 2000, lcai N = 100,000)."""
    from lcai.outputs.lca.brightway import FOREGROUND, METHODS, write_brightway

    n_bw, n_lcai = 2000, 100_000
    plan = plan_file(simple)
    write_brightway(inventory_of(plan), tmp_path / "bw")
    bd, bc = _bw(tmp_path / "bw")
    fu, objs, _ = bd.prepare_lca_inputs(
        {bd.get_activity((FOREGROUND, "functional-unit")): 1}, method=METHODS[CO2E][0]
    )
    lca = bc.LCA(fu, data_objs=objs, use_distributions=True, seed_override=20261202)
    scores = _scores(lca, n_bw)
    bw = np.percentile(scores, [5, 50, 95])
    res = assess_file(simple, samples=n_lcai, seed=1)
    assert res.uncertainty is not None
    band = res.uncertainty.total["co2e_kg"]
    ev = evaluate(plan, sample_params(plan, n_lcai, 1))
    x = ev.total("co2e_kg") / ev.divisor
    assert np.percentile(x, 50) == pytest.approx(band.p50, rel=1e-12)  # the same lcai run
    for p, got, want in zip((0.05, 0.5, 0.95), bw, (band.p5, band.p50, band.p95), strict=True):
        se = math.hypot(_quantile_se(x, p, n_bw), _quantile_se(x, p, n_lcai))
        assert abs(got - want) < 4 * se, (p, got, want, se)
    assert band.p95 / band.p5 > 1.3  # the check is not on a near-point distribution


@needs_bw
def test_brightway_monte_carlo_of_a_file_with_shared_inputs(tmp_path: Path) -> None:
    """The open model's training MFU, goodput and serving factors move many exchanges at
    once and are not exported; what is exported is exactly the rest: bw2calc's percentiles
    match lcai's Monte Carlo with only the carried inputs drawn (4 standard errors)."""
    from lcai.outputs.lca.brightway import FOREGROUND, METHODS, write_brightway

    n_bw, n_lcai = 2000, 100_000
    plan = plan_file(EXAMPLES / "open-model-lifecycle.yaml")
    inv = inventory_of(plan)
    assert inv.carried and inv.not_carried
    write_brightway(inv, tmp_path / "bw")
    bd, bc = _bw(tmp_path / "bw")
    fu, objs, _ = bd.prepare_lca_inputs(
        {bd.get_activity((FOREGROUND, "functional-unit")): 1}, method=METHODS[CO2E][0]
    )
    lca = bc.LCA(fu, data_objs=objs, use_distributions=True, seed_override=5)
    scores = _scores(lca, n_bw)
    draws = {k: v for k, v in sample_params(plan, n_lcai, 3).items() if k in inv.carried}
    ev = evaluate(plan, draws)
    x = ev.total("co2e_kg") / ev.divisor
    for p, got in zip((0.05, 0.5, 0.95), np.percentile(scores, [5, 50, 95]), strict=True):
        want = float(np.quantile(x, p))
        se = math.hypot(_quantile_se(x, p, n_bw), _quantile_se(x, p, n_lcai))
        assert abs(got - want) < 4 * se, (p, got, want, se)


@needs_bw
def test_brightway_monte_carlo_with_lcais_joint_draws(tmp_path: Path) -> None:
    """With the draws' datapackage and use_arrays, bw2calc's score at iteration i is lcai's
    total of draw i (shared inputs included): its p5/p50/p95 are lcai assess's."""
    from lcai.outputs.lca.brightway import (
        FOREGROUND,
        METHODS,
        SAMPLES_FILE,
        samples_datapackage,
    )

    n, seed = 600, 4
    path = EXAMPLES / "open-model-lifecycle.yaml"
    out = tmp_path / "bw"
    args = ["export", str(path), "--to", "brightway", "-o", str(out), "-n", str(n)]
    assert run([*args, "--seed", str(seed)]) == 0
    assert (out / SAMPLES_FILE).is_file()
    bd, bc = _bw(out)
    meta = bd.projects.dataset.data["lcai"]["samples"]
    assert meta["n"] == n and meta["seed"] == seed and meta["file"] == SAMPLES_FILE
    fu, objs, _ = bd.prepare_lca_inputs(
        {bd.get_activity((FOREGROUND, "functional-unit")): 1}, method=METHODS[CO2E][0]
    )
    lca = bc.LCA(fu, data_objs=[*objs, samples_datapackage(out)], use_arrays=True)
    scores = _scores(lca, n, keep_first=True)
    plan = plan_file(path)
    ev = evaluate(plan, sample_params(plan, n, seed))
    want = ev.total("co2e_kg") / ev.divisor
    assert float(np.max(np.abs(np.array(scores) - want) / want)) < 1e-6
    band = assess_file(path, samples=n, seed=seed).uncertainty
    assert band is not None
    b = band.total["co2e_kg"]
    got = np.percentile(scores, [5, 50, 95])
    assert got == pytest.approx([b.p5, b.p50, b.p95], rel=1e-6)
    assert [meta["co2e_kg"][k] for k in ("p5", "p50", "p95")] == pytest.approx(
        [b.p5, b.p50, b.p95], rel=1e-12
    )
    assert b.p95 / b.p5 > 2  # shared inputs move it, which per-exchange draws cannot carry


@needs_bw
def test_joint_draws_of_a_matrix_cell_of_two_exchanges(simple: Path, tmp_path: Path) -> None:
    """Brightway sums the exchanges of one cell and the draws replace the sum: a cell of a
    moving and a constant exchange goes into the package whole (the constant too)."""
    import dataclasses

    from lcai.outputs.lca.brightway import (
        FOREGROUND,
        METHODS,
        samples_datapackage,
        write_brightway,
    )

    n = 50
    inv = inventory_of(plan_file(simple), samples=n, seed=1)
    assert inv.samples is not None
    acts, amounts = list(inv.activities), dict(inv.samples.amounts)
    k, a = next((k, a) for k, a in enumerate(acts) if a.role == "electricity")
    j = next(j for j, e in enumerate(a.exchanges) if e.source == CO2E)
    e = a.exchanges[j]
    assert (a.code, j) in amounts
    half = dataclasses.replace(e, amount=e.amount / 2, dist=None, carries=None)
    ex = list(a.exchanges)
    ex[j] = half
    ex.append(half)  # the constant half, at the end: the other indices stay
    amounts[(a.code, j)] = amounts[(a.code, j)] - e.amount / 2
    acts[k] = dataclasses.replace(a, exchanges=tuple(ex))
    split = dataclasses.replace(
        inv, activities=tuple(acts), samples=dataclasses.replace(inv.samples, amounts=amounts)
    )
    assert solve(split, 7)[CO2E] == pytest.approx(float(inv.samples.co2e_kg[7]), rel=1e-12)
    write_brightway(split, tmp_path / "bw")
    bd, bc = _bw(tmp_path / "bw")
    fu, objs, _ = bd.prepare_lca_inputs(
        {bd.get_activity((FOREGROUND, "functional-unit")): 1}, method=METHODS[CO2E][0]
    )
    lca = bc.LCA(fu, data_objs=[*objs, samples_datapackage(tmp_path / "bw")], use_arrays=True)
    got = np.array(_scores(lca, n, keep_first=True))
    assert float(np.max(np.abs(got - inv.samples.co2e_kg) / inv.samples.co2e_kg)) < 1e-6


@needs_bw
def test_the_documented_joint_monte_carlo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/lca-export.md's block, verbatim, on the open model exported with --samples."""
    doc = (Path(__file__).parent.parent / "docs" / "lca-export.md").read_text(encoding="utf-8")
    blocks = [b.split("```")[0] for b in doc.split("```python\n")[1:]]
    block = next(b for b in blocks if "use_arrays=True" in b)
    monkeypatch.chdir(tmp_path)
    path = EXAMPLES / "open-model-lifecycle.yaml"
    args = ["export", str(path), "--to", "brightway", "-o", "model-brightway", "-n", "300"]
    assert run([*args, "--seed", "7"]) == 0
    _bw(tmp_path / "model-brightway")
    scope: dict[str, Any] = {}
    exec(block, scope)
    band = assess_file(path, samples=300, seed=7).uncertainty
    assert band is not None
    b = band.total["co2e_kg"]
    assert np.percentile(scope["scores"], [5, 50, 95]) == pytest.approx(
        [b.p5, b.p50, b.p95], rel=1e-6
    )


@needs_bw
def test_brightway_samples_options(
    simple: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from lcai.outputs.lca.brightway import SAMPLES_FILE, samples_datapackage

    base = ["export", str(simple), "-o", str(tmp_path / "o")]
    assert run([*base, "--to", "openlca", "-n", "10"]) == 2
    assert "--samples" in capsys.readouterr().err
    assert run([*base, "--to", "brightway", "-n", "100001"]) == 2
    assert "samples" in capsys.readouterr().err
    assert run([*base, "--to", "brightway", "-n", "0"]) == 2
    assert not (tmp_path / "o").exists()
    with pytest.raises(LcaiError, match=SAMPLES_FILE):
        samples_datapackage(tmp_path)
    art = tmp_path / "article.yaml"  # nothing uncertain: no draws written, and it says so
    art.write_text((EXAMPLES / "source-article.yaml").read_text(encoding="utf-8"), "utf-8")
    assert run(["export", str(art), "--to", "brightway", "-o", str(tmp_path / "a"), "-n", "5"]) == 0
    assert "no draws written" in capsys.readouterr().out
    assert not (tmp_path / "a" / SAMPLES_FILE).exists()


@needs_bw
def test_brightway_refuses_an_existing_folder_unless_forced(simple: Path, tmp_path: Path) -> None:
    out = tmp_path / "bw"
    out.mkdir()
    (out / "mine.txt").write_text("keep", encoding="utf-8")
    args = ["export", str(simple), "--to", "brightway", "-o", str(out)]
    assert run(args) == 2
    assert (out / "mine.txt").read_text(encoding="utf-8") == "keep"
    assert run([*args, "--force"]) == 0
    assert not (out / "mine.txt").exists() and (out / "projects.db").is_file()


# openLCA


@needs_olca
def test_openlca_zip_reads_back(simple: Path, tmp_path: Path) -> None:
    import olca_schema as o
    from olca_schema import zipio

    plan = plan_file(simple)
    inv = inventory_of(plan)
    out = tmp_path / "x.zip"
    assert run(["export", str(simple), "--to", "openlca", "-o", str(out)]) == 0
    with zipio.ZipReader(out) as r:
        procs = {p.name: p for p in r.read_each(o.Process)}
        (system,) = list(r.read_each(o.ProductSystem))
        flows = {f.id: f for f in r.read_each(o.Flow)}
        # openLCA's reference units are referred to, not written (see the review tests)
        assert r.read_unit_group(o.units.group_ref("kWh").id) is None
        assert r.read_flow_property(o.units.property_ref("kg").id) is None
        assert len(list(r.read_each(o.ImpactCategory))) == len(inv.flows)
    assert len(procs) == len(inv.activities)
    acc = next(
        p for p in procs.values() if p.category == "lcai/item use" and "accelerators" in p.tags
    )
    ref, e = acc.exchanges
    assert ref.is_quantitative_reference and ref.amount == 1.0 and ref.unit.name == "h"
    assert e.amount == pytest.approx(0.3) and e.unit.name == "kWh" and e.is_input
    assert "region: DE" in e.description
    assert flows[e.flow.id].flow_type == o.FlowType.PRODUCT_FLOW
    grid = procs["electricity, grid mix, DE (training)"]
    co2 = next(x for x in grid.exchanges if flows[x.flow.id].name.startswith("carbon dioxide"))
    assert co2.unit.name == "kg" and not co2.is_input
    assert co2.amount == plan.params["training.grid.co2e_intensity"].value
    assert co2.uncertainty.distribution_type == o.UncertaintyType.LOG_NORMAL_DISTRIBUTION
    assert co2.uncertainty.geom_sd == pytest.approx(1.1)
    n_links = sum(e.kind == "technosphere" for a in inv.activities for e in a.exchanges)
    assert len(system.process_links) == n_links
    assert system.ref_process.id == procs[inv.activity(inv.reference).name].id
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".x.zip")]


@needs_olca
def test_openlca_export_is_atomic_and_repeatable(simple: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.zip"
    assert run(["export", str(simple), "--to", "openlca", "-o", str(out)]) == 0
    first = zipfile.ZipFile(out).namelist()
    assert run(["export", str(simple), "--to", "openlca", "-o", str(out)]) == 0
    assert zipfile.ZipFile(out).namelist() == first  # the same ids, not appended to


@needs_olca
def test_openlca_export_with_source_date_epoch_is_byte_reproducible(
    simple: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SOURCE_DATE_EPOCH 1764633600 = 2025-12-02T00:00:00Z: every lastChange (entities and
    the parameters inside processes) and every zip entry carry it; two exports, seconds
    apart, give the same bytes, and olca-schema still reads the zip."""
    import olca_schema as o
    from olca_schema import zipio

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764633600")
    a, b = tmp_path / "a.zip", tmp_path / "b.zip"
    assert run(["export", str(simple), "--to", "openlca", "-o", str(a)]) == 0
    assert run(["export", str(simple), "--to", "openlca", "-o", str(b)]) == 0
    assert a.read_bytes() == b.read_bytes()
    with zipfile.ZipFile(a) as z:
        assert {i.date_time for i in z.infolist()} == {(2025, 12, 2, 0, 0, 0)}
        stamps = set(re.findall(r'"lastChange": "([^"]+)"', "".join(
            z.read(n).decode() for n in z.namelist()
        )))  # fmt: skip
    assert stamps == {"2025-12-02T00:00:00+00:00"}
    with zipio.ZipReader(a) as r:
        assert list(r.read_each(o.Process))


@pytest.mark.parametrize("value", ["abc", "-5", "100", "1e9", "99999999999999"])
def test_a_bad_source_date_epoch_is_exit_2(
    simple: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    value: str,
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    out = tmp_path / "x.zip"
    assert run(["export", str(simple), "--to", "openlca", "-o", str(out)]) == 2
    assert "SOURCE_DATE_EPOCH" in capsys.readouterr().err
    assert not out.exists()


# the command line


def test_bad_input_is_exit_2_with_one_line(
    simple: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["export", str(tmp_path / "none.yaml"), "--to", "openlca"]) == 2
    assert "none.yaml" in capsys.readouterr().err
    assert run(["export", str(simple), "--to", "excel"]) == 2
    assert "--to" in capsys.readouterr().err
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    assert run(["export", str(simple), "--to", "openlca", "-o", str(blocker / "x.zip")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "x.zip" in err


def test_a_missing_extra_is_named(
    simple: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name in ("olca_schema", "olca_schema.units", "olca_schema.zipio", "bw2data"):
        monkeypatch.setitem(sys.modules, name, None)  # import raises ImportError
    assert run(["export", str(simple), "--to", "openlca", "-o", str(tmp_path / "x.zip")]) == 2
    assert "lcai[lca]" in capsys.readouterr().err
    assert run(["export", str(simple), "--to", "brightway", "-o", str(tmp_path / "bw")]) == 2
    assert "lcai[lca]" in capsys.readouterr().err
    assert not (tmp_path / "x.zip").exists() and not (tmp_path / "bw").exists()
