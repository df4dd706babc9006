"""One phone: its facts and status, assigning users (existing or created in place),
unassigning, restarting, deleting, its generated configuration and its uploaded logs.

Changes go through the inventory's functions, commit, and only then ask the notifier to
re-sync the phone, exactly as the REST API does.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import APIRouter, Request
from markupsafe import Markup
from sqlalchemy.orm import Session
from starlette.responses import FileResponse, HTMLResponse, Response

from autoprov.api.deps import SessionDep, request_resync
from autoprov.config import Settings
from autoprov.inventory.errors import InventoryError, NotFound
from autoprov.inventory.lines import assign_line, unassign_line
from autoprov.inventory.phones import delete_phone, get_phone
from autoprov.inventory.records import PhoneRecord
from autoprov.inventory.users import create_user, generate_password, list_users
from autoprov.polycom.models import find_model
from autoprov.web.files import confined_file, list_files
from autoprov.web.guard import AdminForm, AdminSession, PostedForm
from autoprov.web.pages import redirect, render
from autoprov.web.profile import ProfileViewer
from autoprov.web.routing import UIRoute
from autoprov.web.session import WebSession
from autoprov.web.templating import TEMPLATES, url_path

router = APIRouter(route_class=UIRoute)
USER_CHOICES = 500
"""Existing users offered as suggestions in the assign box; any other can still be typed."""

SYNC_BADGES = {"ok": "ok", "pending": "warn"}
"""The badge colour of a re-sync outcome (``notifier.status.SyncStatus`` values); any other
outcome (timeout, error, no-contact) is a failure."""


def uploads_dir(request: Request, mac: str) -> Path:
    """Where the provisioning server keeps this phone's uploads (its ``UploadStore``)."""
    settings: Settings = request.app.state.settings
    return settings.data_dir / "uploads" / mac


def profile_viewer(request: Request) -> ProfileViewer:
    viewer: ProfileViewer = request.app.state.admin_ui_profiles
    return viewer


@dataclass(slots=True)
class NewUserForm:
    username: str = ""
    display_name: str = ""
    errors: dict[str, str] = field(default_factory=dict)


def _status(request: Request, phone: PhoneRecord) -> tuple[Markup, str]:
    html = TEMPLATES.get_template("_phone_status.html").render(
        request=request, phone=phone, sync_badge=SYNC_BADGES.get(phone.sync.status or "", "bad")
    )
    # Rendered by an autoescaping template: already safe HTML.
    return Markup(html), hashlib.sha256(html.encode()).hexdigest()[:16]  # noqa: S704


def _phone_page(
    request: Request,
    session: WebSession,
    db: Session,
    mac: str,
    *,
    error: str | None = None,
    new_user: NewUserForm | None = None,
    status_code: int = 200,
) -> Response:
    phone = get_phone(db, mac)
    status, status_version = _status(request, phone)
    model = find_model(phone.model)
    new_user = new_user or NewUserForm()
    return render(
        request,
        session,
        "phone.html",
        {
            "section": "ui_phones",
            "phone": phone,
            "model_name": model.name if model else phone.model,
            "status_fragment": status,
            "status_version": status_version,
            "users": list_users(db, limit=USER_CHOICES).items,
            "new_user": new_user,
            "new_user_errors": new_user.errors,
            "error": error,
            "profile": profile_viewer(request).show(phone),
            "logs": list_files(uploads_dir(request, phone.mac), recursive=True),
        },
        status_code=status_code,
    )


def _shown_again(
    request: Request,
    posted: PostedForm,
    db: Session,
    mac: str,
    error: InventoryError,
    new_user: NewUserForm | None = None,
) -> Response:
    """The phone page again, saying what went wrong (beside the field, for a new user).
    Nothing of the failed change is kept; an unknown phone gets the error page instead."""
    db.rollback()
    if error.field == "mac":
        raise error
    if new_user is None:
        return _phone_page(
            request, posted.session, db, mac, error=error.message, status_code=error.status
        )
    new_user.errors[error.field or "username"] = error.message
    return _phone_page(
        request, posted.session, db, mac, new_user=new_user, status_code=error.status
    )


def _after_change(
    request: Request, db: Session, session: WebSession, mac: str, notice: str
) -> Response:
    db.commit()
    request_resync(request, mac)
    session.tell(notice)
    return redirect(request, session, url_path(request, "ui_phone", mac=mac))


@router.get("/phones/{mac}", name="ui_phone")
def phone_page(
    request: Request,
    mac: str,
    session: AdminSession,
    db: SessionDep,
) -> Response:
    return _phone_page(request, session, db, mac)


