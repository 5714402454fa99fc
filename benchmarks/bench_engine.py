"""The engine on 1,000,000 samples of one assessment, in one call.

Goal (issue 3): under 1 s on a 2-core machine. Every parameter of the largest
example is perturbed (lognormal, 10% geometric sd, seed 0) so every line item
is evaluated on arrays. The reference printed beside it is the cost of one
elementwise NumPy multiply-add over the same number of samples, measured in
the same run, to show how many array passes the engine costs.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from lcai.api import plan_file
from lcai.engine.evaluate import evaluate

ROOT = Path(__file__).resolve().parent.parent
N = 1_000_000
REPEATS = 3


def main() -> None:
    example = ROOT / "examples" / "open-model-lifecycle.yaml"
    plan = plan_file(example)
    rng = np.random.default_rng(0)
    samples = {k: v * rng.lognormal(0.0, 0.1, N) for k, v in plan.values().items() if v != 0}
    a, b = rng.random(N), rng.random(N)
    t0 = time.perf_counter()
    for _ in range(REPEATS):
        _ = a * b + a
    ref = (time.perf_counter() - t0) / REPEATS
    best = float("inf")
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        ev = evaluate(plan, samples)
        co2e = ev.total("co2e_kg")
        best = min(best, time.perf_counter() - t0)
    p5, p50, p95 = np.percentile(co2e / ev.divisor, [5, 50, 95])
    print(f"engine: {example.name}, {len(plan.params)} parameters, {len(plan.items)} items")
    print(f"  evaluate on {N:,} samples: {best:.3f} s (best of {REPEATS}; goal < 1 s)")
    print(f"  reference, one NumPy a*b+a on {N:,}: {ref * 1000:.1f} ms "
          f"-> engine = {best / ref:.0f} such passes")  # fmt: skip
    print(f"  carbon per functional unit p5/p50/p95: {p5:.4g} / {p50:.4g} / {p95:.4g} kg")


if __name__ == "__main__":
    main()
