"""The phone's file transfers: GET, PUT and HEAD with its User-Agent and its boot server
credentials, retried while the server is busy or away.

Like a phone, it sends a request without credentials first and answers the server's challenge,
Digest (RFC 7616, computed by :mod:`autoprov.sip.digest`: the same algorithm as SIP's) or
Basic, then keeps answering it for the rest of the boot.
"""

from __future__ import annotations

import asyncio
import base64
import random
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from autoprov.simulate.bootserver import Credentials, Location
from autoprov.simulate.http_client import HttpClient, HttpError, HttpResponse
from autoprov.sip import SIPError
from autoprov.sip.digest import DigestChallenge, parse_challenge, response_for

RETRY_STATUSES = frozenset({429, 502, 503, 504})
TIMEOUT = 30.0


class FetchError(Exception):
    """A file the phone could not get after its retries (connection refused, 5xx, timeout)."""


class HttpClients:
    """Makes each phone's HTTP client, bound to the phone's own address (servers count
    requests per source address, as they would for real phones)."""

    def __init__(self, timeout: float = TIMEOUT) -> None:
        self._timeout = timeout
        self._tls = ssl.create_default_context()

    def open(self, local_address: str) -> HttpClient:
        return HttpClient(local_address, self._timeout, self._tls)


class PhoneAuth:
    """What the phone learned about one set of credentials: which scheme, which nonce."""

    def __init__(self, credentials: Credentials) -> None:
        self._credentials = credentials
        self._basic = False
        self._challenge: DigestChallenge | None = None
        self._count = 0

    def header(self, method: str, target: str) -> str | None:
        """The Authorization value for a request, once the server has asked for one."""
        user, password = self._credentials.user, self._credentials.password
        if self._basic:
            return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        if self._challenge is None:
            return None
        self._count += 1
        return response_for(
            self._challenge,
            username=user,
            password=password,
            method=method,
            uri=target,
            nc=self._count,
        )

    def learn(self, response: HttpResponse, answered: bool) -> bool:
        """Take a 401's challenge; whether the request is worth sending again."""
        for value in response.header_all("www-authenticate"):
            scheme = value.split(None, 1)[0].lower() if value.strip() else ""
            if scheme == "digest":
                try:
                    challenge = parse_challenge(value)
                except SIPError:
                    continue
                if challenge is None or (answered and not challenge.stale):
                    return False
                self._challenge, self._count, self._basic = challenge, 0, False
                return True
            if scheme == "basic" and not self._basic:
                self._basic = True
                return True
        return False


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 5
    first_delay: float = 0.5
    max_delay: float = 8.0


class Fetcher:
    """One phone's file transfers in one boot stage."""

    def __init__(
        self, client: HttpClient, user_agent: str, retry: RetryPolicy = RetryPolicy()
    ) -> None:
        self._client = client
        self._user_agent = user_agent
        self._retry = retry
        self._auth: dict[Credentials, PhoneAuth] = {}

    def _auth_for(self, credentials: Credentials) -> PhoneAuth:
        if credentials not in self._auth:
            self._auth[credentials] = PhoneAuth(credentials)
        return self._auth[credentials]

    async def _authorized(self, method: str, location: Location, body: bytes) -> HttpResponse:
        """The request, and once more answering a challenge when credentials are at hand."""
        parts = urlsplit(location.url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        auth = self._auth_for(location.credentials) if location.credentials else None
        answered = False
        while True:
            headers = [("User-Agent", self._user_agent)]
            value = auth.header(method, target) if auth is not None else None
            if value is not None:
                headers.append(("Authorization", value))
            response = await self._client.request(method, location.url, headers, body)
            if response.status != 401 or auth is None or not auth.learn(response, answered):
                return response
            answered = True

    async def request(self, method: str, location: Location, body: bytes = b"") -> HttpResponse:
        """One transfer, retried with backoff on transport errors, 429 and 502/503/504;
        a numeric Retry-After is honoured up to the policy's longest delay."""
        delay = self._retry.first_delay
        problem = ""
        for attempt in range(1, self._retry.attempts + 1):
            try:
                response = await self._authorized(method, location, body)
            except HttpError as exc:
                problem = str(exc)
            else:
                if response.status not in RETRY_STATUSES:
                    return response
                problem = f"HTTP {response.status}"
                retry_after = response.header("retry-after") or ""
                if retry_after.isdigit():
                    delay = max(delay, min(float(retry_after), self._retry.max_delay))
            if attempt < self._retry.attempts:
                # Jitter keeps a fleet that failed together from retrying together.
                await asyncio.sleep(delay * random.uniform(0.5, 1.5))
                delay = min(delay * 2, self._retry.max_delay)
        raise FetchError(f"{method} {location.url}: {problem}")

    async def get(self, location: Location) -> HttpResponse:
        return await self.request("GET", location)

    async def head(self, location: Location) -> HttpResponse:
        return await self.request("HEAD", location)

    async def put(self, location: Location, body: bytes) -> HttpResponse:
        return await self.request("PUT", location, body)
