"""The footprint of one request, for an application that calls a model: energy, carbon
and water with their p5-p95 interval, from the serving model, and the same as
OpenTelemetry span attributes so a tracing pipeline can carry it.

>>> e = estimate_request(model="llama-3.1-8b", input_tokens=500, output_tokens=300,
...                      accelerator="H100", region="FR")  # doctest: +SKIP
>>> e.energy_kwh, e.co2e_kg, e.water_l  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

__all__ = ["RequestEstimate", "estimate_request", "set_span_attributes", "span_attributes"]

Boundary = Literal["accelerator", "it", "facility"]
DEFAULT_SAMPLES = 2000
"""Monte Carlo samples behind an estimate's interval (0: no interval)."""


@dataclass(frozen=True)
class RequestEstimate:
    """One request's energy [kWh], carbon [kgCO2e] and water [L], with p5 and p95."""

    energy_kwh: float
    co2e_kg: float
    water_l: float
    boundary: str
    interval: dict[str, tuple[float, float]] = field(default_factory=dict)
    """quantity -> (p5, p95), where the estimate has samples."""
    assumptions: int = 0
    """How many values the estimate took from the catalog rather than the caller."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "energy_kwh": self.energy_kwh,
            "co2e_kg": self.co2e_kg,
            "water_l": self.water_l,
            "boundary": self.boundary,
            "interval": {k: list(v) for k, v in self.interval.items()},
            "assumptions": self.assumptions,
        }


def estimate_request(
    *,
    model: str | dict[str, Any],
    input_tokens: float,
    output_tokens: float,
    accelerator: str,
    region: str | None = None,
    batch_size: float | None = None,
    boundary: Boundary = "facility",
    pue: float | None = None,
    samples: int = DEFAULT_SAMPLES,
    seed: int = 0,
) -> RequestEstimate:
    """The footprint of one request to ``model`` (a name of the models table, or its
    numbers as in ``usage.inference.model``) on ``accelerator``; ``region`` is the grid
    (default the world average), ``boundary`` as ``usage.boundary``. Bad input raises
    :class:`lcai.errors.SpecError` naming the argument."""
    from lcai.api import assess

    inference: dict[str, Any] = {
        "model": model,
        "accelerator": accelerator,
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
    }
    if batch_size is not None:
        inference["batch_size"] = batch_size
    usage: dict[str, Any] = {"requests": 1, "boundary": boundary, "inference": inference}
    if region is not None:
        usage["grid"] = {"region": region}
    if pue is not None:
        usage["facility"] = {"pue": pue}
    spec = {"name": "request", "functional_unit": "per 1 request", "usage": usage}
    r = assess(spec, samples=samples or None, seed=seed)
    interval: dict[str, tuple[float, float]] = {}
    if r.uncertainty is not None:
        for q, p in r.uncertainty.total.items():
            interval[q] = (p.p5, p.p95)
    t = r.total
    return RequestEstimate(
        t.energy_kwh, t.co2e_kg, t.water_l, boundary, interval, len(r.assumptions)
    )


def span_attributes(e: RequestEstimate, prefix: str = "lcai.request") -> dict[str, Any]:
    """The estimate as flat span attributes (OpenTelemetry attribute values are str,
    bool, int, float or their sequences): ``lcai.request.energy_kwh`` and so on."""
    out: dict[str, Any] = {
        f"{prefix}.energy_kwh": e.energy_kwh,
        f"{prefix}.co2e_kg": e.co2e_kg,
        f"{prefix}.water_l": e.water_l,
        f"{prefix}.boundary": e.boundary,
    }
    for q, (lo, hi) in e.interval.items():
        out[f"{prefix}.{q}.p5"] = lo
        out[f"{prefix}.{q}.p95"] = hi
    return out


class _Span(Protocol):
    def set_attributes(self, attributes: dict[str, Any]) -> Any: ...


def set_span_attributes(span: _Span, e: RequestEstimate, prefix: str = "lcai.request") -> None:
    """Put the estimate on a span (an OpenTelemetry ``Span`` or anything with
    ``set_attributes``); lcai does not import OpenTelemetry."""
    span.set_attributes(span_attributes(e, prefix))
