"""The training phase: accelerators (measured, given or estimated from compute), the
loads around them, facility overhead and network transfer."""

from __future__ import annotations

from dataclasses import dataclass, field

from lcai import catalog
from lcai import keys as k
from lcai import model as m
from lcai.engine.plan import Fn, ItemPlan, Params, Supply
from lcai.errors import SpecError
from lcai.keys import ItemKind
from lcai.measure.inputs import MeasuredEnergy
from lcai.model.num import Num
from lcai.resolver.hardware import accelerator_key, active_parameters, mfu, peak
from lcai.resolver.items import dc_item, overhead_item, reported_item, self_contained
from lcai.resolver.ledger import Ledger, catalog_dist, param
from lcai.resolver.loads import memory, network, power_draw
from lcai.resolver.measured import measured_items
from lcai.resolver.supply import supply
from lcai.spec.schema import Accelerators, Assessment, Training

__all__ = ["TrainingOut", "training"]

PRE = "training.accelerators"
PATH: tuple[str | int, ...] = ("training", "accelerators")
_DRAWS: tuple[tuple[str, str, ItemKind], ...] = (
    ("cpu", "host CPUs", "host"),
    ("storage", "storage", "storage"),
    ("idle", "idle", "idle"),
    ("interconnect", "cluster interconnect", "interconnect"),
)


@dataclass(frozen=True)
class TrainingOut:
    """What training tells later phases: accelerator-hours [h] and duration [h], where known."""

    items: list[ItemPlan] = field(default_factory=list)
    accelerator_hours: Fn | None = None
    duration: Fn | None = None


def training(ledger: Ledger, spec: Assessment, measured: MeasuredEnergy | None) -> TrainingOut:
    """Resolve ``spec.training`` (which must be set)."""
    t = spec.training
    assert t is not None
    if self_contained(t.reported):
        assert t.reported is not None
        item = reported_item(ledger, "training", t.reported, None, ("training", "reported"))
        return TrainingOut([item], _reported_hours(ledger, t))
    s = supply_of(ledger, spec, t)
    if t.reported is not None:
        item = reported_item(ledger, "training", t.reported, s, ("training", "reported"))
        return TrainingOut([item], _reported_hours(ledger, t))
    items: list[ItemPlan] = []
    if measured is not None:
        got, s = measured_items(ledger, "training", measured, s)
        items += got
    out = TrainingOut()
    if t.accelerators is not None:
        item, out = accelerators(ledger, t.accelerators, s)
        items.append(item)
    for fld, label, kind in _DRAWS:
        draw = getattr(t, fld)
        if draw is not None:
            items.append(power_draw(ledger, draw, "training", fld, kind, label, s, out.duration))
    if t.memory is not None:
        items.append(memory(ledger, t.memory, s, out.duration))
    items.append(overhead_item(ledger, "training", s))
    if t.network is not None:
        items.append(network(ledger, t.network, "training", s, None))
    return TrainingOut(items, out.accelerator_hours, out.duration)


def _reported_hours(ledger: Ledger, t: Training) -> Fn | None:
    """With a reported result, the accelerator-hours the file also states [h] are kept:
    manufacturing can follow them, and plausibility checks the carbon per hour."""
    a = t.accelerators
    if a is None or a.gpu_hours is None:
        return None
    if a.type:
        key = accelerator_key(ledger, a.type, (*PATH, "type"))
        ledger.accelerators[k.SLOT_TRAINING] = key
    return param(ledger.user(k.TRAINING_GPU_HOURS, a.gpu_hours, "h"))


def supply_of(ledger: Ledger, spec: Assessment, t: Training) -> Supply:
    """The training phase's supply."""
    return supply(ledger, "training", t.grid, t.facility, (spec.grid, spec.facility))


