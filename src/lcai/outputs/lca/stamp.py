"""Reproducible export times: ``SOURCE_DATE_EPOCH`` (the reproducible-builds convention,
whole seconds since 1970 UTC) as the time written into an export, so that the same
assessment gives the same bytes. Light: the CLI checks the variable before it loads the
exporters."""

from __future__ import annotations

import os
import zipfile
from datetime import UTC, datetime
from typing import Any

from lcai.errors import LcaiError
from lcai.files import source_date_epoch

__all__ = ["restamp_zip", "source_date", "stamp_entities"]

ZIP_EPOCHS = (315532800, 4354819199)
"""The instants a zip entry can hold: 1980-01-01 to 2107-12-31 (UTC)."""


def source_date() -> datetime | None:
    """``SOURCE_DATE_EPOCH`` as a UTC time; None when it is unset or empty."""
    try:
        secs = source_date_epoch(os.environ.get("SOURCE_DATE_EPOCH"))
    except ValueError as exc:
        raise LcaiError(str(exc)) from None
    if secs is None:
        return None
    if not ZIP_EPOCHS[0] <= secs <= ZIP_EPOCHS[1]:
        raise LcaiError(
            f"SOURCE_DATE_EPOCH: expected a time a zip can hold (1980 to 2107), got {secs}"
        )
    return datetime.fromtimestamp(secs, tz=UTC)


def stamp_entities(entities: list[Any], when: datetime) -> None:
    """Set ``last_change`` of every entity and of every object nested in it (olca-schema
    dataclasses: parameters, exchanges, refs) to ``when``."""
    iso = when.isoformat()
    seen: set[int] = set()
    todo = list(entities)
    while todo:
        obj = todo.pop()
        if id(obj) in seen or not hasattr(obj, "__dataclass_fields__"):
            continue
        seen.add(id(obj))
        if hasattr(obj, "last_change"):
            obj.last_change = iso
        for value in vars(obj).values():
            todo.extend(value if isinstance(value, list) else [value])


def restamp_zip(path: str, when: datetime) -> None:
    """Rewrite the zip at ``path`` with every entry at ``when`` (same names and order)."""
    with zipfile.ZipFile(path) as z:
        entries = [(i.filename, z.read(i)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, data)
