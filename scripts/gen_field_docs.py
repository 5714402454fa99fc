"""Write docs/assessment-fields.md from the pydantic models (run after changing spec.py).

    .venv/bin/python scripts/gen_field_docs.py

tests/test_docs.py checks that the committed file is what this script writes.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from lcai.spec import schema as spec
from lcai.units import DIMENSIONS

OUT = Path(__file__).resolve().parent.parent / "docs" / "assessment-fields.md"

SECTIONS: list[tuple[str, type[BaseModel]]] = [
    ("Assessment (top level)", spec.Assessment),
    ("FunctionalUnit", spec.FunctionalUnit),
    ("Grid (electricity supply)", spec.Grid),
    ("Facility (data center)", spec.Facility),
    ("Reported (a published result)", spec.Reported),
    ("Training", spec.Training),
    ("Accelerators (training)", spec.Accelerators),
    ("ModelSize", spec.ModelSize),
    ("PowerDraw (cpu, storage, idle)", spec.PowerDraw),
    ("MemoryPower (training.memory)", spec.MemoryPower),
    ("Network", spec.Network),
    ("MeasuredRuns (training.measured, usage.measured)", spec.MeasuredRuns),
    ("Usage", spec.Usage),
    ("Inference (usage.inference)", spec.Inference),
    ("ServedModel (usage.inference.model)", spec.ServedModel),
    ("Provisioned (usage.provisioned)", spec.Provisioned),
    ("Annotation", spec.Annotation),
    ("Device (annotation.devices[])", spec.Device),
    ("Manufacturing", spec.Manufacturing),
    ("Component (manufacturing.components[])", spec.Component),
    ("Hardware (hardware[]: accelerators the catalog lacks)", spec.Hardware),
]


def _kind(schema: dict[str, Any]) -> str:
    for alt in schema.get("anyOf", [schema]):
        if "x-dimension" in alt or "x-dimension" in schema:
            dim = schema.get("x-dimension") or alt.get("x-dimension")
            return f"{dim} [{DIMENSIONS[dim].canonical}], e.g. `{DIMENSIONS[dim].example}`"
    if "$ref" in schema:
        return schema["$ref"].split("/")[-1]
    alts = schema.get("anyOf")
    if alts:
        parts = [_kind(a) for a in alts if a.get("type") != "null"]
        return " or ".join(dict.fromkeys(parts))
    if "enum" in schema:
        return "one of " + ", ".join(f"`{v}`" for v in schema["enum"])
    if schema.get("type") == "array":
        return "list of " + _kind(schema.get("items", {}))
    t = schema.get("type", "value")
    return {"number": "number", "string": "text", "integer": "integer"}.get(t, str(t))


def render() -> str:
    lines = [
        "# Assessment file: every field",
        "",
        "Generated from `src/lcai/spec.py` by `scripts/gen_field_docs.py`; `lcai schema`",
        "prints the same as JSON Schema. Quantities take a number and a unit",
        '(`"700 W"`, `"6 years"`); the unit in brackets is the one lcai stores.',
        'A wrong dimension (`"700 kg"` for a power) is an error.',
        "",
    ]
    for title, model in SECTIONS:
        schema = model.model_json_schema()
        lines += [f"## {title}", "", (model.__doc__ or "").strip().splitlines()[0], ""]
        lines += ["| field | type | required | description |", "|---|---|---|---|"]
        required = set(schema.get("required", []))
        for name, prop in schema.get("properties", {}).items():
            desc = str(prop.get("description", "")).replace("|", "\\|").replace("\n", " ")
            req = "yes" if name in required else ""
            lines.append(f"| `{name}` | {_kind(prop)} | {req} | {desc} |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    text = render()
    if "--check" in sys.argv:
        sys.exit(0 if OUT.read_text() == text else 1)
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(text)
    print(f"wrote {OUT}")
