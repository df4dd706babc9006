"""SIP over UDP: one datagram is one message (RFC 3261 18.3), handed to the endpoint as is."""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import cast

from autoprov.transport.peer import Peer, Receiver

log = logging.getLogger("autoprov.transport")

MAX_WRITE_BUFFER = 4 * 1024 * 1024
"""Past this many bytes waiting in the kernel's way, answers are dropped (UDP has no
backpressure; the peer retransmits, and Timer F ends what cannot be answered)."""


class UdpProtocol(asyncio.DatagramProtocol):
    def __init__(self, endpoint: Receiver) -> None:
        self._endpoint = endpoint
        self._transport: asyncio.DatagramTransport | None = None
        self.dropped = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | object, ...]) -> None:
        # (host, port) for IPv4, (host, port, flowinfo, scope_id) for IPv6
        # the host interned: what keeps it (a binding, a transaction) shares one string per source
        peer = Peer("udp", sys.intern(cast(str, addr[0])), cast(int, addr[1]))
        self._endpoint.receive_datagram(data, peer, self)

    def send(self, data: bytes, peer: Peer) -> None:
        transport = self._transport
        if transport is None or transport.is_closing():
            return
        if transport.get_write_buffer_size() > MAX_WRITE_BUFFER:  # type: ignore[attr-defined]
            self.dropped += 1
            return
        transport.sendto(data, (peer.host, peer.port))

    def error_received(self, exc: Exception) -> None:
        # ICMP port unreachable and the like, for a datagram already sent: nothing to do
        log.debug("udp-error error=%s", exc)

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
