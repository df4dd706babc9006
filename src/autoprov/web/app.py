"""Mount the admin UI on the API's FastAPI app: pages under ``/ui``, assets under
``/ui/static``, and ``/`` leading to the dashboard."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from starlette.responses import RedirectResponse
from starlette.staticfiles import StaticFiles

from autoprov.inventory.site import generated_secret
from autoprov.web.profile import ProfileViewer
from autoprov.web.routes import auth, dashboard, phone, phones, settings, users
from autoprov.web.session import SIGNING_SETTING, SessionCodec

PREFIX = "/ui"
ROUTERS = tuple(module.router for module in (auth, dashboard, phones, phone, users, settings))
STATIC = Path(__file__).parent / "static"


def _signing_secret(sessions: sessionmaker[Session]) -> str:
    def read_or_create() -> str:
        with sessions() as db, db.begin():
            return generated_secret(db, SIGNING_SETTING, 32)

    try:
        return read_or_create()
    except IntegrityError:
        # Another API process starting at the same time created it first: use theirs.
        return read_or_create()


def mount_admin_ui(app: FastAPI) -> None:
    """Add the admin UI to ``app``, whose state already holds the API's ``settings``,
    ``engine``, ``sessions`` (sessionmaker), ``authenticator`` and ``resync``."""
    app.state.admin_ui_sessions = SessionCodec(_signing_secret(app.state.sessions))
    app.state.admin_ui_profiles = ProfileViewer(app.state.settings, app.state.engine)

    ui = APIRouter(prefix=PREFIX, include_in_schema=False)
    for router in ROUTERS:
        ui.include_router(router)
    app.include_router(ui)
    app.mount(f"{PREFIX}/static", StaticFiles(directory=STATIC), name="admin_ui_static")

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse(f"{PREFIX}/", status_code=307)
