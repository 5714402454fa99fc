"""One catalog row is one uncertain input: two phases that read the same factor draw it
once (Monte Carlo), move it together (tornado) and count it once (Sobol).

Was: `training.grid.co2e_intensity` and `usage.grid.co2e_intensity`, both the FR row of
`grid_intensity` (lognormal, gsd 1.1), were drawn from two independent streams. Their
errors partly cancelled, so the interval of the total was narrower than the factor's own:
for 375 and 1,250 kWh, the total's p95/p50 was about 1.1^(1.645 x 0.80) instead of
1.1^1.645.

Hand-worked file: training 8 x 300 W x 1000 h / 8 = 300 kWh IT, usage 1M x 1 Wh = 1000 kWh
IT, both at PUE 1.25 in FR: 375 + 1,250 = 1,625 kWh drawn from the grid, on-site water
(300 + 1000) x 0.5 L/kWh = 650 L.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import yaml
from scipy.special import ndtri

from lcai import catalog
from lcai.api import plan_source
from lcai.engine.evaluate import evaluate
from lcai.engine.plan import Plan
from lcai.engine.uncertainty import run as monte_carlo
from lcai.engine.uncertainty import sample_params, shared_inputs
from lcai.spec.loading import parse_source
from lcai.whatif.sensitivity import plan_sobol, tornado

TEXT = """
name: one factor, two phases
grid: {region: FR}
facility: {pue: 1.25, wue: 0.5 L/kWh}
training:
  accelerators: {type: A100, count: 8, gpu_hours: 1000 h, power: 300 W}
usage:
  requests: 1M
  energy_per_request: 1 Wh
"""
GRID_KWH = 375 + 1250
ONSITE_L = (300 + 1000) * 0.5
CARBON = ("training.grid.co2e_intensity", "usage.grid.co2e_intensity")
WATER = ("training.grid.water_intensity", "usage.grid.water_intensity")


def _plan(text: str = TEXT) -> Plan:
    return plan_source(parse_source(yaml.safe_load(text)))


def test_two_phases_on_one_row_are_one_input() -> None:
    plan = _plan()
    assert shared_inputs(plan) == {CARBON[0]: CARBON, WATER[0]: WATER}
    draws = sample_params(plan, 500, 3)
    assert set(draws) == {*CARBON, *WATER}
    np.testing.assert_array_equal(draws[CARBON[0]], draws[CARBON[1]])
    np.testing.assert_array_equal(draws[WATER[0]], draws[WATER[1]])
    # every sample's total is the one factor times the whole energy drawn from the grid
    ev = evaluate(plan, draws)
    np.testing.assert_allclose(ev.total("co2e_kg"), GRID_KWH * draws[CARBON[0]], rtol=1e-12)
    np.testing.assert_allclose(
        ev.total("water_l"), ONSITE_L + GRID_KWH * draws[WATER[0]], rtol=1e-12
    )
    # the Monte Carlo still lists every parameter it drew
    assert monte_carlo(plan, 200, 3).uncertain_inputs == tuple(sorted({*CARBON, *WATER}))


def test_the_interval_of_the_total_is_the_factors_own() -> None:
    """p5 and p95 of the total carbon: 1,625 kWh x 0.04144 x 1.1^(-+1.645), within five
    standard errors of a quantile of 20,000 samples."""
    plan = _plan()
    i_fr = catalog.table("grid_intensity").factor("FR", "co2e_intensity", "kg/kWh").value
    n = 20_000
    unc = monte_carlo(plan, n, 11)
    for key, q in (("p5", 0.05), ("p95", 0.95)):
        z = float(ndtri(q))
        want = GRID_KWH * i_fr * 1.1**z
        phi = math.exp(-z * z / 2) / math.sqrt(2 * math.pi)
        density = phi / (want * math.log(1.1))
        se = math.sqrt(q * (1 - q) / n) / density
        got = unc.total["co2e_kg"]
        assert abs(getattr(got, key) - want) < 5 * se, (key, getattr(got, key), want)


def test_a_shared_factor_moves_together_in_the_tornado_and_counts_once_in_sobol() -> None:
    plan = _plan()
    bars = {b.name: b for b in tornado(plan, "co2e")}
    label = " = ".join(CARBON)
    assert set(bars) == {label, " = ".join(WATER)}  # one bar per factor
    assert bars[" = ".join(WATER)].swing == 0  # water does not move carbon
    bar = bars[label]
    # both phases at the factor's p5, then at its p95: 1,625 kWh x (p95 - p5)
    np.testing.assert_allclose(
        bar.output_at_high - bar.output_at_low,
        GRID_KWH * (bar.high_input - bar.low_input),
        rtol=1e-12,
    )
    indices = {s.name: s for s in plan_sobol(plan, "co2e", n_base=256, seed=1)}
    assert set(indices) == {label, " = ".join(WATER)}
    assert indices[label].st > 0.95  # the carbon total is the one carbon factor
    assert abs(indices[" = ".join(WATER)].st) < 0.05


def test_a_stated_value_is_its_own_input() -> None:
    """A file's own figure is not a catalog row: usage states the FR intensity with its
    own spread, so it is drawn apart from training's catalog row."""
    text = TEXT.replace(
        "usage:\n",
        "usage:\n  grid: {co2e_intensity: {dist: lognormal, median: 41.44 gCO2e/kWh, gsd: 1.1}}\n",
    )
    plan = _plan(text)
    groups = shared_inputs(plan)
    assert groups[CARBON[0]] == (CARBON[0],)
    assert groups[CARBON[1]] == (CARBON[1],)
    draws = sample_params(plan, 500, 3)
    assert not np.array_equal(draws[CARBON[0]], draws[CARBON[1]])


