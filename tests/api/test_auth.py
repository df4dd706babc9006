from __future__ import annotations

import logging

import httpx
import pytest

from autoprov.api.auth import Authenticator, Principal
from autoprov.inventory.bootstrap import Secrets

ADMIN_ROUTES = [
    ("GET", "/api/v1/phones"),
    ("GET", "/api/v1/phones/0004f2aabbcc"),
    ("PUT", "/api/v1/phones/0004f2aabbcc"),
    ("DELETE", "/api/v1/phones/0004f2aabbcc"),
    ("POST", "/api/v1/phones/0004f2aabbcc/lines"),
    ("DELETE", "/api/v1/phones/0004f2aabbcc/lines/1001"),
    ("POST", "/api/v1/phones/0004f2aabbcc/restart"),
    ("GET", "/api/v1/users"),
    ("POST", "/api/v1/users"),
    ("GET", "/api/v1/users/1001"),
    ("PATCH", "/api/v1/users/1001"),
    ("DELETE", "/api/v1/users/1001"),
    ("GET", "/api/v1/models"),
    ("GET", "/api/v1/registrations"),
    ("GET", "/metrics"),
    ("GET", "/api/v1/openapi.json"),
    ("GET", "/api/v1/docs"),
]
WRITER_ROUTES = [("POST", "/api/v1/phones"), ("PATCH", "/api/v1/phones/0004f2aabbcc")]


async def test_nothing_answers_without_credentials_but_health(
    anonymous: httpx.AsyncClient,
) -> None:
    for method, path in ADMIN_ROUTES + WRITER_ROUTES:
        answer = await anonymous.request(method, path, json={})
        assert answer.status_code == 401, (method, path)
        assert answer.headers["www-authenticate"] == 'Basic realm="autoprov"'
        assert answer.json()["error"]["status"] == 401
    health = await anonymous.get("/api/v1/health")
    assert health.status_code == 200 and health.json() == {"status": "ok", "database": "ok"}


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Basic YWRtaW46d3Jvbmc="},  # admin:wrong
        {"Authorization": "Basic bm90LWFkbWluOmFkbWluLXNlY3JldA=="},  # not-admin:admin-secret
        {"Authorization": "Basic !!!"},
        {"Authorization": "Bearer not-the-token"},
    ],
    ids=["password", "username", "garbled", "token"],
)
async def test_wrong_credentials_are_refused_and_logged_for_fail2ban(
    anonymous: httpx.AsyncClient, headers: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="autoprov.api.auth"):
        answer = await anonymous.get("/api/v1/phones", headers=headers)
    assert answer.status_code == 401
    if "!!!" not in headers["Authorization"]:
        assert "auth-failed ip=192.0.2.1" in caplog.text


async def test_the_admin_token_is_the_admin(anonymous: httpx.AsyncClient, secrets: Secrets) -> None:
    headers = {"Authorization": f"Bearer {secrets.admin_token}"}
    answer = await anonymous.get("/api/v1/models", headers=headers)
    assert answer.status_code == 200


async def test_the_service_token_may_create_and_update_phones_only(
    service: httpx.AsyncClient,
) -> None:
    created = await service.post("/api/v1/phones", json={"mac": "0004f2aabbcc", "model": "VVX_410"})
    assert created.status_code == 201
    updated = await service.patch("/api/v1/phones/0004f2aabbcc", json={"ip": "10.0.0.7"})
    assert updated.status_code == 200 and updated.json()["ip"] == "10.0.0.7"
    for method, path in ADMIN_ROUTES:
        answer = await service.request(method, path, json={})
        assert answer.status_code == 403, (method, path)
        assert answer.json()["error"]["message"] == "admin credentials required"


def test_authenticator_compares_all_credentials() -> None:
    checker = Authenticator(admin_password="pw-1", admin_token="tok-a", service_token="tok-s")
    assert checker.check_password("admin", "pw-1") is Principal.ADMIN
    assert checker.check_password("admin", "pw-1 ") is None
    assert checker.check_password("Admin", "pw-1") is None
    assert checker.check_token("tok-a") is Principal.ADMIN
    assert checker.check_token("tok-s") is Principal.SERVICE
    assert checker.check_token("tök-s") is None
    with pytest.raises(ValueError):
        Authenticator(admin_password="", admin_token="a", service_token="b")
