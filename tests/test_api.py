"""Every public name of ``lcai`` works as documented (each is called here)."""

from __future__ import annotations

from pathlib import Path

import pytest

import lcai

ROOT = Path(__file__).resolve().parents[1]
BLOOM = ROOT / "examples" / "bloom-176b.yaml"


def test_resolve_stays_the_function_after_an_assessment() -> None:
    """Issue 13: after `lcai.assess_file(...)`, `lcai.resolve` was the submodule
    (TypeError: 'module' object is not callable)."""
    lcai.assess_file(BLOOM)
    assert callable(lcai.resolve)
    plan = lcai.resolve(lcai.load_source(BLOOM))
    assert isinstance(plan, lcai.Plan)


def test_the_one_call_functions_agree() -> None:
    by_file = lcai.assess_file(BLOOM)
    source = lcai.load_source(BLOOM)
    assert isinstance(source, lcai.Source) and source.base_dir == BLOOM.parent
    by_source = lcai.assess_source(source)
    plan = lcai.plan_source(source)
    by_plan = lcai.result_of(plan)
    by_spec = lcai.assess(lcai.load_assessment(BLOOM))
    by_plan_file = lcai.result_of(lcai.plan_file(BLOOM))
    for r in (by_source, by_plan, by_spec, by_plan_file):
        assert isinstance(r, lcai.Result)
        assert r.total.co2e_kg == pytest.approx(by_file.total.co2e_kg, rel=1e-12)
    assert by_file.total.co2e_kg == pytest.approx(50_530, rel=5e-3)  # Luccioni et al. 50.5 t


def test_assess_takes_a_dict_and_samples() -> None:
    spec = {
        "name": "x",
        "grid": {"co2e_intensity": "100 g/kWh"},
        "training": {"accelerators": {"gpu_hours": "1000 h", "power": "500 W +- 10%"}},
    }
    r = lcai.assess(spec, samples=500, seed=0)
    assert r.uncertainty is not None and r.uncertainty.samples == 500
    model = lcai.Assessment.model_validate(
        {"name": "x", "training": {"accelerators": {"gpu_hours": "1 h", "power": "1 kW"}}}
    )
    assert lcai.assess(model).phases["training"].items[0].energy_kwh == pytest.approx(1.0)


def test_evaluate_one_and_many_samples() -> None:
    import numpy as np

    plan = lcai.plan_file(BLOOM)
    one = lcai.evaluate(plan)
    key = "training.accelerators.power"
    many = lcai.evaluate(plan, {key: np.array([400.0, 200.0])})
    assert one.energy_kwh.shape[1] == 1 and many.energy_kwh.shape[1] == 2
    assert many.total("energy_kwh")[1] < many.total("energy_kwh")[0]


def test_parse_quantity_and_errors() -> None:
    assert lcai.parse_quantity("1.2 MWh", "energy").value == pytest.approx(1200.0)
    with pytest.raises(lcai.UnitError) as info:
        lcai.parse_quantity("5 W", "energy")
    assert isinstance(info.value, lcai.SpecError) and isinstance(info.value, TypeError)
    assert isinstance(info.value, ValueError) and isinstance(info.value, lcai.LcaiError)
    with pytest.raises(lcai.SpecError, match="file does not exist"):
        lcai.assess_file(ROOT / "nope.yaml")
    err = lcai.UnknownKeyError("H10O", "accelerator", ["H100"])
    assert isinstance(err, KeyError) and "did you mean 'H100'" in str(err)
    assert issubclass(lcai.DataError, lcai.LcaiError)


@pytest.mark.filterwarnings("ignore::lcai.measure.tracker.TrackingWarning")  # no RAPL here
def test_track_and_version(tmp_path: Path) -> None:
    assert lcai.__version__.count(".") == 2
    out = tmp_path / "run.jsonl"
    with lcai.track(out, interval_s=0.05):
        sum(range(10_000))
    assert out.is_file() and out.read_text(encoding="utf-8").startswith("{")


def test_all_is_complete() -> None:
    names = set(lcai.__all__) - {"__version__"}
    for name in names:
        assert getattr(lcai, name) is not None, name
    assert sorted(dir(lcai)) == sorted(lcai.__all__)