def _compute_hours(ledger: Ledger, a: Accelerators, key: str | None) -> tuple[Fn, list[str]]:
    """Accelerator-hours estimated from compute: FLOP / (peak x MFU)."""
    inputs: list[str] = []
    if a.flops is not None:
        fk = ledger.user(f"{PRE}.flops", a.flops, "FLOP")
        flops: Fn = param(fk)
        inputs.append(fk)
    else:
        if a.model is None or a.tokens is None:
            raise SpecError("give 'flops', or 'model' and 'tokens'", path=PATH)
        nk = active_parameters(ledger, PRE, a.model)
        tk = ledger.user(f"{PRE}.tokens", a.tokens, "1")

        def flops(p: Params) -> Num:
            return m.training_flops(p[nk], p[tk])

        inputs += [nk, tk]
    pk, uk = _peak_and_mfu(ledger, a, key)
    gk = ledger.user_or_factor(
        f"{PRE}.goodput",
        a.goodput,
        "1",
        "utilisation",
        "training:goodput",
        "goodput",
        path=(*PATH, "goodput"),
        kind="utilisation",
        note="no goodput given",
    )

    def hours(p: Params) -> Num:
        return m.accelerator_hours_from_flops(flops(p), p[pk], p[uk]) / p[gk]

    return hours, [*inputs, pk, uk, gk]


def _peak_and_mfu(ledger: Ledger, a: Accelerators, key: str | None) -> tuple[str, str]:
    """Keys of the peak FLOP/s and the utilisation of it, at the run's precision (FP8: the
    FP8 peak and the catalog's FP8 utilisation for the family)."""
    fp8 = a.precision == "fp8"
    if a.peak is not None:
        pk = ledger.user(f"{PRE}.peak", a.peak, "FLOP/s")
    elif key is not None and fp8:
        if not catalog.table("accelerators").has(key, "peak_dense_fp8"):
            raise SpecError(f"no FP8 peak for {key} in the catalog", path=(*PATH, "precision"))
        pk = ledger.factor(
            f"{PRE}.peak",
            "accelerators",
            key,
            "peak_dense_fp8",
            "FLOP/s",
            path=(*PATH, "type"),
            kind="accelerator",
        )
    elif key is not None:
        pk = peak(ledger, key, PRE, (*PATH, "type"))
    else:
        raise SpecError(
            "estimating from compute needs the accelerator 'type' or its 'peak'",
            path=(*PATH, "type"),
        )
    if a.mfu is not None:
        return pk, ledger.user(f"{PRE}.mfu", a.mfu, "1")
    family = key.split("-")[0] if key else ""
    if fp8 and catalog.table("utilisation").has(f"training:{family}:fp8", "mfu"):
        uk = ledger.factor(
            f"{PRE}.mfu",
            "utilisation",
            f"training:{family}:fp8",
            "mfu",
            "1",
            path=(*PATH, "mfu"),
            kind="utilisation",
            status="default",
            note="no utilisation given (FP8)",
        )
        return pk, uk
    if fp8:
        raise SpecError(
            f"no FP8 utilisation for {family or 'this accelerator'} in the catalog; give 'mfu'",
            path=(*PATH, "mfu"),
        )
    return pk, mfu(ledger, key, PRE, "training", (*PATH, "mfu"))


def _hours(
    ledger: Ledger, a: Accelerators, key: str | None, count: str | None
) -> tuple[Fn | None, list[str]]:
    """Accelerator-hours [h]: given, count x duration, or from compute (None when only the
    energy is given)."""
    if a.gpu_hours is not None:
        hk = ledger.user(k.TRAINING_GPU_HOURS, a.gpu_hours, "h")
        _stated_size(ledger, a)
        return param(hk), [hk]
    if count is not None and a.duration is not None:
        dk = ledger.user(f"{PRE}.duration", a.duration, "h")
        _stated_size(ledger, a)
        return ledger.product(count, dk), [dk]
    if a.energy is not None:
        return None, []
    return _compute_hours(ledger, a, key)


