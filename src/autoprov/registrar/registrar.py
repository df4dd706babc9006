"""REGISTER processing (RFC 3261 10.3), OPTIONS, and the answer to everything else.

Requests in, responses out: no sockets, no awaits, no database. The transport layer feeds it
requests that passed the server transaction (so a retransmission never gets here twice).
The steps, in the RFC's order:

1. the Request-URI names a domain we serve (else 404);
2. ``Require`` lists nothing we'd need to support (else 420 with ``Unsupported``);
3. digest authentication (401 challenge; 403 once throttled);
4. the authenticated user may only change its own AOR (else 403);
5. the AOR is the To URI's user part, in a served domain, sip or sips (else 400/404);
6. ``Contact: *`` only alone and with ``Expires: 0`` (else 400);
7. per contact: expiry from its parameter, else ``Expires``, else the default; under the
   minimum 423 with ``Min-Expires``, over the maximum clamped; the same Call-ID with a CSeq
   not higher than the binding's fails the whole request (500), all or nothing;
8. 200 listing the AOR's current bindings with their remaining ``expires``, and ``Date``.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from email.utils import formatdate
from typing import Final

from autoprov.logs import quote
from autoprov.registrar.auth import Authenticator, Verdict
from autoprov.registrar.location import Binding, LocationService, OutOfOrder
from autoprov.registrar.metrics import RegistrarMetrics
from autoprov.sip import Request, Response, SipURI, make_response, new_tag
from autoprov.sip.params import quote_string

log = logging.getLogger("autoprov.registrar")

ALLOW: Final = "REGISTER, OPTIONS"

Header = tuple[str, str]
RegisteredHook = Callable[[Request, Sequence[Binding]], None]


@dataclass(frozen=True, slots=True)
class ExpiryPolicy:
    minimum: int
    default: int
    maximum: int


class Rejection(Exception):
    """A request answered with an error; raised where the reason is known."""

    def __init__(self, status_code: int, reason: str | None = None, headers: Iterable[Header] = ()):
        super().__init__(status_code, reason)
        self.status_code = status_code
        self.reason = reason
        self.headers = list(headers)


class _DateHeader:
    """``Date`` (RFC 3261 20.17), formatted once per second."""

    __slots__ = ("_second", "_value")

    def __init__(self) -> None:
        self._second = -1
        self._value = ""

    def value(self, now: float) -> str:
        second = int(now)
        if second != self._second:
            self._second, self._value = second, formatdate(second, usegmt=True)
        return self._value


class Registrar:
    def __init__(
        self,
        *,
        location: LocationService,
        authenticator: Authenticator,
        served_hosts: Iterable[str],
        expiry: ExpiryPolicy,
        metrics: RegistrarMetrics,
        on_registered: RegisteredHook | None = None,
    ) -> None:
        self._location = location
        self._auth = authenticator
        self._served = frozenset(h.lower() for h in served_hosts)
        self._expiry = expiry
        self._metrics = metrics
        self._on_registered = on_registered
        self._date = _DateHeader()
        # REGISTER creates no dialog: one random tag per process is unique enough (8.2.6.2)
        self._tag = new_tag()

    def served(self, host: str) -> bool:
        return host.lower() in self._served

    def handle_request(
        self, request: Request, transport: str, host: str, port: int
    ) -> Response | None:
        method = request.method
        source = (host, port)
        if method == "REGISTER":
            return self._register(request, transport, source)
        if method == "OPTIONS":
            return self._answer(request, source, 200, headers=[("Allow", ALLOW)])
        if method == "CANCEL":
            # no INVITE transaction is ever pending here
            return self._answer(request, source, 481)
        return self._answer(request, source, 405, headers=[("Allow", ALLOW)])

    def _answer(
        self,
        request: Request,
        source: tuple[str, int],
        status_code: int,
        reason: str | None = None,
        headers: Iterable[Header] = (),
    ) -> Response:
        return make_response(
            request, status_code, reason, headers=headers, to_tag=self._tag, source=source
        )

    def _register(self, request: Request, transport: str, source: tuple[str, int]) -> Response:
        now = time.time()
        try:
            return self._process(request, transport, source, now)
        except Rejection as rejection:
            self._metrics.registrations_failed += 1
            return self._answer(
                request, source, rejection.status_code, rejection.reason, rejection.headers
            )

    def _process(
        self, request: Request, transport: str, source: tuple[str, int], now: float
    ) -> Response:
        host = source[0]
        uri = request.uri
        if not isinstance(uri, SipURI):
            raise Rejection(416)
        if not self.served(uri.host):
            raise Rejection(404, "Domain Not Served")
        required = request.require
        if required:
            raise Rejection(420, headers=[("Unsupported", ", ".join(required))])
        aor = self._aor(request)
        auth = self._auth.authenticate(request, host, now)
        verdict = auth.verdict
        if verdict is not Verdict.OK:
            if verdict is Verdict.THROTTLED:
                self._metrics.auth_throttled += 1
                raise Rejection(403)
            if verdict is Verdict.FAILED:
                self._metrics.auth_failures += 1
            self._metrics.auth_challenges += 1
            # answered, not raised: half of all REGISTERs end here, and a compiled raise
            # builds a traceback entry for every function it leaves
            headers = self._auth.challenge_headers(now, stale=verdict is Verdict.STALE)
            return self._answer(request, source, 401, headers=headers)
        if auth.username != aor:
            log.warning(
                "register-forbidden ip=%s user=%s aor=%s", host, quote(auth.username), quote(aor)
            )
            raise Rejection(403, "Not Your Address-of-Record")
        if request.contact_star:
            return self._remove_all(request, source, aor, now)
        changes = self._changes(request, aor, transport, source, now)
        try:
            kept = self._location.update(aor, changes, now)
        except OutOfOrder:
            raise Rejection(500, "Out Of Order CSeq") from None
        self._metrics.registrations_ok += 1
        if len(kept) < len(changes):
            self._metrics.unregistrations += 1
        if kept and self._on_registered is not None:
            self._on_registered(request, kept)
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "registered ip=%s aor=%s contacts=%d removed=%d",
                host,
                quote(aor),
                len(kept),
                len(changes) - len(kept),
            )
        return self._ok(request, source, aor, [c.key for c in changes], now)

    def _aor(self, request: Request) -> str:
        """The To URI's user part: the username the AOR belongs to (one domain served)."""
        to_uri = request.to.uri
        if not isinstance(to_uri, SipURI):
            raise Rejection(400, "To Must Be A SIP Or SIPS URI")
        if not self.served(to_uri.host):
            raise Rejection(404, "Domain Not Served")
        if not to_uri.user:
            raise Rejection(404)
        return to_uri.user

    def _remove_all(
        self, request: Request, source: tuple[str, int], aor: str, now: float
    ) -> Response:
        if request.contacts or request.expires != 0:
            raise Rejection(400, "Contact * Needs Expires 0 And No Other Contact")
        try:
            removed = self._location.remove_all(aor, request.call_id, request.cseq.seq)
        except OutOfOrder:
            raise Rejection(500, "Out Of Order CSeq") from None
        self._metrics.registrations_ok += 1
        self._metrics.unregistrations += 1
        log.info("unregistered aor=%s bindings=%d", quote(aor), len(removed))
        return self._ok(request, source, aor, (), now)

    def _changes(
        self, request: Request, aor: str, transport: str, source: tuple[str, int], now: float
    ) -> list[Binding]:
        host, port = source
        expiry = self._expiry
        default = request.expires
        if default is None:
            default = expiry.default
        call_id = request.call_id
        cseq = request.cseq.seq
        # values many bindings share are kept once: the AOR is the credential cache's own
        # string (interned there), a phone model's User-Agent is the same in all its bindings
        aor = sys.intern(aor)
        user_agent = sys.intern(request.user_agent or "")
        display_name = sys.intern(request.from_.display_name or "")
        changes = []
        for contact in request.contacts:
            expires = contact.expires
            if expires is None:
                expires = default
            if 0 < expires < expiry.minimum:
                raise Rejection(423, headers=[("Min-Expires", str(expiry.minimum))])
            expires = min(expires, expiry.maximum)
            changes.append(
                Binding(
                    aor=aor,
                    contact=str(contact.uri),
                    expires_at=now + expires,
                    call_id=call_id,
                    cseq=cseq,
                    q=contact.q,
                    instance=contact.instance,
                    source_host=host,
                    source_port=port,
                    transport=transport,
                    user_agent=user_agent,
                    display_name=display_name,
                    updated_at=now,
                )
            )
        return changes

    def _ok(
        self, request: Request, source: tuple[str, int], aor: str, keys: Iterable[str], now: float
    ) -> Response:
        headers: list[Header] = [
            ("Contact", _contact_value(b, now))
            for b in self._location.reply_bindings(aor, keys, now)
        ]
        headers.append(("Date", self._date.value(now)))
        return self._answer(request, source, 200, headers=headers)


def _contact_value(binding: Binding, now: float) -> str:
    value = f"<{binding.contact}>;expires={binding.expires_in(now)}"
    if binding.q is not None:
        value += f";q={binding.q:g}"
    if binding.instance is not None:
        value += f";+sip.instance={quote_string(binding.instance)}"
    return value
