"""The listeners: UDP and TCP on one port, TLS on another, all feeding one endpoint (or a
receiver in front of it that shares the messages out among processes).

Shutdown is graceful, uvicorn-style: stop accepting, let open connections flush what they
have to write, wait a little, then abort whatever is left.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import ssl
import time
from collections.abc import Callable

from autoprov.runtime import release_free_memory
from autoprov.transport.endpoint import SipEndpoint
from autoprov.transport.peer import Receiver
from autoprov.transport.stream import ConnectionLimits, StreamProtocol
from autoprov.transport.udp import UdpProtocol

log = logging.getLogger("autoprov.transport")

SWEEP_INTERVAL = 0.5
"""How often finished server transactions are forgotten (Timer J granularity)."""
SHUTDOWN_TIMEOUT = 5.0
TRIM_EVERY = 10_000
"""Ended transactions (some 5 MB of answers) worth handing memory back for."""
UDP_RECEIVE_BUFFER = 4 * 1024 * 1024
ANY_PORT_ATTEMPTS = 5


class SipServer:
    def __init__(
        self,
        endpoint: SipEndpoint,
        limits: ConnectionLimits | None = None,
        receiver: Receiver | None = None,
    ) -> None:
        """``receiver``: what the listeners hand messages to, when not ``endpoint`` itself."""
        self.endpoint = endpoint
        self._receiver: Receiver = receiver or endpoint
        self._limits = limits or ConnectionLimits()
        self._connections: set[StreamProtocol] = set()
        self._listeners: list[asyncio.Server] = []
        self._udp: UdpProtocol | None = None
        self._udp_fd = -1
        self._sweeper: asyncio.Task[None] | None = None
        self.addresses: list[str] = []
        """Where it listens, as ``transport:host:port``."""

    @property
    def connections(self) -> int:
        return len(self._connections)

    async def start(
        self,
        host: str,
        port: int,
        *,
        tls_port: int | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        # with port 0, the port UDP gets may be taken for TCP: then try another
        attempts = ANY_PORT_ATTEMPTS if port == 0 else 1
        for attempt in range(1, attempts + 1):
            udp_port = await self._listen_datagrams(host, port)
            # TCP on the same port as UDP (RFC 3261 18: a server listens on both)
            try:
                await self._listen_stream(host, udp_port, "tcp", None)
                break
            except OSError:
                if attempt == attempts:
                    raise
                self._close_datagrams()
        if tls_port is not None and ssl_context is not None:
            await self._listen_stream(host, tls_port, "tls", ssl_context)
        self._sweeper = asyncio.create_task(
            sweep_transactions(self.endpoint), name="sip-transactions"
        )

    async def _listen_datagrams(self, host: str, port: int) -> int:
        loop = asyncio.get_running_loop()
        udp_transport, udp = await loop.create_datagram_endpoint(
            lambda: UdpProtocol(self._receiver), local_addr=(host, port)
        )
        self._udp = udp
        # Room for a burst, or for a pause of the event loop (a garbage collection), without
        # dropping datagrams: the kernel caps it at net.core.rmem_max.
        udp_socket = udp_transport.get_extra_info("socket")
        udp_socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, UDP_RECEIVE_BUFFER)
        self._udp_fd = udp_socket.fileno()
        udp_port: int = udp_transport.get_extra_info("sockname")[1]
        self.addresses.append(f"udp:{host}:{udp_port}")
        return udp_port

    @property
    def datagram_channel(self) -> UdpProtocol | None:
        """The UDP listener, which also answers datagrams another process passed on."""
        return self._udp

    def datagram_socket(self) -> socket.socket:
        """A duplicate of the UDP socket, for another process to read and answer on the same
        address and port."""
        if self._udp_fd < 0:
            raise RuntimeError("the UDP listener is not open")
        return socket.socket(fileno=os.dup(self._udp_fd))

    def _close_datagrams(self) -> None:
        if self._udp is not None:
            self._udp.close()
            self._udp = None
            self._udp_fd = -1
        self.addresses = [a for a in self.addresses if not a.startswith("udp:")]

    async def _listen_stream(
        self, host: str, port: int, name: str, ssl_context: ssl.SSLContext | None
    ) -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            lambda: StreamProtocol(self._receiver, self._connections, self._limits, name),
            host,
            port,
            ssl=ssl_context,
            reuse_address=True,
        )
        self._listeners.append(server)
        bound = server.sockets[0].getsockname()[1]
        self.addresses.append(f"{name}:{host}:{bound}")

    async def close(self, grace: float = SHUTDOWN_TIMEOUT) -> None:
        for server in self._listeners:
            server.close()
        if self._udp is not None:
            self._udp.close()
        for connection in list(self._connections):
            connection.close()  # flushes what is buffered, then closes
        deadline = time.monotonic() + grace
        # connections leave the set as they close; poll briefly rather than track each
        while self._connections and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        for connection in list(self._connections):
            connection.abort()
        for server in self._listeners:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), grace)
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
        self.endpoint.close()


async def sweep_transactions(
    endpoint: SipEndpoint, clock: Callable[[], float] = time.monotonic
) -> None:
    """Forget ``endpoint``'s finished server transactions as their Timer J fires.

    After a burst, the answers they held are freed but the C allocator keeps the memory. While
    the transactions alive decline (under half their peak since the last time), the memory is
    handed back after each `TRIM_EVERY` that end; not in a steady flow, where it would only be
    taken again."""
    transactions = endpoint.server_transactions
    peak = ended = 0
    while True:
        await asyncio.sleep(SWEEP_INTERVAL)
        peak = max(peak, len(transactions))
        ended += transactions.expire(clock())
        alive = len(transactions)
        if ended >= TRIM_EVERY and alive < peak // 2:
            release_free_memory()
            peak, ended = alive, 0
