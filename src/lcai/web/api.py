"""The REST API under ``/v1``: assess, scenarios, catalog tables, sources, validation.

Every answer is JSON. A result is the JSON contract of ``lcai assess --json``
(docs/result.md), computed by the same code path (:func:`lcai.api.assess_source`), so a
body gives the total its file gives to the last digit. An error is
``{"error": {"status", "message", "field", "path", "text"}}``: ``field`` and ``message``
are those the command line prints for the same file (``text`` is its line after
``error: FILE:LINE:``). Status 422 for input lcai refuses (malformed JSON included),
413 for a body past :data:`~lcai.web.limits.MAX_BODY_BYTES`, 415 for a body that is not
JSON, 404 for an unknown table or source.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from lcai.errors import SpecError, UnknownKeyError
from lcai.web import limits
from lcai.web.inputs import catalog_version, source_from_body, source_from_data

__all__ = [
    "ApiError",
    "assessment_schema",
    "catalog_version",
    "error_document",
    "json_response",
    "router",
]

router = APIRouter()


class ApiError(Exception):
    """An answer other than 200, with the error document's fields."""

    def __init__(self, status: int, message: str, path: tuple[str | int, ...] = ()) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.path = path


def error_document(status: int, exc: BaseException) -> dict[str, Any]:
    """The JSON of an error: lcai's message and field path, as the CLI words them."""
    if isinstance(exc, SpecError):
        err = SpecError(exc.message, path=exc.path)  # no file nor line: a body has neither
        message, path, text = exc.message, err.path, str(err)
    elif isinstance(exc, ApiError):
        err = SpecError(exc.message, path=exc.path)
        message, path, text = exc.message, err.path, str(err)
    else:
        message, path, text = str(exc), (), str(exc)
    field = SpecError("", path=path).field
    return {
        "error": {"status": status, "message": message, "field": field, "path": list(path),
                  "text": text}
    }  # fmt: skip


def json_response(doc: Any, status: int = 200) -> Response:
    """``doc`` as a JSON answer (finite numbers only: a NaN is a bug, never sent)."""
    return Response(json.dumps(doc, allow_nan=False, default=str), status_code=status,
                    media_type="application/json")  # fmt: skip


def _error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    words = {404: "Unknown table or source.", 413: "Body too large.",
             415: "Body is not JSON.", 422: "Input lcai refuses (field, message)."}  # fmt: skip
    return {c: {"description": words[c]} for c in codes}


async def _json_body(request: Request) -> bytes:
    """The request's body, which must be declared JSON (a plain form post from another web
    page cannot be: the browser would ask first, and this server does not answer)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/json" and not kind.endswith("+json"):
        raise ApiError(415, f"expected a JSON body (Content-Type: application/json), got {kind!r}")
    return await request.body()


def assessment_schema() -> dict[str, Any]:
    """The JSON Schema of the assessment file, its references pointing to
    ``#/components/schemas`` (``lcai.web.app`` puts it and its ``$defs`` there in the
    OpenAPI document, as ``Assessment``)."""
    from lcai.spec.schema import Assessment

    return Assessment.model_json_schema(ref_template="#/components/schemas/{model}")


_ASSESSMENT_REF = {"$ref": "#/components/schemas/Assessment"}


def _assessment_body(description: str) -> dict[str, Any]:
    content = {"application/json": {"schema": _ASSESSMENT_REF}}
    return {"requestBody": {"required": True, "description": description, "content": content}}


def _assess(raw: bytes, samples: int | None, seed: int) -> str:
    from lcai.api import assess_source

    source = source_from_body(raw)
    return assess_source(source, samples=samples, seed=seed).to_json()


@router.post(
    "/assess",
    summary="Assess an assessment (the file's fields as JSON)",
    responses=_error_responses(413, 415, 422),
    openapi_extra=_assessment_body(
        "The assessment, the same fields as the YAML file (`lcai schema`); distributions as "
        "in the file. Measured inputs (files) are refused."
    ),
)
async def assess(
    request: Request,
    samples: int | None = Query(None, description="Monte Carlo samples (1 to 20,000)."),
    seed: int = Query(0, description="Seed of the Monte Carlo (0 to 2**63 - 1)."),
) -> Response:
    """The result of ``lcai assess --json`` for this assessment."""
    n = limits.check_samples(samples)
    s = limits.check_seed(seed)
    raw = await _json_body(request)
    text = await run_in_threadpool(_assess, raw, n, s)
    return Response(text, media_type="application/json")


_SCENARIO_FIELDS = ("assessment", "scenarios", "samples", "seed")


def _scenario_request(raw: bytes) -> tuple[Any, list[str], int | None, int]:
    doc = limits.parse_json(raw)
    if not isinstance(doc, dict):
        raise SpecError("expected a mapping: {assessment, scenarios, samples, seed}")
    for key in doc:
        if key not in _SCENARIO_FIELDS:
            raise SpecError(f"unknown field (a request has {', '.join(_SCENARIO_FIELDS)})",
                            path=(str(key)[: limits.MAX_NAME_CHARS],))  # fmt: skip
    if "assessment" not in doc:
        raise SpecError("required field is missing", path=("assessment",))
    names = doc.get("scenarios")
    if names is not None:
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise SpecError("expected a list of scenario names", path=("scenarios",))
        if len(names) > limits.MAX_SCENARIOS:
            raise SpecError(f"at most {limits.MAX_SCENARIOS} scenarios a request, got "
                            f"{len(names)}", path=("scenarios",))  # fmt: skip
        for i, n in enumerate(names):
            if not n or len(n) > limits.MAX_NAME_CHARS:
                raise SpecError(f"a name of 1 to {limits.MAX_NAME_CHARS} characters",
                                path=("scenarios", i))  # fmt: skip
    samples = limits.check_samples(doc.get("samples"), minimum=2)
    return doc["assessment"], names or [], samples, limits.check_seed(doc.get("seed"))


def _scenarios(raw: bytes) -> str:
    from lcai.whatif import scenarios as sc

    data, names, samples, seed = _scenario_request(raw)
    try:
        source = source_from_data(data)
    except SpecError as exc:
        raise exc.located(path=("assessment",)) from None
    known = sc.library()
    chosen = names or [n for n, s in known.items() if s.argument is None]
    comps = sc.compare(source, chosen, samples=samples, seed=seed, known=known)
    return json.dumps([c.to_dict() for c in comps], indent=2, allow_nan=False)


@router.post(
    "/scenarios",
    summary="Compare scenarios with a baseline assessment",
    responses=_error_responses(413, 415, 422),
    openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
        "schema": {"type": "object", "required": ["assessment"], "properties": {
            "assessment": _ASSESSMENT_REF,
            "scenarios": {"type": "array", "items": {"type": "string"},
                          "maxItems": limits.MAX_SCENARIOS,
                          "description": "NAME or NAME:ARG; default every library one "
                                         "that takes no argument."},
            "samples": {"type": "integer", "minimum": 2, "maximum": limits.MAX_SAMPLES},
            "seed": {"type": "integer", "minimum": 0, "maximum": limits.MAX_SEED}},
            "additionalProperties": False}}}}},
)  # fmt: skip
async def scenarios(request: Request) -> Response:
    """What ``lcai scenarios FILE --json`` prints: one comparison per scenario."""
    raw = await _json_body(request)
    text = await run_in_threadpool(_scenarios, raw)
    return Response(text, media_type="application/json")


@router.get("/scenarios", summary="The packaged scenario library")
def scenario_list() -> Response:
    """Each scenario of the library: name, description, sources, the argument it takes."""
    from lcai.whatif import scenarios as sc

    return json_response([
        {"name": s.name, "description": s.description, "sources": list(s.sources),
         "argument": s.argument}
        for s in sc.library().values()
    ])  # fmt: skip


@router.get("/version", summary="lcai's version and the catalog's")
def version() -> Response:
    """``{"lcai": ..., "catalog": ...}``: what a result depends on besides its input."""
    from lcai import __version__

    return json_response({"lcai": __version__, "catalog": catalog_version()})


def _name(value: str, kind: str) -> str:
    if not value or len(value) > limits.MAX_NAME_CHARS:
        raise ApiError(404, f"unknown {kind} (a name of 1 to {limits.MAX_NAME_CHARS} "
                            "characters)")  # fmt: skip
    return value


@router.get("/catalog", summary="The packaged tables")
def catalog_tables() -> Response:
    """Each table's name, description, version and number of rows, and the catalog version."""
    from lcai import catalog

    tables = []
    for name in catalog.table_names():
        t = catalog.table(name)
        tables.append({"name": name, "description": t.description, "version": t.version,
                       "rows": len(t.rows)})  # fmt: skip
    return json_response({"catalog": catalog_version(), "tables": tables})


@router.get("/catalog/{table}", summary="A table's rows", responses=_error_responses(404, 422))
def catalog_table(
    table: str,
    key: str | None = Query(None, description="Only this key (or an alias of it)."),
    quantity: str | None = Query(None, description="Only this quantity, e.g. tdp."),
    label: str | None = None,
    unit: str | None = None,
    year: str | None = None,
    source_id: str | None = None,
) -> Response:
    """The rows of TABLE (as ``lcai data show TABLE``), each with unit, year and source."""
    from lcai.outputs.catalog_rows import select_rows

    wanted = {"key": key, "quantity": quantity, "label": label, "unit": unit, "year": year,
              "source_id": source_id}  # fmt: skip
    criteria = {k: v for k, v in wanted.items() if v is not None}
    try:
        tab, rows = select_rows(_name(table, "table"), criteria)
    except UnknownKeyError as exc:
        raise ApiError(404, str(exc)) from None
    return json_response({
        "table": tab.name, "description": tab.description, "version": tab.version,
        "licence": tab.licence, "quantities": tab.quantities, "aliases": dict(tab.aliases),
        "rows": [{"key": r.key, "label": r.label, "quantity": r.quantity, "value": r.value,
                  "unit": r.unit, "year": r.year, "source_id": r.source_id, "note": r.note}
                 for r in rows],
    })  # fmt: skip


@router.get("/sources/{source_id}", summary="A bibliography entry",
            responses=_error_responses(404))  # fmt: skip
def source(source_id: str) -> Response:
    """The entry SOURCE_ID (as ``lcai data cite``): its fields, its one-line citation and
    how many rows of each table cite it."""
    from lcai import catalog
    from lcai.outputs.catalog_rows import citation_and_usage

    try:
        s = catalog.source(_name(source_id, "source"))
    except UnknownKeyError as exc:
        raise ApiError(404, str(exc)) from None
    citation, used_by = citation_and_usage(s.id)
    return json_response({
        "id": s.id, "title": s.title, "authors": s.authors, "year": s.year, "venue": s.venue,
        "url": s.url, "note": s.note, "extra": dict(s.extra), "citation": citation,
        "used_by": used_by,
    })  # fmt: skip


_validation: dict[str, str] = {}
_validation_lock = threading.Lock()


def _validation_json() -> str:
    """``lcai validate --json`` of the packaged suite, computed once a process."""
    with _validation_lock:
        if "json" not in _validation:
            from lcai.checks.validation import run_cases

            checks, rejected = run_cases(None, None)
            listed: list[dict[str, Any]] = [c.to_dict() for c in checks]
            listed += [{"case": r.case, "rejected": r.reason} for r in rejected]
            _validation["json"] = json.dumps(listed, indent=2, allow_nan=False)
        return _validation["json"]


@router.get("/validate", summary="The validation suite's checks")
async def validate() -> Response:
    """What ``lcai validate --json`` prints: each case, published against computed (the
    first call runs the suite, about 2 s; later ones answer from memory)."""
    return Response(await run_in_threadpool(_validation_json), media_type="application/json")
