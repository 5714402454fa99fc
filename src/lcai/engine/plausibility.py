"""Flag inputs and results outside the physically plausible ranges of the catalog.

The ranges live in the ``plausibility`` table (each with its source): grid
carbon intensity, PUE, an accelerator's average power as a share of its TDP,
and inference energy per output token. A value outside its range is not an
error (the user may know better), but it gets a warning in the result.
"""

from __future__ import annotations

from lcai import catalog, keys
from lcai.engine.evaluate import Evaluation
from lcai.engine.plan import Plan
from lcai.units import J_PER_KWH

__all__ = ["check"]

Range = tuple[float, float, str]

_GRID_KEYS = frozenset(keys.grid_intensity(phase) for phase in keys.PHASES)
_PUE_KEYS = frozenset(keys.pue(phase) for phase in keys.PHASES)
_POWERS = ((keys.TRAINING_POWER, keys.SLOT_TRAINING), (keys.INFERENCE_POWER, keys.SLOT_INFERENCE))
"""Each accelerator's power parameter, and the slot naming that accelerator in the plan."""


def _range(key: str, unit: str) -> Range | None:
    if "plausibility" not in catalog.table_names():
        return None
    t = catalog.table("plausibility")
    if not (t.has(key, "min") and t.has(key, "max")):
        return None
    lo = t.factor(key, "min", unit)
    hi = t.factor(key, "max", unit)
    return lo.value, hi.value, f"{lo.source_id}, {hi.source_id}"


def _outside(value: float, rng: Range) -> bool:
    lo, hi, _ = rng
    return value < lo * (1 - 1e-9) or value > hi * (1 + 1e-9)


def check(plan: Plan, ev: Evaluation, sample: int = 0) -> list[str]:
    """Warnings for every value of ``plan`` (or of one sample of ``ev``) outside its range."""
    return [
        *_supply(plan),
        *_power(plan),
        *_serving(plan, ev, sample),
        *_carbon_per_gpu_hour(plan, ev, sample),
        *_work_hours(plan),
    ]


def _gpu_hour_range(plan: Plan) -> Range | None:
    """Plausible training carbon per accelerator-hour [kgCO2e/h]: the table's range,
    narrowed below by the plan's accelerator (its TDP x the least power share x the
    least PUE x the cleanest grid of the table)."""
    rng = _range("carbon_per_gpu_hour", "kg")
    tdp = _tdp(plan, keys.SLOT_TRAINING)
    parts = [_range(k, u) for k, u in (("accelerator_power_fraction", "1"), ("pue", "1"),
                                        ("grid_intensity", "kg/kWh"))]  # fmt: skip
    if rng is None or tdp is None or any(x is None for x in parts):
        return rng
    floor = tdp / 1000.0
    for x in parts:
        assert x is not None
        floor *= x[0]
    sources = ", ".join(dict.fromkeys([rng[2], *(x[2] for x in parts if x)]))
    return max(rng[0], floor), rng[1], sources


def _carbon_per_gpu_hour(plan: Plan, ev: Evaluation, sample: int) -> list[str]:
    """Training carbon (location-based) per stated accelerator-hour outside its range."""
    hours = plan.params.get(keys.TRAINING_GPU_HOURS)
    rng = _gpu_hour_range(plan)
    if hours is None or rng is None or hours.value <= 0:
        return []
    mask = ev.phase_mask("training")
    kg = float(ev.co2e_kg[mask, sample].sum())
    per_hour = kg / hours.value
    if not _outside(per_hour, rng):
        return []
    return [
        f"implausible: training emits {per_hour * 1000:.3g} gCO2e per accelerator-hour "
        f"({kg / 1000:,.4g} t over {hours.value:,.4g} h), outside {rng[0] * 1000:.3g}-"
        f"{rng[1] * 1000:.4g} g for this accelerator ({rng[2]}); is the figure market-based, "
        "or for a part of the run?"
    ]


def _work_hours(plan: Plan) -> list[str]:
    """An annotator's working time above a full-time working year."""
    hours = plan.params.get(keys.ANNOTATION_HOURS)
    if hours is None or "devices" not in catalog.table_names():
        return []
    devices = catalog.table("devices")
    if not devices.has("full_time_work", "hours_per_year"):
        return []
    year = devices.factor("full_time_work", "hours_per_year", "h")
    if hours.value <= year.value * (1 + 1e-9):
        return []
    return [
        f"implausible: {hours.value:,.4g} h of work per annotator is more than a full-time "
        f"working year ({year.value:,.0f} h, {year.source_id}); give 'hours' per annotator, "
        "or 'person_hours' for the total"
    ]


def _supply(plan: Plan) -> list[str]:
    """Grid carbon intensities and PUEs outside their ranges, in the plan's order."""
    out: list[str] = []
    grid = _range("grid_intensity", "kg/kWh")
    pue = _range("pue", "1")
    for name, p in plan.params.items():
        if grid and name in _GRID_KEYS and _outside(p.value, grid):
            out.append(
                f"implausible: {name} = {p.value * 1000:.4g} gCO2e/kWh is outside the range of "
                f"national grids, {grid[0] * 1000:.4g}-{grid[1] * 1000:.4g} gCO2e/kWh "
                f"({grid[2]}); a contract factor belongs in grid.contract_intensity"
            )
        if pue and name in _PUE_KEYS and _outside(p.value, pue):
            out.append(
                f"implausible: {name} = {p.value:g} is outside {pue[0]:g}-{pue[1]:g} ({pue[2]})"
            )
    return out


def _power(plan: Plan) -> list[str]:
    """A user's accelerator power outside its plausible share of the accelerator's TDP."""
    out: list[str] = []
    frac = _range("accelerator_power_fraction", "1")
    for name, slot in _POWERS:
        power = plan.params.get(name)
        if power is None or frac is None or power.status != "user":
            continue
        tdp = _tdp(plan, slot)
        if tdp and _outside(power.value / tdp, frac):
            share = power.value / tdp
            out.append(
                f"implausible: {name} = {power.value:g} W is {share:.2f} x the accelerator's "
                f"TDP ({tdp:g} W); the plausible range is {frac[0]:g}-{frac[1]:g} x TDP ({frac[2]})"
            )
    return out


def _serving(plan: Plan, ev: Evaluation, sample: int) -> list[str]:
    """Serving energy per output token outside the published range."""
    per_token = _range("energy_per_output_token", "J")
    out_tokens = plan.params.get(keys.INFERENCE_OUTPUT_TOKENS)
    requests = plan.params.get(keys.REQUESTS)
    if not (per_token and out_tokens and requests):
        return []
    if out_tokens.value <= 0 or requests.value <= 0:
        return []
    out: list[str] = []
    for i, it in enumerate(ev.items):
        if it.phase == "usage" and it.kind == "serving":
            joules = float(ev.energy_kwh[i, sample]) * J_PER_KWH / requests.value
            j_per_token = joules / out_tokens.value
            if _outside(j_per_token, per_token):
                out.append(
                    f"implausible: serving energy is {j_per_token:.3g} J per output token, "
                    f"outside the published {per_token[0]:g}-{per_token[1]:g} J "
                    f"({per_token[2]})"
                )
    return out


def _tdp(plan: Plan, slot: str) -> float | None:
    """The TDP of the accelerator in the plan's ``slot`` (from the catalog), if known."""
    key = plan.accelerator_keys.get(slot)
    if key is None:
        return None
    acc = catalog.table("accelerators")
    return acc.factor(key, "tdp", "W").value if acc.has(key, "tdp") else None
