"""Who is calling: the admin (HTTP Basic ``admin`` + admin password, or the admin bearer token)
or the auto-provisioning worker (the service bearer token, which may only create and update
phones). Every comparison is constant-time; every refusal of presented credentials is logged
with ``ip=`` for fail2ban.

The admin UI reuses :class:`Authenticator` (on ``app.state.authenticator``) and the
``require_admin`` dependency.
"""

from __future__ import annotations

import hmac
import logging
from enum import Enum
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import (
    HTTPAuthorizationCredentials,
    HTTPBasic,
    HTTPBasicCredentials,
    HTTPBearer,
)
from starlette.exceptions import HTTPException

from autoprov.inventory.bootstrap import Secrets
from autoprov.logs import quote

log = logging.getLogger(__name__)

ADMIN_USERNAME = "admin"
REALM = "autoprov"


class Principal(Enum):
    ADMIN = "admin"
    SERVICE = "service"


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


class Authenticator:
    def __init__(self, *, admin_password: str, admin_token: str, service_token: str) -> None:
        if not (admin_password and admin_token and service_token):
            raise ValueError("credentials must not be empty")
        self._admin_password = admin_password
        self._admin_token = admin_token
        self._service_token = service_token

    @classmethod
    def from_secrets(cls, found: Secrets) -> Authenticator:
        return cls(
            admin_password=found.admin_password,
            admin_token=found.admin_token,
            service_token=found.service_token,
        )

    def check_password(self, username: str, password: str) -> Principal | None:
        # Both compared every time: the answer's timing says nothing about which was wrong.
        user_ok = _same(username, ADMIN_USERNAME)
        password_ok = _same(password, self._admin_password)
        return Principal.ADMIN if user_ok & password_ok else None

    def check_token(self, token: str) -> Principal | None:
        admin_ok = _same(token, self._admin_token)
        service_ok = _same(token, self._service_token)
        if admin_ok:
            return Principal.ADMIN
        return Principal.SERVICE if service_ok else None


_basic = HTTPBasic(auto_error=False, realm=REALM, description="`admin` and the admin password")
_bearer = HTTPBearer(auto_error=False, description="The admin token or the service token")
_CHALLENGE = {"WWW-Authenticate": f'Basic realm="{REALM}"'}


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "-"


async def authenticate(
    request: Request,
    basic: Annotated[HTTPBasicCredentials | None, Depends(_basic)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    authenticator: Authenticator = request.app.state.authenticator
    if basic is not None:
        principal = authenticator.check_password(basic.username, basic.password)
    elif bearer is not None:
        principal = authenticator.check_token(bearer.credentials)
    else:
        raise HTTPException(401, "credentials required", headers=_CHALLENGE)
    if principal is None:
        log.warning("auth-failed ip=%s path=%s", client_ip(request), quote(request.url.path))
        raise HTTPException(401, "wrong credentials", headers=_CHALLENGE)
    return principal


async def require_admin(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
    if principal is not Principal.ADMIN:
        raise HTTPException(403, "admin credentials required")
    return principal


async def require_phone_writer(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
    """The admin, or the service token: both may create and update phones."""
    return principal


AdminDep = Annotated[Principal, Depends(require_admin)]
PhoneWriterDep = Annotated[Principal, Depends(require_phone_writer)]
