"""Digest authentication of REGISTER requests, with brute-force throttling.

Every request without valid credentials gets the same challenge, whether or not the user
exists: an unknown user's response is checked against a throwaway password with the same
work, so neither the answer nor its timing tells who exists. Each failure is logged as one
line a fail2ban filter can match::

    WARNING autoprov.registrar auth-failed ip=192.0.2.10 user="1001" reason=bad-response

Passwords are never logged.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Final

from autoprov.logs import quote
from autoprov.registrar.credentials import CredentialCache
from autoprov.registrar.throttle import AuthThrottle
from autoprov.sip import Request
from autoprov.sip.digest import (
    DigestCredentials,
    NonceKeeper,
    NonceState,
    parse_authorization,
    uri_matches,
)
from autoprov.sip.digest import challenge as make_challenge
from autoprov.sip.digest import verify as verify_response

log = logging.getLogger("autoprov.registrar")

ALGORITHMS: Final = ("MD5", "SHA-256")
"""Offered by default in this order: MD5 first, because many phones (and SIPp) answer the
first challenge they see and know no other; clients that prefer SHA-256 pick it from the
second header. Some clients fail on any challenge they cannot answer: offer only MD5 to them."""


_NONCE_MARK: Final = "\x00"


class Verdict(Enum):
    OK = "ok"
    CHALLENGE = "challenge"
    STALE = "stale"
    FAILED = "failed"
    THROTTLED = "throttled"


@dataclass(frozen=True, slots=True, init=False)
class AuthResult:
    verdict: Verdict
    username: str

    # explicit, so that mypyc compiles it (see `autoprov.sip.events.Request`)
    def __init__(self, verdict: Verdict, username: str = "") -> None:
        object.__setattr__(self, "verdict", verdict)
        object.__setattr__(self, "username", username)


_THROTTLED: Final = AuthResult(Verdict.THROTTLED)
_CHALLENGE: Final = AuthResult(Verdict.CHALLENGE)


class Authenticator:
    def __init__(
        self,
        realm: str,
        credentials: CredentialCache,
        nonces: NonceKeeper,
        throttle: AuthThrottle,
        algorithms: Sequence[str] = ALGORITHMS,
    ) -> None:
        self.realm = realm
        self._algorithms = tuple(algorithms)
        self._credentials = credentials
        self._nonces = nonces
        self._throttle = throttle
        # checked instead of a missing user's password, so both take the same work
        self._decoy_password = secrets.token_urlsafe(18)
        # a challenge differs from the next only by its nonce (base64url: nothing to quote),
        # so each is written once around a mark and the nonce goes in its place
        self._templates = {
            stale: [
                make_challenge(realm, _NONCE_MARK, algorithm, stale=stale).split(_NONCE_MARK)
                for algorithm in self._algorithms
            ]
            for stale in (False, True)
        }

    def challenge_headers(self, now: float, *, stale: bool = False) -> list[tuple[str, str]]:
        nonce = self._nonces.make(now)
        return [("WWW-Authenticate", nonce.join(parts)) for parts in self._templates[stale]]

    def authenticate(self, request: Request, ip: str, now: float) -> AuthResult:
        if self._throttle.ip_blocked(ip, now):
            return _THROTTLED
        offered = self._credentials_for_realm(request)
        if offered is None:
            return _CHALLENGE
        username = offered.username
        if self._throttle.user_blocked(username, now):
            return AuthResult(Verdict.THROTTLED, username)
        nonce_state = self._nonces.check(offered.nonce, now)
        if nonce_state is NonceState.INVALID or not uri_matches(
            offered.uri, request.uri, realm=self.realm
        ):
            # not our nonce, or credentials for another request: no password tried, challenge
            return AuthResult(Verdict.CHALLENGE, username)
        password = self._credentials.password(username)
        valid = verify_response(offered, password or self._decoy_password, request.method)
        if not valid or password is None:
            reason = "unknown-user" if password is None else "bad-response"
            self._fail(ip, username, reason, now)
            return AuthResult(Verdict.FAILED, username)
        if nonce_state is NonceState.STALE:
            return AuthResult(Verdict.STALE, username)
        if offered.qop and not self._nonces.accept_nc(offered.nonce, offered.nc or ""):
            # a replayed nonce-count: the response is genuine but was seen before
            return AuthResult(Verdict.CHALLENGE, username)
        return AuthResult(Verdict.OK, username)

    def _credentials_for_realm(self, request: Request) -> DigestCredentials | None:
        for value in request.authorization:
            offered = parse_authorization(value)
            if offered is not None and offered.realm == self.realm:
                return offered
        return None

    def _fail(self, ip: str, username: str, reason: str, now: float) -> None:
        log.warning("auth-failed ip=%s user=%s reason=%s", ip, quote(username), reason)
        if self._throttle.fail(ip, username, now):
            log.warning("auth-throttled ip=%s user=%s", ip, quote(username))
