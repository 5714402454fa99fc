"""Which inputs matter: global (Sobol) and one-at-a-time (tornado) sensitivity.

Sobol indices come from SALib (Saltelli sampling, Jansen estimators): the
first-order index S1 is the share of the output's variance an input explains
alone, the total index ST the share it takes part in, interactions included.
The unit-cube samples are mapped through each input's own distribution
(inverse CDF), and the same engine evaluates all of them in one call.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from lcai.engine.evaluate import evaluate
from lcai.engine.plan import Plan
from lcai.engine.uncertainty import MAX_SAMPLES, shared_inputs
from lcai.errors import SpecError
from lcai.spec.distributions import Dist

__all__ = [
    "SobolIndex",
    "TornadoBar",
    "input_label",
    "max_base_samples",
    "plan_sobol",
    "sobol_indices",
    "tornado",
]

Array = npt.NDArray[np.float64]
QUANTITIES = {"co2e": "co2e_kg", "energy": "energy_kwh", "water": "water_l"}


@dataclass(frozen=True)
class SobolIndex:
    """Sobol indices of one input, with their 95% bootstrap half-widths."""

    name: str
    s1: float
    s1_conf: float
    st: float
    st_conf: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "input": self.name,
            "S1": self.s1,
            "S1_conf": self.s1_conf,
            "ST": self.st,
            "ST_conf": self.st_conf,
        }


@dataclass(frozen=True)
class TornadoBar:
    """The output with one input at its p5 and at its p95, the others at their point values."""

    name: str
    low_input: float
    high_input: float
    unit: str
    output_at_low: float
    output_at_high: float

    @property
    def swing(self) -> float:
        return abs(self.output_at_high - self.output_at_low)

    def to_dict(self) -> dict[str, Any]:
        return {
            "input": self.name,
            "p5": self.low_input,
            "p95": self.high_input,
            "unit": self.unit,
            "output_at_p5": self.output_at_low,
            "output_at_p95": self.output_at_high,
            "swing": self.swing,
        }


def _salib_seed(seed: int) -> int:
    # SALib's analyze() tests `if seed:` and would treat 0 as "no seed"; derive a
    # nonzero seed from ours so that seed 0 is honoured like any other.
    return int(np.random.SeedSequence(seed).generate_state(1)[0]) or 1


def max_base_samples(d: int) -> int:
    """The most base samples N for ``d`` uncertain inputs: N x (d + 2) evaluations, at most
    ``MAX_SAMPLES`` (2,000,000, as for the Monte Carlo of an assessment). The unit-cube
    sample alone is N x (d + 2) x d floats: 16 MB per input at the cap, and each
    evaluation of the model holds a few arrays of that length per parameter."""
    return max(MAX_SAMPLES // (d + 2), 1)


def _check(n_base: int, seed: int, d: int) -> None:
    """Base samples within the cap and a seed of 0 to 2**63 - 1 (as ``sample_params``)."""
    cap = max_base_samples(d)
    if not 1 <= n_base <= cap:
        raise SpecError(
            f"expected 1 to {cap:,} base samples for {d} uncertain input(s) (N x (d + 2) "
            f"evaluations, at most {MAX_SAMPLES:,}), got {n_base:,}",
            path=("base_samples",),
        )
    if not 0 <= seed < 2**63:
        raise SpecError(f"expected 0 to 2**63 - 1, got {seed}", path=("seed",))


def sobol_indices(
    fn: Callable[[Sequence[Array]], Array],
    dists: Sequence[Dist],
    names: Sequence[str],
    n_base: int = 1024,
    seed: int = 0,
) -> list[SobolIndex]:
    """Sobol indices of ``fn`` (columns in, one output array out) over ``dists``.

    Runs ``n_base x (d + 2)`` evaluations (Saltelli's scheme without second order), at
    most ``MAX_SAMPLES`` (:func:`max_base_samples`); ``seed``: 0 to 2**63 - 1.
    """
    d = len(dists)
    _check(n_base, seed, d)
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    if d == 0:
        return []
    problem = {"num_vars": d, "names": list(names), "bounds": [[0.0, 1.0]] * d}
    unit = sobol_sample.sample(
        problem, n_base, calc_second_order=False, seed=np.random.default_rng(seed)
    )
    unit = np.clip(unit, 1e-12, 1 - 1e-12)
    cols = [dist.ppf(unit[:, i]) for i, dist in enumerate(dists)]
    y = np.asarray(fn(cols), dtype=np.float64)
    if np.allclose(y, y[0]):
        return [SobolIndex(n, 0.0, 0.0, 0.0, 0.0) for n in names]
    si = sobol_analyze.analyze(problem, y, calc_second_order=False, seed=_salib_seed(seed))
    out = [
        SobolIndex(
            names[i],
            float(si["S1"][i]),
            float(si["S1_conf"][i]),
            float(si["ST"][i]),
            float(si["ST_conf"][i]),
        )
        for i in range(d)
    ]
    return sorted(out, key=lambda s: -s.st)


def _output(plan: Plan, quantity: str) -> Callable[[dict[str, Array]], Array]:
    field = QUANTITIES.get(quantity, quantity)

    def run(params: dict[str, Array]) -> Array:
        ev = evaluate(plan, params)
        out: Array = ev.total(field) / ev.divisor
        return out

    return run


def plan_sobol(
    plan: Plan, quantity: str = "co2e", n_base: int = 1024, seed: int = 0
) -> list[SobolIndex]:
    """Sobol indices of every uncertain input of ``plan`` for a total (co2e, energy, water).

    A factor that several parameters read (one catalog row, :func:`shared_inputs`) is one
    input, named by its first parameter, with every parameter set to its column."""
    groups = list(shared_inputs(plan).values())
    run = _output(plan, quantity)

    def fn(cols: Sequence[Array]) -> Array:
        return run({m: c for members, c in zip(groups, cols, strict=True) for m in members})

    dists = [_dist(plan, members[0]) for members in groups]
    return sobol_indices(fn, dists, [input_label(m) for m in groups], n_base, seed)


def input_label(members: Sequence[str]) -> str:
    """The name of one uncertain input: its parameter, or the parameters that read one
    catalog row joined by ``=`` (``training.grid.water_intensity =
    usage.grid.water_intensity``)."""
    return " = ".join(members)


def _dist(plan: Plan, name: str) -> Dist:
    d = plan.params[name].dist
    assert d is not None  # shared_inputs holds uncertain parameters only
    return d


def tornado(plan: Plan, quantity: str = "co2e") -> list[TornadoBar]:
    """One-at-a-time: each uncertain input at its p5 and p95, the others at point values
    (a factor several parameters read moves them together, :func:`shared_inputs`)."""
    run = _output(plan, quantity)
    bars = []
    for name, members in shared_inputs(plan).items():
        lo, hi = (float(x) for x in _dist(plan, name).ppf(np.array([0.05, 0.95])))
        out = run(dict.fromkeys(members, np.array([lo, hi])))
        unit = plan.params[name].unit
        bars.append(TornadoBar(input_label(members), lo, hi, unit, float(out[0]), float(out[1])))
    return sorted(bars, key=lambda b: -b.swing)
