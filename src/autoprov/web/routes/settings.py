"""Site settings: SIP domain, registrar, time server, provisioning credentials and networks,
the auto-provisioning switch and cap; and which firmware files the server holds."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from autoprov.api.deps import SessionDep
from autoprov.config import Settings
from autoprov.inventory.site import load_site_settings, update_site_settings
from autoprov.web.files import list_files
from autoprov.web.guard import AdminForm, AdminSession
from autoprov.web.pages import redirect, render
from autoprov.web.routing import UIRoute
from autoprov.web.session import WebSession
from autoprov.web.settings_form import parse_settings_form, posted_values
from autoprov.web.templating import url_path

router = APIRouter(route_class=UIRoute)


def _settings_page(
    request: Request,
    session: WebSession,
    values: dict[str, Any],
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    settings: Settings = request.app.state.settings
    return render(
        request,
        session,
        "settings.html",
        {
            "section": "ui_settings",
            "values": values,
            "errors": errors or {},
            "firmware_dir": settings.data_dir / "firmware",
            "firmware": list_files(settings.data_dir / "firmware", recursive=True),
        },
        status_code=status_code,
    )


@router.get("/settings", name="ui_settings")
def settings_page(
    request: Request,
    session: AdminSession,
    db: SessionDep,
) -> Response:
    site = load_site_settings(db, request.app.state.settings)
    values = asdict(site) | {"provision_networks": "\n".join(site.provision_networks)}
    return _settings_page(request, session, values)


@router.post("/settings", name="ui_settings_save")
def save(
    request: Request,
    posted: AdminForm,
    db: SessionDep,
) -> Response:
    parsed = parse_settings_form(posted.form)
    if parsed.errors:
        return _settings_page(
            request,
            posted.session,
            posted_values(posted.form),
            errors=parsed.errors,
            status_code=422,
        )
    update_site_settings(db, **parsed.changes)
    db.commit()
    posted.session.tell("Settings saved.")
    return redirect(request, posted.session, url_path(request, "ui_settings"))
