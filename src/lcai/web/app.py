"""The application: the REST API at ``/v1``, the calculator's pages at ``/``, the packaged
static files at ``/static``, the OpenAPI schema at ``/openapi.json`` and its page at
``/api``.

Every response carries strict security headers (:data:`SECURITY_HEADERS`: scripts, styles,
fonts and images from this server only, no inline script or style, never framed, no
referrer). Every request's body is read up to a limit (413 past it) before any route
sees it. Errors are JSON (``lcai.web.api.error_document``): 422 for input lcai refuses,
500 for a bug (logged, no traceback sent). FastAPI's own documentation pages load their
scripts from the network, so they are off; ``/api`` is rendered here instead.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lcai.errors import LcaiError, SpecError
from lcai.web import api, pages
from lcai.web.limits import MAX_BODY_BYTES

__all__ = ["CONTENT_SECURITY_POLICY", "LOCAL_HOSTS", "SECURITY_HEADERS", "create_app",
           "static_dir"]  # fmt: skip

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
"""Everything from this server, nothing inline (no ``<script>`` body, no ``style=``)."""

SECURITY_HEADERS: tuple[tuple[str, str], ...] = (
    ("content-security-policy", CONTENT_SECURITY_POLICY),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "no-referrer"),
    ("cross-origin-opener-policy", "same-origin"),
    ("cross-origin-resource-policy", "same-origin"),
    ("permissions-policy", "camera=(), microphone=(), geolocation=()"),
)
"""Headers set on every response (the route's own value of one of them is replaced)."""

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
"""Host names a local server answers (``lcai serve`` on 127.0.0.1): a request naming
another host (a web page's DNS-rebinding trick) gets 400."""

_log = logging.getLogger("lcai.web")


def static_dir() -> Path:
    """The packaged folder of scripts and styles (from the installed package, not the
    current folder)."""
    return Path(str(resources.files("lcai.web") / "static"))


def _send_json(status: int, doc: Any) -> tuple[Message, Message]:
    body = api.json_response(doc, status).body
    start: Message = {
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode())],
    }  # fmt: skip
    return start, {"type": "http.response.body", "body": body}


class _Guard:
    """Pure ASGI middleware, outermost: adds the security headers to every response, reads
    the request body up to ``max_body_bytes`` (413 past it) and answers a bug with a 500
    JSON error (logged), so nothing leaves without the headers."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_secured(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                names = {n.encode() for n, _ in SECURITY_HEADERS}
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                headers += [(n.encode(), v.encode()) for n, v in SECURITY_HEADERS]
                message = {**message, "headers": headers}
            await send(message)

        body = await self._read_body(scope, receive)
        if body is None:
            too_big = SpecError(f"the body is larger than {self.max_body_bytes:,} bytes")
            for m in _send_json(413, api.error_document(413, too_big)):
                await send_secured(m)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        try:
            await self.app(scope, replay, send_secured)
        except Exception as exc:
            _log.exception("internal error answering %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            bug = RuntimeError(f"internal error: {type(exc).__name__} -- this is a bug in lcai; "
                               "please report it with the request")  # fmt: skip
            for m in _send_json(500, api.error_document(500, bug)):
                await send_secured(m)

    async def _read_body(self, scope: Scope, receive: Receive) -> bytes | None:
        """The whole body, or None when it is (or says it is) larger than the limit."""
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    if int(value) > self.max_body_bytes:
                        return None
                except ValueError:
                    return None
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document of the ``/v1`` routes, with the assessment's schema."""
    if app.openapi_schema:
        return app.openapi_schema
    doc = get_openapi(title=app.title, version=app.version, description=app.description,
                      routes=app.routes)  # fmt: skip
    doc["paths"] = {p: ops for p, ops in doc.get("paths", {}).items() if p.startswith("/v1/")}
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    assessment = api.assessment_schema()
    schemas.update(assessment.pop("$defs", {}))
    schemas["Assessment"] = assessment
    app.openapi_schema = doc
    return doc


def _handlers(app: FastAPI) -> None:
    """Errors as JSON documents: lcai's input errors 422, the API's own their status."""

    async def input_error(request: Request, exc: Exception) -> Response:
        return api.json_response(api.error_document(422, exc), 422)

    async def api_error(request: Request, exc: Exception) -> Response:
        status = exc.status if isinstance(exc, api.ApiError) else 500
        return api.json_response(api.error_document(status, exc), status)

    async def request_error(request: Request, exc: Exception) -> Response:
        errors = exc.errors() if isinstance(exc, RequestValidationError) else []
        first = errors[0] if errors else {}
        where = tuple(str(p) for p in first.get("loc", ())[1:])  # ("query", "samples")
        err = SpecError(str(first.get("msg", "invalid request")), path=where)
        return api.json_response(api.error_document(422, err), 422)

    async def http_error(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, StarletteHTTPException) else 500
        detail = exc.detail if isinstance(exc, StarletteHTTPException) else "error"
        return api.json_response(api.error_document(status, RuntimeError(str(detail))), status)

    app.add_exception_handler(LcaiError, input_error)
    app.add_exception_handler(api.ApiError, api_error)
    app.add_exception_handler(RequestValidationError, request_error)
    app.add_exception_handler(StarletteHTTPException, http_error)


def create_app(
    *, max_body_bytes: int = MAX_BODY_BYTES, trusted_hosts: Sequence[str] | None = None
) -> FastAPI:
    """The web app: the API (``lcai.web.api.router``) at ``/v1``, the pages
    (``lcai.web.pages.router``) at ``/``, ``static_dir()`` at ``/static``, the OpenAPI
    document at ``/openapi.json`` and its page at ``/api``.

    ``max_body_bytes``: the largest request body (413 past it). ``trusted_hosts``: the
    Host names answered (others get 400); None answers any (``lcai serve`` passes
    :data:`LOCAL_HOSTS` when it binds 127.0.0.1). A route raising an ``LcaiError`` answers
    422 with the error document; pages that want HTML should catch it themselves.
    """
    from lcai import __version__
    from lcai.web import apipage

    app = FastAPI(
        title="lcai",
        version=__version__,
        description="Life-cycle assessment of AI: energy, carbon and water. The API of "
        "`lcai serve`; results are the JSON contract of `lcai assess --json`.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.include_router(api.router, prefix="/v1")
    app.include_router(apipage.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=static_dir()), name="static")
    _handlers(app)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    if trusted_hosts is not None:
        from starlette.middleware.trustedhost import TrustedHostMiddleware

        app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(trusted_hosts))
    app.add_middleware(_Guard, max_body_bytes=max_body_bytes)  # last added: outermost
    return app
