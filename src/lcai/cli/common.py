"""What every command shares: printing or writing a text, and naming options in errors."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

__all__ = ["emit", "option_errors", "report_target"]


def emit(text: str, output: Path | None = None) -> None:
    """Print ``text`` (ending in a newline), or write it to ``output`` atomically."""
    text = text if text.endswith("\n") else text + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        from lcai.files import write_atomic

        write_atomic(output, text)


@contextmanager
def option_errors(flags: Mapping[str, str]) -> Iterator[None]:
    """Name the option in a library error about a parameter: an error whose field is
    ``start`` becomes ``--start: ...`` where ``flags`` maps ``start`` to ``--start``."""
    from lcai.errors import SpecError

    try:
        yield
    except SpecError as exc:
        name = str(exc.path[0]) if exc.path else ""
        if exc.file is not None or len(exc.path) != 1 or name not in flags:
            raise
        raise SpecError(f"{flags[name]}: {exc.message}") from None


_REPORT_SUFFIXES = {".html": "html", ".htm": "html", ".md": "md", ".markdown": "md",
                    ".tex": "latex", ".latex": "latex"}  # fmt: skip
_REPORT_DEFAULTS = {"html": "report.html", "md": "report.md", "latex": "report.tex"}


def report_target(
    output: Path | None, fmt: str | None, option: str = "--output"
) -> tuple[Path, str]:
    """Where a report goes and in which format: the format from ``output``'s suffix when
    ``--format`` is not given; a suffix that names another format is a usage error, and so
    is a suffix that names none without ``--format``."""
    import click

    if output is None:
        fmt = fmt or "html"
        return Path(_REPORT_DEFAULTS[fmt]), fmt
    named = _REPORT_SUFFIXES.get(output.suffix.lower())
    if fmt is None and named is None:
        raise click.UsageError(
            f"{option}: cannot tell the report format from {str(output)!r} (.html, .md or "
            ".tex); give --format"
        )
    if fmt is not None and named is not None and named != fmt:
        raise click.UsageError(
            f"{option}: {str(output)!r} is a {named} file name, but --format is {fmt}"
        )
    return output, fmt or str(named)
