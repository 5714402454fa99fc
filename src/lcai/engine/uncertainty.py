"""Monte Carlo: the same engine evaluated on N samples of the uncertain inputs.

Every parameter with a distribution (stated in the file, or the catalog's
uncertainty for a factor) is drawn N times with a seeded
``numpy.random.Generator``; :func:`lcai.engine.evaluate.evaluate` runs once on the
arrays. Results are percentiles of each total and phase, per functional unit.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from lcai.engine.evaluate import Evaluation, evaluate, require_finite
from lcai.engine.plan import PHASES, Param, Plan
from lcai.errors import SpecError

__all__ = [
    "Band",
    "Percentiles",
    "Uncertainty",
    "run",
    "sample_params",
    "shared_inputs",
    "stream_keys",
    "summarise",
]

Array = npt.NDArray[np.float64]
QUANTITIES = ("energy_kwh", "co2e_kg", "water_l")
MAX_SAMPLES = 2_000_000
"""Most Monte Carlo samples of one assessment: memory grows with samples x (inputs + 5 x
items), about 3 GB at this cap for the largest example (77 inputs, 19 items)."""
PERCENTILES = (5, 50, 95)


def _factor(p: Param) -> tuple[object, ...] | None:
    """The catalog factor a parameter reads, where that is one quantity however many phases
    read it: a row read for something the file named (status ``table``: its region's grid,
    its operator's PUE), with its value, unit and distribution (NaN fields as None). A
    default the file did not state (``default``: the industry-average PUE of an unnamed
    facility) varies from use to use and is its own input, as is a value the file states
    or one derived."""
    if p.row is None or p.dist is None or p.status != "table":
        return None
    d = p.dist
    fields = (d.kind, d.a, d.b, d.c, d.lower, d.upper)
    return (p.row, p.value, p.unit, *(None if x != x else x for x in fields))


def shared_inputs(plan: Plan) -> dict[str, tuple[str, ...]]:
    """The uncertain inputs of ``plan``, each factor once: the first name (sorted) of every
    group of parameters that read one catalog factor (:func:`_factor`), mapped to all the
    group's names. Two phases in one region (``training.grid.co2e_intensity`` and
    ``usage.grid.co2e_intensity``, both the FR row) read one uncertain factor: drawn apart,
    their errors would partly cancel and the total's interval would be too narrow."""
    groups: dict[object, list[str]] = {}
    for name in sorted(plan.params):
        p = plan.params[name]
        if p.dist is None:
            continue
        key = _factor(p)
        groups.setdefault(name if key is None else key, []).append(name)
    return {names[0]: tuple(names) for names in groups.values()}


def _stream(plan: Plan, first: str) -> str:
    """What an input's draws are keyed by: the catalog row of a shared factor (so a phase
    keeps its draws when a scenario moves another phase onto its row), else the name."""
    p = plan.params[first]
    return f"row:{p.row}" if _factor(p) is not None else first


def stream_keys(plan: Plan) -> dict[str, str]:
    """What each uncertain input of ``plan`` draws from, by its first name
    (:func:`shared_inputs`): ``row:TABLE:KEY.QUANTITY`` for a catalog factor, else the name."""
    return {first: _stream(plan, first) for first in shared_inputs(plan)}


def sample_params(
    plan: Plan, n: int, seed: int | None, *, streams: Mapping[str, str] | None = None
) -> dict[str, Array]:
    """N draws of every uncertain parameter, reproducible for a seed.

    Each uncertain input (:func:`shared_inputs`) draws from its own stream, keyed by the
    seed and by its catalog row (a factor the file named) or its name (anything else);
    the parameters that share a factor get the same draws. A scenario and its baseline are
    compared on paired samples: every input the scenario leaves as it was keeps its draws,
    and a factor it replaces (another region's row, another accelerator's) is drawn anew,
    its error independent of the old one's. ``streams`` (first name -> key) overrides the
    key of some inputs: a scenario that rewrites a baseline factor in place (a cooling
    change writes the PUE's shifted distribution into the file) keeps its stream.
    """
    if not 1 <= n <= MAX_SAMPLES:
        raise SpecError(f"expected 1 to {MAX_SAMPLES:,}, got {n:,}", path=("samples",))
    if seed is not None and not 0 <= seed < 2**63:
        raise SpecError(f"expected 0 to 2**63 - 1, got {seed}", path=("seed",))
    out: dict[str, Array] = {}
    for first, names in shared_inputs(plan).items():
        dist = plan.params[first].dist
        assert dist is not None  # shared_inputs holds uncertain parameters only
        stream = (streams or {}).get(first) or _stream(plan, first)
        key = zlib.crc32(stream.encode())
        ss = np.random.SeedSequence([seed if seed is not None else 0, key])
        draws = dist.sample(np.random.default_rng(ss), n)
        draws.flags.writeable = False  # one array for every name of the factor
        out.update(dict.fromkeys(names, draws))
    return out


@dataclass(frozen=True)
class Percentiles:
    """p5, p50, p95 and mean of one quantity over the samples."""

    p5: float
    p50: float
    p95: float
    mean: float

    @classmethod
    def of(cls, x: Array) -> Percentiles:
        p5, p50, p95 = np.percentile(x, PERCENTILES)
        return cls(float(p5), float(p50), float(p95), float(np.mean(x)))

    def to_dict(self) -> dict[str, float]:
        return {"p5": self.p5, "p50": self.p50, "p95": self.p95, "mean": self.mean}


Band = dict[str, Percentiles]
"""Percentiles by quantity (energy_kwh, co2e_kg, water_l [, co2e_market_kg])."""


@dataclass(frozen=True)
class Uncertainty:
    """Percentiles of each total and phase, per functional unit, from a Monte Carlo."""

    samples: int
    seed: int | None
    total: Band
    phases: dict[str, Band]
    uncertain_inputs: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (``uncertainty`` in ``lcai assess --json``)."""

        def band(b: Band) -> dict[str, dict[str, float]]:
            return {q: v.to_dict() for q, v in b.items()}

        return {
            "samples": self.samples,
            "seed": self.seed,
            "total": band(self.total),
            "phases": {ph: band(b) for ph, b in self.phases.items()},
            "uncertain_inputs": list(self.uncertain_inputs),
        }


def summarise(ev: Evaluation, *, market: bool) -> tuple[Band, dict[str, Band]]:
    """Percentiles of totals and phases of an evaluation, per functional unit."""
    quantities = QUANTITIES + (("co2e_market_kg",) if market else ())
    total = {q: Percentiles.of(ev.total(q) / ev.divisor) for q in quantities}
    phases: dict[str, Band] = {}
    for ph in PHASES:
        mask = ev.phase_mask(ph)
        if not mask.any():
            continue
        phases[ph] = {
            q: Percentiles.of(getattr(ev, q)[mask].sum(axis=0) / ev.divisor) for q in quantities
        }
    return total, phases


def run(plan: Plan, n: int, seed: int | None = None) -> Uncertainty:
    """Monte Carlo of ``plan`` with ``n`` samples."""
    draws = sample_params(plan, n, seed)
    ev = evaluate(plan, draws)  # nothing uncertain: one sample, the same percentiles
    require_finite(plan, ev)
    total, phases = summarise(ev, market=plan.has_market)
    return Uncertainty(n, seed, total, phases, tuple(sorted(draws)))
