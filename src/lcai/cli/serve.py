"""``lcai serve``: the local web calculator and the REST API (the ``web`` extra)."""

from __future__ import annotations

import ipaddress
import sys
from typing import Any

import click

from lcai.text import terminal_text

__all__ = ["serve"]


class MissingExtraError(click.ClickException):
    """The ``web`` extra is not installed: bad usage (exit 2), not a bug."""

    exit_code = 2


def bare_host(host: str) -> str:
    """``host`` without the one pair of brackets an IPv6 address may be written in
    (``[::1]``); brackets anywhere else are a usage error."""
    inner = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if "[" in inner or "]" in inner or (inner != host and ":" not in inner):
        raise click.UsageError(
            f"--host {host!r}: expected an address or a name, an IPv6 address in one pair "
            "of brackets at most"
        )
    return inner


def is_loopback(host: str) -> bool:
    """Whether ``host`` (bare, or an IPv6 address in brackets) names this machine only
    (127.0.0.0/8, ::1, localhost); a malformed one does not."""
    try:
        host = bare_host(host)
    except click.UsageError:
        return False
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


_EXTRA_MODULES = ("fastapi", "starlette", "uvicorn", "jinja2", "multipart", "python_multipart")


def _web_app() -> tuple[Any, Any, tuple[str, ...]]:
    """uvicorn, ``create_app`` and the local host names; the web extra's absence is a
    usage error naming what to install (another import error is a bug, raised as is)."""
    try:
        import uvicorn

        from lcai.web.app import LOCAL_HOSTS, create_app
    except ImportError as exc:
        top = (exc.name or "").split(".")[0]
        if top not in _EXTRA_MODULES:
            raise
        raise MissingExtraError(
            f"lcai serve needs the web extra (missing {top}): install lcai[web], e.g. "
            "pip install 'lcai[web]'"
        ) from None
    return uvicorn, create_app, LOCAL_HOSTS


def _resolvable(host: str, port: int) -> None:
    """``host`` is an address or a name this machine resolves (else a usage error, before
    anything starts)."""
    import socket

    try:
        socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise click.UsageError(
            f"--host {host!r}: not an address or a name this machine resolves ({exc})"
        ) from None


@click.command()
@click.option("--port", "-p", type=click.IntRange(1, 65535), default=8000, show_default=True,
              help="TCP port to listen on.")  # fmt: skip
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind; another machine's needs --allow-remote.")  # fmt: skip
@click.option("--allow-remote", is_flag=True,
              help="Allow binding an address other machines can reach (no authentication: "
              "anyone who reaches it can use it).")  # fmt: skip
def serve(port: int, host: str, allow_remote: bool) -> None:
    """Start the web calculator and the REST API on http://127.0.0.1:PORT (Ctrl-C stops)."""
    bare = bare_host(host)
    local = is_loopback(bare)
    if not local and not allow_remote:
        raise click.UsageError(
            f"--host {host!r} is reachable from other machines; lcai serve binds 127.0.0.1 "
            "unless you also give --allow-remote"
        )
    _resolvable(bare, port)
    uvicorn, create_app, local_hosts = _web_app()
    if not local:
        sys.stderr.write(
            f"warning: serving on {terminal_text(bare)}, reachable from other machines, with "
            "no authentication: anyone who reaches it can run assessments on this machine\n"
        )
    in_url = f"[{bare}]" if ":" in bare else bare  # as a Host header and a URL write it
    app = create_app(trusted_hosts=(*local_hosts, bare, in_url) if local else None)
    shown = terminal_text(in_url)
    sys.stderr.write(f"lcai: the calculator at http://{shown}:{port}/ and the API at "
                     f"http://{shown}:{port}/api (Ctrl-C stops)\n")  # fmt: skip
    uvicorn.run(app, host=bare, port=port, log_level="warning",
                server_header=False, proxy_headers=False, access_log=False)  # fmt: skip
