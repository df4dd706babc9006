"""The API application: routers under ``/api/v1``, ``/metrics``, one error shape, and the
OpenAPI document (admin credentials required, like everything but the health check)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy import Engine
from sqlalchemy.pool import QueuePool

from autoprov import __version__
from autoprov.api.auth import Authenticator, require_admin
from autoprov.api.deps import Database, Resync, log_resync
from autoprov.api.errors import install_error_handlers
from autoprov.api.metrics import ApiMetrics, MetricsMiddleware
from autoprov.api.paths import API_PREFIX
from autoprov.api.routers import (
    health,
    metrics,
    models,
    phone_batches,
    phones,
    registrations,
    users,
)
from autoprov.config import Settings
from autoprov.inventory.bootstrap import read_secrets
from autoprov.storage.db import session_factory
from autoprov.web import mount_admin_ui

OPENAPI_PATH = f"{API_PREFIX}/openapi.json"


def _document_routes(app: FastAPI) -> APIRouter:
    router = APIRouter(dependencies=[Depends(require_admin)], include_in_schema=False)

    @router.get(OPENAPI_PATH)
    def openapi_document() -> JSONResponse:
        document: dict[str, Any] = app.openapi()
        return JSONResponse(document)

    @router.get(f"{API_PREFIX}/docs")
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=OPENAPI_PATH, title="autoprov API")

    return router


def create_app(settings: Settings, engine: Engine, *, resync: Resync | None = None) -> FastAPI:
    """The API over an already migrated database (``bootstrap`` does that at start-up).

    ``resync(mac)`` is called after a commit whenever a phone must re-sync (line assigned or
    unassigned, restart, its user deleted); it must return at once.
    """
    app = FastAPI(
        title="autoprov",
        version=__version__,
        description="Inventory of Polycom phones, users and lines. HTTP Basic (`admin`) or "
        'bearer token. Errors: `{"error": {"status", "message", "field"}}`.',
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    sessions = session_factory(engine)
    found = read_secrets(engine, settings)
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = sessions
    app.state.database = Database(
        sessions,
        one_writer=engine.dialect.name == "sqlite",
        connections=engine.pool.size() if isinstance(engine.pool, QueuePool) else None,
    )
    app.state.resync = resync or log_resync
    app.state.authenticator = Authenticator.from_secrets(found)
    app.state.metrics = ApiMetrics(sessions)

    install_error_handlers(app)
    for module in (phones, phone_batches, users, models, registrations, health, metrics):
        app.include_router(module.router)
    app.include_router(_document_routes(app))
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    mount_admin_ui(app)
    return app
