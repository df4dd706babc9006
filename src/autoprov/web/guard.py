"""Who may see a page and which posted forms are accepted.

Every page but the login page needs a logged-in admin; a visitor without one is sent to the
login page. Every POST needs the session's CSRF token in its ``csrf_token`` field (the
synchronizer-token pattern): a form posted without a session, or with a missing or wrong
token, is refused with 403 before anything is read from it or changed.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from starlette.datastructures import FormData

from autoprov.web.session import SessionCodec, WebSession

CSRF_FIELD = "csrf_token"


class LoginRequired(Exception):
    """A page was asked for without a logged-in admin; answered with a redirect to log in."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class FormRefused(Exception):
    """A POST without a session or a valid CSRF token; answered with 403."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class PostedForm:
    session: WebSession
    form: FormData

    def text(self, name: str) -> str:
        """A text field, stripped; "" when absent (or when a file was posted under the name)."""
        value = self.form.get(name)
        return value.strip() if isinstance(value, str) else ""

    def password(self, name: str = "password") -> str:
        """A password field as typed (spaces count); "" when left blank."""
        value = self.form.get(name)
        return value if isinstance(value, str) else ""


def session_codec(request: Request) -> SessionCodec:
    codec: SessionCodec = request.app.state.admin_ui_sessions
    return codec


def visitor_session(request: Request) -> WebSession:
    """The caller's session, or a fresh anonymous one (it carries the login form's token)."""
    return session_codec(request).load(request) or WebSession()


def admin_session(request: Request) -> WebSession:
    session = session_codec(request).load(request)
    if session is None or session.username is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(target)
    return session


async def checked_form(request: Request) -> PostedForm:
    """The posted form, once its CSRF token matched the session's; any session will do."""
    session = session_codec(request).load(request)
    if session is None:
        raise FormRefused("There is no session: it expired, or cookies are blocked.")
    form = await request.form()
    token = form.get(CSRF_FIELD)
    if not isinstance(token, str) or not hmac.compare_digest(
        token.encode(), session.csrf_token.encode()
    ):
        raise FormRefused("The form's security token is missing or out of date.")
    return PostedForm(session, form)


async def admin_form(request: Request) -> PostedForm:
    """The posted form of a logged-in admin, CSRF-checked."""
    posted = await checked_form(request)
    if posted.session.username is None:
        raise FormRefused("You are not logged in.")
    return posted


def login_location(login_path: str, next_path: str) -> str:
    return f"{login_path}?next={quote(next_path, safe='/')}"


AdminSession = Annotated[WebSession, Depends(admin_session)]
AdminForm = Annotated[PostedForm, Depends(admin_form)]
CheckedForm = Annotated[PostedForm, Depends(checked_form)]
VisitorSession = Annotated[WebSession, Depends(visitor_session)]