@router.get("/fragments/phones/{mac}/status", name="ui_phone_status")
def phone_status(
    request: Request,
    mac: str,
    _session: AdminSession,
    db: SessionDep,
) -> Response:
    fragment, version = _status(request, get_phone(db, mac))
    return HTMLResponse(
        fragment, headers={"X-Fragment-Version": version, "Cache-Control": "no-store"}
    )


@router.post("/phones/{mac}/assign", name="ui_phone_assign")
def assign(
    request: Request,
    mac: str,
    posted: AdminForm,
    db: SessionDep,
) -> Response:
    username = posted.text("username")
    try:
        phone = assign_line(db, mac, username)
    except InventoryError as error:
        return _shown_again(request, posted, db, mac, error)
    line = next(line for line in phone.lines if line.username == username)
    return _after_change(
        request,
        db,
        posted.session,
        phone.mac,
        f"Assigned {username} to line {line.position}; the phone is asked to re-sync.",
    )


@router.post("/phones/{mac}/assign-new", name="ui_phone_assign_new")
def assign_new(
    request: Request,
    mac: str,
    posted: AdminForm,
    db: SessionDep,
) -> Response:
    form = NewUserForm(username=posted.text("username"), display_name=posted.text("display_name"))
    password = posted.password()
    try:
        get_phone(db, mac)  # an unknown phone is a 404, not a user created for nothing
        create_user(db, form.username, password or generate_password(), form.display_name)
        phone = assign_line(db, mac, form.username)
    except InventoryError as error:
        return _shown_again(request, posted, db, mac, error, form)
    line = next(line for line in phone.lines if line.username == form.username)
    generated = "" if password else " with a generated SIP password"
    return _after_change(
        request,
        db,
        posted.session,
        phone.mac,
        f"Created user {form.username}{generated} and assigned it to line {line.position}; "
        "the phone is asked to re-sync.",
    )


@router.post("/phones/{mac}/unassign", name="ui_phone_unassign")
def unassign(
    request: Request,
    mac: str,
    posted: AdminForm,
    db: SessionDep,
) -> Response:
    username = posted.text("username")
    try:
        phone = unassign_line(db, mac, username)
    except InventoryError as error:
        return _shown_again(request, posted, db, mac, error)
    return _after_change(
        request,
        db,
        posted.session,
        phone.mac,
        f"Took {username} off the phone; the phone is asked to re-sync.",
    )


@router.post("/phones/{mac}/restart", name="ui_phone_restart")
def restart(
    request: Request,
    mac: str,
    posted: AdminForm,
    db: SessionDep,
) -> Response:
    phone = get_phone(db, mac)
    return _after_change(
        request, db, posted.session, phone.mac, "The phone is asked to re-sync (check-sync)."
    )


@router.get("/phones/{mac}/delete", name="ui_phone_delete")
def delete_confirm(
    request: Request,
    mac: str,
    session: AdminSession,
    db: SessionDep,
) -> Response:
    phone = get_phone(db, mac)
    name = f"{phone.unique_id} ({phone.mac})" if phone.unique_id else phone.mac
    return render(
        request,
        session,
        "confirm.html",
        {
            "section": "ui_phones",
            "heading": f"Delete phone {name}?",
            "question": "The phone and its lines leave the inventory. The users stay.",
            "action": url_path(request, "ui_phone_delete", mac=phone.mac),
            "confirm_label": "Delete phone",
            "cancel": url_path(request, "ui_phone", mac=phone.mac),
        },
    )


@router.post("/phones/{mac}/delete", name="ui_phone_delete_post")
def delete(
    request: Request,
    mac: str,
    posted: AdminForm,
    db: SessionDep,
) -> Response:
    phone = get_phone(db, mac)
    delete_phone(db, phone.mac)
    db.commit()
    shown = f"{phone.unique_id} ({phone.mac})" if phone.unique_id else phone.mac
    posted.session.tell(f"Deleted phone {shown}.")
    return redirect(request, posted.session, url_path(request, "ui_phones"))


@router.get("/phones/{mac}/logs/{name:path}", name="ui_phone_log")
def phone_log(
    request: Request,
    mac: str,
    name: str,
    _session: AdminSession,
    db: SessionDep,
) -> Response:
    phone = get_phone(db, mac)
    path = confined_file(uploads_dir(request, phone.mac), name)
    if path is None:
        raise NotFound(f"no uploaded file {name!r} for {phone.mac}", field="name")
    # Served as text, never rendered as HTML: a phone chooses what it uploads.
    return FileResponse(
        path, media_type="text/plain; charset=utf-8", headers={"X-Content-Type-Options": "nosniff"}
    )
