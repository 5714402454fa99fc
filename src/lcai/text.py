"""Text that leaves lcai: cells of CSV files and text for terminals, made harmless.

May import nothing of lcai.
"""

from __future__ import annotations

import re

__all__ = ["csv_cell", "html_text", "shown_text", "terminal_text"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CONTROL = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-_]|[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def csv_cell(text: str) -> str:
    """A text cell a spreadsheet will not run and a terminal will not interpret: control
    characters removed, and one starting with ``= + - @``, a tab or a carriage return gets
    a leading apostrophe (OWASP, CSV injection). For text columns only: numbers are
    written as numbers."""
    if text.startswith(_FORMULA_START):
        return "'" + terminal_text(text)
    return terminal_text(text)


_SHOWN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def shown_text(text: str) -> str:
    """User text for a one-line message: each control character written as ``\\xNN``, so
    a name that holds one reads as it is (``grid_intensit\\x1by.csv``), not as a valid
    name with the character silently gone. Tabs and line breaks are kept for the caller."""
    return _SHOWN.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def terminal_text(text: str) -> str:
    """User text for a terminal: escape sequences and control characters removed (line
    breaks and tabs kept)."""
    return _CONTROL.sub("", text)


def html_text(text: str) -> str:
    """User text for HTML and SVG: control characters removed, markup escaped."""
    from html import escape

    return escape(terminal_text(str(text)))
