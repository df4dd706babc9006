"""One line's registration: REGISTER with digest, retried while the registrar is away, and
refreshed before it expires (``reg.x.server.y.expires.overlap`` seconds early, as Polycoms do).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable

from autoprov.simulate.lines import LineConfig
from autoprov.simulate.register_message import RegisterDialog
from autoprov.simulate.sip_client import Address, SipEndpoint, SipTimeout
from autoprov.simulate.timers import SipTimers
from autoprov.sip import Response, SIPError
from autoprov.sip.digest import DigestChallenge, parse_challenge, response_for

log = logging.getLogger(__name__)

MAX_RETRY_DELAY = 60.0


class RegistrationError(Exception):
    """A REGISTER the registrar refused, or one that went unanswered on every attempt."""

    def __init__(self, message: str, *, retry: bool = False) -> None:
        super().__init__(message)
        self.retry = retry
        """Whether trying again later may help (timeout, 5xx) or not (403, wrong password)."""


def _md5_challenge(response: Response) -> DigestChallenge | None:
    """The challenge a Polycom answers: the first Digest one with MD5."""
    for value in response.headers.get_all("WWW-Authenticate") + response.headers.get_all(
        "Proxy-Authenticate"
    ):
        try:
            parsed = parse_challenge(value)
        except SIPError:
            continue
        if parsed is not None and parsed.algorithm.upper() == "MD5":
            return parsed
    return None


class LineRegistration:
    def __init__(
        self,
        endpoint: SipEndpoint,
        line: LineConfig,
        user_agent: str,
        *,
        port: int,
        timers: SipTimers,
        on_change: Callable[[], None],
    ) -> None:
        self.line = line
        self.registered = False
        self.granted = line.expires
        self._endpoint = endpoint
        self._dialog = RegisterDialog.new(line, user_agent, endpoint.host, endpoint.port)
        self._destination: Address = (line.server_host, port)
        self._timers = timers
        self._on_change = on_change
        self._cseq = 0
        self._refresher: asyncio.Task[None] | None = None

    def _set_registered(self, registered: bool) -> None:
        if registered != self.registered:
            self.registered = registered
            self._on_change()

    async def register(self) -> None:
        """Register, trying again after timeouts and 5xx; raises RegistrationError at last."""
        delay = self._timers.retry_delay
        for attempt in range(1, self._timers.register_attempts + 1):
            try:
                self.granted = await self._transaction()
            except RegistrationError as exc:
                if not exc.retry or attempt == self._timers.register_attempts:
                    raise
                log.debug("register-retry aor=%s reason=%s", self.line.aor, exc)
                await asyncio.sleep(delay * random.uniform(0.5, 1.5))
                delay = min(delay * 2, MAX_RETRY_DELAY)
            else:
                self._set_registered(True)
                return

    async def _transaction(self) -> int:
        """One REGISTER, answered once more for each digest challenge; the granted expiry."""
        authorization: str | None = None
        for _ in range(3):
            self._cseq += 1
            request = self._dialog.request(self._cseq, authorization)
            try:
                response = await self._endpoint.send_request(
                    request, self._destination, self._timers
                )
            except SipTimeout as exc:
                raise RegistrationError(f"REGISTER {self.line.aor}: {exc}", retry=True) from None
            status = response.status_code
            if status in (401, 407):
                challenge = _md5_challenge(response)
                if challenge is None or (authorization is not None and not challenge.stale):
                    break
                authorization = response_for(
                    challenge,
                    username=self.line.auth_user,
                    password=self.line.password,
                    method="REGISTER",
                    uri=str(request.uri),
                )
                continue
            if 200 <= status < 300:
                return self._granted_expiry(response)
            raise RegistrationError(
                f"REGISTER {self.line.aor} answered {status} {response.reason}",
                retry=status >= 500,
            )
        # Phones try again later: a user created a moment ago may not have reached the
        # registrar yet. A wrong password still fails once the attempts are spent.
        raise RegistrationError(f"REGISTER {self.line.aor}: credentials refused", retry=True)

    def _granted_expiry(self, response: Response) -> int:
        for contact in response.contacts:
            if self._dialog.is_mine(contact) and contact.expires is not None:
                return contact.expires
        return response.expires if response.expires is not None else self.line.expires

    def keep_fresh(self) -> None:
        """Refresh in the background until :meth:`stop`."""
        self._refresher = asyncio.create_task(self._refresh_forever())

    def _refresh_in(self) -> float:
        return max(self.granted - self.line.overlap, self.granted / 2, 1.0)

    async def _refresh_forever(self) -> None:
        wait = self._refresh_in()
        delay = self._timers.retry_delay
        while True:
            await asyncio.sleep(wait)
            try:
                self.granted = await self._transaction()
            except RegistrationError as exc:
                # A phone keeps trying for as long as it is powered: the registrar may be back.
                log.debug("refresh-failed aor=%s reason=%s", self.line.aor, exc)
                self._set_registered(False)
                wait = delay * random.uniform(0.5, 1.5)
                delay = min(delay * 2, MAX_RETRY_DELAY)
            else:
                self._set_registered(True)
                wait = self._refresh_in()
                delay = self._timers.retry_delay

    def stop(self) -> None:
        if self._refresher is not None:
            self._refresher.cancel()
            self._refresher = None
        self._set_registered(False)
