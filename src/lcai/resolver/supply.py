"""A phase's electricity supply and facility: grid carbon (location- and market-based),
off-site water of generation, PUE and WUE, with the file's values over the catalog's."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from lcai import catalog
from lcai import keys as k
from lcai import model as m
from lcai.engine.plan import Fn, Params, Status, Supply
from lcai.errors import SpecError
from lcai.model.num import Num
from lcai.resolver.inherit import merged_facility
from lcai.resolver.ledger import Ledger, param
from lcai.spec.inheritance import merged_grid, operator_key
from lcai.spec.schema import Facility, Grid

__all__ = ["supply"]

_WATER_NOTES = {
    "region": "",
    "country": "no figure for {r}: country average",
    "world": "no water figure for {r}: world average",
}


def supply(
    ledger: Ledger,
    phase: str,
    grid: Grid | None,
    facility: Facility | None,
    defaults: tuple[Grid | None, Facility | None],
) -> Supply:
    """The supply of ``phase``: its own grid and facility fields over the assessment's
    ``defaults``; PUE and WUE only for phases in a data center."""
    g = merged_grid(grid, defaults[0])
    own_region = grid is not None and grid.region is not None
    path: tuple[str | int, ...] = (phase, "grid", "region") if own_region else ("grid", "region")
    region = g.get("region")
    region_key = None
    if isinstance(region, str):
        region_key = ledger.catalog_key("grid_intensity", region, path=path, kind="grid region")

    def src(name: str) -> str:
        own = grid is not None and getattr(grid, name) is not None
        return f"{phase}.grid.{name}" if own else f"grid.{name}"

    label = "given" if "co2e_intensity" in g else (region_key or "WORLD")
    direct = g.get("boundary") == "direct" and "co2e_intensity" not in g
    ledger.regions[phase] = f"{label} (direct)" if direct else label
    grid_key = _carbon(ledger, phase, g, region_key, path, src)
    if "water_intensity" in g:
        ewif_key = ledger.user(
            k.water_intensity(phase),
            float(g["water_intensity"]),
            "L/kWh",
            path=src("water_intensity"),
        )
    else:
        ewif_key = _ewif(ledger, phase, region_key, path)
    contracts = g.get("contract_intensity") is not None or g.get("renewable_share") is not None
    market = _market(ledger, f"{phase}.grid", g, grid_key, src)
    pue_key = wue_key = None
    if facility is not None or phase in ("training", "usage"):
        pue_key, wue_key = _facility(ledger, phase, facility, defaults[1], region_key)
    used = [grid_key, ewif_key] + [x for x in (pue_key, wue_key) if x]
    pre = f"{phase}.grid."
    mkeys = tuple(
        f"{pre}{q}"
        for q in ("contract_share", "contract_intensity", "residual_intensity")
        if f"{pre}{q}" in ledger.params
    )
    return Supply(
        grid_key, market, ewif_key, wue_key, pue_key, ledger.sources_of(used), contracts, mkeys
    )


def _carbon(
    ledger: Ledger,
    phase: str,
    g: dict[str, Any],
    region_key: str | None,
    path: Sequence[str | int],
    src: Callable[[str], str],
) -> str:
    name = k.grid_intensity(phase)
    if "co2e_intensity" in g:
        return ledger.user(name, float(g["co2e_intensity"]), "kg/kWh", path=src("co2e_intensity"))
    direct = g.get("boundary") == "direct"
    quantity = "co2e_intensity_direct" if direct else "co2e_intensity"
    if region_key is not None:
        if direct and not catalog.table("grid_intensity").has(region_key, quantity):
            raise SpecError(
                f"no direct (combustion-only) factor for {region_key} in the catalog; "
                "use boundary: life-cycle or give co2e_intensity",
                path=tuple(src("boundary").split(".")),
            )
        return ledger.factor(
            name,
            "grid_intensity",
            region_key,
            quantity,
            "kg/kWh",
            path=path,
            kind="grid region",
            note="direct (combustion-only) boundary" if direct else "",
        )
    ledger.warnings.append(
        f"{phase}: no grid region or carbon intensity given; using the world average "
        "(set grid.region)"
    )
    return ledger.factor(
        name,
        "grid_intensity",
        "WORLD",
        "co2e_intensity",
        "kg/kWh",
        path=path,
        kind="grid region",
        status="default",
        note="no grid region given: world average",
    )


def _ewif(ledger: Ledger, phase: str, region_key: str | None, path: Sequence[str | int]) -> str:
    key, level = catalog.regional_key("electricity_water", "water_consumption", region_key)
    note = _WATER_NOTES[level].format(r=region_key or "an unstated region")
    return ledger.factor(
        k.water_intensity(phase),
        "electricity_water",
        key,
        "water_consumption",
        "L/kWh",
        path=path,
        kind="region",
        status="table" if level == "region" else "default",
        note=note,
    )


def _market(
    ledger: Ledger, pre: str, g: dict[str, Any], grid_key: str, src: Callable[[str], str]
) -> Fn:
    """Market-based intensity (GHG Protocol Scope 2): contracts over their share, the
    residual mix (or, without one, the location-based factor) over the rest."""
    if g.get("contract_share") is not None and g.get("contract_intensity") is None:
        raise SpecError(
            "contract_share is the share of contract_intensity, and this grid has none "
            "(renewable_share carries its own share)",
            path=tuple(src("contract_share").split(".")),
        )
    if g.get("contract_intensity") is None and g.get("renewable_share") is None:
        return param(grid_key)
    ledger.market = True
    share, contract = _contract(ledger, pre, g, src)
    if g.get("residual_intensity") is not None:
        residual = ledger.user(
            f"{pre}.residual_intensity",
            float(g["residual_intensity"]),
            "kg/kWh",
            path=src("residual_intensity"),
        )
    else:
        residual = grid_key
        ledger.warnings.append(
            f"{pre}: no residual-mix factor given; the uncovered share uses the "
            "location-based factor"
        )

    def market(p: Params) -> Num:
        return m.market_intensity_kg_per_kwh(p[residual], p[contract], p[share])

    return market


def _contract(
    ledger: Ledger, pre: str, g: dict[str, Any], src: Callable[[str], str]
) -> tuple[str, str]:
    """Keys of the contract share [-] and the contract intensity [kg/kWh]."""
    if g.get("renewable_share") is not None:
        share = ledger.user(
            f"{pre}.contract_share",
            float(g["renewable_share"]),
            "1",
            path=src("renewable_share"),
        )
        contract = ledger.add(
            f"{pre}.contract_intensity",
            0.0,
            "kg/kWh",
            "derived",
            None,
            "renewable contracts count as 0 gCO2e/kWh (GHG Protocol Scope 2, market-based)",
        )
        return share, contract
    contract = ledger.user(
        f"{pre}.contract_intensity",
        float(g["contract_intensity"]),
        "kg/kWh",
        path=src("contract_intensity"),
    )
    if g.get("contract_share") is None:
        share = ledger.add(
            f"{pre}.contract_share", 1.0, "1", "default", None, "contract covers all"
        )
    else:
        share = ledger.user(
            f"{pre}.contract_share", float(g["contract_share"]), "1", path=src("contract_share")
        )
    return share, contract


_CLOUD_OPERATORS = {"aws": "aws", "gcp": "google", "azure": "microsoft"}
"""The operator a cloud region's key names (``aws:us-east-1`` is AWS's data centers)."""


def _operator(f: dict[str, Any], region_key: str | None) -> tuple[str | None, str]:
    """(operator, why): the facility's own, else the one a cloud region implies."""
    if isinstance(f.get("operator"), str):
        return str(f["operator"]), ""
    prefix = (region_key or "").split(":", 1)[0]
    if prefix in _CLOUD_OPERATORS:
        return _CLOUD_OPERATORS[prefix], f"cloud region {region_key}: the operator's fleet figure"
    return None, ""


