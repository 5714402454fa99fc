"""A loaded assessment: the validated spec and what came with it from its file."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lcai.spec.schema import Assessment

__all__ = ["Source"]


@dataclass(frozen=True)
class Source:
    """One assessment as loaded: carried by scenarios, reports and checks.

    ``spec``: the validated assessment (nominal values); ``distributions``: the
    uncertain inputs by field path (``training.accelerators.power``), raw as the file
    states them; ``base_dir``: the folder relative paths in the file (run files,
    fleet results, hourly intensity) are read from; ``data``: the file's parsed data,
    which scenarios change and parse again; ``file``: its name for messages;
    ``text``: the YAML text, to find the line of a field in messages; ``outside_paths``:
    whether measured inputs may be read from outside ``base_dir`` (off by default).
    """

    spec: Assessment
    distributions: Mapping[str, Any] = field(default_factory=dict)
    base_dir: Path = field(default_factory=Path.cwd)
    data: Mapping[str, Any] = field(default_factory=dict)
    file: str | None = None
    text: str | None = None
    outside_paths: bool = False

    def path(self, name: str) -> Path:
        """A path named in the file, relative to the file's folder unless absolute."""
        p = Path(name)
        return p if p.is_absolute() else self.base_dir / p
