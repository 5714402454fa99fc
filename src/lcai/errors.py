"""The error hierarchy of lcai.

Every error lcai raises on bad input is an :class:`LcaiError`. The specific
classes are also the matching builtin (``SpecError`` is a ``ValueError``,
``UnknownKeyError`` a ``KeyError``) so callers can catch either. The library
never prints or exits; the CLI maps these errors to one message and exit
status 2.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["DataError", "LcaiError", "SpecError", "UnitError", "UnknownKeyError"]


def _format_path(path: Sequence[str | int]) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


class LcaiError(Exception):
    """Base class of every error lcai raises on purpose."""


class SpecError(LcaiError, ValueError):
    """An assessment file (or an input value) is invalid.

    Attributes
    ----------
    message : what is wrong and what was expected
    file : the file, where known
    path : the field path inside the file, e.g. ``("training", "accelerators", "power")``
    line : 1-based line in the file, where known
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        path: Sequence[str | int] = (),
        line: int | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.path = tuple(path)
        self.line = line
        super().__init__(self.__str__())

    @property
    def field(self) -> str:
        """The field path as one dotted string (``training.accelerators.power``)."""
        return _format_path(self.path)

    def located(
        self, *, file: str | None = None, path: Sequence[str | int] = (), line: int | None = None
    ) -> SpecError:
        """A copy of this error with location filled in (prefixing ``path``)."""
        err = type(self).__new__(type(self))
        err.__dict__.update(self.__dict__)
        err.file = file if file is not None else self.file
        err.path = tuple(path) + self.path
        err.line = line if line is not None else self.line
        Exception.__init__(err, err.__str__())
        return err

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
        if self.path:
            where = f"{where}: {self.field}" if where else self.field
        return f"{where}: {self.message}" if where else self.message


class UnitError(SpecError, TypeError):
    """A quantity has no unit, an unknown unit, or a unit of the wrong dimension."""


class UnknownKeyError(LcaiError, KeyError):
    """A name (accelerator, region, device, table, source) is not in the catalog.

    Attributes
    ----------
    key : the name asked for
    kind : what kind of name it is ("accelerator", "region", ...)
    suggestions : the closest known names
    """

    def __init__(self, key: str, kind: str, suggestions: Sequence[str] = ()) -> None:
        self.key = key
        self.kind = kind
        self.suggestions = tuple(suggestions)
        super().__init__(key)

    def __str__(self) -> str:
        key = self.key if len(self.key) <= 80 else self.key[:77] + "..."
        msg = f"unknown {self.kind} {key!r}"
        if self.suggestions:
            msg += "; did you mean " + ", ".join(repr(s) for s in self.suggestions) + "?"
        return msg


class DataError(LcaiError):
    """A packaged or user-supplied data table is malformed."""
