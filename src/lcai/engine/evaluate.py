"""Evaluate a plan: every line item on one sample of its parameters or on N.

:func:`evaluate` runs the items on a mapping of parameter values: plain floats give
one result; arrays of N samples give N results from the very same code (Monte Carlo
and sensitivity analysis just pass arrays).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from lcai import model as m
from lcai.engine.plan import ItemPlan, Params, Plan, Supply
from lcai.model.num import Num

__all__ = ["Array", "Evaluation", "evaluate", "require_finite"]

Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Evaluation:
    """Evaluated line items: arrays of shape (n_items, n_samples), in life-cycle terms."""

    items: tuple[ItemPlan, ...]
    energy_kwh: Array
    co2e_kg: Array
    co2e_market_kg: Array
    water_l: Array
    water_onsite_l: Array
    divisor: Array

    def phase_mask(self, phase: str) -> npt.NDArray[np.bool_]:
        """Boolean mask of the items of ``phase``."""
        return np.array([it.phase == phase for it in self.items], dtype=bool)

    def total(self, quantity: str) -> Array:
        """Life-cycle total of ``quantity`` per sample."""
        arr: Array = getattr(self, quantity)
        out: Array = arr.sum(axis=0)
        return out


def evaluate(plan: Plan, params: Params | None = None) -> Evaluation:
    """Evaluate every line item on ``params`` (default: the plan's own values).

    Values may be floats or 1-D arrays of equal length N; the result's arrays
    have shape (n_items, N) (N = 1 for scalars). Each item's energy is computed
    once; carbon and water are one multiply-add each on top of it.
    """
    # float64 scalars, not Python floats: a zero divisor gives inf (caught by
    # require_finite), never a ZeroDivisionError
    p: dict[str, Num] = {k: np.float64(v) for k, v in plan.values().items()}
    if params:
        p.update(params)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for name, fn in plan.derived.items():
            if not params or name not in params:
                p[name] = fn(p)
    n = 1
    for v in p.values():
        if isinstance(v, np.ndarray) and v.ndim > 0:
            n = max(n, v.shape[0])
    k = len(plan.items)
    # every row of these is written below; only on-site water stays zero for most items
    energy, co2e, market, water = (np.empty((k, n)) for _ in range(4))
    onsite = np.zeros((k, n))
    markets: dict[int, Num] = {}

    def market_of(s: Supply) -> Num:
        key = id(s.market)
        if key not in markets:
            markets[key] = s.market(p)
        return markets[key]

    it_energy: dict[str, Array] = {}
    order = [i for i, it in enumerate(plan.items) if not it.overhead]
    order += [i for i, it in enumerate(plan.items) if it.overhead]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for i in order:
            it = plan.items[i]
            s = it.supply
            if it.overhead:
                assert s is not None and s.pue is not None
                base = it_energy.get(it.phase, np.zeros(n))
                energy[i] = m.facility_overhead_kwh(base, np.asarray(p[s.pue]))
            else:
                energy[i] = it.energy(p)
                if s is not None and s.wue is not None:
                    if it.phase in it_energy:
                        it_energy[it.phase] += energy[i]
                    else:
                        it_energy[it.phase] = energy[i].copy()
            if it.co2e is not None:
                co2e[i] = it.co2e(p)
                market[i] = it.co2e_market(p) if it.co2e_market is not None else co2e[i]
            elif s is not None:
                co2e[i] = m.co2e_kg(energy[i], p[s.grid])
                if it.co2e_market is not None:  # a reported market-based figure, no location one
                    market[i] = it.co2e_market(p)
                else:
                    market[i] = m.co2e_kg(energy[i], market_of(s))
            else:
                co2e[i] = market[i] = 0.0
            if it.water is not None:
                water[i] = it.water(p)
            elif s is None:
                water[i] = 0.0
            else:
                water[i] = m.offsite_water_l(energy[i], p[s.ewif])
                if s.wue is not None and not it.overhead:
                    onsite[i] = m.onsite_water_l(energy[i], p[s.wue])
                    water[i] += onsite[i]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        div = plan.divisor(p) if plan.divisor else 1.0
    divisor = np.broadcast_to(np.asarray(div), (n,))
    return Evaluation(
        items=tuple(plan.items),
        energy_kwh=energy,
        co2e_kg=co2e,
        co2e_market_kg=market,
        water_l=water,
        water_onsite_l=onsite,
        divisor=np.asarray(divisor, dtype=np.float64),
    )


def require_finite(plan: Plan, ev: Evaluation) -> None:
    """Refuse an evaluation with a value that is not a finite number: an input so large
    that a product overflows (``count: 1e308``). Names the first such item and its inputs."""
    arrays = (ev.energy_kwh, ev.co2e_kg, ev.co2e_market_kg, ev.water_l, ev.divisor[None, :])
    if all(np.isfinite(a).all() for a in arrays):
        return
    from lcai.errors import SpecError

    bad = [i for i in range(len(ev.items)) if not all(np.isfinite(a[i]).all() for a in arrays[:4])]
    if not bad:
        raise SpecError("the number of functional units is not a finite number")
    item = ev.items[bad[0]]
    big = sorted(
        (k for k in item.inputs if k in plan.params),
        key=lambda k: (plan.params[k].value != 0, -abs(plan.params[k].value)),
    )[:3]
    shown = ", ".join(f"{k} = {plan.params[k].value:g}" for k in big)
    raise SpecError(
        f"{item.phase}: {item.name}: the result is not a finite number; an input is zero "
        f"where it divides, or too large ({shown})"
    )
