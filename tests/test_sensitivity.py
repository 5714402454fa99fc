"""Sensitivity: Sobol indices against known answers, and the tornado table."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from lcai.resolver import resolve
from lcai.spec.distributions import Dist
from lcai.spec.loading import parse_source
from lcai.whatif.sensitivity import plan_sobol, sobol_indices, tornado
from tests.test_bad_input import run_cli


def test_ishigami() -> None:
    """Ishigami (a=7, b=0.1) on U(-pi, pi)^3: S1 = (0.314, 0.442, 0), ST = (0.558, 0.442, 0.244)
    (Saltelli et al. 2008, Global Sensitivity Analysis: The Primer, sec. 4.6)."""

    def f(cols: Sequence[np.ndarray]) -> np.ndarray:
        x1, x2, x3 = cols
        return np.sin(x1) + 7 * np.sin(x2) ** 2 + 0.1 * x3**4 * np.sin(x1)

    dists = [Dist("uniform", -math.pi, math.pi, lower=-math.inf)] * 3
    idx = {i.name: i for i in sobol_indices(f, dists, ["x1", "x2", "x3"], n_base=8192, seed=0)}
    for name, s1, st in (("x1", 0.3139, 0.5576), ("x2", 0.4424, 0.4424), ("x3", 0.0, 0.2437)):
        assert idx[name].s1 == pytest.approx(s1, abs=0.03), name
        assert idx[name].st == pytest.approx(st, abs=0.03), name


def test_seed_zero_is_a_seed() -> None:
    def f(cols: Sequence[np.ndarray]) -> np.ndarray:
        return cols[0] + 2 * cols[1]

    dists = [Dist("uniform", 0, 1)] * 2
    a = sobol_indices(f, dists, ["a", "b"], n_base=256, seed=0)
    b = sobol_indices(f, dists, ["a", "b"], n_base=256, seed=0)
    c = sobol_indices(f, dists, ["a", "b"], n_base=256, seed=5)
    assert a == b  # including the bootstrap confidence intervals
    assert a != c


@pytest.mark.usefixtures("fixture_catalog")
def test_linear_assessment() -> None:
    """Energy = A + B with A ~ N(100, 10), B ~ N(200, 20) kWh: S1 = ST = 0.2 and 0.8."""
    spec: dict[str, Any] = {
        "name": "lin",
        "grid": {"region": "AA", "co2e_intensity": "500 g/kWh"},
        "facility": {"pue": 1.0, "wue": "0 L/kWh"},
        "training": {
            "accelerators": {"energy": "0 kWh"},
            "idle": {"energy": "100 kWh +- 10 kWh"},
            "storage": {"energy": "200 kWh +- 20 kWh"},
        },
    }
    plan = resolve(parse_source(spec))
    idx = {i.name: i for i in plan_sobol(plan, "energy", n_base=4096, seed=3)}
    assert idx["training.idle.energy"].s1 == pytest.approx(0.2, abs=0.03)
    assert idx["training.storage.energy"].st == pytest.approx(0.8, abs=0.03)
    bars = tornado(plan, "co2e")
    assert [b.name for b in bars] == ["training.storage.energy", "training.idle.energy"]
    # storage at its p95: 200 + 1.645 x 20 kWh, with idle at 100 kWh: x 0.5 kg/kWh
    assert bars[0].output_at_high == pytest.approx((100 + 200 + 1.6449 * 20) * 0.5, rel=1e-4)


@pytest.mark.usefixtures("fixture_catalog")
def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "s.yaml"
    f.write_text(
        "name: s\ngrid: {region: AA, co2e_intensity: 400 g/kWh +- 20%}\n"
        "training:\n  accelerators:\n    type: GPU-X\n    gpu_hours: 1000 h +- 5%\n"
    )
    code, out, _ = run_cli(["sensitivity", str(f), "--base-samples", "256", "--json"], capsys)
    assert code == 0
    d = json.loads(out)
    assert d["sobol"][0]["input"] == "training.grid.co2e_intensity"
    assert {b["input"] for b in d["tornado"]} == {
        "training.grid.co2e_intensity",
        "training.accelerators.gpu_hours",
    }
    code, out, _ = run_cli(["sensitivity", str(f), "--base-samples", "64"], capsys)
    assert code == 0 and "Sobol indices" in out and "One at a time" in out
    code, _, err = run_cli(["sensitivity", str(f), "-q", "money"], capsys)
    assert code == 2 and "--quantity" in err


@pytest.mark.parametrize(
    ("n_base", "seed", "field", "fragment"),
    [
        (99_999_999_999, 0, "base_samples", "2,000,000"),
        (0, 0, "base_samples", "got 0"),
        (16, -1, "seed", "2\\*\\*63"),
        (16, 2**64, "seed", "2\\*\\*63"),
        (16, 2**63, "seed", "2\\*\\*63"),
    ],
)
def test_base_samples_and_seed_are_bounded(
    n_base: int, seed: int, field: str, fragment: str
) -> None:
    """Was: 99,999,999,999 base samples was a MemoryError (7 TiB), a seed of -1 numpy's
    ValueError, and a seed of 2**64 accepted where the Monte Carlo refuses it."""
    from lcai.errors import SpecError

    dists = [Dist("uniform", 0.0, 1.0)] * 3
    with pytest.raises(SpecError, match=fragment) as info:
        sobol_indices(lambda cols: cols[0], dists, ["a", "b", "c"], n_base, seed)
    assert info.value.path == (field,)


def test_the_cap_on_base_samples_is_on_evaluations() -> None:
    from lcai.engine.uncertainty import MAX_SAMPLES
    from lcai.whatif.sensitivity import max_base_samples

    for d in (1, 3, 50):
        assert max_base_samples(d) * (d + 2) <= MAX_SAMPLES < (max_base_samples(d) + 1) * (d + 2)
