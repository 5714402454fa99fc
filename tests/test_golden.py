"""Behaviour kept: every example and validation case gives the JSON captured in tests/golden
(by scripts/capture_golden.py; recaptured when the serving model changed, with each item's
``kind`` and the per-request ``rates``).

Every number, item, assumption and warning must be the same, to a relative 1e-12
(summation order). A change of the model is a new capture, reviewed in its diff.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

import lcai

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden"
ADDED_ITEM_KEYS: set[str] = set()


def _cases() -> list[tuple[str, Path]]:
    out = [(p.stem, p) for p in sorted((ROOT / "examples").glob("*.yaml"))]
    vdir = ROOT / "src" / "lcai" / "data" / "validation"
    out += [(f"validation-{p.stem}", p) for p in sorted(vdir.glob("*.yaml")) if p.stem != "suite"]
    return out


def _strip(obj: Any, key: str = "") -> Any:
    if isinstance(obj, dict):
        drop = ADDED_ITEM_KEYS if key == "items" else set()
        return {k: _strip(v, k) for k, v in obj.items() if k not in drop}
    if isinstance(obj, list):
        return [_strip(v, key) for v in obj]
    return obj


def _diff(a: Any, b: Any, where: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out = [f"{where}.{k}: missing" for k in a.keys() - b.keys()]
        out += [f"{where}.{k}: new" for k in b.keys() - a.keys()]
        for k in a.keys() & b.keys():
            out += _diff(a[k], b[k], f"{where}.{k}")
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{where}: {len(a)} entries, now {len(b)}"]
        return [
            d
            for i, (x, y) in enumerate(zip(a, b, strict=True))
            for d in _diff(x, y, f"{where}[{i}]")
        ]
    if isinstance(a, float) and isinstance(b, float):
        return [] if math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-300) else [f"{where}: {a} -> {b}"]
    return [] if a == b else [f"{where}: {a!r} -> {b!r}"]


def test_every_case_has_a_golden_file() -> None:
    names = {n for n, _ in _cases()}
    assert names == {p.stem for p in GOLDEN.glob("*.json")}


@pytest.mark.parametrize(("name", "path"), _cases(), ids=[n for n, _ in _cases()])
def test_json_identical_to_golden(name: str, path: Path) -> None:
    golden = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
    now = json.loads(lcai.assess_file(path).to_json())
    diffs = _diff(golden, _strip(now))
    assert not diffs, "\n".join(diffs[:20])
