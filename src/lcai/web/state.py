"""The calculator's page state in a share link: one compact, URL-safe blob.

A blob is ``1.`` followed by the base64url (no padding) of the zlib-compressed JSON of
``{"v": 1, "lcai": version, "catalog": version, "a": assessment, "n": samples,
"o": options, "t": totals}``: the assessment as the file's data, the page's options,
and the totals it gave when the link was made (so that opening the link can say
whether it reproduces them). Decoding treats the blob as hostile: its length, the size
once inflated, the nesting depth and the number of values are bounded, JSON's NaN and
Infinity are refused, and every field is checked for its type and range. Each problem
is one :class:`~lcai.errors.SpecError` whose path starts with ``link``.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lcai.errors import SpecError
from lcai.units import MAX_MAGNITUDE

__all__ = [
    "MAX_BLOB_CHARS",
    "MAX_FIGURES",
    "MAX_JSON_BYTES",
    "MAX_SAMPLES",
    "OPTIONS",
    "TOTALS",
    "PageState",
    "Shared",
    "decode",
    "encode",
]

FORMAT = "1"
MAX_BLOB_CHARS = 12_000
"""The longest blob accepted (a URL of a few kB opens in every browser)."""
MAX_JSON_BYTES = 64 * 1024
"""The most bytes the blob may inflate to."""
MAX_DEPTH = 24
MAX_VALUES = 5_000
MAX_FIGURES = 400
"""The most catalog figures a link records."""
MAX_SAMPLES = 5_000
"""The most Monte Carlo samples a page state may ask for."""
OPTIONS = ("sensitivity", "scenarios")
"""The optional parts of the result a page shows (uncertainty is on when samples > 0)."""
TOTALS = ("energy_kwh", "co2e_kg", "co2e_market_kg", "water_l")
"""The totals a link records when it is made."""


@dataclass(frozen=True)
class PageState:
    """What the page shows: the assessment (its data, as in a file), the Monte Carlo
    samples (0: none), and the optional parts (``OPTIONS``) that are on."""

    assessment: Mapping[str, Any]
    samples: int = 500
    options: frozenset[str] = field(default_factory=lambda: frozenset({"sensitivity"}))


@dataclass(frozen=True)
class Shared:
    """A decoded link: the state, the lcai and catalog versions it was made with, and
    the totals and catalog figures it gave then (``None`` where the link does not record
    them)."""

    state: PageState
    lcai_version: str
    catalog_version: str
    totals: Mapping[str, float | None] | None
    figures: Mapping[str, float] | None = None


def _error(message: str, *path: str | int) -> SpecError:
    return SpecError(f"this share link cannot be opened: {message}", path=("link", *path))


def encode(
    state: PageState,
    *,
    lcai_version: str,
    catalog_version: str,
    totals: Mapping[str, float | None] | None = None,
    figures: Mapping[str, float] | None = None,
) -> str:
    """The blob of a page state (deterministic: one state gives one blob). ``figures``:
    the catalog figures the result used, by assumption name (at most MAX_FIGURES)."""
    doc: dict[str, Any] = {
        "v": 1,
        "lcai": lcai_version,
        "catalog": catalog_version,
        "a": state.assessment,
        "n": state.samples,
        "o": sorted(state.options),
    }
    if totals is not None:
        doc["t"] = {k: totals.get(k) for k in TOTALS}
    if figures:
        doc["f"] = dict(list(figures.items())[:MAX_FIGURES])
    try:
        text = json.dumps(doc, sort_keys=True, separators=(",", ":"), allow_nan=False)
        _check_tree(doc)  # a link is only made where it opens again
    except SpecError as exc:  # (a ValueError too: first)
        reason = exc.message.split(": ", 1)[-1]
        raise SpecError(
            f"the page state is too large for a link ({reason}): download the YAML instead",
            path=("link",),
        ) from None
    except (TypeError, ValueError) as exc:  # a date, bytes, a set, NaN: not JSON
        raise SpecError(
            f"the page state cannot be a link: it holds a value JSON cannot ({exc}); "
            "download the YAML instead",
            path=("link",),
        ) from None
    plain = text.encode("utf-8")
    raw = zlib.compress(plain, 9)
    blob = f"{FORMAT}." + base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")
    if len(blob) > MAX_BLOB_CHARS or len(plain) > MAX_JSON_BYTES:
        raise SpecError(
            f"the page state is too large for a link ({len(blob)} characters, at most "
            f"{MAX_BLOB_CHARS}; {len(plain)} bytes, at most {MAX_JSON_BYTES}): download "
            "the YAML instead",
            path=("link",),
        )
    return blob


def _inflate(blob: str) -> bytes:
    if len(blob) > MAX_BLOB_CHARS:
        raise _error(f"it is {len(blob)} characters long, at most {MAX_BLOB_CHARS}")
    head, sep, body = blob.partition(".")
    if not sep or head != FORMAT:
        raise _error("it is not an lcai link of this version (expected '1.' then the data)")
    if not body or any(c not in _B64 for c in body):
        raise _error("it is damaged (expected letters, digits, '-' and '_' only)")
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        raise _error("it is damaged (not base64url)") from None
    inflater = zlib.decompressobj()
    try:
        text = inflater.decompress(raw, MAX_JSON_BYTES + 1)
    except zlib.error:
        raise _error("it is damaged (not compressed data)") from None
    if len(text) > MAX_JSON_BYTES or inflater.unconsumed_tail:
        raise _error(f"its data inflate to more than {MAX_JSON_BYTES} bytes")
    if not inflater.eof:
        raise _error("it is truncated")
    return text


_B64 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number lcai accepts")


def _check_tree(value: Any, depth: int = 0, count: list[int] | None = None) -> None:
    """Nesting, size and finiteness of the decoded data."""
    count = count if count is not None else [0]
    count[0] += 1
    if count[0] > MAX_VALUES:
        raise _error(f"it holds more than {MAX_VALUES} values")
    if depth > MAX_DEPTH:
        raise _error(f"it nests deeper than {MAX_DEPTH} levels")
    if isinstance(value, dict):
        for v in value.values():
            _check_tree(v, depth + 1, count)
    elif isinstance(value, list):
        for v in value:
            _check_tree(v, depth + 1, count)
    elif isinstance(value, float) and not math.isfinite(value):
        raise _error("it holds a number that is not finite")
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_MAGNITUDE:
        raise _error(f"it holds a number past {MAX_MAGNITUDE:g}")
    if isinstance(value, dict):
        for k in value:
            _check_text(k)
    elif isinstance(value, str):
        _check_text(value)


def _check_text(text: Any) -> None:
    """A key or text that UTF-8 can write (JSON may escape a lone surrogate)."""
    if isinstance(text, str):
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise _error("it holds text that is not valid Unicode (a lone surrogate)") from None


def _loads(text: bytes) -> dict[str, Any]:
    try:
        doc = json.loads(text.decode("utf-8"), parse_constant=_refuse_constant)
    except UnicodeDecodeError:
        raise _error("its data are not UTF-8 text") from None
    except RecursionError:
        raise _error(f"it nests deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:
        raise _error(f"its data are not JSON ({exc})") from None
    if not isinstance(doc, dict):
        raise _error("expected a mapping of fields")
    _check_tree(doc)
    return doc


def _text(doc: Mapping[str, Any], key: str) -> str:
    v = doc.get(key)
    if not isinstance(v, str) or not 0 < len(v) <= 64:
        raise _error("expected the version it was made with (text)", key)
    return v


def _samples(v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= MAX_SAMPLES:
        raise _error(f"expected a whole number of samples from 0 to {MAX_SAMPLES}, got {v!r}", "n")
    return v


def _options(v: Any) -> frozenset[str]:
    if not isinstance(v, list) or any(o not in OPTIONS for o in v):
        raise _error(f"expected a list of options among {', '.join(OPTIONS)}", "o")
    return frozenset(v)


def _totals(v: Any) -> dict[str, float | None] | None:
    if v is None:
        return None
    if not isinstance(v, dict) or set(v) - set(TOTALS):
        raise _error(f"expected the totals {', '.join(TOTALS)}", "t")
    out: dict[str, float | None] = {}
    for k in TOTALS:
        x = v.get(k)
        if x is not None and (isinstance(x, bool) or not isinstance(x, int | float)):
            raise _error(f"expected a number, got {x!r}", "t", k)
        out[k] = None if x is None else float(x)
    return out


def _figures(v: Any) -> dict[str, float] | None:
    if v is None:
        return None
    if not isinstance(v, dict) or len(v) > MAX_FIGURES:
        raise _error(f"expected at most {MAX_FIGURES} figures by name", "f")
    out: dict[str, float] = {}
    for k, x in v.items():
        if len(k) > 200 or isinstance(x, bool) or not isinstance(x, int | float):
            raise _error(f"expected a number, got {x!r}", "f", k[:200])
        out[k] = float(x)
    return out


def decode(blob: str) -> Shared:
    """The page state of a link, checked (see the module's docstring)."""
    doc = _loads(_inflate(blob))
    if doc.get("v") != 1:
        raise _error("it is not an lcai link of this version", "v")
    known = {"v", "lcai", "catalog", "a", "n", "o", "t", "f"}
    extra = sorted(str(k) for k in doc if k not in known)
    if extra:
        raise _error(f"unknown field(s) {', '.join(extra)}")
    assessment = doc.get("a")
    if not isinstance(assessment, dict):
        raise _error("expected the assessment as a mapping of fields", "a")
    state = PageState(assessment, _samples(doc.get("n", 0)), _options(doc.get("o", [])))
    return Shared(state, _text(doc, "lcai"), _text(doc, "catalog"), _totals(doc.get("t")),
                  _figures(doc.get("f")))  # fmt: skip
