"""A scripted digest registrar for simulator tests, built from the SIP core: it challenges,
verifies with ``autoprov.sip.digest`` and records every REGISTER it receives."""

from __future__ import annotations

from dataclasses import dataclass, field

from autoprov.sip import Request, Response, make_response
from autoprov.sip.digest import challenge, parse_authorization, verify

REALM = "127.0.0.1"


@dataclass
class FakeRegistrar:
    passwords: dict[str, str]
    granted: int | None = None
    """Expiry to grant in the Contact; None echoes the request's."""
    stale_once: bool = False
    """Answer the first correct response with a stale-nonce challenge."""
    refuse: int | None = None
    """Answer every REGISTER with this status instead."""
    silent_for: int = 0
    """Ignore this many datagrams first (a registrar that is not up yet)."""
    registers: list[Request] = field(default_factory=list)
    nonces: int = 0

    def _challenge(self, request: Request, stale: bool = False) -> Response:
        self.nonces += 1
        headers = [("WWW-Authenticate", challenge(REALM, f"nonce{self.nonces}", "SHA-256"))]
        headers.append(("WWW-Authenticate", challenge(REALM, f"nonce{self.nonces}", stale=stale)))
        return make_response(request, 401, to_tag="reg", headers=headers)

    def __call__(self, message: Request | Response, count: int) -> Response | None:
        if count <= self.silent_for or not isinstance(message, Request):
            return None
        self.registers.append(message)
        if self.refuse is not None:
            return make_response(message, self.refuse, to_tag="reg")
        offered = [parse_authorization(value) for value in message.authorization]
        credentials = next((c for c in offered if c is not None), None)
        if credentials is None:
            return self._challenge(message)
        password = self.passwords.get(credentials.username)
        if password is None or not verify(credentials, password, "REGISTER"):
            return self._challenge(message)
        if self.stale_once:
            self.stale_once = False
            return self._challenge(message, stale=True)
        contact = message.contacts[0]
        expires = self.granted if self.granted is not None else message.expires
        return make_response(
            message, 200, to_tag="reg", headers=[("Contact", f"{contact};expires={expires}")]
        )
