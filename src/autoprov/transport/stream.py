"""SIP over TCP and TLS: one connection, a byte stream framed by Content-Length (RFC 3261 18.3).

A framing error gets an answer when the request's headers could be read, then the connection
is closed (the stream's framing is lost). Connections are capped in number, closed after a
quiet spell, and stop being read while the peer does not read what we write.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import cast

from autoprov.sip import SIPError
from autoprov.sip.connection import NEED_DATA, StreamConnection
from autoprov.transport.peer import Peer, Receiver

log = logging.getLogger("autoprov.transport")


class ConnectionLimits:
    __slots__ = ("idle_timeout", "max_connections")

    def __init__(self, max_connections: int = 10_000, idle_timeout: float = 300.0) -> None:
        self.max_connections = max_connections
        self.idle_timeout = idle_timeout


class StreamProtocol(asyncio.Protocol):
    def __init__(
        self,
        endpoint: Receiver,
        connections: set[StreamProtocol],
        limits: ConnectionLimits,
        transport_name: str,
    ) -> None:
        self._endpoint = endpoint
        self._connections = connections
        self._limits = limits
        self._transport_name = transport_name
        self._transport: asyncio.Transport | None = None
        self._framing = StreamConnection()
        self._peer = Peer(transport_name, "", 0)
        self._last_activity = time.monotonic()
        self._idle_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)
        host, port = self._transport.get_extra_info("peername")[:2]
        self._peer = Peer(self._transport_name, str(host), int(port))
        if len(self._connections) >= self._limits.max_connections:
            log.warning("connection-refused ip=%s reason=too-many-connections", host)
            self._transport.abort()
            return
        self._connections.add(self)
        self._idle_timer = asyncio.get_running_loop().call_later(
            self._limits.idle_timeout, self._check_idle
        )

    def connection_lost(self, exc: Exception | None) -> None:
        self._connections.discard(self)
        if self._idle_timer is not None:
            self._idle_timer.cancel()
            self._idle_timer = None
        self._transport = None

    def data_received(self, data: bytes) -> None:
        self._last_activity = time.monotonic()
        framing = self._framing
        try:
            framing.receive_data(data)
            while self._transport is not None:
                event = framing.next_event()
                if event is NEED_DATA:
                    break
                self._endpoint.receive_message(event, self._peer, self)
        except SIPError as error:
            self._endpoint.reject(error, self._peer, self)
            self.close()

    def eof_received(self) -> bool | None:
        return False  # close our side too

    def pause_writing(self) -> None:
        # the peer is not reading our answers: stop reading its requests until it does
        if self._transport is not None:
            self._transport.pause_reading()

    def resume_writing(self) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.resume_reading()

    def send(self, data: bytes, peer: Peer) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.write(data)

    def close(self) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.close()

    def abort(self) -> None:
        if self._transport is not None:
            self._transport.abort()

    def _check_idle(self) -> None:
        quiet = time.monotonic() - self._last_activity
        if quiet >= self._limits.idle_timeout:
            log.debug("connection-idle ip=%s", self._peer.host)
            self._idle_timer = None
            self.close()
            return
        self._idle_timer = asyncio.get_running_loop().call_later(
            self._limits.idle_timeout - quiet, self._check_idle
        )
