"""Posting the admin UI's forms the way a browser does: with the page's CSRF token."""

from __future__ import annotations

import re

from httpx import Client, Response

ADMIN_PASSWORD = "admin-secret"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(html: str) -> str:
    found = _TOKEN.search(html)
    assert found is not None, "no CSRF token in the page"
    return found[1]


def post_form(client: Client, page: str, action: str, data: dict[str, str]) -> Response:
    """GET ``page`` for its token, then POST ``data`` with it to ``action``."""
    shown = client.get(page)
    assert shown.status_code == 200, (page, shown.status_code)
    return client.post(action, data={"csrf_token": csrf_token(shown.text), **data})


def log_in(client: Client, password: str = ADMIN_PASSWORD) -> Response:
    answer = post_form(
        client, "/ui/login", "/ui/login", {"username": "admin", "password": password}
    )
    if password == ADMIN_PASSWORD:
        assert answer.status_code == 303, answer.text
    return answer
