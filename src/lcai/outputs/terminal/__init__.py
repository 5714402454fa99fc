"""Terminal tables (rich): each renderer takes what the library computed and a console.

User text reaching the terminal goes through :func:`escape`: escape sequences and control
characters removed, then rich markup escaped (a name 'run [v2] final' prints as written).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from rich.console import Console
from rich.markup import escape as _markup_escape

from lcai.text import terminal_text

__all__ = ["console", "escape", "recorded_text"]


def escape(text: str) -> str:
    """User text, safe for the terminal: no control characters, no markup."""
    return _markup_escape(terminal_text(text))


class _Console(Console):
    """A console whose plain-text messages lose escape sequences and control characters
    (a path or name in a message, e.g. "Report written to PATH", is the user's text)."""

    def print(self, *objects: Any, **kwargs: Any) -> None:
        super().print(*(terminal_text(o) if isinstance(o, str) else o for o in objects), **kwargs)


def console(*, stderr: bool = False) -> Console:
    """The console lcai prints to (no syntax highlighting of numbers; plain strings printed
    without escape sequences or control characters)."""
    return _Console(stderr=stderr, highlight=False)


def recorded_text(render: Callable[[Console], None], width: int = 120) -> str:
    """What ``render`` prints, as plain text (for ``--output FILE``)."""
    rec = Console(record=True, width=width, file=io.StringIO(), highlight=False)
    render(rec)
    return rec.export_text()
