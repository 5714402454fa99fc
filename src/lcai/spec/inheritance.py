"""What a phase inherits from the assessment's top-level grid and facility: field by
field, except for groups of fields that describe one thing together. Rules of the file
format, read by the resolver (which merges and warns) and by scenarios (which change a
file the way the resolver will read it)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lcai.spec.schema import Facility, Grid

__all__ = [
    "CONTRACT",
    "FACILITY_GROUPS",
    "FACILITY_OWN",
    "fields_of",
    "inherits_facility",
    "merge_fields",
    "merged_grid",
    "operator_key",
]

Groups = tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]
"""(triggers, fields): a phase that sets one of the triggers inherits none of the fields."""

CONTRACT = ("renewable_share", "contract_intensity", "contract_share")
"""The fields of a grid's contractual instruments (GHG Protocol Scope 2, market-based)."""

GRID_GROUPS: Groups = (
    (("region",), ("co2e_intensity", "water_intensity", "residual_intensity")),
    (("renewable_share", "contract_intensity"), CONTRACT),
)
"""A phase in its own region takes none of the default's factors; a phase's own contract
instrument replaces the default's whole, never mixes with it (a phase's contract_share
alone sets the share of the inherited contract_intensity)."""

FACILITY_OWN = ("operator", "cooling")
"""The facility fields with which a phase describes its own facility."""
FACILITY_GROUPS: Groups = ((FACILITY_OWN, ("pue", "wue", "operator", "cooling")),)
"""A phase that names its own operator or cooling inherits no facility figure."""


def operator_key(name: str) -> str:
    """The facility table's key of an operator named in a file (``aws`` or ``operator:aws``)."""
    return name if name.startswith("operator:") else f"operator:{name}"


def inherits_facility(own: Mapping[str, Any]) -> bool:
    """Whether a phase whose facility fields are ``own`` takes the top-level facility's."""
    return not any(own.get(t) is not None for t in FACILITY_OWN)


def fields_of(obj: Grid | Facility | None) -> dict[str, Any]:
    """The fields a grid or facility states (None left out)."""
    return {} if obj is None else {k: v for k, v in obj.model_dump().items() if v is not None}


def merge_fields(own: dict[str, Any], default: dict[str, Any], groups: Groups) -> dict[str, Any]:
    """The phase's fields over the default's, but a group's fields come from the default
    only if the phase sets none of the group's triggers."""
    out = dict(default)
    for triggers, fields in groups:
        if any(t in own for t in triggers):
            for f in fields:
                out.pop(f, None)
    out.update(own)
    return out


def merged_grid(grid: Grid | None, default: Grid | None) -> dict[str, Any]:
    """A phase's grid fields over the top-level ones."""
    return merge_fields(fields_of(grid), fields_of(default), GRID_GROUPS)
