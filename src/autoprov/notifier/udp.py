"""The notifier's own UDP socket, shared by every NOTIFY sent over UDP."""

from __future__ import annotations

import asyncio
import logging
from typing import cast

from autoprov.notifier.routing import ResponseRouter
from autoprov.sip import Response, SIPError, parse_message

log = logging.getLogger(__name__)


class UdpChannel(ResponseRouter, asyncio.DatagramProtocol):
    def __init__(self) -> None:
        super().__init__()
        self._transport: asyncio.DatagramTransport | None = None

    @classmethod
    async def open(cls, host: str) -> UdpChannel:
        """Bind an ephemeral port on ``host``."""
        loop = asyncio.get_running_loop()
        _, channel = await loop.create_datagram_endpoint(cls, local_addr=(host, 0))
        return channel

    @property
    def port(self) -> int:
        assert self._transport is not None
        return cast(int, self._transport.get_extra_info("sockname")[1])

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.DatagramTransport, transport)

    def send(self, data: bytes, address: tuple[str, int]) -> None:
        if self._transport is not None:
            self._transport.sendto(data, address)

    def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
        try:
            message = parse_message(data)
        except SIPError:
            return
        if isinstance(message, Response):
            self.route(message)

    def error_received(self, exc: Exception) -> None:
        # ICMP errors are not tied to a request here; the transaction times out instead.
        log.debug("notify-socket-error error=%s", exc)

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None
