"""``/api``: the API's page, rendered on the server from the OpenAPI document (every text
escaped), with its own small stylesheet at ``/api.css``: nothing from the network."""

from __future__ import annotations

import json
from html import escape
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

__all__ = ["render_api_page", "router"]

router = APIRouter(include_in_schema=False)

_CSS = """body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;
color:#1d2a30}h1{font-size:1.6rem}h2{font-size:1.15rem;margin-top:2rem;border-top:1px solid #ccd;
padding-top:1rem}code,pre{font-family:ui-monospace,monospace;font-size:13px}pre{background:#f3f5f6;
padding:.6rem;overflow-x:auto}.method{font-weight:700;margin-right:.4rem}table{border-collapse:
collapse}td,th{border-bottom:1px solid #dde;padding:.2rem .6rem;text-align:left;vertical-align:top}
"""

_EXAMPLES = {
    ("post", "/v1/assess"): "curl -s -X POST http://127.0.0.1:8000/v1/assess?samples=2000 \\\n"
    "  -H 'Content-Type: application/json' --data @assessment.json",
    ("post", "/v1/scenarios"): "curl -s -X POST http://127.0.0.1:8000/v1/scenarios \\\n"
    "  -H 'Content-Type: application/json' \\\n"
    '  --data \'{"assessment": {...}, "scenarios": ["liquid-cooling", "move-region:SE"]}\'',
}


def _parameters(op: dict[str, Any]) -> str:
    params = op.get("parameters") or []
    if not params:
        return ""
    rows = []
    for p in params:
        schema = p.get("schema") or {}
        kind = schema.get("type") or "/".join(
            str(s.get("type", "")) for s in schema.get("anyOf", []) if s.get("type") != "null"
        )
        rows.append(
            f"<tr><td><code>{escape(str(p.get('name', '')))}</code></td>"
            f"<td>{escape(str(p.get('in', '')))}</td><td>{escape(str(kind))}</td>"
            f"<td>{escape(str(p.get('description', '')))}</td></tr>"
        )
    return ("<table><tr><th>parameter</th><th>in</th><th>type</th><th>meaning</th></tr>"
            + "".join(rows) + "</table>")  # fmt: skip


def _responses(op: dict[str, Any]) -> str:
    items = "".join(
        f"<li><code>{escape(str(code))}</code> {escape(str(r.get('description', '')))}</li>"
        for code, r in (op.get("responses") or {}).items()
    )
    return f"<p>Answers:</p><ul>{items}</ul>" if items else ""


def render_api_page(doc: dict[str, Any]) -> str:
    """The HTML page of an OpenAPI document: one section per route."""
    info = doc.get("info") or {}
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{escape(str(info.get('title', 'API')))} API</title>",
        "<link rel='stylesheet' href='/api.css'></head><body>",
        f"<h1>{escape(str(info.get('title', '')))} {escape(str(info.get('version', '')))} API</h1>",
        f"<p>{escape(str(info.get('description', '')))}</p>",
        "<p>The machine-readable document: <a href='/openapi.json'>/openapi.json</a>. "
        'Errors are <code>{"error": {"status", "message", "field", "path", '
        '"text"}}</code>: 422 for input lcai refuses (malformed JSON included), 413 for a '
        "body too large, 415 for a body that is not JSON, 404 for an unknown table or "
        "source.</p>",
    ]
    for path, ops in (doc.get("paths") or {}).items():
        for method, op in ops.items():
            parts.append(
                f"<h2><span class='method'>{escape(method.upper())}</span>"
                f"<code>{escape(path)}</code></h2>"
                f"<p><strong>{escape(str(op.get('summary', '')))}</strong></p>"
                f"<p>{escape(str(op.get('description', '')))}</p>"
            )
            parts.append(_parameters(op))
            body = (op.get("requestBody") or {}).get("description")
            if body:
                parts.append(f"<p>Body: {escape(str(body))}</p>")
            example = _EXAMPLES.get((method, path))
            if example:
                parts.append(f"<pre>{escape(example)}</pre>")
            parts.append(_responses(op))
    schemas = (doc.get("components") or {}).get("schemas") or {}
    if "Assessment" in schemas:
        text = json.dumps(schemas["Assessment"], indent=2)
        cut = " (its start; the whole, with its definitions, in /openapi.json)"
        parts.append("<h2>The assessment (request body of <code>/v1/assess</code>)</h2>"
                     f"<p>Its JSON Schema{cut if len(text) > 20000 else ''}:</p>"
                     f"<pre>{escape(text[:20000])}</pre>")  # fmt: skip
    parts.append("</body></html>")
    return "\n".join(parts)


@router.get("/api", response_class=HTMLResponse)
def api_page(request: Request) -> HTMLResponse:
    """The API's page."""
    return HTMLResponse(render_api_page(request.app.openapi()))


@router.get("/api.css")
def api_css() -> Response:
    """The API page's stylesheet."""
    return Response(_CSS, media_type="text/css")
