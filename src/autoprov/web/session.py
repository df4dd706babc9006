"""The admin UI's session: a signed cookie holding who is logged in, the CSRF token and the
one-shot notices shown on the next page.

The cookie is HttpOnly, SameSite=Lax, and Secure when the request came over HTTPS. It is
signed with a secret generated once and kept in the settings table, so every API process of a
site accepts it. Its signature carries a timestamp: a session idle for ``IDLE_SECONDS`` ends.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import HTTPConnection
from starlette.responses import Response

COOKIE_NAME = "autoprov_ui"
IDLE_SECONDS = 8 * 3600
SIGNING_SETTING = "generated.web_session_secret"
"""Settings-table key of the signing secret."""


def new_token() -> str:
    return secrets.token_urlsafe(24)


@dataclass(frozen=True, slots=True)
class Notice:
    text: str
    error: bool = False


@dataclass(slots=True)
class WebSession:
    csrf_token: str = field(default_factory=new_token)
    username: str | None = None
    """The admin logged in, or None for a visitor who has only seen the login page."""
    notices: list[Notice] = field(default_factory=list)

    def log_in(self, username: str) -> None:
        # A new token at the privilege change: one learnt before login is worth nothing after.
        self.username = username
        self.csrf_token = new_token()

    def tell(self, text: str, *, error: bool = False) -> None:
        """A notice for the next page shown."""
        self.notices.append(Notice(text, error))

    def take_notices(self) -> list[Notice]:
        taken, self.notices = self.notices, []
        return taken


class SessionCodec:
    """Reads and writes :class:`WebSession` cookies."""

    def __init__(self, secret: str) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="autoprov.web.session")

    def load(self, request: HTTPConnection) -> WebSession | None:
        raw = request.cookies.get(COOKIE_NAME)
        if not raw:
            return None
        try:
            data = self._serializer.loads(raw, max_age=IDLE_SECONDS)
        except BadSignature:
            return None
        if not isinstance(data, dict):
            return None
        token, username, notices = data.get("t"), data.get("u"), data.get("n", [])
        if not isinstance(token, str) or not (username is None or isinstance(username, str)):
            return None
        if not isinstance(notices, list):
            return None
        kept = [Notice(str(text), bool(error)) for text, error in notices]
        return WebSession(csrf_token=token, username=username, notices=kept)

    def store(self, response: Response, request: HTTPConnection, session: WebSession) -> None:
        value = self._serializer.dumps(
            {
                "t": session.csrf_token,
                "u": session.username,
                "n": [[notice.text, notice.error] for notice in session.notices],
            }
        )
        response.set_cookie(
            COOKIE_NAME,
            str(value),
            max_age=IDLE_SECONDS,
            path="/",
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )

    def clear(self, response: Response, request: HTTPConnection) -> None:
        response.delete_cookie(
            COOKIE_NAME,
            path="/",
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )
