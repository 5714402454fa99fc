"""The calculator's pages: the router the app includes at ``/``.

``GET /`` the calculator (``?s=BLOB`` a share link, ``?example=NAME``, ``?case=NAME``);
``POST /`` the form, rendered with its result (works with scripts off);
``POST /fragment`` the result alone, for the page's script as the user types;
``POST /upload`` an assessment file; ``GET /download/FORMAT?s=BLOB`` a download;
``GET /sources/ID`` a bibliography entry; ``GET /report.css`` the report's styles.

The page's script and styles are in ``lcai/web/static`` (the app serves them at
``/static``): no inline script or style, so a strict Content-Security-Policy holds.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from lcai.errors import LcaiError, SpecError
from lcai.web import calc, form, view
from lcai.web.state import MAX_SAMPLES, OPTIONS, PageState, decode

__all__ = ["router"]

router = APIRouter()

MAX_FORM_FIELDS = 200
MAX_UPLOAD_BYTES = calc.MAX_TEXT_BYTES
DEFAULT_EXAMPLE = "open-model-lifecycle"
STARTER: dict[str, Any] = {
    "name": "My model",
    "training": {"accelerators": {"type": "H100", "count": 8, "duration": "10 days"},
                 "grid": {"region": "FR"}},
}  # fmt: skip
"""The page's first state where the examples are not installed (a wheel has none)."""


@cache
def _templates() -> Any:
    import jinja2

    folder = resources.files("lcai.web") / "templates"
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["qid"] = lambda s: quote(str(s), safe="")
    return env


def _render(name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    from lcai import __version__

    ctx.setdefault("lcai_version", __version__)
    ctx.setdefault("catalog_version", calc.catalog_version())
    html = _templates().get_template(name).render(**ctx)
    return HTMLResponse(html, status_code=status)


def _page(
    out: view.Outcome, status: int = 200, example: str | None = None, case: str | None = None
) -> HTMLResponse:
    try:
        cases = list(calc.validation_cases())
    except LcaiError:  # pragma: no cover - the packaged suite is checked by its tests
        cases = []
    ctx = {
        "out": out,
        "sections": view.boxes(out),
        "pickers": view.picker_options(),
        "examples": list(calc.examples()),
        "cases": cases,
        "downloads": calc.DOWNLOADS,
        "max_kb": calc.MAX_TEXT_BYTES // 1024,
        "max_value": form.MAX_VALUE_CHARS,
        "max_samples": MAX_SAMPLES,
        "current_example": example,
        "current_case": case,
    }
    status = 422 if out.error and status == 200 else status
    return _render("page.html", status, **ctx)


def _message(heading: str, message: str, status: int) -> HTMLResponse:
    return _render("message.html", status, heading=heading, message=message)


def _error_state(data: Any, err: LcaiError, samples: int = 500) -> view.Outcome:
    out = view.Outcome(PageState(data if isinstance(data, dict) else {}, samples), "")
    out.yaml = calc.to_yaml(out.state.assessment)
    out.error = str(err)
    out.error_field = err.field if isinstance(err, SpecError) else None
    return out


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def calculator(s: str | None = None, example: str | None = None,
               case: str | None = None) -> HTMLResponse:  # fmt: skip
    """The calculator: a share link's state, an example, a validation case, or the
    four-phase example."""
    if s is not None:
        try:
            shared = decode(s)
        except SpecError as exc:
            out = _error_state({}, exc)
            return _page(out, 400)
        out = view.outcome(shared.state)
        out.notices[:0] = view.reproduction_notice(shared, out)
        return _page(out)
    kind, name = ("case", case) if case else ("example", example or DEFAULT_EXAMPLE)
    if not case and example is None and DEFAULT_EXAMPLE not in calc.examples():
        return _page(view.outcome(PageState(dict(STARTER))))  # an install without examples/
    try:
        data = calc.load_named(kind, name)
    except LcaiError as exc:
        return _page(_error_state({}, exc), 404)
    out = view.outcome(PageState(data))
    return _page(out, example=name if kind == "example" else None, case=case)


def _int(text: str, what: str, high: int) -> int:
    t = text.strip()
    # ASCII digits only ('²' is a digit to isdigit, not to int), and few of them
    if not (t.isascii() and t.isdigit() and len(t) <= len(str(high))) or int(t) > high:
        raise SpecError(f"expected a whole number from 0 to {high}, got {t[:40]!r}", path=(what,))
    return int(t)


def _state_of(fd: FormData) -> PageState:
    """The page state of a submitted form: the YAML box's data, the boxes on top."""
    text = fd.get("yaml")
    base = calc.parse_text(text if isinstance(text, str) else "")
    boxes = {k: v for k, v in fd.multi_items() if isinstance(v, str) and k in _PATHS}
    data = form.apply_form(base, boxes)
    samples_text = fd.get("samples")
    samples = _int(samples_text, "samples", MAX_SAMPLES) if isinstance(samples_text, str) else 0
    options = frozenset(o for o in OPTIONS if fd.get(o))
    return PageState(data, samples, options)


_PATHS = frozenset(f.path for f in form.FIELDS)


async def _form(request: Request) -> FormData:
    return await request.form(max_files=0, max_fields=MAX_FORM_FIELDS)


def _outcome_of(fd: FormData) -> view.Outcome:
    try:
        state = _state_of(fd)
    except LcaiError as exc:
        text = fd.get("yaml")
        out = _error_state({}, exc)
        if isinstance(text, str):
            out.yaml = text[: calc.MAX_TEXT_BYTES]
        return out
    return view.outcome(state)


@router.post("/", response_class=HTMLResponse, include_in_schema=False)
async def submit(request: Request) -> HTMLResponse:
    """The form, with its result (the page without scripts)."""
    fd = await _form(request)
    out = await run_in_threadpool(_outcome_of, fd)
    return await run_in_threadpool(_page, out)


@router.post("/fragment", response_class=HTMLResponse, include_in_schema=False)
async def fragment(request: Request) -> HTMLResponse:
    """The result of the form alone (the page's script swaps it in)."""
    fd = await _form(request)
    out = await run_in_threadpool(_outcome_of, fd)
    ctx = {"out": out, "downloads": calc.DOWNLOADS}
    html = _templates().get_template("result.html").render(**ctx)
    return HTMLResponse(html, status_code=422 if out.error else 200)


@router.post("/upload", response_class=HTMLResponse, include_in_schema=False)
async def upload(request: Request) -> HTMLResponse:
    """An uploaded assessment file, read bounded and parsed by the CLI's loader."""
    fd = await request.form(max_files=1, max_fields=4)
    up = fd.get("file")
    if not isinstance(up, UploadFile):
        return _page(_error_state({}, SpecError("choose a file to open", path=("file",))))
    raw = await up.read(MAX_UPLOAD_BYTES + 1)
    name = _safe_name(up.filename or "upload.yaml")
    try:
        if len(raw) > MAX_UPLOAD_BYTES:
            raise SpecError(f"is larger than {MAX_UPLOAD_BYTES // 1024} kB", file=name)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise SpecError("is not a UTF-8 text file", file=name) from None
        data = await run_in_threadpool(calc.parse_text, text, name)
    except LcaiError as exc:
        return _page(_error_state({}, exc))
    return await run_in_threadpool(_page, await run_in_threadpool(view.outcome, PageState(data)))


def _safe_name(name: str) -> str:
    """An uploaded file's base name, printable and short (it appears in messages)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    clean = "".join(c for c in base if c.isprintable())[:80]
    return clean or "upload.yaml"


@router.get("/download/{fmt}", include_in_schema=False)
def download(fmt: str, s: str) -> Response:
    """A download of a share link's state: the YAML, the JSON result, a report format
    or a disclosure."""
    try:
        state = decode(s).state
        text, name, media = calc.download(fmt, state)
    except LcaiError as exc:
        return _message("Cannot make this download", str(exc), 422)
    return Response(
        text.encode("utf-8"),
        media_type=f"{media}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/sources/{sid}", response_class=HTMLResponse, include_in_schema=False)
def source(sid: str) -> HTMLResponse:
    """A bibliography entry, with the catalog rows that cite it."""
    from lcai import catalog

    try:
        entry = catalog.source(sid)
    except LcaiError as exc:
        return _render("source.html", 404, sid=sid[:200], entry=None, message=str(exc))
    rows = [
        (name, r)
        for name in catalog.table_names()
        for r in catalog.table(name).rows
        if r.source_id == sid
    ]
    return _render("source.html", sid=sid, entry=entry, citation=catalog.format_citation(entry),
                   rows=rows[:200], more=max(0, len(rows) - 200))  # fmt: skip


@router.get("/report.css", include_in_schema=False)
def report_css() -> Response:
    """The HTML report's packaged styles (the page shows the report's sections)."""
    css = (resources.files("lcai") / "data" / "report.css").read_text(encoding="utf-8")
    return Response(css, media_type="text/css; charset=utf-8")
