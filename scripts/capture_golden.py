"""Capture the `lcai assess --json` output of every example and validation case as golden
files (tests/golden). Run before a refactoring that must keep behaviour; the test
tests/test_golden.py compares against them."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import lcai

ROOT = Path(__file__).resolve().parents[1]


def cases() -> list[tuple[str, Path]]:
    out = [(p.stem, p) for p in sorted((ROOT / "examples").glob("*.yaml"))]
    vdir = ROOT / "src" / "lcai" / "data" / "validation"
    out += [(f"validation-{p.stem}", p) for p in sorted(vdir.glob("*.yaml")) if p.stem != "suite"]
    return out


def main() -> int:
    dest = ROOT / "tests" / "golden"
    dest.mkdir(exist_ok=True)
    for name, path in cases():
        data = lcai.assess_file(path).to_dict()
        (dest / f"{name}.json").write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
        print(name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
