"""Bounded reading of an input file: a regular file of bounded size, and YAML whose
aliases, nesting and keys are checked before anything is built from it.

A 500-byte YAML 'billion laughs' expands to billions of values through aliases, and
deep nesting exhausts the stack: both are refused, as are duplicate keys (YAML would
keep the last one silently) and recursive aliases.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lcai.errors import SpecError
from lcai.files import YAML_ONLY_TAGS, yaml_only_tag

__all__ = [
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_VALUES",
    "check_data",
    "load_yaml",
    "read_text",
    "unreadable_value",
]

MAX_FILE_BYTES = 16 * 2**20
"""Largest input file read [bytes]: an assessment is a few kB."""
MAX_VALUES = 100_000
"""Most values (scalars, lists, mappings) a YAML document may expand to, aliases counted."""
MAX_DEPTH = 64
"""Deepest nesting of lists and mappings in a YAML document."""


def read_text(path: str | Path, what: str = "a YAML or TOML file") -> str:
    """The text of a regular, UTF-8 file of at most MAX_FILE_BYTES."""
    p = Path(path)
    name = str(path)
    try:
        if p.is_dir():
            raise SpecError(f"is a directory, expected {what}", file=name)
        if p.exists() and not p.is_file():
            raise SpecError(f"is not a regular file (a device or a pipe), expected {what}",
                            file=name)  # fmt: skip
        with p.open("rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise SpecError("file does not exist", file=name) from None
    except OSError as exc:
        raise SpecError(f"cannot be read: {exc.strerror}", file=name) from None
    if len(raw) > MAX_FILE_BYTES:
        raise SpecError(f"is larger than {MAX_FILE_BYTES // 2**20} MiB", file=name)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SpecError("is not a UTF-8 text file", file=name) from None


def _children(node: Any) -> list[Any]:
    import yaml

    if isinstance(node, yaml.MappingNode):
        return [x for pair in node.value for x in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _duplicate_key(node: Any, name: str) -> None:
    import yaml

    if not isinstance(node, yaml.MappingNode):
        return
    seen: set[str] = set()
    for key, _ in node.value:
        if isinstance(key, yaml.ScalarNode) and key.value != "<<":
            if key.value in seen:
                raise SpecError(
                    f"duplicate key {key.value[:60]!r} (YAML would keep only the last)",
                    file=name, line=key.start_mark.line + 1,
                )  # fmt: skip
            seen.add(key.value)


def _plain_tag(node: Any, name: str) -> None:
    kind = yaml_only_tag(getattr(node, "tag", None))
    if kind is not None:
        raise SpecError(
            f"a YAML !!{kind} value ({YAML_ONLY_TAGS[kind]}): lcai reads text, numbers, "
            "lists and mappings; write it as one of those",
            file=name, line=node.start_mark.line + 1,
        )  # fmt: skip


def check_nodes(root: Any, name: str) -> None:
    """Refuse a node graph that expands past MAX_VALUES, nests past MAX_DEPTH, refers to
    itself, repeats a key, or holds a YAML-only type (!!binary, !!set, ...). Iterative: no
    recursion on hostile depth."""
    size: dict[int, int] = {}
    height: dict[int, int] = {}
    stack: list[tuple[Any, bool]] = [(root, False)]
    open_nodes: set[int] = set()
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            kids = _children(node)
            size[key] = 1 + sum(size[id(k)] for k in kids)
            height[key] = 1 + max((height[id(k)] for k in kids), default=0)
            open_nodes.discard(key)
            if size[key] > MAX_VALUES:
                raise SpecError(f"expands to more than {MAX_VALUES:,} values (YAML aliases)",
                                file=name)  # fmt: skip
            if height[key] > MAX_DEPTH:
                raise SpecError(f"nests deeper than {MAX_DEPTH} levels", file=name)
            continue
        if key in size:
            continue
        if key in open_nodes:
            raise SpecError("a YAML alias refers to itself", file=name,
                            line=node.start_mark.line + 1)  # fmt: skip
        if len(open_nodes) > MAX_DEPTH:
            raise SpecError(f"nests deeper than {MAX_DEPTH} levels", file=name)
        _duplicate_key(node, name)
        _plain_tag(node, name)
        open_nodes.add(key)
        stack.append((node, True))
        stack += [(k, False) for k in _children(node) if id(k) not in size]


def unreadable_value(exc: ValueError, syntax: str) -> str:
    """The message for a value the parser of ``syntax`` could not build (an integer past
    Python's digit limit for reading numbers, an impossible date)."""
    if "integer string conversion" in str(exc):
        return "a number of more than 4,300 digits (far past any quantity lcai reads)"
    return f"a value {syntax} cannot read: {str(exc)[:120]}"


def check_data(data: Any, name: str) -> None:
    """Refuse plain data (from TOML or JSON) that holds more than MAX_VALUES values or nests
    past MAX_DEPTH, as :func:`check_nodes` does for YAML. Iterative."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    count = 0
    while stack:
        value, depth = stack.pop()
        count += 1
        if count > MAX_VALUES:
            raise SpecError(f"holds more than {MAX_VALUES:,} values", file=name)
        if depth > MAX_DEPTH:
            raise SpecError(f"nests deeper than {MAX_DEPTH} levels", file=name)
        if isinstance(value, dict):
            stack += [(v, depth + 1) for v in value.values()]
        elif isinstance(value, list):
            stack += [(v, depth + 1) for v in value]


def load_toml(text: str, name: str) -> Any:
    """Parse TOML text, then refuse what :func:`check_data` refuses (nesting, size)."""
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"malformed TOML: {exc}", file=name) from None
    except RecursionError:
        raise SpecError(f"nests deeper than {MAX_DEPTH} levels", file=name) from None
    except ValueError as exc:  # an integer past Python's 4,300-digit limit
        raise SpecError(unreadable_value(exc, "TOML"), file=name) from None
    check_data(data, name)
    return data


def load_yaml(text: str, name: str) -> Any:
    """Parse YAML text safely (PyYAML's C loader where present), after :func:`check_nodes`."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        check_nodes(node, name)
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        line = mark.line + 1 if mark is not None else None
        raise SpecError(f"malformed YAML: {problem}", file=name, line=line) from None
    except SpecError:  # (a ValueError too) from check_nodes: as it is
        raise
    except ValueError as exc:  # an integer past Python's 4,300-digit limit, a bad date
        raise SpecError(unreadable_value(exc, "YAML"), file=name) from None
    finally:
        loader.dispose()
