"""A lean HTTP/1.1 client for emulated phones: asyncio streams, one kept-alive connection per
origin, bound to the phone's own address.

A boot storm runs thousands of phones in one process on a CPU it shares with the server under
test. A general-purpose client (or even h11) spends several times more per request than a
phone's short sequential transfers need, so this one reads exactly what RFC 9112 asks of a
client: the status line, the header fields, and a body framed by Content-Length, chunked
transfer coding, or the end of the connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from dataclasses import dataclass
from types import TracebackType
from urllib.parse import urlsplit

MAX_HEAD = 65536
_NO_BODY = frozenset({204, 304})


class HttpError(Exception):
    """The request got no usable HTTP answer: refused, reset, timed out or malformed."""


class _Malformed(Exception):
    pass


@dataclass(frozen=True, slots=True)
class HttpResponse:
    status: int
    headers: tuple[tuple[str, str], ...]
    """Names in lower case, in the order received."""
    body: bytes

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def header(self, name: str) -> str | None:
        return next((value for key, value in self.headers if key == name), None)

    def header_all(self, name: str) -> list[str]:
        return [value for key, value in self.headers if key == name]


def _request_bytes(method: str, target: str, headers: list[tuple[str, str]], body: bytes) -> bytes:
    lines = [f"{method} {target} HTTP/1.1"]
    lines += [f"{name}: {value}" for name, value in headers]
    if body or method in ("PUT", "POST"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def _parse_head(head: bytes) -> tuple[int, tuple[tuple[str, str], ...]]:
    status_line, *fields = head.decode("latin-1").split("\r\n")
    version, _, rest = status_line.partition(" ")
    code = rest[:3]
    if not version.startswith("HTTP/1.") or not code.isdigit():
        raise _Malformed(f"bad status line {status_line!r}")
    headers = []
    for field in fields:
        name, colon, value = field.partition(":")
        if not colon or not name or name != name.strip():
            raise _Malformed(f"bad header field {field!r}")
        headers.append((name.lower(), value.strip()))
    return int(code), tuple(headers)


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.used = False
        self.keep = True

    async def exchange(self, method: str, data: bytes) -> HttpResponse:
        self.used = True
        self.writer.write(data)
        status = 100
        while status < 200:  # interim answers (100 Continue, 103) precede the real one
            try:
                head = await self.reader.readuntil(b"\r\n\r\n")
            except asyncio.LimitOverrunError:
                raise _Malformed("header section too large") from None
            status, headers = _parse_head(head[:-4])
        # Reversed, so that the first of repeated fields wins, as in HttpResponse.header.
        fields = dict(reversed(headers))
        self.keep = fields.get("connection", "").lower() != "close"
        if method == "HEAD" or status in _NO_BODY:
            return HttpResponse(status, headers, b"")
        coding = fields.get("transfer-encoding", "").lower()
        length = fields.get("content-length")
        if coding.endswith("chunked"):
            body = await self._chunked()
        elif length is not None:
            if not length.isdigit():
                raise _Malformed(f"bad Content-Length {length!r}")
            body = await self.reader.readexactly(int(length))
        else:
            body, self.keep = await self.reader.read(), False
        return HttpResponse(status, headers, body)

    async def _chunked(self) -> bytes:
        chunks: list[bytes] = []
        while True:
            size_line = await self.reader.readuntil(b"\r\n")
            size_text = size_line.split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise _Malformed(f"bad chunk size {size_text!r}") from None
            if size == 0:
                while await self.reader.readuntil(b"\r\n") != b"\r\n":
                    pass  # trailer fields: nothing a phone needs
                return b"".join(chunks)
            chunks.append(await self.reader.readexactly(size))
            await self.reader.readexactly(2)

    def close(self) -> None:
        self.writer.close()


class HttpClient:
    def __init__(self, local_address: str, timeout: float, tls: ssl.SSLContext) -> None:
        self._local_address = local_address
        self._timeout = timeout
        self._tls = tls
        self._connections: dict[tuple[str, str, int], _Connection] = {}

    async def __aenter__(self) -> HttpClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        for connection in self._connections.values():
            connection.close()
        self._connections.clear()

    async def request(
        self, method: str, url: str, headers: list[tuple[str, str]], body: bytes = b""
    ) -> HttpResponse:
        parts = urlsplit(url)
        if parts.hostname is None:
            raise HttpError(f"no host in {url!r}")
        https = parts.scheme == "https"
        origin = (parts.scheme, parts.hostname, parts.port or (443 if https else 80))
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        host = parts.netloc.rpartition("@")[2]
        data = _request_bytes(method, target, [("Host", host), *headers], body)
        try:
            async with asyncio.timeout(self._timeout):
                return await self._send(origin, method, data)
        except TimeoutError:
            self._drop(origin)
            raise HttpError(f"{method} {url}: no answer within {self._timeout:g} s") from None
        except _Malformed as exc:
            self._drop(origin)
            raise HttpError(f"{method} {url}: {exc}") from None

    async def _send(self, origin: tuple[str, str, int], method: str, data: bytes) -> HttpResponse:
        for _ in range(2):
            connection = await self._connection(origin)
            reused = connection.used
            try:
                response = await connection.exchange(method, data)
            except (OSError, asyncio.IncompleteReadError) as exc:
                self._drop(origin)
                if reused:
                    continue  # the server closed an idle connection: try a fresh one
                raise HttpError(f"{type(exc).__name__}: {exc}") from None
            if not connection.keep:
                self._drop(origin)
            return response
        raise HttpError("the server keeps closing the connection")

    async def _connection(self, origin: tuple[str, str, int]) -> _Connection:
        connection = self._connections.get(origin)
        if connection is not None:
            return connection
        scheme, host, port = origin
        try:
            reader, writer = await asyncio.open_connection(
                host,
                port,
                local_addr=(self._local_address, 0),
                ssl=self._tls if scheme == "https" else None,
                limit=MAX_HEAD,
            )
        except OSError as exc:
            raise HttpError(f"cannot connect to {host}:{port}: {exc.strerror or exc}") from None
        connection = self._connections[origin] = _Connection(reader, writer)
        return connection

    def _drop(self, origin: tuple[str, str, int]) -> None:
        connection = self._connections.pop(origin, None)
        if connection is not None:
            with contextlib.suppress(OSError):
                connection.close()
