from __future__ import annotations

import re

import httpx
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from autoprov.inventory.lines import assign_line
from autoprov.inventory.users import get_user
from autoprov.storage.models import User
from tests.web.forms import post_form
from tests.web.inventory import add_phone, add_user


def _password(engine: Engine, username: str) -> str | None:
    with Session(engine) as db:
        return db.scalar(select(User.password).where(User.username == username))


def test_create_edit_and_delete(admin: httpx.Client, ui_engine: Engine, resyncs: list[str]) -> None:
    answer = post_form(
        admin, "/ui/users", "/ui/users", {"username": "1001", "display_name": "Front Desk"}
    )
    assert (answer.status_code, answer.headers["location"]) == (303, "/ui/users/1001")
    page = admin.get("/ui/users/1001").text
    assert "Created user 1001 with a generated SIP password." in page
    generated = _password(ui_engine, "1001")
    assert generated is not None and len(generated) >= 16
    assert generated not in page, "a password is never shown"

    answer = post_form(
        admin,
        "/ui/users/1001",
        "/ui/users/1001",
        {"display_name": "Reception", "password": "new-password-1"},
    )
    assert answer.status_code == 303
    assert _password(ui_engine, "1001") == "new-password-1"
    answer = post_form(admin, "/ui/users/1001", "/ui/users/1001", {"display_name": "Lobby"})
    assert _password(ui_engine, "1001") == "new-password-1", "a blank password keeps the old"
    with Session(ui_engine) as db:
        assert get_user(db, "1001").display_name == "Lobby"

    unique_id = add_phone(ui_engine, "0004f2000001")
    add_phone(ui_engine, "0004f2000002")
    add_user(ui_engine, "1002", on="0004f2000001")
    with Session(ui_engine) as db, db.begin():
        assign_line(db, "0004f2000001", "1001")
        assign_line(db, "0004f2000002", "1001")
    listing = admin.get("/ui/users").text
    assert f'<a href="/ui/phones/0004f2000001">{unique_id}</a>' in listing

    confirm = admin.get("/ui/users/1001/delete")
    assert "on 2 phones" in confirm.text
    answer = post_form(admin, "/ui/users/1001/delete", "/ui/users/1001/delete", {})
    assert (answer.status_code, answer.headers["location"]) == (303, "/ui/users")
    assert _password(ui_engine, "1001") is None
    assert resyncs == ["0004f2000001", "0004f2000002"]


def test_bad_input_is_named_beside_its_field(admin: httpx.Client, ui_engine: Engine) -> None:
    add_user(ui_engine, "1001")
    answer = post_form(admin, "/ui/users", "/ui/users", {"username": "1001"})
    assert answer.status_code == 409
    assert 'id="create-username-error"' in answer.text
    assert "exists" in answer.text

    answer = post_form(admin, "/ui/users", "/ui/users", {"username": "1002", "password": "short"})
    assert answer.status_code == 422
    assert 'id="create-password-error"' in answer.text
    assert 'value="1002"' in answer.text
    assert _password(ui_engine, "1002") is None

    answer = post_form(admin, "/ui/users/1001", "/ui/users/1001", {"display_name": "bad\x01name"})
    assert answer.status_code == 422
    assert 'id="edit-display-name-error"' in answer.text
    assert admin.get("/ui/users/nobody").status_code == 404


def test_search(admin: httpx.Client, ui_engine: Engine) -> None:
    add_user(ui_engine, "1001", "Front Desk")
    add_user(ui_engine, "2001", "Warehouse")
    page = admin.get("/ui/users", params={"q": "front"}).text
    assert re.findall(r'<tr data-key="([^"]+)"', page) == ["1001"]
