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
    return [*_supply(plan), *_power(plan), *_serving(plan, ev, sample)]


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
