"""Terminal tables (rich): each renderer takes what the library computed and a console.

User text reaching the terminal goes through :func:`rich.markup.escape`.
"""

from __future__ import annotations

import io
from collections.abc import Callable

from rich.console import Console

__all__ = ["console", "recorded_text"]


def console(*, stderr: bool = False) -> Console:
    """The console lcai prints to (no syntax highlighting of numbers)."""
    return Console(stderr=stderr, highlight=False)


def recorded_text(render: Callable[[Console], None], width: int = 120) -> str:
    """What ``render`` prints, as plain text (for ``--output FILE``)."""
    rec = Console(record=True, width=width, file=io.StringIO(), highlight=False)
    render(rec)
    return rec.export_text()
