"""Every UI page needs a logged-in admin, and every form needs its session's CSRF token.

The routes are taken from the UI's own routers, so a new page or form is covered here as soon
as it exists. Each refused POST targets real objects, and the test then checks that nothing
changed: the guard, not a missing object, is what refused it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from autoprov.config import Settings
from autoprov.inventory.lines import assign_line
from autoprov.inventory.phones import create_phone, get_phone
from autoprov.inventory.site import load_site_settings
from autoprov.inventory.users import create_user, get_user
from autoprov.web.app import ROUTERS
from autoprov.web.session import COOKIE_NAME
from tests.web.forms import csrf_token, log_in

MAC = "0004f2a1b2c3"
USERNAME = "1001"
PARAMS = {"mac": MAC, "username": USERNAME, "name": "app.log"}


def _routes(method: str) -> list[str]:
    return sorted(
        route.name
        for router in ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute) and method in route.methods
    )


POST_ROUTES = _routes("POST")
GET_ROUTES = [name for name in _routes("GET") if name != "ui_login"]


def _path(app: FastAPI, name: str) -> str:
    route = next(r for router in ROUTERS for r in router.routes if r.name == name)
    assert isinstance(route, APIRoute)
    return app.url_path_for(name, **{k: PARAMS[k] for k in route.param_convertors})


@pytest.fixture
def inventory(ui_engine: Engine) -> None:
    """A phone with a user on it, and its uploaded log: something for every route to act on."""
    with Session(ui_engine) as db, db.begin():
        create_phone(db, MAC, "VVX_410")
        create_user(db, USERNAME, "secret-password", "Front Desk")
        assign_line(db, MAC, USERNAME)


def _state(ui_engine: Engine, settings: Settings) -> tuple[Any, ...]:
    with Session(ui_engine) as db:
        return get_phone(db, MAC), get_user(db, USERNAME), load_site_settings(db, settings)


def test_the_routes_were_found() -> None:
    assert {"ui_login_post", "ui_logout", "ui_phone_assign", "ui_settings_save"} <= set(POST_ROUTES)
    assert {"ui_dashboard", "ui_phones", "ui_phone", "ui_users", "ui_settings"} <= set(GET_ROUTES)


FIELDS = {
    "username": USERNAME,
    "password": "admin-secret",
    "display_name": "Changed",
    "sip_domain": "changed.example",
    "registrar_host": "192.0.2.99",
    "registrar_port": "5099",
    "provision_user": "changed",
    "provision_password": "changed-secret",
    "unassigned_cap": "1",
}
"""Values every form accepts: had the guard let a post through, something would change."""


def _attempts(admin: httpx.Client, base_url: str) -> list[tuple[str, httpx.Client, dict[str, str]]]:
    """Posts that must all be refused: (what, client, form data)."""
    token = csrf_token(admin.get("/ui/phones").text)
    stranger = httpx.Client(base_url=base_url, follow_redirects=False)
    visitor = httpx.Client(base_url=base_url, follow_redirects=False)
    visitor.get("/ui/login")  # a session of its own, nobody logged in
    forged = httpx.Client(base_url=base_url, follow_redirects=False)
    forged.cookies.set(COOKIE_NAME, admin.cookies[COOKIE_NAME][:-3] + "xyz")
    return [
        ("no session, the admin's token", stranger, {**FIELDS, "csrf_token": token}),
        ("visitor session, the admin's token", visitor, {**FIELDS, "csrf_token": token}),
        ("forged cookie, the admin's token", forged, {**FIELDS, "csrf_token": token}),
        ("admin session, no token", admin, FIELDS),
        ("admin session, empty token", admin, {**FIELDS, "csrf_token": ""}),
        ("admin session, wrong token", admin, {**FIELDS, "csrf_token": token[:-1]}),
    ]


@pytest.mark.usefixtures("inventory")
def test_every_form_without_a_session_or_a_valid_token_is_refused(
    app: FastAPI,
    admin: httpx.Client,
    base_url: str,
    ui_engine: Engine,
    settings: Settings,
    resyncs: list[str],
) -> None:
    before = _state(ui_engine, settings)
    attempts = _attempts(admin, base_url)
    accepted = []
    for name in POST_ROUTES:
        path = _path(app, name)
        for what, client, data in attempts:
            status = client.post(path, data=data).status_code
            if status != 403:
                accepted.append(f"{name} {what}: {status}")
    for _, client, _ in attempts:
        if client is not admin:
            client.close()
    assert accepted == []
    assert _state(ui_engine, settings) == before
    assert resyncs == []
    assert admin.get("/ui/phones").status_code == 200, "the refusals must not end the session"


@pytest.mark.usefixtures("inventory")
def test_every_page_redirects_to_the_login_page_without_an_admin(
    app: FastAPI, client: httpx.Client
) -> None:
    wrong = {}
    for session in ("no cookie", "visitor session"):
        if session == "visitor session":
            client.get("/ui/login")
            assert client.cookies.get(COOKIE_NAME)
        for name in GET_ROUTES:
            path = _path(app, name)
            answer = client.get(path, params={"q": "x"})
            location = answer.headers.get("location", "")
            expected = f"/ui/login?next={quote(path, safe='/')}%3Fq%3Dx"
            if answer.status_code != 303 or location != expected:
                wrong[f"{session} {name}"] = (answer.status_code, location)
    assert wrong == {}


def test_a_wrong_password_is_refused_and_logging_out_ends_the_session(
    client: httpx.Client,
) -> None:
    refused = log_in(client, password="wrong-password")
    assert refused.status_code == 401
    assert "Wrong user name or password" in refused.text
    assert client.get("/ui/").status_code == 303

    log_in(client)
    page = client.get("/ui/")
    assert page.status_code == 200
    answer = client.post("/ui/logout", data={"csrf_token": csrf_token(page.text)})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/ui/login"
    assert client.get("/ui/").status_code == 303


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_login_returns_to_the_page_asked_for_but_never_off_site(client: httpx.Client) -> None:
    page = client.get("/ui/login", params={"next": "/ui/users?q=10"})
    answer = client.post(
        "/ui/login",
        data={
            "csrf_token": csrf_token(page.text),
            "username": "admin",
            "password": "admin-secret",
            "next": "/ui/users?q=10",
        },
    )
    assert answer.headers["location"] == "/ui/users?q=10"
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        client.cookies.clear()
        page = client.get("/ui/login")
        answer = client.post(
            "/ui/login",
            data={
                "csrf_token": csrf_token(page.text),
                "username": "admin",
                "password": "admin-secret",
                "next": target,
            },
        )
        assert answer.headers["location"] == "/ui/", target


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_session_cookie_and_page_headers(client: httpx.Client) -> None:
    page = client.get("/ui/login")
    cookie = page.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "secure" not in cookie.replace("samesite", "")
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["cache-control"] == "no-store"

    # Behind a TLS-terminating proxy on this host (uvicorn trusts its X-Forwarded-Proto).
    proxied = client.get("/ui/login", headers={"X-Forwarded-Proto": "https"})
    assert "; secure" in proxied.headers["set-cookie"].lower()
