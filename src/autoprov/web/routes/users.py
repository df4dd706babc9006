"""Users: list with the phones each is on, create, edit, delete (re-syncing its phones)."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from autoprov.api.deps import SessionDep, request_resync
from autoprov.inventory.errors import InventoryError
from autoprov.inventory.keep import KEEP
from autoprov.inventory.unique_ids import find_unique_id
from autoprov.inventory.users import (
    create_user,
    delete_user,
    generate_password,
    get_user,
    list_users,
    update_user,
)
from autoprov.web.guard import AdminForm, AdminSession
from autoprov.web.pages import redirect, render
from autoprov.web.routing import UIRoute
from autoprov.web.session import WebSession
from autoprov.web.templating import url_path

router = APIRouter(route_class=UIRoute)
PER_PAGE = 50


@dataclass(slots=True)
class UserForm:
    username: str = ""
    display_name: str = ""
    errors: dict[str, str] = field(default_factory=dict)


def _users_page(
    request: Request,
    session: WebSession,
    db: Session,
    *,
    form: UserForm | None = None,
    status_code: int = 200,
) -> Response:
    search = request.query_params.get("q", "").strip()[:200]
    page_param = request.query_params.get("page", "1")
    page = int(page_param) if page_param.isdigit() and 0 < int(page_param) < 100_000 else 1
    result = list_users(db, search=search or None, offset=(page - 1) * PER_PAGE, limit=PER_PAGE)
    macs = {phone.mac for user in result.items for phone in user.phones}
    return render(
        request,
        session,
        "users.html",
        {
            "section": "ui_users",
            "result": result,
            "search": search,
            "page": page,
            "pages": max(1, -(-result.total // PER_PAGE)),
            "unique_ids": {mac: find_unique_id(db, mac) for mac in macs},
            "form": form or UserForm(),
        },
        status_code=status_code,
    )


@router.get("/users", name="ui_users")
def users(
    request: Request,
    session: AdminSession,
    db: SessionDep,
) -> Response:
    return _users_page(request, session, db)


@router.post("/users", name="ui_users_create")
def create(
    request: Request,
    posted: AdminForm,
    db: SessionDep,
) -> Response:
    form = UserForm(username=posted.text("username"), display_name=posted.text("display_name"))
    password = posted.password()
    try:
        create_user(db, form.username, password or generate_password(), form.display_name)
    except InventoryError as error:
        db.rollback()
        form.errors[error.field or "username"] = error.message
        return _users_page(request, posted.session, db, form=form, status_code=error.status)
    db.commit()
    generated = "" if password else " with a generated SIP password"
    posted.session.tell(f"Created user {form.username}{generated}.")
    return redirect(request, posted.session, url_path(request, "ui_user", username=form.username))


def _user_page(
    request: Request,
    session: WebSession,
    db: Session,
    username: str,
    *,
    form: UserForm | None = None,
    status_code: int = 200,
) -> Response:
    user = get_user(db, username)
    return render(
        request,
        session,
        "user.html",
        {
            "section": "ui_users",
            "user": user,
            "unique_ids": {phone.mac: find_unique_id(db, phone.mac) for phone in user.phones},
            "form": form or UserForm(username=user.username, display_name=user.display_name),
        },
        status_code=status_code,
    )


@router.get("/users/{username}", name="ui_user")
def user_page(
    request: Request,
    username: str,
    session: AdminSession,
    db: SessionDep,
) -> Response:
    return _user_page(request, session, db, username)


@router.post("/users/{username}", name="ui_user_update")
def update(
    request: Request,
    username: str,
    posted: AdminForm,
    db: SessionDep,
) -> Response:
    form = UserForm(username=username, display_name=posted.text("display_name"))
    password = posted.password()
    try:
        update_user(db, username, display_name=form.display_name, password=password or KEEP)
    except InventoryError as error:
        db.rollback()
        if error.field == "username":
            raise
        form.errors[error.field or "display_name"] = error.message
        return _user_page(
            request, posted.session, db, username, form=form, status_code=error.status
        )
    db.commit()
    posted.session.tell(f"Saved user {username}.")
    return redirect(request, posted.session, url_path(request, "ui_user", username=username))


@router.get("/users/{username}/delete", name="ui_user_delete")
def delete_confirm(
    request: Request,
    username: str,
    session: AdminSession,
    db: SessionDep,
) -> Response:
    user = get_user(db, username)
    on = len(user.phones)
    return render(
        request,
        session,
        "confirm.html",
        {
            "section": "ui_users",
            "heading": f"Delete user {user.username}?",
            "question": (
                f"The user is on {on} phone{'' if on == 1 else 's'}; "
                "those lines go too and the phones re-sync."
                if on
                else "The user is on no phone."
            ),
            "action": url_path(request, "ui_user_delete", username=user.username),
            "confirm_label": "Delete user",
            "cancel": url_path(request, "ui_user", username=user.username),
        },
    )


@router.post("/users/{username}/delete", name="ui_user_delete_post")
def delete(
    request: Request,
    username: str,
    posted: AdminForm,
    db: SessionDep,
) -> Response:
    macs = delete_user(db, username)
    db.commit()
    for mac in macs:
        request_resync(request, mac)
    posted.session.tell(f"Deleted user {username}.")
    return redirect(request, posted.session, url_path(request, "ui_users"))
