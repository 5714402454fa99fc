"""What the disclosures read from a result (and its plan): the parameters, the training
run's compute, time and energy, the absolute impact of each phase, and the embodied carbon
split by what it follows."""

from __future__ import annotations

from dataclasses import dataclass, field

from lcai import keys
from lcai import model as m
from lcai.engine.plan import Plan
from lcai.engine.result import Impact, LineItem, Result

__all__ = [
    "EMBODIED_KINDS",
    "NOT_STATED",
    "Embodied",
    "TrainingFacts",
    "Value",
    "embodied",
    "lifecycle",
    "operational",
    "parameters",
    "region_text",
    "training_facts",
]

NOT_STATED = "not stated"
EMBODIED_KINDS = ("embodied", "annotation-embodied")
"""Item kinds that count the carbon of making hardware (the SCI's M)."""

_PRE = keys.SLOT_TRAINING  # the training accelerators' parameters: training.accelerators.*
FLOPS = f"{_PRE}.flops"
ACTIVE_PARAMETERS = f"{_PRE}.active_parameters"
TOKENS = f"{_PRE}.tokens"
COUNT = f"{_PRE}.count"
DURATION = f"{_PRE}.duration"
PEAK = f"{_PRE}.peak"
MFU = f"{_PRE}.mfu"
GOODPUT = f"{_PRE}.goodput"


@dataclass(frozen=True)
class Value:
    """One parameter's nominal value, unit and status (user, table, default, derived)."""

    value: float
    unit: str
    status: str


def parameters(result: Result, plan: Plan | None = None) -> dict[str, Value]:
    """Every parameter: the plan's where given, else those the result's items used and its
    assumptions (the same nominal values)."""
    if plan is not None:
        return {k: Value(p.value, p.unit, p.status) for k, p in plan.params.items()}
    out: dict[str, Value] = {}
    for it in result.items:
        for k, v in it.inputs.items():
            out[k] = Value(v.value, v.unit, v.status)
    for a in result.assumptions:
        out.setdefault(a.name, Value(a.value, a.unit, a.status))
    return out


def lifecycle(result: Result, phase: str) -> Impact:
    """A phase's absolute impact over the whole life cycle (the result is per functional
    unit; ``divisor`` functional units make the life cycle)."""
    x = result.phases[phase].impact
    d = result.divisor
    market = None if x.co2e_market_kg is None else x.co2e_market_kg * d
    return Impact(x.energy_kwh * d, x.co2e_kg * d, x.water_l * d, market)


def operational(result: Result, phase: str) -> Impact:
    """A phase's absolute impact over the life cycle without its embodied items (the
    hardware's carbon and fabrication water, Scope 3): its electricity."""
    items = [it for it in result.phases[phase].items if it.kind not in EMBODIED_KINDS]
    d = result.divisor
    markets = [it.co2e_market_kg for it in items if it.co2e_market_kg is not None]
    market = (
        sum(it.co2e_market_kg if it.co2e_market_kg is not None else it.co2e_kg for it in items) * d
        if markets
        else None
    )
    return Impact(
        sum(it.energy_kwh for it in items) * d,
        sum(it.co2e_kg for it in items) * d,
        sum(it.water_l for it in items) * d,
        market,
    )


def _follows_training(it: LineItem) -> bool:
    """Whether an embodied item's unit-hours follow the training accelerator-hours (the
    manufacturing resolver adds ``accelerators_per_unit`` only then)."""
    return any(k.endswith(".accelerators_per_unit") for k in it.inputs)


@dataclass(frozen=True)
class Embodied:
    """Embodied carbon over the life cycle [kgCO2e]: all of it, the hardware whose use
    follows the training accelerator-hours, the annotators' devices, and the rest."""

    total_kg: float
    training_kg: float
    annotation_kg: float
    other_kg: float
    other_items: tuple[str, ...] = ()


def embodied(result: Result) -> Embodied:
    """The result's embodied carbon (kinds ``embodied`` and ``annotation-embodied``)."""
    d = result.divisor
    train = annot = other = 0.0
    names: list[str] = []
    for it in result.items:
        if it.kind not in EMBODIED_KINDS:
            continue
        kg = it.co2e_kg * d
        if it.kind == "annotation-embodied":
            annot += kg
        elif _follows_training(it):
            train += kg
        else:
            other += kg
            names.append(it.name)
    return Embodied(train + annot + other, train, annot, other, tuple(names))


