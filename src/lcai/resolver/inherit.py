"""The resolver's side of what a phase inherits from the top-level grid and facility (the
rules are the file format's, in :mod:`lcai.spec.inheritance`): the facility merged with
a warning where the phase sets the top-level figures aside, and the top-level defaults
checked once."""

from __future__ import annotations

from typing import Any

from lcai.errors import SpecError
from lcai.resolver.ledger import Ledger
from lcai.spec.inheritance import (
    FACILITY_GROUPS,
    FACILITY_OWN,
    fields_of,
    merge_fields,
    operator_key,
)
from lcai.spec.schema import Facility, Grid

__all__ = ["check_defaults", "merged_facility"]


def merged_facility(
    ledger: Ledger, phase: str, facility: Facility | None, default: Facility | None
) -> dict[str, Any]:
    """A phase's facility fields over the top-level ones; a stated top-level PUE or WUE
    that the phase's own operator or cooling sets aside is said."""
    own, top = fields_of(facility), fields_of(default)
    named = [f"{t} {own[t]}" for t in FACILITY_OWN if t in own]
    lost = [q.upper() for q in ("pue", "wue") if q in top and q not in own]
    if named and lost:
        ledger.warnings.append(
            f"{phase}: the top-level facility's {' and '.join(lost)} does not apply: the "
            f"phase names its own {' and '.join(named)} (give {phase}.facility values to "
            "keep them)"
        )
    return merge_fields(own, top, FACILITY_GROUPS)


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
