"""The annotation phase: the annotators' devices, their use energy (at the annotators'
grid, outside a data center) and their embodied carbon by hours of use."""

from __future__ import annotations

from lcai import catalog, keys
from lcai import model as m
from lcai.engine.plan import ItemPlan, Params, Supply
from lcai.model.num import Num
from lcai.resolver.items import grid_item, reported_item, self_contained
from lcai.resolver.ledger import Ledger
from lcai.resolver.supply import supply
from lcai.spec.schema import Annotation, Assessment, Device, WorkPeriod
from lcai.units import H_PER_YEAR

__all__ = ["annotation"]

PRE = "annotation"


def annotation(ledger: Ledger, spec: Assessment) -> list[ItemPlan]:
    """Resolve ``spec.annotation`` (which must be set)."""
    a = spec.annotation
    assert a is not None
    if self_contained(a.reported):
        assert a.reported is not None
        return [reported_item(ledger, "annotation", a.reported, None, ("annotation", "reported"))]
    s = supply(ledger, "annotation", a.grid, None, (spec.grid, spec.facility))
    if a.reported is not None:
        return [reported_item(ledger, "annotation", a.reported, s, ("annotation", "reported"))]
    hk = _person_hours(ledger, a)
    au = ledger.user_or_factor(
        f"{PRE}.annual_use",
        a.annual_use,
        "h",
        "devices",
        "working_year",
        "annual_use",
        path=(PRE, "annual_use"),
        kind="device",
        note="hours a work device is used per year",
    )
    items: list[ItemPlan] = []
    for i, d in enumerate(a.devices):
        items += _device(ledger, i, d, s, hk, au)
    return items


def _hours(ledger: Ledger, t: float | WorkPeriod, field: str) -> tuple[float, str]:
    """A person's working time in hours, and how it was read: hours as given, or a
    calendar period at the working hours of full-time work (not 24 h a day)."""
    if not isinstance(t, WorkPeriod):
        return t, ""
    f = ledger.lookup(
        "devices",
        "full_time_work",
        f"hours_per_{t.unit}",
        "h",
        path=(PRE, field),
        kind="device",
    )
    unit = t.unit if t.amount == 1 else f"{t.unit}s"
    note = (
        f"{t.amount:g} {unit} of full-time work x {f.value:.4g} working h per {t.unit} "
        f"({f.source_id})"
    )
    return t.amount * f.value, note


def _person_hours(ledger: Ledger, a: Annotation) -> str:
    """Key of the person-hours of annotation [h]: given, or annotators x hours each."""
    if a.person_hours is not None:
        hours, note = _hours(ledger, a.person_hours, "person_hours")
        if not note:
            return ledger.user(f"{PRE}.person_hours", hours, "h")
        return ledger.add(f"{PRE}.person_hours", hours, "h", "derived", None, note)
    if a.annotators is None or a.hours is None:
        raise ValueError("annotation: the schema asks for annotators and hours")
    each, note = _hours(ledger, a.hours, "hours")
    people = ledger.user(f"{PRE}.annotators", a.annotators, "1")
    if note:  # a calendar period, counted in working hours
        each_key = ledger.add(keys.ANNOTATION_HOURS, each, "h", "derived", None, note)
    else:
        each_key = ledger.user(keys.ANNOTATION_HOURS, each, "h")
    key = ledger.add(
        f"{PRE}.person_hours", a.annotators * each, "h", "derived", None,
        "annotators x hours" + (f" ({note})" if note else ""),
    )  # fmt: skip
    ledger.derived[key] = ledger.product(people, each_key)  # each sample's, with uncertainty
    return key


def _device_key(ledger: Ledger, i: int, d: Device) -> str | None:
    """The catalog key of a device, or None for one the file describes itself."""
    devices = catalog.table("devices")
    known = devices.has(d.device, "power") or devices.has(d.device, "embodied")
    if not known and d.power is not None:
        return None
    path = (PRE, "devices", i, "device")
    return ledger.catalog_key("devices", d.device, path=path, kind="device")


def _device_values(ledger: Ledger, i: int, d: Device, key: str | None) -> dict[str, str]:
    """Keys of the device's power [W], embodied carbon [kg] and lifetime [h]: the file's,
    else the catalog's; absent when neither has one."""
    vals: dict[str, str] = {}
    for q, given, unit in (
        ("power", d.power, "W"),
        ("embodied", d.embodied, "kg"),
        ("lifetime", d.lifetime, "h"),
    ):
        if given is not None:
            vals[q] = ledger.user(f"{PRE}.devices[{i}].{q}", given, unit)
        elif key is not None:
            vals[q] = ledger.factor(
                f"{PRE}.devices[{i}].{q}",
                "devices",
                key,
                q,
                unit,
                path=(PRE, "devices", i, q),
                kind="device",
                status="table",
            )
    return vals


def _device(ledger: Ledger, i: int, d: Device, s: Supply, hk: str, au: str) -> list[ItemPlan]:
    """A device type's use and, where its embodied figure and lifetime are known, embodied."""
    dp = f"{PRE}.devices[{i}]"
    key = _device_key(ledger, i, d)
    label = catalog.table("devices").label(key) if key else d.device
    vals = _device_values(ledger, i, d, key)
    ck = ledger.user(f"{dp}.count", d.count, "1")
    pw = vals["power"]

    def use(p: Params) -> Num:
        return m.energy_from_power_kwh(p[pw], p[hk], p[ck])

    items = [
        grid_item(
            ledger,
            f"{label} use",
            "annotation",
            "annotation-device",
            use,
            s,
            [pw, ck, hk],
            "person-hours x devices x power",
        )
    ]
    if "embodied" in vals and "lifetime" in vals:
        ek, lk = vals["embodied"], vals["lifetime"]

        def embodied(p: Params) -> Num:
            life_use_h = p[lk] / H_PER_YEAR * p[au]
            return m.allocated_embodied(p[ek], p[hk] * p[ck], life_use_h, 1.0)

        items.append(
            ItemPlan(
                name=f"{label} embodied",
                phase="annotation",
                method="estimated",
                kind="annotation-embodied",
                co2e=embodied,
                co2e_market=embodied,
                inputs=(ek, lk, au, hk, ck),
                sources=ledger.sources_of([ek, lk, au]),
                note="embodied x hours used / (lifetime years x hours used per year)",
            )
        )
    return items
