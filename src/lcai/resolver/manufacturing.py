"""The manufacturing phase: embodied carbon and fabrication water of hardware, allocated
to the model by unit-hours / (lifetime x utilisation)."""

from __future__ import annotations

from lcai import catalog
from lcai import model as m
from lcai.engine.plan import Fn, ItemPlan, Params
from lcai.errors import SpecError
from lcai.model.num import Num
from lcai.resolver.embodied import embodied_per_unit, fab_water
from lcai.resolver.hardware import accelerator_key
from lcai.resolver.items import reported_item
from lcai.resolver.ledger import Ledger, param
from lcai.spec.schema import Assessment, Component

__all__ = ["manufacturing"]


def manufacturing(ledger: Ledger, spec: Assessment, accelerator_hours: Fn | None) -> list[ItemPlan]:
    """Resolve ``spec.manufacturing`` (which must be set). ``accelerator_hours``: the
    training accelerator-hours [h], which components may follow."""
    mf = spec.manufacturing
    assert mf is not None
    if mf.reported is not None:
        return [
            reported_item(ledger, "manufacturing", mf.reported, None, ("manufacturing", "reported"))
        ]
    return [component(ledger, i, c, accelerator_hours) for i, c in enumerate(mf.components)]


def _unit_hours(
    ledger: Ledger,
    c: Component,
    key: str | None,
    pre: str,
    path: tuple[str | int, ...],
    accelerator_hours: Fn | None,
) -> Fn:
    """Hours of use of all units [h]: given, count x duration, or the training
    accelerator-hours / accelerators per unit."""
    if c.unit_hours is not None:
        return param(ledger.user(f"{pre}.unit_hours", c.unit_hours, "h"))
    if c.count is not None and c.duration is not None:
        ck = ledger.user(f"{pre}.count", c.count, "1")
        dk = ledger.user(f"{pre}.duration", c.duration, "h")
        return ledger.product(ck, dk)
    if accelerator_hours is None or (c.accelerators_per_unit is None and key is None):
        raise SpecError(
            "give 'count' and 'duration' or 'unit_hours' (training accelerator-hours are "
            "not known to derive them)",
            path=(*path, "unit_hours"),
        )
    h = accelerator_hours
    pk = ledger.add(
        f"{pre}.accelerators_per_unit",
        c.accelerators_per_unit or 1.0,
        "1",
        "user" if c.accelerators_per_unit else "default",
        None,
        "unit-hours follow the training accelerator-hours",
    )

    def hours(p: Params) -> Num:
        return h(p) / p[pk]

    return hours


def component(ledger: Ledger, i: int, c: Component, accelerator_hours: Fn | None) -> ItemPlan:
    """One component's embodied carbon and fabrication water, allocated."""
    path: tuple[str | int, ...] = ("manufacturing", "components", i)
    pre = f"manufacturing.components[{i}]"
    key = accelerator_key(ledger, c.hardware, (*path, "hardware")) if c.hardware else None
    label = catalog.table("accelerators").label(key) if key else f"component {i + 1}"
    emb, emb_note = embodied_per_unit(ledger, c, key, pre, path)
    water_k = fab_water(ledger, c, key, pre, path)
    unit_hours = _unit_hours(ledger, c, key, pre, path, accelerator_hours)
    lt, ut = (
        ledger.user_or_factor(
            f"{pre}.{q}",
            given,
            unit,
            "servers",
            "default",
            q,
            path=(*path, q),
            kind="server default",
            note=f"no {q} given",
        )
        for q, given, unit in (("lifetime", c.lifetime, "h"), ("utilization", c.utilization, "1"))
    )

    def co2e(p: Params) -> Num:
        return m.allocated_embodied(emb(p), unit_hours(p), p[lt], p[ut])

    def water(p: Params) -> Num:
        if not water_k:
            return 0.0
        return m.allocated_embodied(p[water_k], unit_hours(p), p[lt], p[ut])

    inputs = [k for k in ledger.params if k.startswith(pre + ".")]
    return ItemPlan(
        name=c.name or label,
        phase="manufacturing",
        method="estimated" if c.embodied is None else "given",
        kind="embodied",
        co2e=co2e,
        co2e_market=co2e,
        water=water,
        inputs=tuple(inputs),
        sources=ledger.sources_of(inputs),
        note=emb_note + "; allocated: unit-hours / (lifetime x utilisation)",
    )
