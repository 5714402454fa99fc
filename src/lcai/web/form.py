"""The calculator's form: its fields (field paths of the assessment file), what each
says of itself (from the schema: description, unit, example, default, choices), the
catalog's pickers, and the form <-> assessment data mapping.

The assessment's data (as in a file) is the page's state. The form shows some of its
fields; the YAML beside the form holds all of them. A submitted form is the YAML's data
with each shown field set (a value) or removed (an empty box) on top.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from lcai.errors import SpecError

__all__ = [
    "FIELDS",
    "SECTIONS",
    "Field",
    "apply_form",
    "field_info",
    "field_value",
    "pickers",
]


@dataclass(frozen=True)
class Field:
    """One box of the form: the field path (dots; a number is a list index), its label
    and the picker it uses (``accelerators``, ``regions``, ``models``, ``operators``,
    ``units`` or none)."""

    path: str
    label: str
    picker: str | None = None

    @property
    def parts(self) -> tuple[str | int, ...]:
        return tuple(int(p) if p.isdigit() else p for p in self.path.split("."))

    @property
    def dom_id(self) -> str:
        return "f-" + self.path.replace(".", "-")


_C0 = "manufacturing.components.0"
SECTIONS: tuple[tuple[str, str, tuple[Field, ...]], ...] = (
    ("general", "The model, its functional unit, and the grid and facility of every phase", (
        Field("name", "name"),
        Field("functional_unit", "functional unit", "units"),
        Field("grid.region", "grid region (every phase)", "regions"),
        Field("grid.co2e_intensity", "grid carbon intensity (every phase)"),
        Field("facility.pue", "PUE (default of every phase)"),
        Field("facility.cooling", "cooling (default of every phase)"),
        Field("facility.operator", "operator (default of every phase)", "operators"),
    )),
    ("manufacturing", "Manufacturing: the embodied impact of the hardware (first component)", (
        Field(f"{_C0}.name", "component"),
        Field(f"{_C0}.hardware", "hardware", "accelerators"),
        Field(f"{_C0}.count", "units"),
        Field(f"{_C0}.embodied", "embodied carbon per unit"),
        Field(f"{_C0}.lifetime", "lifetime"),
        Field(f"{_C0}.utilization", "utilisation"),
    )),
    ("training", "Training", (
        Field("training.accelerators.type", "accelerator", "accelerators"),
        Field("training.accelerators.count", "accelerators"),
        Field("training.accelerators.duration", "wall-clock time"),
        Field("training.accelerators.gpu_hours", "accelerator-hours"),
        Field("training.accelerators.power", "power per accelerator"),
        Field("training.accelerators.model.parameters", "model parameters"),
        Field("training.accelerators.tokens", "training tokens"),
        Field("training.accelerators.mfu", "MFU"),
        Field("training.grid.region", "grid region", "regions"),
        Field("training.grid.renewable_share", "renewable share"),
        Field("training.facility.pue", "PUE"),
        Field("training.facility.cooling", "cooling"),
    )),
    ("annotation", "Annotation", (
        Field("annotation.annotators", "annotators"),
        Field("annotation.hours", "hours per annotator"),
        Field("annotation.grid.region", "grid region", "regions"),
    )),
    ("usage", "Usage: serving the model", (
        Field("usage.deployment", "deployment"),
        Field("usage.requests_per_day", "requests per day"),
        Field("usage.inference.model", "served model", "models"),
        Field("usage.inference.accelerator", "accelerator", "accelerators"),
        Field("usage.inference.input_tokens", "input tokens per request"),
        Field("usage.inference.output_tokens", "output tokens per request"),
        Field("usage.grid.region", "grid region", "regions"),
        Field("usage.facility.pue", "PUE"),
        Field("usage.facility.operator", "operator", "operators"),
    )),
)  # fmt: skip
FIELDS: tuple[Field, ...] = tuple(f for _, _, fields in SECTIONS for f in fields)
MAX_VALUE_CHARS = 200
"""The longest value a form box takes."""


@dataclass(frozen=True)
class FieldInfo:
    """What the schema says of a field: description, unit, example, default, choices."""

    description: str
    dimension: str | None
    unit: str | None
    example: str | None
    default: str | None
    choices: tuple[str, ...]
    numeric: bool = False


def _branches(node: Mapping[str, Any], defs: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The alternatives of a schema node, references followed."""
    if "$ref" in node:
        return _branches(defs[str(node["$ref"]).rsplit("/", 1)[-1]], defs)
    if "anyOf" in node:
        return [b for sub in node["anyOf"] for b in _branches(sub, defs)]
    return [node]


