"""What the server accepts: every bound of a request in one place.

A request is hostile until checked. Its body is read up to :data:`MAX_BODY_BYTES` (413
past it); its JSON may nest :data:`MAX_DEPTH` levels and hold :data:`MAX_VALUES` values,
as an assessment file may (``lcai.spec.reading``); its numbers must be finite; a Monte
Carlo asks at most :data:`MAX_SAMPLES` samples. None of this imports FastAPI.
"""

from __future__ import annotations

import json
import math
from typing import Any

from lcai.errors import SpecError
from lcai.spec.reading import MAX_DEPTH, MAX_VALUES

__all__ = [
    "MAX_BODY_BYTES",
    "MAX_DEPTH",
    "MAX_NAME_CHARS",
    "MAX_SAMPLES",
    "MAX_SCENARIOS",
    "MAX_SEED",
    "MAX_VALUES",
    "check_samples",
    "check_seed",
    "parse_json",
]

MAX_BODY_BYTES = 1 * 2**20
"""Largest request body [bytes]: an assessment is a few kB; larger is refused with 413."""
MAX_SAMPLES = 20_000
"""Most Monte Carlo samples one request may ask (the report's default is 2,000; 20,000
take about a tenth of a second on the four-phase example)."""
MAX_SEED = 2**63 - 1
"""Largest Monte Carlo seed (seeds are 0 to this)."""
MAX_SCENARIOS = 32
"""Most scenarios one ``/v1/scenarios`` request may compare."""
MAX_NAME_CHARS = 200
"""Longest name in a request or a URL (a scenario, a table, a source id)."""
_MAX_NUMBER = 1e300
"""Largest magnitude of a number in a body; past it arithmetic overflows to infinity."""


def _refuse_constant(name: str) -> Any:
    raise SpecError(f"{name} is not a number lcai accepts (numbers must be finite)")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value) or abs(value) > _MAX_NUMBER:
        raise SpecError(f"the number {text[:40]} is out of range (finite, at most 1e300)")
    return value


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > 301:
        raise SpecError(f"the number {text[:40]}... is out of range (at most 1e300)")
    return int(text)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise SpecError(f"duplicate key {key[:60]!r} (JSON would keep only the last)")
        out[key] = value
    return out


def _check_shape(root: Any) -> None:
    """Refuse data that nests past MAX_DEPTH or holds more than MAX_VALUES values.
    Iterative: no recursion on hostile depth."""
    count = 0
    stack: list[tuple[Any, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > MAX_VALUES:
            raise SpecError(f"holds more than {MAX_VALUES:,} values")
        if depth > MAX_DEPTH:
            raise SpecError(f"nests deeper than {MAX_DEPTH} levels")
        children: Any = node.values() if isinstance(node, dict) else node
        if isinstance(node, dict | list):
            stack += [(c, depth + 1) for c in children]


def parse_json(raw: bytes) -> Any:
    """The JSON document in ``raw`` (UTF-8), bounded: finite numbers of at most 1e300, no
    duplicate key, at most MAX_DEPTH levels and MAX_VALUES values. Any problem is one
    :class:`SpecError` saying what is wrong (where the parser says: line and column)."""
    if len(raw) > MAX_BODY_BYTES:
        raise SpecError(f"the body is larger than {MAX_BODY_BYTES // 2**20} MiB")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SpecError("the body is not UTF-8 text") from None
    if not text.strip():
        raise SpecError("the body is empty: expected a JSON document")
    try:
        data = json.loads(
            text,
            parse_float=_finite_float,
            parse_int=_bounded_int,
            parse_constant=_refuse_constant,
            object_pairs_hook=_no_duplicates,
        )
    except json.JSONDecodeError as exc:
        raise SpecError(
            f"malformed JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    except RecursionError:
        raise SpecError(f"nests deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:  # an integer of too many digits
        raise SpecError(f"malformed JSON: {str(exc)[:200]}") from None
    _check_shape(data)
    return data


def check_samples(samples: Any, *, minimum: int = 1, field: str = "samples") -> int | None:
    """``samples`` as a whole number from ``minimum`` to MAX_SAMPLES, or None when absent."""
    if samples is None:
        return None
    if isinstance(samples, bool) or not isinstance(samples, int):
        raise SpecError(f"expected a whole number of samples, got {samples!r}", path=(field,))
    if not minimum <= samples <= MAX_SAMPLES:
        raise SpecError(
            f"must be from {minimum} to {MAX_SAMPLES:,} samples over the API, got {samples}",
            path=(field,),
        )
    return samples


def check_seed(seed: Any, *, field: str = "seed") -> int:
    """``seed`` as a whole number from 0 to MAX_SEED (0 when absent)."""
    if seed is None:
        return 0
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise SpecError(f"expected a whole number as seed, got {seed!r}", path=(field,))
    if not 0 <= seed <= MAX_SEED:
        raise SpecError(f"must be from 0 to 2**63 - 1, got {seed}", path=(field,))
    return seed
