"""A small real HTTP boot server for simulator tests: serves a dict of files, records every
request, and can demand Basic or Digest credentials (RFC 7616, MD5, qop=auth)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.helpers import free_port

REALM = "autoprov-test"
_PARAM = re.compile(r'(\w+)=(?:"([^"]*)"|([^\s,]+))')


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Seen:
    method: str
    path: str
    user_agent: str
    authorization: str
    body: bytes


@dataclass
class FakeBootServer:
    files: dict[str, bytes] = field(default_factory=dict)
    """Path (without the leading slash) to content; anything else is 404."""
    auth: str | None = None
    """None, "basic" or "digest"."""
    user: str = "prov"
    password: str = "prov-secret"
    fail_first: int = 0
    """Answer this many requests with 503 before serving: a server that is still starting."""
    keep_alive: int = 5
    """Seconds the server keeps an idle connection open."""
    seen: list[Seen] = field(default_factory=list)
    clients: set[str] = field(default_factory=set)
    """Source addresses requests came from."""
    port: int = 0
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    """Set on every request."""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def _authorized(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        if self.auth == "basic":
            expected = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
            return header == f"Basic {expected}"
        if not header.startswith("Digest "):
            return False
        values = {m[1]: m[2] or m[3] for m in _PARAM.finditer(header)}
        ha1 = _md5(f"{self.user}:{REALM}:{self.password}")
        ha2 = _md5(f"{request.method}:{values.get('uri')}")
        expected = _md5(
            f"{ha1}:{values.get('nonce')}:{values.get('nc')}:{values.get('cnonce')}:auth:{ha2}"
        )
        return values.get("username") == self.user and values.get("response") == expected

    def _challenge(self) -> str:
        if self.auth == "basic":
            return f'Basic realm="{REALM}"'
        return f'Digest realm="{REALM}", nonce="{secrets.token_hex(8)}", qop="auth", algorithm=MD5'

    async def _handle(self, request: Request) -> Response:
        body = await request.body()
        if request.client is not None:
            self.clients.add(request.client.host)
        path = request.url.path.lstrip("/")
        self.seen.append(
            Seen(
                request.method,
                path,
                request.headers.get("user-agent", ""),
                request.headers.get("authorization", ""),
                body,
            )
        )
        self.arrived.set()
        if self.fail_first > 0:
            self.fail_first -= 1
            return Response(status_code=503)
        if self.auth is not None and not self._authorized(request):
            return Response(status_code=401, headers={"WWW-Authenticate": self._challenge()})
        if request.method == "PUT":
            self.files[path] = body
            return Response(status_code=204)
        if path not in self.files:
            return Response(status_code=404)
        return Response(self.files[path], headers={"ETag": f'"{_md5(repr(self.files[path]))}"'})

    def paths(self, method: str = "GET") -> list[str]:
        return [seen.path for seen in self.seen if seen.method == method]

    async def wait_for_requests(self, count: int) -> None:
        while len(self.seen) < count:
            self.arrived.clear()
            await self.arrived.wait()

    @asynccontextmanager
    async def running(self) -> AsyncIterator[FakeBootServer]:
        self.port = free_port()
        app = Starlette(
            routes=[Route("/{path:path}", self._handle, methods=["GET", "HEAD", "PUT"])]
        )
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            timeout_keep_alive=self.keep_alive,
        )
        server = uvicorn.Server(config)
        task = asyncio.create_task(server.serve())
        while not server.started:  # noqa: ASYNC110 - uvicorn offers a flag, not an event
            await asyncio.sleep(0.01)
        try:
            yield self
        finally:
            server.should_exit = True
            await task