def _child(node: Mapping[str, Any], part: str | int, defs: Mapping[str, Any]) -> Any:
    for b in _branches(node, defs):
        if isinstance(part, int) and "items" in b:
            return b["items"]
        if isinstance(part, str) and part in b.get("properties", {}):
            return b["properties"][part]
    return None


def _find(node: Mapping[str, Any], key: str, defs: Mapping[str, Any], depth: int = 0) -> Any:
    """The first ``key`` in a node, its alternatives and its reference, outermost first."""
    if key in node:
        return node[key]
    if depth > 8:
        return None
    subs = list(node.get("anyOf", ()))
    if "$ref" in node:
        subs.append(defs[str(node["$ref"]).rsplit("/", 1)[-1]])
    for sub in subs:
        found = _find(sub, key, defs, depth + 1)
        if found is not None:
            return found
    return None


def _types(node: Mapping[str, Any], defs: Mapping[str, Any], depth: int = 0) -> set[str]:
    """Every JSON type a node (its alternatives, its reference) accepts."""
    out = {str(node["type"])} if "type" in node else set()
    if depth > 8:
        return out
    subs = list(node.get("anyOf", ()))
    if "$ref" in node:
        subs.append(defs[str(node["$ref"]).rsplit("/", 1)[-1]])
    for sub in subs:
        out |= _types(sub, defs, depth + 1)
    return out


@cache
def _schema() -> dict[str, Any]:
    from lcai.spec.schema import Assessment

    return Assessment.model_json_schema()


@cache
def field_info(path: str) -> FieldInfo:
    """The schema's account of a form field (a path not in the schema: a SpecError)."""
    schema = _schema()
    defs = schema.get("$defs", {})
    node: Any = schema
    for part in Field(path, "").parts:
        node = _child(node, part, defs)
        if node is None:
            raise SpecError("not a field of the assessment file", path=tuple(path.split(".")))
    examples = _find(node, "examples", defs)
    enum = _find(node, "enum", defs)
    default = node.get("default")
    return FieldInfo(
        description=str(node.get("description") or _find(node, "description", defs) or ""),
        dimension=_find(node, "x-dimension", defs),
        unit=_find(node, "x-canonical-unit", defs),
        example=str(examples[0]) if examples else None,
        default=None if default is None or default == [] else str(default),
        choices=tuple(str(c) for c in enum) if enum else (),
        numeric=bool(_types(node, defs) & {"number", "integer"}),
    )


def _get(data: Any, parts: tuple[str | int, ...]) -> Any:
    for p in parts:
        if isinstance(p, int):
            if not isinstance(data, list) or p >= len(data):
                return None
            data = data[p]
        else:
            if not isinstance(data, dict):
                return None
            data = data.get(p)
    return data


def field_value(data: Mapping[str, Any], f: Field) -> tuple[str, bool]:
    """The text a box shows for ``data``, and whether the box can edit it (a value the
    YAML gives as a mapping or a list, such as a distribution, is edited there)."""
    v = _get(data, f.parts)
    if v is None:
        return "", True
    if isinstance(v, bool):
        return str(v).lower(), True
    if isinstance(v, int | float | str):
        return str(v), True
    return "", False


_INT = re.compile(r"[-+]?\d{1,15}")
_FLOAT = re.compile(r"[-+]?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?")