def _facility(
    ledger: Ledger,
    phase: str,
    facility: Facility | None,
    default: Facility | None,
    region_key: str | None = None,
) -> tuple[str, str]:
    """Keys of the phase's PUE and WUE: given, else the operator's (stated, or implied by
    a cloud region), cooling, industry average."""
    f = merged_facility(ledger, phase, facility, default)
    path: tuple[str | int, ...] = (phase, "facility")
    rows: list[tuple[str, str]] = []
    op, implied = _operator(f, region_key)
    if op is not None:
        key = operator_key(op)
        key = ledger.catalog_key("facility", key, path=(*path, "operator"), kind="operator")
        rows.append((key, implied or "operator"))
    if isinstance(f.get("cooling"), str):
        rows.append((f"cooling:{f['cooling']}", "cooling"))
    rows.append(("industry_average", "default"))
    out: list[str] = []
    for q, unit, name in (("pue", "1", k.pue(phase)), ("wue", "L/kWh", k.wue(phase))):
        if q in f:
            own = facility is not None and getattr(facility, q) is not None
            out.append(ledger.user(name, float(f[q]), unit, path=name if own else f"facility.{q}"))
            continue
        key, why = next((r for r in rows if catalog.table("facility").has(r[0], q)), rows[-1])
        status: Status = "default" if why == "default" else "table"
        note = ""
        if why == "default":
            lacking = [r[0] for r in rows[:-1]]  # an operator or cooling row without this factor
            note = (
                f"no {q.upper()} given"
                + (f" ({', '.join(lacking)} has none)" if lacking else "")
                + ": industry average"
            )
        if why.startswith("cloud"):
            note = f"no {q.upper()} given: {why}"
        if why == "cooling" and q == "pue" and key in ("cooling:liquid", "cooling:immersion"):
            ledger.warnings.append(
                f"{phase}: the PUE of {key} is a relative saving on an industry-average site "
                "(Alissa et al. 2025), not a purpose-built site's: a hyperscale operator or a "
                "site built for liquid cooling runs lower (give pue, or operator)"
            )
        out.append(
            ledger.factor(
                name,
                "facility",
                key,
                q,
                unit,
                path=path,
                kind="facility",
                status=status,
                note=note,
            )
        )
    return out[0], out[1]
