"""A scriptable UDP peer on 127.0.0.1 for SIP client tests: it records what it gets and
answers through a handler (None = stay silent)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import cast

from autoprov.sip import Request, Response, SIPError, parse_message, serialize

Handler = Callable[[Request | Response, int], Request | Response | None]


class UdpPeer(asyncio.DatagramProtocol):
    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.received: list[Request | Response] = []
        self.raw: list[bytes] = []
        self.arrived = asyncio.Event()
        self.transport: asyncio.DatagramTransport | None = None
        self.port = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # The selector loop's datagram transport is not a DatagramTransport subclass.
        self.transport = cast(asyncio.DatagramTransport, transport)
        self.port = transport.get_extra_info("sockname")[1]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.raw.append(data)
        self.arrived.set()
        try:
            message = parse_message(data)
        except SIPError:
            return
        self.received.append(message)
        answer = self.handler(message, len(self.received))
        if answer is not None and self.transport is not None:
            self.transport.sendto(serialize(answer), addr)

    def send(self, message: Request | Response | bytes, addr: tuple[str, int]) -> None:
        assert self.transport is not None
        self.transport.sendto(message if isinstance(message, bytes) else serialize(message), addr)

    async def next_message(self) -> Request | Response:
        count = len(self.raw)
        async with asyncio.timeout(5):
            while len(self.raw) == count:
                self.arrived.clear()
                await self.arrived.wait()
        return self.received[count]


@asynccontextmanager
async def udp_peer(handler: Handler) -> AsyncIterator[UdpPeer]:
    loop = asyncio.get_running_loop()
    transport, peer = await loop.create_datagram_endpoint(
        lambda: UdpPeer(handler), local_addr=("127.0.0.1", 0)
    )
    try:
        yield peer
    finally:
        transport.close()