def _typed(text: str) -> Any:
    """A numeric box's text as the file would hold it: a plain number as a number, else
    text (``2T``, ``85%``)."""
    if _INT.fullmatch(text):
        return int(text)
    if _FLOAT.fullmatch(text):
        x = float(text)
        if math.isfinite(x):
            return x
    return text


def _set(data: dict[str, Any], parts: tuple[str | int, ...], value: Any, path: str) -> None:
    node: Any = data
    for i, p in enumerate(parts[:-1]):
        nxt = parts[i + 1]
        empty: Any = [] if isinstance(nxt, int) else {}
        if isinstance(p, int):
            if not isinstance(node, list):
                raise SpecError("expected a list here (edit it in the YAML)", path=parts[:i])
            while len(node) <= p:
                node.append({})
            if not isinstance(node[p], type(empty)):
                node[p] = empty
            node = node[p]
        else:
            if not isinstance(node, dict):
                raise SpecError("expected a mapping here (edit it in the YAML)", path=parts[:i])
            if not isinstance(node.get(p), type(empty)):
                node[p] = empty
            node = node[p]
    last = parts[-1]
    if isinstance(last, int) or not isinstance(node, dict):
        raise SpecError("cannot be set from the form (edit it in the YAML)", path=parts)
    node[last] = value


def _remove(data: dict[str, Any], parts: tuple[str | int, ...]) -> None:
    """Remove the value at ``parts``, and the mappings and lists it leaves empty."""
    trail: list[Any] = [data]
    node: Any = data
    for p in parts[:-1]:
        node = _get(node, (p,))
        if node is None or not isinstance(node, dict | list):
            return
        trail.append(node)
    last = parts[-1]
    if isinstance(node, dict) and isinstance(last, str):
        node.pop(last, None)
    for i in range(len(parts) - 1, 0, -1):
        child, parent, key = trail[i], trail[i - 1], parts[i - 1]
        if child:
            break
        if isinstance(parent, dict) and isinstance(key, str):
            parent.pop(key, None)
        elif isinstance(parent, list) and isinstance(key, int) and key == len(parent) - 1:
            parent.pop()


def apply_form(base: Mapping[str, Any], form: Mapping[str, str]) -> dict[str, Any]:
    """``base`` (the YAML's data) with each form box that was submitted set or removed.

    A box not in ``form`` (not submitted: disabled, or scripts sent part of the form)
    leaves its field as it is. A value longer than MAX_VALUE_CHARS is refused."""
    data = copy.deepcopy(dict(base))
    for f in FIELDS:
        if f.path not in form:
            continue
        text = form[f.path].strip()
        if len(text) > MAX_VALUE_CHARS:
            raise SpecError(f"at most {MAX_VALUE_CHARS} characters, got {len(text)}", path=f.parts)
        if text:
            value = _typed(text) if field_info(f.path).numeric else text
            _set(data, f.parts, value, f.path)
        else:
            _remove(data, f.parts)
    return data


@cache
def pickers() -> dict[str, tuple[tuple[str, str], ...]]:
    """The options of each picker: (value, label), from the catalog."""
    from lcai import catalog

    def keys_of(name: str) -> tuple[tuple[str, str], ...]:
        t = catalog.table(name)
        keys = t.keys()
        return tuple((k, t.label(k)) for k in keys)

    facility = catalog.table("facility")
    facility_keys = facility.keys()
    operators = tuple(
        (k.split(":", 1)[1], facility.label(k)) for k in facility_keys if k.startswith("operator:")
    )
    units = (
        ("life cycle", "the whole life cycle"),
        ("per 1000 requests", "per 1000 requests"),
        ("per 1M tokens", "per million tokens"),
        ("per session", "per chat session"),
    )
    return {
        "accelerators": keys_of("accelerators"),
        "regions": keys_of("grid_intensity"),
        "models": keys_of("models"),
        "operators": operators,
        "units": units,
    }
