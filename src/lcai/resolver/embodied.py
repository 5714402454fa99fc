"""Embodied carbon of one hardware unit: as given, a published figure by method
(manufacturer, LCA, parametric, ...), or die area x carbon per area + memory x carbon
per GB; and fabrication water from die area."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from lcai import catalog
from lcai import model as m
from lcai.engine.plan import Fn, Params
from lcai.errors import SpecError
from lcai.model.num import Num
from lcai.resolver.factors import derive
from lcai.resolver.ledger import Ledger, param
from lcai.spec.schema import Component

__all__ = ["embodied_per_unit", "fab_water", "published_methods"]

_METHODS = ("manufacturer", "lca", "parametric", "bottom_up", "luccioni", "die_only")
_CPA_QUANTITIES = ("carbon_per_area", "carbon_per_area_imec", "carbon_per_area_act")
FieldPath = Sequence[str | int]


def published_methods(key: str | None) -> dict[str, str]:
    """Embodied-carbon methods the catalog has for accelerator ``key``, in preference order:
    method -> quantity."""
    if key is None:
        return {}
    acc = catalog.table("accelerators")
    have = {r.quantity.removeprefix("embodied_") for r in acc.filter(key=key)}
    have = {h for h in have if h and acc.has(key, f"embodied_{h}")}
    order = [x for x in _METHODS if x in have] + sorted(have - set(_METHODS))
    return {x: f"embodied_{x}" for x in order}


def embodied_per_unit(
    ledger: Ledger, c: Component, key: str | None, pre: str, path: FieldPath
) -> tuple[Fn, str]:
    """(embodied carbon per unit [kgCO2e], note)."""
    if c.embodied is not None:
        return param(ledger.user(f"{pre}.embodied", c.embodied, "kg")), "embodied per unit as given"
    published = published_methods(key)
    method = c.embodied_method or next(iter(published), "die_area")
    if method == "die_area":
        return _die_area(ledger, c, key, pre, path)
    if method not in published or key is None:
        have = ", ".join([*published, "die_area"])
        raise SpecError(
            f"no '{method}' embodied figure for {key or 'this component'}; choose one of: {have}",
            path=(*path, "embodied_method"),
        )
    acc = catalog.table("accelerators")
    others = []
    for meth, q in published.items():
        if meth != method:
            f = acc.factor(key, q, "kg")
            others.append(f"{meth} {f.value:.4g} kg ({f.source_id})")
    note = f"method '{method}'" + (
        f"; other published figures: {', '.join(others)}" if others else ""
    )
    ek = ledger.factor(
        f"{pre}.embodied",
        "accelerators",
        key,
        published[method],
        "kg",
        path=(*path, "embodied_method"),
        kind="accelerator",
        status="table" if c.embodied_method else "default",
        note=note,
    )
    return param(ek), f"embodied per unit: {note}"


def _die_area(
    ledger: Ledger, c: Component, key: str | None, pre: str, path: FieldPath
) -> tuple[Fn, str]:
    """Die area x carbon per area (by process node) + memory x carbon per GB."""
    parts: list[Fn] = []
    ak = _from_file_or_accelerator(ledger, c.die_area, "die_area", "mm2", key, pre, path)
    if ak:
        cpa = _carbon_per_area(ledger, c, key, pre, path)
        parts.append(lambda p: m.die_embodied_kg(p[ak], p[cpa]))
    mk = _from_file_or_accelerator(ledger, c.memory, "memory", "GB", key, pre, path)
    if mk:
        mem_key = c.memory_type or ("hbm" if key is not None else "dram")
        if not catalog.table("embodied_factors").has(mem_key, "carbon_per_gb"):
            mem_key = "dram"
        cpg = ledger.factor(
            f"{pre}.carbon_per_gb",
            "embodied_factors",
            mem_key,
            "carbon_per_gb",
            "kg/GB",
            path=(*path, "memory_type"),
            kind="memory type",
        )
        parts.append(lambda p: m.memory_embodied_kg(p[mk], p[cpg]))
    if not parts:
        raise SpecError("give 'embodied', or 'die_area' and/or 'memory'", path=(*path, "embodied"))

    def total(p: Params) -> Num:
        out: Num = 0.0
        for fn in parts:
            out = out + fn(p)
        return out

    return total, "embodied per unit: die area x carbon per area + memory x carbon per GB"


def _from_file_or_accelerator(
    ledger: Ledger,
    given: float | None,
    q: str,
    unit: str,
    key: str | None,
    pre: str,
    path: FieldPath,
) -> str:
    """Key of the file's value, else the accelerator's catalog value, else '' (none)."""
    if given is not None:
        return ledger.user(f"{pre}.{q}", given, unit)
    if key is not None and catalog.table("accelerators").has(key, q):
        return ledger.factor(
            f"{pre}.{q}", "accelerators", key, q, unit, path=path, kind="accelerator"
        )
    return ""


def _carbon_per_area(
    ledger: Ledger, c: Component, key: str | None, pre: str, path: FieldPath
) -> str:
    """Key of the carbon per die area of the component's process node [kg/mm2]."""
    acc = catalog.table("accelerators")
    if c.process_node is not None:
        node = c.process_node.replace(" ", "")
    elif key is not None and acc.has(key, "process_node"):
        node = f"{acc.row(key, 'process_node').value:g}nm"
    else:
        raise SpecError("the die-area method needs 'process_node'", path=(*path, "process_node"))
    node_key = node if node.startswith("logic:") else f"logic:{node}"
    node_key = ledger.catalog_key(
        "embodied_factors", node_key, path=(*path, "process_node"), kind="process node"
    )
    factors = catalog.table("embodied_factors")
    q = next((q for q in _CPA_QUANTITIES if factors.has(node_key, q)), _CPA_QUANTITIES[0])
    return ledger.factor(
        f"{pre}.carbon_per_area",
        "embodied_factors",
        node_key,
        q,
        "kg/mm2",
        path=(*path, "process_node"),
        kind="process node",
    )


