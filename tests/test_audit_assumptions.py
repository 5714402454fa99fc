"""Audit: an assessment lists every value the file did not state (and only values used),
and its warnings are true statements about the inputs."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from lcai import catalog
from lcai.api import plan_file, result_of
from lcai.engine.evaluate import evaluate
from lcai.engine.plan import Plan
from lcai.units import J_PER_KWH
from tests.test_audit_hand_worked import ANNOTATION, PROVISIONED, TRAINING_MARKET, USAGE_GIVEN

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted(
    p
    for p in [*ROOT.glob("examples/*.yaml"), *ROOT.glob("examples/validation/*.yaml")]
    if p.name != "suite.yaml"
)
# derived values the inference model computes for the provisioned path / placeholders
DECODE = ("usage.inference.decode_seconds", "usage.inference.busy_seconds")
WINDOW = "usage.inference.model.sliding_window_layers"

OWN = {
    "t_min": """
name: t min
training:
  accelerators: {type: A100, count: 8, duration: 10 days}
""",
    "t_owngrid": """
name: t own grid
training:
  grid: {region: FR}
  accelerators: {type: H100, count: 8, duration: 10 days}
usage:
  grid: {co2e_intensity: 0.2 kgCO2e/kWh}
  requests: 1M
  energy_per_request: 0.3 Wh
  deployment: 30 days
""",
    "t_market": TRAINING_MARKET,  # the hand-worked audit's file
    "t_annot": ANNOTATION,
    "t_usage": USAGE_GIVEN,
    "t_prov": PROVISIONED,
    "t_prov2": """
name: audit provisioned fleet facility
functional_unit: per 1000 requests
grid: {region: FR}
usage:
  requests: 1M
  deployment: 30 days
  fleet_utilisation: 0.5
  provisioned: {accelerator: H100, count: 16, utilisation: 0.4}
