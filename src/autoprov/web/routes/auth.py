"""Logging in and out. The password check is the REST API's (HTTP Basic admin), so the UI
and the API accept exactly the same credentials."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from autoprov.api.auth import Authenticator, Principal, client_ip
from autoprov.logs import quote
from autoprov.web.guard import CheckedForm, VisitorSession, session_codec
from autoprov.web.pages import local_path, redirect, render
from autoprov.web.routing import UIRoute
from autoprov.web.templating import url_path

router = APIRouter(route_class=UIRoute)
log = logging.getLogger(__name__)


@router.get("/login", name="ui_login")
def login_page(request: Request, session: VisitorSession) -> Response:
    if session.username is not None:
        return redirect(request, session, url_path(request, "ui_dashboard"))
    next_path = local_path(request.query_params.get("next", ""), url_path(request, "ui_dashboard"))
    return render(request, session, "login.html", {"next": next_path, "username": "admin"})


@router.post("/login", name="ui_login_post")
def login(request: Request, posted: CheckedForm) -> Response:
    username, password = posted.text("username"), posted.form.get("password")
    next_path = local_path(posted.text("next"), url_path(request, "ui_dashboard"))
    client = client_ip(request)
    authenticator: Authenticator = request.app.state.authenticator
    principal = (
        authenticator.check_password(username, password) if isinstance(password, str) else None
    )
    if principal is not Principal.ADMIN:
        log.warning("admin-ui-login-failed ip=%s user=%s", client, quote(username))
        context = {"next": next_path, "username": username, "error": "Wrong user name or password."}
        return render(request, posted.session, "login.html", context, status_code=401)
    log.info("admin-ui-login ip=%s user=%s", client, quote(username))
    posted.session.log_in(username)
    return redirect(request, posted.session, next_path)


@router.post("/logout", name="ui_logout")
def logout(request: Request, posted: CheckedForm) -> Response:
    response = RedirectResponse(url_path(request, "ui_login"), status_code=303)
    session_codec(request).clear(response, request)
    return response
