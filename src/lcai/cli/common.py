"""What every command shares: printing or writing a text, and naming options in errors."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

__all__ = ["emit", "option_errors"]


def emit(text: str, output: Path | None = None) -> None:
    """Print ``text`` (ending in a newline), or write it to ``output`` atomically."""
    text = text if text.endswith("\n") else text + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        from lcai.outputs.files import write_atomic

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
