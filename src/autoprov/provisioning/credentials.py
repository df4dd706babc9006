"""The provisioning credentials a client presents: HTTP Basic or Digest, or an FTP login.

A phone takes them from the boot server URL (``http://user:password@host:port/``), and may
answer a challenge with either scheme, so HTTP offers both. Digest uses the same code as the
registrar (``autoprov.sip.digest``). RFC 7616's response computation is the same for HTTP
as for SIP.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass

from autoprov.provisioning.request import Auth
from autoprov.sip import SIPError
from autoprov.sip.digest import NonceKeeper, NonceState, challenge, parse_authorization, verify

REALM = "autoprov"
NONCE_TTL = 300.0


@dataclass(frozen=True, slots=True)
class HttpAuth:
    auth: Auth
    stale: bool = False
    """A Digest answer to an expired nonce: challenge again with ``stale=true``."""


def same_secret(offered: str, expected: str) -> bool:
    return hmac.compare_digest(offered.encode(), expected.encode())


def login_matches(username: str, password: str, user: str, expected_password: str) -> bool:
    # Both comparisons always run, so timing does not tell which one failed.
    user_ok = same_secret(username, user)
    password_ok = same_secret(password, expected_password)
    return user_ok and password_ok


class HttpCredentials:
    def __init__(self, nonce_secret: bytes, clock: Callable[[], float] = time.time) -> None:
        """Processes sharing ``nonce_secret`` accept each other's nonces."""
        self._nonces = NonceKeeper(nonce_secret, NONCE_TTL)
        self._clock = clock

    def challenges(self, *, stale: bool = False) -> list[str]:
        """``WWW-Authenticate`` values: Digest (MD5, the one phones know) and Basic."""
        nonce = self._nonces.make(self._clock())
        return [challenge(REALM, nonce, "MD5", stale=stale), f'Basic realm="{REALM}"']

    def check(
        self, authorization: str | None, method: str, path: str, user: str, password: str
    ) -> HttpAuth:
        """``path`` is the request's path as sent: a Digest answer must be for that path."""
        if not authorization:
            return HttpAuth(Auth.NONE)
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() == "basic":
            return HttpAuth(self._check_basic(value.strip(), user, password))
        try:
            offered = parse_authorization(authorization)
        except SIPError:
            return HttpAuth(Auth.INVALID)
        if offered is None or offered.realm != REALM or offered.uri.partition("?")[0] != path:
            return HttpAuth(Auth.INVALID)
        state = self._nonces.check(offered.nonce, self._clock())
        if state is NonceState.INVALID:
            return HttpAuth(Auth.INVALID)
        valid = same_secret(offered.username, user) and verify(offered, password, method)
        if not valid:
            return HttpAuth(Auth.INVALID)
        if state is NonceState.STALE:
            return HttpAuth(Auth.NONE, stale=True)
        if offered.nc is not None and not self._nonces.accept_nc(offered.nonce, offered.nc):
            return HttpAuth(Auth.INVALID)
        return HttpAuth(Auth.VALID)

    @staticmethod
    def _check_basic(value: str, user: str, password: str) -> Auth:
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return Auth.INVALID
        username, separator, offered = decoded.partition(":")
        if not separator:
            return Auth.INVALID
        return Auth.VALID if login_matches(username, offered, user, password) else Auth.INVALID
