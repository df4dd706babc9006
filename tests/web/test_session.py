from __future__ import annotations

import time
from http.cookies import SimpleCookie

import pytest
from starlette.requests import Request
from starlette.responses import Response

from autoprov.web.session import COOKIE_NAME, IDLE_SECONDS, SessionCodec, WebSession


def _request(scheme: str = "http", cookie: str | None = None) -> Request:
    headers = [(b"host", b"127.0.0.1")]
    if cookie is not None:
        headers.append((b"cookie", f"{COOKIE_NAME}={cookie}".encode()))
    return Request(
        {"type": "http", "scheme": scheme, "path": "/ui/", "headers": headers, "query_string": b""}
    )


def _stored(codec: SessionCodec, session: WebSession, scheme: str = "http") -> tuple[str, str]:
    response = Response()
    codec.store(response, _request(scheme), session)
    header = response.headers["set-cookie"]
    morsel = SimpleCookie(header)[COOKIE_NAME]
    return morsel.value, header


def test_round_trip_keeps_user_token_and_notices() -> None:
    codec = SessionCodec("k" * 32)
    session = WebSession()
    session.log_in("admin")
    session.tell("saved")
    session.tell("broken", error=True)
    value, _ = _stored(codec, session)
    loaded = codec.load(_request(cookie=value))
    assert loaded is not None
    assert (loaded.username, loaded.csrf_token) == ("admin", session.csrf_token)
    assert [(n.text, n.error) for n in loaded.take_notices()] == [
        ("saved", False),
        ("broken", True),
    ]
    assert loaded.notices == []


def test_logging_in_changes_the_csrf_token() -> None:
    session = WebSession()
    before = session.csrf_token
    session.log_in("admin")
    assert session.csrf_token != before


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_cookie_flags(scheme: str) -> None:
    _, header = _stored(SessionCodec("k" * 32), WebSession(), scheme)
    lowered = header.lower()
    assert "httponly" in lowered
    assert "samesite=lax" in lowered
    assert ("secure" in lowered.replace("samesite", "")) is (scheme == "https")


def test_a_forged_or_foreign_cookie_is_no_session() -> None:
    value, _ = _stored(SessionCodec("k" * 32), WebSession(username="admin"))
    other = SessionCodec("x" * 32)
    assert other.load(_request(cookie=value)) is None
    tampered = value[:-2] + ("AA" if not value.endswith("AA") else "BB")
    assert SessionCodec("k" * 32).load(_request(cookie=tampered)) is None
    assert SessionCodec("k" * 32).load(_request(cookie="garbage")) is None
    assert SessionCodec("k" * 32).load(_request()) is None


def test_a_session_idle_too_long_is_over(monkeypatch: pytest.MonkeyPatch) -> None:
    codec = SessionCodec("k" * 32)
    value, _ = _stored(codec, WebSession(username="admin"))
    issued = time.time()
    monkeypatch.setattr(time, "time", lambda: issued + IDLE_SECONDS - 60)
    assert codec.load(_request(cookie=value)) is not None
    monkeypatch.setattr(time, "time", lambda: issued + IDLE_SECONDS + 60)
    assert codec.load(_request(cookie=value)) is None