""",
}


class _Seen(dict):  # type: ignore[type-arg]
    def __init__(self, d: dict) -> None:  # type: ignore[type-arg]
        super().__init__(d)
        self.seen: set[str] = set()

    def __getitem__(self, k: str):  # type: ignore[no-untyped-def]
        self.seen.add(k)
        return super().__getitem__(k)

    def get(self, k: str, d=None):  # type: ignore[no-untyped-def]
        self.seen.add(k)
        return super().get(k, d)


def used(plan: Plan) -> set[str]:
    """Every parameter some line item (or the divisor) reads, through derived values."""
    p = _Seen({k: np.float64(v) for k, v in plan.values().items()})
    for n, fn in plan.derived.items():
        p[n] = fn(p)
    p.seen.clear()
    for it in plan.items:
        for f in (it.energy, it.co2e, it.co2e_market, it.water):
            if f is not None:
                f(p)
        s = it.supply
        if s is not None:
            p.seen.update(k for k in (s.grid, s.ewif, s.pue) if k)
            if s.wue and not it.overhead:
                p.seen.add(s.wue)
            s.market(p)
    if plan.divisor:
        plan.divisor(p)
    seen = set(p.seen)
    grew = True
    while grew:
        grew = False
        for n, fn in plan.derived.items():
            if n in seen:
                q = _Seen(dict(p))
                fn(q)
                if q.seen - seen:
                    seen |= q.seen
                    grew = True
    return seen


_CACHE: dict[str, tuple[Plan, object]] = {}


def load(path: Path) -> tuple[Plan, object]:
    key = str(path)
    if key not in _CACHE:
        plan = plan_file(path)
        _CACHE[key] = (plan, result_of(plan))
    return _CACHE[key]


@pytest.fixture(scope="module")
def own(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("own")
    out = {}
    for name, text in OWN.items():
        out[name] = d / f"{name}.yaml"
        out[name].write_text(text)
    return out


def _unused(path: Path, allow: tuple[str, ...] = ()) -> list[str]:
    plan, res = load(path)
    u = used(plan)
    return [a.name for a in res.assumptions if a.name not in u and a.name not in allow]  # type: ignore[attr-defined]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_assumptions_feed_items(path: Path) -> None:
    """Every listed value is used."""
    assert _unused(path) == []


@pytest.mark.parametrize("name", sorted(OWN))
def test_own_assumptions_feed_items(own: dict[str, Path], name: str) -> None:
    assert _unused(own[name]) == []


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_item_inputs_are_params_and_statuses_consistent(path: Path) -> None:
    plan, res = load(path)
    listed = {a.name for a in res.assumptions}  # type: ignore[attr-defined]
    for it in plan.items:
        assert set(it.inputs) <= set(plan.params), it.name
    for k in used(plan) & set(plan.params):
        p = plan.params[k]
        assert (p.status == "user") != (k in listed), k
        if p.status in ("table", "default"):
            assert p.source or p.note, k


def test_example_inference_derived_seconds_listed_but_unused() -> None:
    """FIXED: at the accelerator boundary usage.inference.decode_seconds and busy_seconds
    were listed as [derived] assumptions, yet nothing read them (hosts, idle capacity and
    serving hardware read busy_seconds, and the token rates split those items by
    decode_seconds; the boundary has none of them). They are resolved outside it only."""
    path = ROOT / "examples/validation/infer-argonne-llama2-7b-a100-b1.yaml"
    assert not set(_unused(path)) & set(DECODE)
    plan, res = load(path)
    assert not set(DECODE) & set(plan.params)
    assert {"usage_per_1m_input_tokens", "usage_per_1m_output_tokens"} <= set(res.rates)  # type: ignore[attr-defined]


def test_example_sliding_window_placeholder_listed_but_unused() -> None:
    """FIXED: for a model without sliding-window attention the result lists
    usage.inference.model.sliding_window_layers = 0 [derived] ('no
    sliding_window_layers'), a placeholder no item reads: windowed_share short-circuits
    to 0 when the row has no window (resolver/architecture.py)."""
    path = ROOT / "examples/validation/infer-sanity-chat.yaml"
    assert WINDOW not in _unused(path)


def test_minimal_training_lists_catalog_values(own: dict[str, Path]) -> None:
    plan, res = load(own["t_min"])
    st = {a.name: a.status for a in res.assumptions}  # type: ignore[attr-defined]
    for k in (
        "training.accelerators.power",
        "training.facility.pue",
        "training.grid.co2e_intensity",
        "training.grid.water_intensity",
    ):
        assert st.get(k) == "default", k
    assert plan.params["training.accelerators.count"].status == "user"
    assert plan.params["training.accelerators.duration"].status == "user"
    assert any("training: no grid region" in w for w in res.warnings)  # type: ignore[attr-defined]


def test_phase_own_grid_no_region_warning(own: dict[str, Path]) -> None:
    plan, res = load(own["t_owngrid"])
    assert plan.regions["training"] == "FR"
    assert plan.params["training.grid.co2e_intensity"].status == "table"
    assert plan.params["usage.grid.co2e_intensity"].status == "user"
    assert not [w for w in res.warnings if "no grid region" in w]  # type: ignore[attr-defined]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_no_region_warning_true(path: Path) -> None:
    plan, res = load(path)
    for w in res.warnings:  # type: ignore[attr-defined]
        m = re.match(r"(\w+): no grid region or carbon intensity given", w)
        if m:
            assert plan.regions.get(m.group(1)) == "WORLD"
            assert plan.params[f"{m.group(1)}.grid.co2e_intensity"].status != "user"


def _all_paths(own: dict[str, Path]) -> list[Path]:
    return [*EXAMPLES, *own.values()]


def test_residual_warning_true(own: dict[str, Path]) -> None:
    for path in _all_paths(own):
        plan, res = load(path)
        for w in res.warnings:  # type: ignore[attr-defined]
            m = re.match(r"(\w+)\.grid: no residual-mix factor given", w)
            if m:
                assert f"{m.group(1)}.grid.residual_intensity" not in plan.params, path


def test_fleet_utilisation_warning_true(own: dict[str, Path]) -> None:
    for name, expect in (("t_prov", False), ("t_prov2", True)):
        _plan, res = load(own[name])
        said = any("usage.fleet_utilisation is not used" in w for w in res.warnings)  # type: ignore[attr-defined]
        assert said is expect
        assert "usage.fleet_utilisation" not in {a.name for a in res.assumptions}  # type: ignore[attr-defined]


def _tdp(plan: Plan, slot: str) -> float:
    return catalog.table("accelerators").factor(plan.accelerator_keys[slot], "tdp", "W").value


def test_plausibility_flags_true(own: dict[str, Path]) -> None:
    checked = 0
    for path in _all_paths(own):
        plan, res = load(path)
        for w in res.warnings:  # type: ignore[attr-defined]
            m = re.match(r"implausible: (\S+) = (\S+) W is (\S+) x .*range is (\S+)-(\S+) x", w)
            if m:
                name = m.group(1)
                slot = "training" if name.startswith("training") else "inference"
                slot = next(s for s in plan.accelerator_keys if s.startswith(slot[:5]))
                p = plan.params[name]
                assert p.status == "user"
                share = p.value / _tdp(plan, slot)
                assert abs(share - float(m.group(3))) < 0.01
                assert not float(m.group(4)) <= share <= float(m.group(5))
                checked += 1
            m = re.match(r"implausible: serving energy is (\S+) J .*published (\S+)-(\S+) J", w)
            if m:
                ev = evaluate(plan)
                req = plan.params["usage.requests"].value
                out = plan.params["usage.inference.output_tokens"].value
                vals = [
                    float(ev.energy_kwh[i, 0]) * J_PER_KWH / req / out
                    for i, it in enumerate(ev.items)
                    if it.phase == "usage" and it.kind == "serving"
                ]
                assert any(abs(v - float(m.group(1))) / v < 0.01 for v in vals)
                assert not all(float(m.group(2)) <= v <= float(m.group(3)) for v in vals)
                checked += 1
    assert checked >= 2


def test_serving_and_fleet_items_list_the_seconds_they_read() -> None:
    """FIXED: the serving item listed usage.inference.decode_seconds (its energy reads the
    decode energy, not the seconds), and the hosts and idle capacity (and the serving
    hardware) left out the busy seconds and requests their accelerator-hours come from."""
    _, res = load(ROOT / "examples/open-model-lifecycle.yaml")
    usage = [it for it in res.items if it.phase == "usage"]  # type: ignore[attr-defined]
    by_kind = {it.kind: set(it.inputs) for it in usage}
    assert "usage.inference.decode_seconds" not in by_kind["serving"]
    assert "usage.inference.decode_energy" in by_kind["serving"]
    for kind in ("host", "idle"):  # the example leaves the hardware to manufacturing
        assert {"usage.inference.busy_seconds", "usage.requests"} <= by_kind[kind], kind
