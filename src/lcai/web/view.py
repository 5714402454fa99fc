"""What the calculator's templates show: the form's boxes with their hints, the result
(or the error, with the CLI's field path), the share link and what opening it found.

Everything here is data for the templates (``lcai/web/templates``, autoescaped); the one
HTML string is the report's body, rendered and escaped by ``lcai.outputs.report``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from lcai.errors import LcaiError, SpecError
from lcai.web import calc, form
from lcai.web.state import TOTALS, PageState, Shared, encode

__all__ = ["Box", "Outcome", "boxes", "outcome", "reproduction_notice"]


@dataclass(frozen=True)
class Hint:
    """A box's unit, default and source, in words (and the source's id for its link)."""

    unit: str = ""
    default: str = ""
    source: str | None = None


@dataclass(frozen=True)
class Box:
    """One form box as the page shows it."""

    field: form.Field
    value: str
    editable: bool
    description: str
    choices: tuple[str, ...]
    hint: Hint


@dataclass
class Outcome:
    """One calculation as the page shows it: the report body or the error, the totals
    (full precision), the share blob, and notices (what opening a link found)."""

    state: PageState
    yaml: str
    blob: str | None = None
    body: str = ""
    totals: dict[str, float | None] = field(default_factory=dict)
    error: str | None = None
    error_field: str | None = None
    notices: list[str] = field(default_factory=list)
    hints: dict[str, Hint] = field(default_factory=dict)
    figures: dict[str, float] = field(default_factory=dict)
    figure_notes: dict[str, str] = field(default_factory=dict)

    @property
    def share_href(self) -> str | None:
        return None if self.blob is None else "/?s=" + quote(self.blob, safe="")

    def download_href(self, fmt: str) -> str | None:
        return None if self.blob is None else f"/download/{fmt}?s=" + quote(self.blob, safe="")

    @property
    def fields_json(self) -> str:
        """The boxes' values for the page's script (which sets those it does not have
        focus in)."""
        values = {f.path: form.field_value(self.state.assessment, f) for f in form.FIELDS}
        return json.dumps({k: v for k, (v, ok) in values.items() if ok})

    @property
    def hints_json(self) -> str:
        return json.dumps(
            {k: {"unit": h.unit, "default": h.default, "source": h.source}
             for k, h in self.hints.items()}
        )  # fmt: skip


def _hint(f: form.Field, assumptions: Mapping[str, Any], given: bool) -> Hint:
    from lcai.fmt import quantity
    from lcai.units import DIMENSIONS

    info = form.field_info(f.path)
    unit = ""
    if info.dimension is not None and info.dimension in DIMENSIONS:
        dim = DIMENSIONS[info.dimension]
        unit = f"{info.dimension}: any unit of it, e.g. {info.example or dim.example}"
    elif info.choices:
        unit = "one of " + ", ".join(info.choices)
    a = assumptions.get(f.path)
    if given:
        return Hint(unit, "your value", None)
    if a is not None:
        note = f"; {a.note}" if a.note else ""
        return Hint(unit, f"lcai uses {quantity(a.value, a.unit)} ({a.status}{note})", a.source)
    if info.default is not None:
        return Hint(unit, f"default {info.default}", None)
    return Hint(unit, "not set", None)


def boxes(out: Outcome) -> list[tuple[str, str, list[Box]]]:
    """The form's sections and boxes for an outcome's state."""
    sections = []
    for key, title, fields in form.SECTIONS:
        row = []
        for f in fields:
            value, editable = form.field_value(out.state.assessment, f)
            info = form.field_info(f.path)
            row.append(Box(f, value, editable, info.description, info.choices,
                           out.hints.get(f.path, Hint())))  # fmt: skip
        sections.append((key, title, row))
    return sections


def _hints(state: PageState, assumptions: Mapping[str, Any]) -> dict[str, Hint]:
    out = {}
    for f in form.FIELDS:
        value, editable = form.field_value(state.assessment, f)
        out[f.path] = _hint(f, assumptions, bool(value) or not editable)
    return out


def _totals(res: Any) -> dict[str, float | None]:
    t = res.total
    return {k: getattr(t, k) for k in TOTALS}


def outcome(state: PageState) -> Outcome:
    """Calculate a page state; an input error becomes the outcome's message (with the
    file, line and field path the CLI would give), never an exception."""
    from lcai import __version__

    out = Outcome(state, calc.to_yaml(state.assessment))
    try:
        c = calc.calculate(state)
    except SpecError as exc:
        out.error, out.error_field = str(exc), exc.field or None
    except LcaiError as exc:
        out.error = str(exc)
    else:
        res = c.report.result
        out.body = calc.report_body(c.report)
        out.totals = _totals(res)
        out.hints = _hints(state, {a.name: a for a in res.assumptions})
        catalog_figures = [a for a in res.assumptions if a.status in _CATALOG_STATUSES]
        out.figures = {a.name: a.value for a in catalog_figures}
        out.figure_notes = {a.name: f"{a.note} [{a.unit}]" for a in catalog_figures}
    if not out.hints:
        out.hints = _hints(state, {})
    try:
        out.blob = encode(
            state, lcai_version=__version__, catalog_version=calc.catalog_version(),
            totals=out.totals or None, figures=out.figures or None,
        )  # fmt: skip
    except SpecError as exc:
        out.notices.append(str(exc))
    return out


_CATALOG_STATUSES = ("table", "default")
"""The assumptions whose values come from the catalog (a link records them)."""


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return a == b or (math.isfinite(a) and math.isfinite(b) and abs(a - b) <= 1e-12 * abs(b))


def reproduction_notice(shared: Shared, out: Outcome) -> list[str]:
    """What opening a share link found: the same result, or what differs and why."""
    from lcai import __version__
    from lcai.fmt import magnitude

    now = calc.catalog_version()
    notes = []
    if shared.catalog_version != now:
        notes.append(
            f"This link was made with catalog {shared.catalog_version}; this lcai uses "
            f"catalog {now}. Figures from the catalog may have changed since (with the "
            "old catalog's folder, `lcai data diff OLD` lists the rows that did)."
        )
    if shared.lcai_version != __version__:
        notes.append(f"This link was made with lcai {shared.lcai_version}; this is lcai "
                     f"{__version__}.")  # fmt: skip
    if shared.totals is None or out.error:
        return notes
    changed = [k for k in TOTALS if not _same(shared.totals.get(k), out.totals.get(k))]
    if not changed:
        notes.append("This link reproduces the result it was made with, exactly.")
        return notes
    units = {"energy_kwh": "kWh", "co2e_kg": "kgCO2e", "co2e_market_kg": "kgCO2e",
             "water_l": "L"}  # fmt: skip
    parts = []
    for k in changed:
        was, now_v = shared.totals.get(k), out.totals.get(k)
        parts.append(
            f"{k}: {'none' if was is None else magnitude(was, units[k])} when shared, "
            f"{'none' if now_v is None else magnitude(now_v, units[k])} now"
        )
    notes.append("The result differs from the one this link was made with: " + "; ".join(parts))
    moved = _figures_changed(shared.figures or {}, out)
    if moved:
        notes.append("Catalog figures that changed since: " + "; ".join(moved))
    return notes


def _figures_changed(was: Mapping[str, float], out: Outcome, most: int = 12) -> list[str]:
    """Each catalog figure the link recorded that is now different, gone or new."""
    from lcai.fmt import number

    lines = []
    for name in sorted(set(was) | set(out.figures)):
        a, b = was.get(name), out.figures.get(name)
        if a is not None and b is not None and _same(a, b):
            continue
        then = "not used" if a is None else number(a, 6)
        now = "not used" if b is None else number(b, 6)
        note = f" ({out.figure_notes[name]})" if name in out.figure_notes else ""
        lines.append(f"{name}: {then} then, {now} now{note}")
    if len(lines) > most:
        lines = [*lines[:most], f"and {len(lines) - most} more"]
    return lines


def picker_options() -> dict[str, Sequence[tuple[str, str]]]:
    """The catalog's pickers (datalists)."""
    return dict(form.pickers())
