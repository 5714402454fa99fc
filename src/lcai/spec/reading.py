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

__all__ = ["MAX_DEPTH", "MAX_FILE_BYTES", "MAX_VALUES", "load_yaml", "read_text"]

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


def check_nodes(root: Any, name: str) -> None:
    """Refuse a node graph that expands past MAX_VALUES, nests past MAX_DEPTH, refers to
    itself, or repeats a key. Iterative: no recursion on hostile depth."""
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
        open_nodes.add(key)
        stack.append((node, True))
        stack += [(k, False) for k in _children(node) if id(k) not in size]


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
    finally:
        loader.dispose()
