"""Parts of a result that outputs read in one shape, whatever the engine hands over."""

from __future__ import annotations

from typing import Any

from lcai.engine.result import Result

__all__ = ["uncertainty_of"]


def uncertainty_of(res: Result) -> dict[str, Any] | None:
    """The Monte Carlo summary of ``res`` in its JSON form (None without samples)."""
    return None if res.uncertainty is None else res.uncertainty.to_dict()