def fab_water(ledger: Ledger, c: Component, key: str | None, pre: str, path: FieldPath) -> str:
    """Key of the fabrication water per unit [L] from die area, or '' when unknown."""
    if c.fab_water is not None:
        return ledger.user(f"{pre}.fab_water", c.fab_water, "L")
    acc = catalog.table("accelerators")
    if c.die_area is not None:
        ak = ledger.user(f"{pre}.die_area", c.die_area, "mm2")
    elif key is not None and acc.has(key, "die_area"):
        ak = ledger.factor(f"{pre}.die_area", "accelerators", key, "die_area", "mm2",
                           path=(*path, "hardware"), kind="accelerator")  # fmt: skip
    else:
        if key is not None:  # an accelerator whose die the catalog does not know
            ledger.warnings.append(
                f"{pre}: fabrication water of {key} not counted: the catalog has no die area "
                "for it (give die_area or fab_water)"
            )
        return ""
    # parameters of their own (catalog rows), so a change of either is attributed to it
    wk = ledger.factor(f"{pre}.fab_water_per_area", "embodied_factors", "wafer_fab",
                       "water_per_area", "L/mm2", path=path, kind="factor", status="default",
                       note="one full-process figure for every node; packaging not "
                       "counted")  # fmt: skip
    yk = ledger.factor(f"{pre}.fab_yield", "embodied_factors", "wafer_fab", "fab_yield", "1",
                       path=path, kind="factor", status="default",
                       note="good dies per die area made, as the carbon per area")  # fmt: skip
    area, wpa, fy = ledger.params[ak].value, ledger.params[wk], ledger.value(yk)

    def water(p: Params) -> Num:
        return p[ak] * p[wk] / p[yk]

    name = derive(ledger, f"{pre}.fab_water", water, "L",
                  f"die area {area:g} mm2 x fabrication water {wpa.value:.4g} L/mm2 / fab "
                  f"yield {fy:g} (embodied_factors:wafer_fab, one full-process figure for "
                  "every node; wafer edge and packaging not counted)")  # fmt: skip
    ledger.params[name] = replace(ledger.params[name], source=wpa.source)
    return name
