"""What a phase inherits from the assessment's top-level grid and facility: field by
field, except for groups of fields that describe one thing together."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lcai.errors import SpecError
from lcai.resolver.ledger import Ledger
from lcai.spec.schema import Facility, Grid

__all__ = [
    "CONTRACT",
    "check_defaults",
    "inherits_facility",
    "merged_facility",
    "merged_grid",
    "operator_key",
]

Groups = tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]
"""(triggers, fields): a phase that sets one of the triggers inherits none of the fields."""

CONTRACT = ("renewable_share", "contract_intensity", "contract_share")
"""The fields of a grid's contractual instruments (GHG Protocol Scope 2, market-based)."""

_GRID: Groups = (
    (("region",), ("co2e_intensity", "water_intensity", "residual_intensity")),
    (("renewable_share", "contract_intensity"), CONTRACT),
)
"""A phase in its own region takes none of the default's factors; a phase's own contract
instrument replaces the default's whole, never mixes with it (a phase's contract_share
alone sets the share of the inherited contract_intensity)."""

_FACILITY_OWN = ("operator", "cooling")
_FACILITY: Groups = ((_FACILITY_OWN, ("pue", "wue", "operator", "cooling")),)
"""A phase that names its own operator or cooling describes its own facility."""


def operator_key(name: str) -> str:
    """The facility table's key of an operator named in a file (``aws`` or ``operator:aws``)."""
    return name if name.startswith("operator:") else f"operator:{name}"


def inherits_facility(own: Mapping[str, Any]) -> bool:
    """Whether a phase whose facility fields are ``own`` takes the top-level facility's."""
    return not any(own.get(t) is not None for t in _FACILITY_OWN)


def _fields(obj: Grid | Facility | None) -> dict[str, Any]:
    return {} if obj is None else {k: v for k, v in obj.model_dump().items() if v is not None}


def _merge(own: dict[str, Any], default: dict[str, Any], groups: Groups) -> dict[str, Any]:
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
    return _merge(_fields(grid), _fields(default), _GRID)


def merged_facility(
    ledger: Ledger, phase: str, facility: Facility | None, default: Facility | None
) -> dict[str, Any]:
    """A phase's facility fields over the top-level ones; a stated top-level PUE or WUE
    that the phase's own operator or cooling sets aside is said."""
    own, top = _fields(facility), _fields(default)
    named = [f"{t} {own[t]}" for t in _FACILITY_OWN if t in own]
    lost = [q.upper() for q in ("pue", "wue") if q in top and q not in own]
    if named and lost:
        ledger.warnings.append(
            f"{phase}: the top-level facility's {' and '.join(lost)} does not apply: the "
            f"phase names its own {' and '.join(named)} (give {phase}.facility values to "
            "keep them)"
        )
    return _merge(own, top, _FACILITY)


def check_defaults(ledger: Ledger, grid: Grid | None, facility: Facility | None) -> None:
    """The top-level grid and facility are checked even where every phase has its own: an
    unknown region or operator, or a contract_share no phase could apply, is an error."""
    if grid is not None and grid.region is not None:
        ledger.catalog_key("grid_intensity", grid.region, path=("grid", "region"),
                           kind="grid region")  # fmt: skip
    if grid is not None and grid.contract_share is not None and grid.contract_intensity is None:
        raise SpecError(
            "contract_share is the share of contract_intensity, and the top-level grid has "
            "none (a phase's own contract_intensity replaces the top-level contract whole)",
            path=("grid", "contract_share"),
        )
    if facility is not None and facility.operator is not None:
        key = operator_key(facility.operator)
        ledger.catalog_key("facility", key, path=("facility", "operator"), kind="operator")
