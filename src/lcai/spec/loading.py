"""Read an assessment file (YAML or TOML) into a :class:`Source`.

Every problem becomes one :class:`SpecError` naming the file, the line where
known and the field path.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from lcai.errors import SpecError
from lcai.spec.reading import load_toml, load_yaml, read_text
from lcai.spec.schema import Assessment
from lcai.spec.source import Source

__all__ = [
    "load_assessment",
    "load_source",
    "parse_assessment",
    "parse_source",
    "read_data",
    "yaml_line",
]


def yaml_line(text: str, path: Sequence[str | int]) -> int | None:
    """1-based line of the node at ``path`` in a YAML document (closest existing parent)."""
    import yaml

    try:
        node: Any = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    line = node.start_mark.line + 1 if node is not None else None
    for part in path:
        if isinstance(node, yaml.MappingNode):
            found = None
            for k, v in node.value:
                if k.value == part:
                    found = (k, v)
                    break
            if found is None:
                break
            line = found[0].start_mark.line + 1
            node = found[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                break
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def _clean_message(msg: str) -> str:
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            msg = msg[len(prefix) :]
    return msg


def _friendly(err: Mapping[str, Any]) -> str:
    kind = err.get("type", "")
    msg = _clean_message(str(err.get("msg", "")))
    if kind == "extra_forbidden":
        return "unknown field (check the spelling; `lcai schema` lists every field)"
    if kind == "missing":
        return "required field is missing"
    if kind in ("float_parsing", "float_type"):
        return f"expected a number, got {err.get('input')!r}"
    if kind in ("less_than_equal", "greater_than_equal", "greater_than", "less_than"):
        return f"{msg}, got {err.get('input')!r}"
    if kind == "literal_error":
        return f"{msg}, got {err.get('input')!r}"
    if kind == "model_type" or kind == "dict_type":
        return f"expected a mapping of fields, got {err.get('input')!r}"
    return msg


def parse_source(
    data: Any,
    *,
    file: str | None = None,
    text: str | None = None,
    base_dir: str | Path | None = None,
) -> Source:
    """Validate already-parsed data (a dict) into a :class:`Source`.

    ``base_dir``: the folder relative paths in the data are read from (default: the
    current folder).
    """
    from pydantic import ValidationError

    if not isinstance(data, dict):
        raise SpecError(
            "expected a mapping of fields at the top level (name, training, ...)", file=file
        )
    from lcai.spec.distributions import extract

    try:
        nominal, dists = extract(data)
    except SpecError as exc:
        line = yaml_line(text, exc.path) if text is not None else None
        raise exc.located(file=file, line=line) from None
    try:
        spec = Assessment.model_validate(nominal)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        # Prefer the deepest, most specific error; tagged-union noise is skipped.
        first = max(errors, key=lambda e: len(e.get("loc", ())))
        path = tuple(p for p in first.get("loc", ()) if not str(p).startswith("function-"))
        line = yaml_line(text, path) if text is not None else None
        more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
        raise SpecError(_friendly(first) + more, file=file, path=path, line=line) from None
    base = Path(base_dir).resolve() if base_dir is not None else Path.cwd()
    return Source(spec, dists, base, data, file, text)


def parse_assessment(data: Any, *, file: str | None = None, text: str | None = None) -> Assessment:
    """Validate already-parsed data (a dict) into an :class:`Assessment` (nominal values)."""
    return parse_source(data, file=file, text=text).spec


def read_data(path: str | Path) -> tuple[Any, str | None]:
    """Read a YAML or TOML file into plain data; returns (data, YAML text or None).

    Reading is bounded (``lcai.spec.reading``): size, YAML aliases and nesting, duplicate
    keys are checked before any value is built.
    """
    name = str(path)
    text = read_text(path)
    if Path(path).suffix.lower() == ".toml":
        return load_toml(text, name), None
    data = load_yaml(text, name)
    if data is None:
        raise SpecError("the file is empty", file=name)
    return data, text


def load_source(path: str | Path, *, outside_paths: bool = False) -> Source:
    """Read and validate an assessment file (``.yaml``/``.yml`` or ``.toml``).

    ``outside_paths``: allow the measured inputs it names (run files, fleet results,
    hourly intensity) to lie outside the file's folder.
    """
    data, text = read_data(path)
    source = parse_source(data, file=str(path), text=text, base_dir=Path(path).resolve().parent)
    return replace(source, outside_paths=outside_paths) if outside_paths else source


def load_assessment(path: str | Path) -> Assessment:
    """Read and validate an assessment file; the spec alone (see :func:`load_source`)."""
    return load_source(path).spec
