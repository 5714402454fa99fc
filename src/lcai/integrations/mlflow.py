"""Log an lcai result to MLflow: the totals, each phase and the rates (per request, per 1M
tokens, ...) as metrics, and the JSON result as an artifact. Needs ``mlflow`` (or
``mlflow-skinny``), imported when called."""

from __future__ import annotations

import json
import re
from typing import Any

from lcai.engine.result import Impact, Result

__all__ = ["log_result", "result_metrics"]

_KEY = re.compile(r"[^0-9A-Za-z_\-./ ]")
"""Characters MLflow refuses in a metric name (it allows alphanumerics, _ - . / and space)."""


def _impact(prefix: str, x: Impact) -> dict[str, float]:
    out = {
        f"{prefix}.energy_kwh": x.energy_kwh,
        f"{prefix}.co2e_kg": x.co2e_kg,
        f"{prefix}.water_l": x.water_l,
    }
    if x.co2e_market_kg is not None:
        out[f"{prefix}.co2e_market_kg"] = x.co2e_market_kg
    return out


def result_metrics(result: Result, prefix: str = "lcai") -> dict[str, float]:
    """The metrics :func:`log_result` logs: ``lcai.total.co2e_kg``, ``lcai.training.energy_kwh``,
    ``lcai.rates.per_request.co2e_kg``, ``lcai.life_cycle.water_l`` (per the result's
    functional unit, except ``life_cycle``)."""
    p = _KEY.sub("_", prefix)
    out = _impact(f"{p}.total", result.total)
    out.update(_impact(f"{p}.life_cycle", result.life_cycle))
    for phase, pr in result.phases.items():
        if pr.items:
            out.update(_impact(f"{p}.{phase}", pr.impact))
    for name, x in result.rates.items():
        out.update(_impact(f"{p}.rates.{name}", x))
    return out


def log_result(
    result: Result,
    *,
    prefix: str = "lcai",
    artifact: str = "lcai-result.json",
    step: int | None = None,
) -> None:
    """Log ``result`` to the active MLflow run (one is started if none is)."""
    import mlflow

    metrics: dict[str, Any] = result_metrics(result, prefix)
    mlflow.log_metrics(metrics, step=step)
    mlflow.set_tag(f"{_KEY.sub('_', prefix)}.functional_unit", result.functional_unit)
    mlflow.log_text(json.dumps(result.to_dict(), indent=2, allow_nan=False), artifact)