def test_a_phase_keeps_its_draws_when_a_scenario_moves_another_onto_its_row() -> None:
    """Training in US-VA, usage in FR; move-region:FR moves training onto usage's row. Usage
    reads the same factor as before and keeps its draws (paired); training now shares them
    (one FR factor). Were draws keyed by the group's first name, usage would have taken
    training's stream and the change's interval would have widened about fivefold."""
    from lcai.whatif import scenarios as sc

    text = TEXT.replace("training:\n", "training:\n  grid: {region: US-VA}\n")
    src = parse_source(yaml.safe_load(text))
    base = plan_source(src)
    changed = sc.changes(dict(src.data), sc.library()["move-region"], "FR", base)
    scen = plan_source(parse_source(changed))
    db, ds = sample_params(base, 500, 5), sample_params(scen, 500, 5)
    np.testing.assert_array_equal(ds[CARBON[1]], db[CARBON[1]])
    np.testing.assert_array_equal(ds[CARBON[0]], ds[CARBON[1]])
    assert not np.array_equal(ds[CARBON[0]], db[CARBON[0]])  # US-VA's error is not FR's


def test_a_default_for_an_unnamed_facility_is_drawn_per_phase() -> None:
    """With no facility stated, training and usage both take the industry-average PUE, a
    spread across facilities: two unnamed facilities are not one, so each phase draws its
    own (the grid factor of the region both name is still shared)."""
    text = TEXT.replace("facility: {pue: 1.25, wue: 0.5 L/kWh}\n", "")
    plan = _plan(text)
    pue = ("training.facility.pue", "usage.facility.pue")
    assert all(plan.params[k].status == "default" for k in pue)
    assert plan.params[pue[0]].row == plan.params[pue[1]].row
    groups = shared_inputs(plan)
    assert groups[pue[0]] == (pue[0],) and groups[pue[1]] == (pue[1],)
    assert groups[CARBON[0]] == CARBON
    draws = sample_params(plan, 500, 3)
    assert not np.array_equal(draws[pue[0]], draws[pue[1]])


def test_a_scenario_that_rewrites_a_factor_in_place_keeps_its_draws() -> None:
    """liquid-cooling writes the baseline's PUE distribution, shifted, into the file: AWS's
    fleet PUE (a catalog factor, N(1.14, 0.057) on [1, 5]) becomes a stated value. It is
    the same input and keeps the factor's stream, so every sample's change has the nominal
    sign. Hand-worked: IT 1000 GPU-h x 0.3 kW = 300 kWh; PUE' = 1 + (PUE - 1) r with
    r = 0.343 / 0.58 (the catalog's liquid and air overheads), so the change is
    300 (r - 1)(PUE - 1): its p95 is at the PUE's p5. Was: drawn apart (row against name),
    the change's p95 was +14.6 kWh, as if cooling could raise the energy."""
    from lcai.whatif import scenarios as sc

    text = """
name: aws cooling
grid: {region: US-VA}
facility: {operator: aws}
training:
  accelerators: {type: A100, count: 8, gpu_hours: 1000 h, power: 300 W}
"""
    src = parse_source(yaml.safe_load(text))
    pue = plan_source(src).params["training.facility.pue"]
    assert pue.status == "table" and pue.dist is not None
    r = catalog.table("facility").factor("cooling:liquid", "pue", "1").value - 1
    r /= catalog.table("facility").factor("cooling:air", "pue", "1").value - 1
    assert r == pytest.approx(0.343 / 0.58, rel=1e-3)
    n = 4000
    (c,) = sc.compare(src, ["liquid-cooling"], samples=n, seed=3)
    iv = c.interval["energy_kwh"]
    assert iv["p95"] < 0
    q = np.array([0.95, 0.5, 0.05])  # the change falls as the PUE rises
    want = 300 * (r - 1) * (pue.dist.ppf(q) - 1)
    sd = pue.dist.b
    for key, qi, w in zip(("p5", "p50", "p95"), q, want, strict=True):
        z = float(ndtri(qi))
        density = math.exp(-z * z / 2) / math.sqrt(2 * math.pi) / (sd * 300 * (1 - r))
        se = math.sqrt(qi * (1 - qi) / n) / density
        assert abs(iv[key] - w) < 5 * se, (key, iv[key], w, se)
