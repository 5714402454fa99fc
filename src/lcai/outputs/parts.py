"""Parts of a result that outputs read in one shape, whatever the engine hands over."""

from __future__ import annotations

from typing import Any

from lcai.engine.result import Impact, Result

__all__ = ["BOUNDARIES", "boundary_text", "rates_of", "uncertainty_of"]


def uncertainty_of(res: Result) -> dict[str, Any] | None:
    """The Monte Carlo summary of ``res`` in its JSON form (None without samples)."""
    return None if res.uncertainty is None else res.uncertainty.to_dict()


BOUNDARIES = {
    "accelerator": "the busy accelerators only",
    "it": "accelerators, hosts, idle capacity and serving hardware",
    "facility": "accelerators, hosts, idle capacity, serving hardware, facility overhead and "
    "network",
}
"""What each usage boundary counts, in words."""

_RATES = (
    ("per_request", "per request (life cycle)"),
    ("usage_per_request", "serving per request"),
    ("training_per_request", "training per request"),
    ("per_session", "per chat session"),
    ("usage_per_1m_input_tokens", "serving per 1M input tokens"),
    ("usage_per_1m_output_tokens", "serving per 1M output tokens"),
)


def boundary_text(res: Result) -> str | None:
    """'Usage boundary: it (accelerators, hosts, ...).', or None without a computed usage."""
    b = res.usage_boundary
    return None if b is None else f"Usage boundary: {b} ({BOUNDARIES[b]})."


def rates_of(res: Result) -> list[tuple[str, Impact]]:
    """The result's rates (per request, session, 1M tokens) as (label, impact), in order."""
    return [(label, res.rates[k]) for k, label in _RATES if k in res.rates]
