"""The two ways a UI handler answers: a rendered page, or a redirect after a POST. Both write
the session cookie back, so notices and token changes travel with the response."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.responses import RedirectResponse, Response

from autoprov.web.guard import session_codec
from autoprov.web.session import WebSession
from autoprov.web.templating import TEMPLATES

SECURITY_HEADERS = {
    # Every asset is the app's own; no page may be framed (clickjacking) or post elsewhere.
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def render(
    request: Request,
    session: WebSession,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> Response:
    values = {"session": session, "notices": session.take_notices(), **(context or {})}
    response = TEMPLATES.TemplateResponse(request, template, values, status_code=status_code)
    response.headers.update(SECURITY_HEADERS)
    session_codec(request).store(response, request, session)
    return response


def render_error(
    request: Request, status_code: int, template: str, context: dict[str, Any]
) -> Response:
    """An error page. The cookie is left alone: an error must not end or alter a session."""
    session = session_codec(request).load(request)
    values = {"session": session, "notices": [], "status_code": status_code, **context}
    response = TEMPLATES.TemplateResponse(request, template, values, status_code=status_code)
    response.headers.update(SECURITY_HEADERS)
    return response


def redirect(request: Request, session: WebSession, location: str) -> Response:
    """303 See Other: the browser follows with a GET, so a reload never posts twice."""
    response = RedirectResponse(location, status_code=303)
    session_codec(request).store(response, request, session)
    return response


def local_path(value: str, default: str) -> str:
    """``value`` if it is a path on this site, else ``default``: no open redirect via ``next``."""
    if value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return default
