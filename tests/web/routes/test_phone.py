from __future__ import annotations

import html
import re

import httpx
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from autoprov.config import Settings
from autoprov.inventory.phones import get_phone
from autoprov.inventory.users import get_user
from autoprov.notifier.status import SyncStatus, record_status
from autoprov.storage.models import User
from tests.web.forms import post_form
from tests.web.inventory import add_phone, add_user, register

MAC = "0004f2000001"
PAGE = f"/ui/phones/{MAC}"


def _lines(engine: Engine) -> list[str]:
    with Session(engine) as db:
        return [line.username for line in get_phone(db, MAC).lines]


def _notice(page: str) -> str:
    found = re.search(r'<p class="notice[^"]*" role="\w+">([^<]*)</p>', page)
    assert found is not None, "no notice on the page"
    return found[1]


def test_assign_an_existing_user_then_unassign(
    admin: httpx.Client, ui_engine: Engine, resyncs: list[str]
) -> None:
    add_phone(ui_engine, MAC)
    add_user(ui_engine, "1001", "Front Desk")
    answer = post_form(admin, PAGE, f"{PAGE}/assign", {"username": "4711"})
    assert answer.status_code == 404
    assert "no user &#39;4711&#39;" in answer.text
    assert (_lines(ui_engine), resyncs) == ([], [])

    answer = post_form(admin, PAGE, f"{PAGE}/assign", {"username": "1001"})
    assert (answer.status_code, answer.headers["location"]) == (303, PAGE)
    assert _lines(ui_engine) == ["1001"]
    assert resyncs == [MAC]
    assert "Assigned 1001 to line 1" in _notice(admin.get(PAGE).text)

    answer = post_form(admin, PAGE, f"{PAGE}/unassign", {"username": "1001"})
    assert answer.status_code == 303
    assert _lines(ui_engine) == []
    assert resyncs == [MAC, MAC]


def test_create_a_user_in_place_with_a_generated_password(
    admin: httpx.Client, ui_engine: Engine, resyncs: list[str]
) -> None:
    add_phone(ui_engine, MAC)
    # Bad input first: shown beside its field, the typed values kept, nothing created.
    answer = post_form(
        admin,
        PAGE,
        f"{PAGE}/assign-new",
        {"username": "bad name", "display_name": "Kept", "password": "short"},
    )
    assert answer.status_code == 422
    assert 'id="new-username-error"' in answer.text
    assert "not a valid username" in answer.text
    assert 'value="Kept"' in answer.text
    answer = post_form(admin, PAGE, f"{PAGE}/assign-new", {"username": "1002", "password": "short"})
    assert answer.status_code == 422
    assert 'id="new-password-error"' in answer.text
    assert (_lines(ui_engine), resyncs) == ([], [])
    assert "1002" not in admin.get("/ui/users").text

    answer = post_form(
        admin, PAGE, f"{PAGE}/assign-new", {"username": "1002", "display_name": "Sales"}
    )
    assert answer.status_code == 303
    assert _lines(ui_engine) == ["1002"]
    assert resyncs == [MAC]
    page = admin.get(PAGE).text
    assert "Created user 1002 with a generated SIP password" in _notice(page)
    with Session(ui_engine) as db:
        assert get_user(db, "1002").display_name == "Sales"
        stored = db.scalar(select(User.password).where(User.username == "1002"))
    assert stored is not None and len(stored) >= 16
    assert stored not in page, "a password is never shown"


def test_restart_and_the_polled_status(
    admin: httpx.Client, ui_engine: Engine, resyncs: list[str]
) -> None:
    add_phone(ui_engine, MAC, ip="192.0.2.10")
    add_user(ui_engine, "1001", on=MAC)
    answer = post_form(admin, PAGE, f"{PAGE}/restart", {})
    assert answer.status_code == 303
    assert resyncs == [MAC]

    status_url = f"/ui/fragments/phones/{MAC}/status"
    before = admin.get(status_url)
    assert "never asked" in before.text
    assert '<span class="badge bad">no</span>' in before.text

    record_status(ui_engine, MAC, SyncStatus.OK, "200 OK from 192.0.2.10:5062")
    register(ui_engine, "1001", "192.0.2.10")
    after = admin.get(status_url)
    assert after.headers["x-fragment-version"] != before.headers["x-fragment-version"]
    assert '<span class="badge ok">ok</span>' in after.text
    assert "200 OK from 192.0.2.10:5062" in after.text
    assert re.search(r'id="phone-registered">.*yes.*as 1001', after.text)


def test_the_profile_is_shown_with_passwords_masked(admin: httpx.Client, ui_engine: Engine) -> None:
    unique_id = add_phone(ui_engine, MAC)
    page = html.unescape(admin.get(PAGE).text)
    assert f"autoprov/{MAC}-registration.cfg" in page
    assert f'reg.1.label="{unique_id}"' in page
    assert 'reg.1.auth.password="********"' in page

    add_user(ui_engine, "1001", "Front Desk", on=MAC)
    page = html.unescape(admin.get(PAGE).text)
    assert f"{MAC}-profile.cfg" in page
    assert 'reg.1.auth.userId="1001"' in page
    assert 'reg.1.auth.password="********"' in page
    assert "user-password-1" not in page


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # files only
def test_uploaded_logs_are_listed_and_served_as_text(
    admin: httpx.Client, ui_engine: Engine, settings: Settings
) -> None:
    add_phone(ui_engine, MAC)
    uploads = settings.data_dir / "uploads" / MAC
    uploads.mkdir(parents=True)
    (uploads / f"{MAC}-app.log").write_text("<script>alert(1)</script>\n")
    (settings.data_dir / "uploads" / "secret.txt").write_text("not for you")
    (uploads / "escape.log").symlink_to(settings.data_dir / "uploads" / "secret.txt")

    page = admin.get(PAGE).text
    assert f'href="/ui/phones/{MAC}/logs/{MAC}-app.log"' in page
    assert "escape.log" not in page
    log = admin.get(f"{PAGE}/logs/{MAC}-app.log")
    assert log.status_code == 200
    assert log.headers["content-type"].startswith("text/plain")
    assert log.headers["x-content-type-options"] == "nosniff"
    assert log.text == "<script>alert(1)</script>\n"
    for name in ("escape.log", "..%2Fsecret.txt", "missing.log"):
        assert admin.get(f"{PAGE}/logs/{name}").status_code == 404, name


def test_delete_asks_first(admin: httpx.Client, ui_engine: Engine, resyncs: list[str]) -> None:
    unique_id = add_phone(ui_engine, MAC)
    confirm = admin.get(f"{PAGE}/delete")
    assert confirm.status_code == 200
    assert f"Delete phone {unique_id} ({MAC})?" in confirm.text
    assert _lines(ui_engine) == []  # still there
    answer = post_form(admin, f"{PAGE}/delete", f"{PAGE}/delete", {})
    assert (answer.status_code, answer.headers["location"]) == (303, "/ui/phones")
    assert admin.get(PAGE).status_code == 404
    assert resyncs == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_unknown_or_malformed_phone_is_an_error_page(admin: httpx.Client) -> None:
    expected = {
        "/ui/phones/0004f2ffffff": 404,
        "/ui/phones/0004f2ffffff/delete": 404,
        "/ui/phones/not-a-mac": 422,
    }
    for path, status in expected.items():
        answer = admin.get(path)
        assert answer.status_code == status, path
        assert answer.headers["content-type"].startswith("text/html")
        assert "Back to the phones" in answer.text
