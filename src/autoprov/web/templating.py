"""The Jinja2 environment of the admin UI: templates shipped in the package, autoescaped, with
``path_for`` (a route's path, so links follow the routes) and a UTC time filter."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from jinja2 import pass_context
from jinja2.runtime import Context
from starlette.requests import Request
from starlette.templating import Jinja2Templates

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")


def url_path(request: Request, name: str, /, **params: object) -> str:
    """The path of a named route as the browser must ask for it (behind any root path)."""
    path = request.app.url_path_for(name, **{key: str(value) for key, value in params.items()})
    return str(request.scope.get("root_path", "")) + str(path)


@pass_context
def path_for(context: Context, name: str, /, **params: object) -> str:
    return url_path(context["request"], name, **params)


def utc_time(value: datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is None:  # SQLite hands back naive datetimes; every stored time is UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


TEMPLATES.env.globals["path_for"] = path_for
TEMPLATES.env.filters["utc"] = utc_time
