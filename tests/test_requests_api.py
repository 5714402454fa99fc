"""estimate_request: one request's footprint for an application, and its span attributes."""

from __future__ import annotations

from typing import Any

import pytest

import lcai
from lcai.errors import SpecError


def _spec(boundary: str) -> dict[str, Any]:
    return {
        "name": "request",
        "functional_unit": "per 1 request",
        "usage": {
            "grid": {"region": "FR"},
            "requests": 1,
            "boundary": boundary,
            "inference": {
                "model": "llama-3.1-8b",
                "accelerator": "H100",
                "input_tokens": 500,
                "output_tokens": 300,
            },
        },
    }


@pytest.mark.parametrize("boundary", ["accelerator", "it", "facility"])
def test_the_estimate_is_the_assessment_of_one_request(boundary: str) -> None:
    e = lcai.estimate_request(
        model="llama-3.1-8b",
        input_tokens=500,
        output_tokens=300,
        accelerator="H100",
        region="FR",
        boundary=boundary,  # type: ignore[arg-type]
        samples=0,
    )
    r = lcai.assess(_spec(boundary))
    assert e.energy_kwh == pytest.approx(r.total.energy_kwh, rel=1e-12)
    assert e.co2e_kg == pytest.approx(r.total.co2e_kg, rel=1e-12)
    assert e.water_l == pytest.approx(r.total.water_l, rel=1e-12)
    assert e.interval == {} and e.boundary == boundary


def test_the_interval_holds_the_estimate() -> None:
    e = lcai.estimate_request(
        model="llama-3.1-8b",
        input_tokens=500,
        output_tokens=300,
        accelerator="H100",
        region="FR",
        samples=500,
    )
    for q in ("energy_kwh", "co2e_kg", "water_l"):
        lo, hi = e.interval[q]
        assert 0 < lo < getattr(e, q) < hi


def test_span_attributes_are_flat_and_typed() -> None:
    e = lcai.estimate_request(
        model="llama-3.1-8b", input_tokens=100, output_tokens=100, accelerator="H100", samples=200
    )
    attrs = lcai.span_attributes(e)
    assert attrs["lcai.request.energy_kwh"] == e.energy_kwh
    assert attrs["lcai.request.co2e_kg.p95"] == e.interval["co2e_kg"][1]
    assert all(isinstance(v, str | float | int) for v in attrs.values())

    class Span:
        def __init__(self) -> None:
            self.got: dict[str, Any] = {}

        def set_attributes(self, a: dict[str, Any]) -> None:
            self.got.update(a)

    span = Span()
    lcai.set_span_attributes(span, e)
    assert span.got == attrs


def test_a_real_opentelemetry_span_takes_them() -> None:
    trace = pytest.importorskip("opentelemetry.trace", reason="opentelemetry-api not installed")
    e = lcai.estimate_request(
        model="llama-3.1-8b", input_tokens=100, output_tokens=100, accelerator="H100", samples=0
    )
    with trace.get_tracer("lcai-test").start_as_current_span("request") as span:
        lcai.set_span_attributes(span, e)  # a no-op span without an SDK: accepted


def test_bad_arguments_name_the_field() -> None:
    with pytest.raises(SpecError, match="accelerator"):
        lcai.estimate_request(
            model="llama-3.1-8b",
            input_tokens=1,
            output_tokens=1,
            accelerator="no-such-gpu",
            samples=0,
        )
    with pytest.raises(SpecError, match="model"):
        lcai.estimate_request(
            model="no-such-model", input_tokens=1, output_tokens=1, accelerator="H100", samples=0
        )
    with pytest.raises(SpecError, match="output_tokens"):
        lcai.estimate_request(
            model="llama-3.1-8b", input_tokens=1, output_tokens=-5, accelerator="H100", samples=0
        )


def test_a_notebook_shows_the_phase_table_and_bar() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    r = lcai.assess_file(root / "examples" / "open-model-lifecycle.yaml")
    html = r._repr_html_()
    assert "<table>" in html and "<svg" in html and "training" in html
    assert f"{r.total.co2e_kg:.4g}" in html
    spec = {
        "name": "<script>x</script>",
        "training": {
            "grid": {"region": "FR"},
            "accelerators": {"type": "H100", "gpu_hours": "1 h"},
        },
    }
    assert "<script>" not in lcai.assess(spec)._repr_html_()