def _stated_size(ledger: Ledger, a: Accelerators) -> None:
    """The model size and training tokens the file states, entered where the hours are
    given and do not need them: the disclosures report the training compute (6 N D)."""
    if a.model is not None and a.tokens is not None and f"{PRE}.tokens" not in ledger.params:
        active_parameters(ledger, PRE, a.model)
        ledger.user(f"{PRE}.tokens", a.tokens, "1")


def _duration(ledger: Ledger, a: Accelerators, hours: Fn | None, count: str | None) -> Fn | None:
    """Training duration [h]: given, or accelerator-hours / count."""
    if a.duration is not None:
        dk = f"{PRE}.duration"
        if dk not in ledger.params:
            ledger.user(dk, a.duration, "h")
        return param(dk)
    if hours is not None and count is not None:
        h, c = hours, count

        def duration(p: Params) -> Num:
            return h(p) / p[c]

        return duration
    return None


def accelerators(ledger: Ledger, a: Accelerators, s: Supply) -> tuple[ItemPlan, TrainingOut]:
    """The training accelerators' item, and their hours and the training duration."""
    key = accelerator_key(ledger, a.type, (*PATH, "type")) if a.type else None
    if key is not None:
        ledger.accelerators[k.SLOT_TRAINING] = key
    count = ledger.user(f"{PRE}.count", a.count, "1") if a.count is not None else None
    hours, inputs = _hours(ledger, a, key, count)
    inputs = ([count] if count else []) + inputs
    duration = _duration(ledger, a, hours, count)
    label = catalog.table("accelerators").label(key) if key else "accelerators"
    if a.energy is not None:
        ek = ledger.user(f"{PRE}.energy", a.energy, "kWh")
        note = f"measured: {a.energy_source}" if a.energy_source else "measured energy"
        item = dc_item(
            ledger, label, "training", "accelerators", a.method, param(ek), s, [ek, *inputs], note
        )
        return item, TrainingOut([], hours, duration)
    pw = _power(ledger, a, key)
    if hours is None:  # pragma: no cover - the schema asks for hours, compute or energy
        raise SpecError("give the accelerator-hours, or 'energy'", path=PATH)
    h = hours

    def energy(p: Params) -> Num:
        return m.energy_from_power_kwh(p[pw], h(p))

    note = "accelerator-hours x average power"
    if a.method == "estimated":
        flop = "the given FLOP" if a.flops is not None else "6 x active parameters x tokens FLOP"
        note = f"{flop} / (peak x MFU) x average power"
    item = dc_item(
        ledger, label, "training", "accelerators", a.method, energy, s, [pw, *inputs], note
    )
    return item, TrainingOut([], hours, duration)


def _power(ledger: Ledger, a: Accelerators, key: str | None) -> str:
    """Average power of one accelerator [W]: given, else the load model's power of
    compute-bound work, TDP x compute fraction (``serving`` table by accelerator family,
    the model serving uses), with that fraction's uncertainty."""
    if a.power is not None:
        return ledger.user(k.TRAINING_POWER, a.power, "W")
    if key is None:
        raise SpecError("give the accelerator 'type' or its average 'power'", path=(*PATH, "power"))
    path = (*PATH, "power")
    tdp = ledger.lookup("accelerators", key, "tdp", "W", path=path, kind="accelerator")
    serving = catalog.table("serving")
    row = next(
        c
        for c in (f"power:{key.split('-')[0]}", "power:default")
        if serving.has(c, "compute_fraction")
    )
    cf = ledger.lookup("serving", row, "compute_fraction", "1", path=path, kind="serving factor")
    value = tdp.value * cf.value
    note = (
        f"no average power given: TDP {tdp.value:g} W x compute-bound fraction {cf.value:g} "
        f"(accelerators:{key}.tdp, serving:{row}.compute_fraction)"
    )
    dist = catalog_dist("serving", "compute_fraction", value, k.TRAINING_POWER, "default")
    return ledger.add(k.TRAINING_POWER, value, "W", "default", tdp.source_id, note, dist)
