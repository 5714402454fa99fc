"""Parts of a result that outputs read in one shape, whatever the engine hands over."""

from __future__ import annotations

from typing import Any

from lcai.engine.result import Result

__all__ = ["uncertainty_of"]


def uncertainty_of(res: Result) -> dict[str, Any] | None:
    """The Monte Carlo summary of ``res`` as a plain dict (None without samples).

    Accepts the engine's dict or a typed object with ``to_dict()``.
    """
    unc: Any = res.uncertainty
    if unc is None:
        return None
    if hasattr(unc, "to_dict"):
        return dict(unc.to_dict())
    return dict(unc)
