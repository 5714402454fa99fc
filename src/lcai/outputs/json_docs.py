"""JSON documents that gather several library results into one (``--json`` outputs)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

__all__ = ["sensitivity_json"]


def sensitivity_json(
    quantity_key: str, functional_unit: str, base_samples: int, seed: int,
    indices: Sequence[Any], bars: Sequence[Any],
) -> str:  # fmt: skip
    """Sobol indices and tornado bars of one total (``quantity_key``: co2e_kg, ...)."""
    return json.dumps(
        {
            "quantity": quantity_key,
            "functional_unit": functional_unit,
            "base_samples": base_samples,
            "seed": seed,
            "sobol": [i.to_dict() for i in indices],
            "tornado": [b.to_dict() for b in bars],
        },
        indent=2,
    )
