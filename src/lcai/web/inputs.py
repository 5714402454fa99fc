"""An assessment sent to the server, read into a :class:`~lcai.spec.source.Source`.

The body is the assessment file's data as JSON (the same fields as the YAML file,
``lcai schema``), parsed with the bounds of :mod:`lcai.web.limits` and validated by the
same code as a file, so a field's error carries the same path and message as
``lcai assess FILE`` gives. A field that names a file on the server's disk (the
measured inputs: run files, a fleet result, an hourly intensity) is refused: a client
must not make the server read its files. Used by the API and by the pages.
"""

from __future__ import annotations

from typing import Any

from lcai.errors import SpecError
from lcai.spec.loading import parse_source
from lcai.spec.source import Source
from lcai.web.limits import parse_json

__all__ = [
    "FILE_FIELDS",
    "catalog_version",
    "refuse_file_fields",
    "source_from_body",
    "source_from_data",
]

FILE_FIELDS: tuple[tuple[str, str], ...] = (("training", "measured"), ("usage", "measured"))
"""The fields of an assessment that name files to read (run files, ``fleet``,
``hourly_intensity``): refused over the network."""

_REFUSED = (
    "names files on the server's disk (measured inputs: run files, fleet results, hourly "
    "intensity), which the server does not read for a request; give the energy instead "
    "(e.g. training.accelerators.energy, usage.energy), or run `lcai assess` on your own "
    "machine"
)


def catalog_version() -> str:
    """The version of the catalog in use (``catalog.yaml``), marked ``+ user`` when a
    user's tables are read over it or instead of it (their folder is not named: a share
    link or a response carries no path)."""
    from lcai.catalog import user
    from lcai.catalog.diff import version_of

    base = version_of(None)
    return base if user.overlay_dir() is None and user.base_dir() is None else base + " + user"


def refuse_file_fields(data: Any) -> None:
    """Refuse data with a field that names a file on the server (:data:`FILE_FIELDS`)."""
    if not isinstance(data, dict):
        return
    for phase, field in FILE_FIELDS:
        part = data.get(phase)
        if isinstance(part, dict) and part.get(field) is not None:
            raise SpecError(_REFUSED, path=(phase, field))


def source_from_data(data: Any, *, name: str | None = None) -> Source:
    """Validate parsed data (a dict, as from a YAML or JSON file) into a Source whose
    measured inputs are refused; ``name`` names it in messages (default: none, so a
    message is ``field: what is wrong``)."""
    refuse_file_fields(data)
    source = parse_source(data, file=name)
    for phase, field in FILE_FIELDS:  # the schema's own view, in case a spelling slipped by
        part = getattr(source.spec, phase)
        if part is not None and getattr(part, field, None) is not None:
            raise SpecError(_REFUSED, path=(phase, field))
    return source


def source_from_body(raw: bytes) -> Source:
    """The assessment in a request body (JSON bytes), bounded and validated."""
    return source_from_data(parse_json(raw))
