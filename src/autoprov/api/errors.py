"""One error shape for every answer that is not a success, and the handlers producing it::

    {"error": {"status": 422, "message": "mac: not a MAC address ...", "field": "mac"}}

``field`` names the input at fault, or is null when no single input is.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.exceptions import HTTPException

from autoprov.inventory.errors import InventoryError
from autoprov.inventory.validation import PATTERN_HINTS

log = logging.getLogger(__name__)


class ErrorDetail(BaseModel):
    status: int
    message: str
    field: str | None = None


class ErrorBody(BaseModel):
    error: ErrorDetail


_DESCRIPTIONS = {
    400: "The body could not be read (not UTF-8 JSON)",
    401: "No credentials, or wrong ones",
    403: "These credentials may not do this",
    404: "No such phone, user or line",
    409: "Conflicts with the inventory's current state",
    422: "Invalid input; `field` names it",
    503: "The database is unavailable; retry later",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` entry documenting these error statuses for a route."""
    return {
        status: {"model": ErrorBody, "description": _DESCRIPTIONS[status]} for status in statuses
    }


def error_response(
    status: int, message: str, field: str | None = None, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    body = ErrorBody(error=ErrorDetail(status=status, message=message, field=field))
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


def _inventory_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, InventoryError)
    return error_response(exc.status, exc.message, exc.field)


def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = exc.errors()
    if not problems:
        return error_response(422, "invalid request")
    first = problems[0]
    names = [part for part in first.get("loc", ()) if isinstance(part, str)]
    field = names[-1] if names and names[-1] not in {"body", "query", "path"} else None
    pattern = (first.get("ctx") or {}).get("pattern")
    text = PATTERN_HINTS.get(pattern, first.get("msg", "invalid")) if pattern else first["msg"]
    message = f"{field}: {text}" if field else text
    if len(problems) > 1:
        message += f" (and {len(problems) - 1} more problem(s))"
    return error_response(422, message, field)


def _documented_methods(request: Request) -> str | None:
    """Every method the OpenAPI document gives the requested path. (The router's own ``Allow``
    names only the first route that matched the path, e.g. GET but not POST.)"""
    methods: set[str] = set()
    for template, operations in request.app.openapi()["paths"].items():
        pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, request.url.path):
            methods.update(method.upper() for method in operations)
    return ", ".join(sorted(methods)) if methods else None


def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = _documented_methods(request) or headers.get("Allow", "")
    return error_response(exc.status_code, str(exc.detail), headers=headers)


def _integrity_error(_request: Request, exc: Exception) -> JSONResponse:
    # Two requests changed the same thing at once and the database refused the second.
    log.info("conflict error=%s", type(exc).__name__)
    return error_response(409, "a concurrent change conflicted with this one; retry")


def _database_unavailable(_request: Request, exc: Exception) -> JSONResponse:
    log.warning("database-unavailable error=%s", str(exc).splitlines()[0])
    return error_response(
        503, "the database is unavailable; retry later", headers={"Retry-After": "5"}
    )


def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected-error", exc_info=exc)
    return error_response(500, "internal error")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(InventoryError, _inventory_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(OperationalError, _database_unavailable)
    app.add_exception_handler(Exception, _unexpected)