@dataclass(frozen=True)
class TrainingFacts:
    """The training run as the file states it or lcai estimated it; None: not stated."""

    flops: float | None
    flops_method: str
    active_parameters: float | None
    tokens: float | None
    count: float | None
    accelerator: str | None
    accelerator_hours: float | None
    hours_method: str
    duration_h: float | None
    duration_method: str
    impact: Impact
    items: tuple[LineItem, ...] = field(default_factory=tuple)
    measured: bool = False


def _get(p: dict[str, Value], key: str) -> float | None:
    v = p.get(key)
    return None if v is None else v.value


def _accelerator(result: Result, plan: Plan | None) -> str | None:
    """The training accelerator's label (catalog), else the accelerators item's name."""
    key = None if plan is None else plan.accelerator_keys.get(keys.SLOT_TRAINING)
    if key is not None:
        from lcai import catalog
        from lcai.errors import UnknownKeyError

        try:
            return catalog.table("accelerators").label(key)
        except UnknownKeyError:  # the file's own hardware: known only while resolving
            return key
    for it in result.phases["training"].items:
        if it.kind == "accelerators":
            return it.name
    return None


def _flops(p: dict[str, Value]) -> tuple[float | None, str]:
    given = _get(p, FLOPS)
    if given is not None:
        return given, "stated in the assessment file"
    n, d = _get(p, ACTIVE_PARAMETERS), _get(p, TOKENS)
    if n is not None and d is not None:
        flops = float(m.training_flops(n, d))
        return flops, "estimated: 6 x N x D (N active parameters, D training tokens)"
    return None, NOT_STATED


def _hours(p: dict[str, Value], flops: float | None) -> tuple[float | None, str]:
    stated = _get(p, keys.TRAINING_GPU_HOURS)
    if stated is not None:
        return stated, "stated in the assessment file"
    count, duration = _get(p, COUNT), _get(p, DURATION)
    if count is not None and duration is not None:
        return count * duration, "accelerator count x training time, both stated"
    peak, mfu, goodput = _get(p, PEAK), _get(p, MFU), _get(p, GOODPUT)
    if flops is not None and peak and mfu and goodput:
        hours = float(m.accelerator_hours_from_flops(flops, peak, mfu)) / goodput
        return hours, "estimated from compute: FLOP / (peak FLOP/s x MFU x goodput)"
    return None, NOT_STATED


def training_facts(result: Result, plan: Plan | None = None) -> TrainingFacts:
    """Compute, time and energy of the training phase."""
    p = parameters(result, plan)
    flops, flops_method = _flops(p)
    hours, hours_method = _hours(p, flops)
    count = _get(p, COUNT)
    duration, duration_method = _get(p, DURATION), "stated in the assessment file"
    if duration is None and hours is not None and count:
        duration, duration_method = hours / count, "accelerator-hours / accelerator count"
    elif duration is None:
        duration_method = NOT_STATED
    items = result.phases["training"].items
    energetic = [it for it in items if it.energy_kwh]
    return TrainingFacts(
        flops=flops,
        flops_method=flops_method,
        active_parameters=_get(p, ACTIVE_PARAMETERS),
        tokens=_get(p, TOKENS),
        count=count,
        accelerator=_accelerator(result, plan),
        accelerator_hours=hours,
        hours_method=hours_method,
        duration_h=duration,
        duration_method=duration_method,
        impact=lifecycle(result, "training"),
        items=items,
        measured=bool(energetic) and all(it.method == "measured" for it in energetic),
    )


def region_text(result: Result, phase: str) -> str | None:
    """A phase's grid in words: 'Oregon (US-OR)', 'grid factor given in the file'; None
    when the result names no grid for it."""
    region = result.regions.get(phase)
    if region is None:
        return None
    key, _, rest = region.partition(" ")
    if key == "given":
        return "grid factor given in the assessment file" + (f" {rest}" if rest else "")
    from lcai import catalog

    try:
        label = catalog.table("grid_intensity").label(key)
    except (KeyError, LookupError):
        return region
    return f"{label} ({region})" if label != key else region
