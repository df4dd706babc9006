"""A SIP server on loopback with a tiny application behind it, to test the transports alone."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from autoprov.sip import Request, Response, make_response
from autoprov.transport.endpoint import SipEndpoint
from autoprov.transport.server import SipServer
from autoprov.transport.stream import ConnectionLimits


class Application:
    """Answers 200 (or raises, for a request whose method is BOOM); records what it saw."""

    def __init__(self) -> None:
        self.seen: list[tuple[Request, str, str, int]] = []

    def handle_request(
        self, request: Request, transport: str, host: str, port: int
    ) -> Response | None:
        self.seen.append((request, transport, host, port))
        if request.method == "BOOM":
            raise RuntimeError("application bug")
        return make_response(request, 200, to_tag="t1", source=(host, port))


class Server:
    def __init__(self, app: Application, server: SipServer) -> None:
        self.app = app
        self.server = server

    def port(self, transport: str) -> int:
        for address in self.server.addresses:
            name, _, port = address.rsplit(":", 2)
            if name == transport:
                return int(port)
        raise KeyError(transport)


async def start_server(limits: ConnectionLimits | None = None, **tls: object) -> Server:
    app = Application()
    server = SipServer(SipEndpoint(app), limits)
    await server.start("127.0.0.1", 0, **tls)  # type: ignore[arg-type]
    return Server(app, server)


@pytest.fixture
async def sip_server() -> AsyncIterator[Server]:
    running = await start_server()
    yield running
    await running.server.close()


def request_bytes(
    method: str = "OPTIONS",
    *,
    branch: str = "z9hG4bK-test-1",
    cseq: str | None = None,
    extra: str = "",
    body: bytes = b"",
) -> bytes:
    head = (
        f"{method} sip:127.0.0.1 SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP 127.0.0.1:5999;branch={branch};rport\r\n"
        "Max-Forwards: 70\r\n"
        "From: <sip:a@127.0.0.1>;tag=f1\r\n"
        "To: <sip:a@127.0.0.1>\r\n"
        "Call-ID: transport-test\r\n"
        f"CSeq: {cseq or '1 ' + method}\r\n"
        f"{extra}"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def read_message(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    return head + await reader.readexactly(length)
