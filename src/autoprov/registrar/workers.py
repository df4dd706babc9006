"""Several registrar processes, and the links between them.

With ``AUTOPROV_REGISTRAR_PROCESSES`` above one, each address of record belongs to one process
(`autoprov.registrar.sharding`), which holds its bindings, its transactions and the
nonce-counts of its users. Every process reads the one UDP socket, as Kamailio's UDP children
do, and answers requests other than REGISTER on the spot. A REGISTER for an AOR another
process owns is passed to it, as it arrived, over a Unix socket pair; the owner answers from
the same socket. So every request of a phone meets the same server transaction, and a
retransmitted REGISTER gets the same bytes again, a challenge as well as a 200. About half the
REGISTERs cross to another process with two of them, none with one.

Only the first process accepts TCP and TLS connections: it passes a stream's REGISTERs to
their owners, which send the answers back for it to write on the connection.

Each process runs a whole registrar but the TCP and TLS listeners: its own bindings with their
write-behind and expiry, credentials, command poller and plugins. Every second a worker sends
its counters, which the first process adds to its own on ``/metrics``.

Frames on a link are a 4-byte length and a payload whose first byte says what it is:
``u<host> <port>\\n<datagram>``, ``s<transport> <host> <port> <connection>\\n<message>`` (a
stream request, to its owner) and ``a`` + the same (its answer, back), ``m`` + a worker's
counters in JSON, and ``r``: a worker is ready.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import multiprocessing
import socket
import sys
import weakref
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from multiprocessing.process import BaseProcess
from typing import cast

from autoprov.config import Settings
from autoprov.registrar.sharding import Shard, aor_hint, aor_of, shard_of
from autoprov.sip import Request, Response, SIPError, parse_message, serialize
from autoprov.transport.endpoint import SipEndpoint
from autoprov.transport.peer import Channel, Peer

log = logging.getLogger("autoprov.registrar")

READY_TIMEOUT = 300.0
"""Seconds a worker may take to load credentials and bindings before the start fails."""
STOP_TIMEOUT = 10.0
METRICS_INTERVAL = 1.0
LINK_BUFFER = 4 * 1024 * 1024
_LENGTH = 4
_ANYWHERE = -1
"""`ShardRouter._owner`: any process may answer."""

Links = dict[int, socket.socket]
WorkerMain = Callable[[Settings, Shard, Links, socket.socket], None]
"""``(settings, shard, links to the other processes by index, UDP socket)``."""


class FrameLink(asyncio.Protocol):
    """One end of a link: length-prefixed frames each way."""

    def __init__(self, on_frame: Callable[[bytes], None]) -> None:
        self._on_frame = on_frame
        self._transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._outgoing: list[bytes] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer
        buffer += data
        # one read often holds many frames: walk them, then drop what was read at once
        start, end = 0, len(buffer)
        while end - start >= _LENGTH:
            size = int.from_bytes(buffer[start : start + _LENGTH], "big")
            if end - start - _LENGTH < size:
                break
            begin = start + _LENGTH
            start = begin + size
            self._on_frame(bytes(buffer[begin:start]))
        del buffer[:start]

    def send(self, frame: bytes) -> None:
        """Queue a frame; the frames of one turn of the event loop leave in one write (one
        read of the socket often forwards several datagrams)."""
        if self._transport is None:
            return
        outgoing = self._outgoing
        if not outgoing:
            asyncio.get_running_loop().call_soon(self._flush)
        outgoing += (len(frame).to_bytes(_LENGTH, "big"), frame)

    def _flush(self) -> None:
        # the transport buffers what the socket cannot take yet: a busy peer delays, never loses
        if self._transport is not None and self._outgoing:
            self._transport.write(b"".join(self._outgoing))
        self._outgoing.clear()

    def close(self) -> None:
        if self._transport is not None:
            self._flush()
            self._transport.close()


async def open_links(
    sockets: Links, on_frame: Callable[[int, bytes], None]
) -> dict[int, FrameLink]:
    loop = asyncio.get_running_loop()
    links = {}
    for index, sock in sockets.items():
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, LINK_BUFFER)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, LINK_BUFFER)
        _, links[index] = await loop.create_connection(
            partial(FrameLink, partial(on_frame, index)), sock=sock
        )
    return links


class ShardRouter:
    """In front of a process's endpoint: what it must not answer, to the process that owns
    it; what others pass to it, into the endpoint."""

    def __init__(self, endpoint: SipEndpoint, shard: Shard) -> None:
        self._endpoint = endpoint
        self._index = shard.index
        self._count = shard.count
        self.links: dict[int, FrameLink] = {}
        self.udp: Channel | None = None
        """This process's UDP listener, which answers the datagrams passed to it."""
        # the first process: worker readiness and counters, and its stream connections
        self.ready: dict[int, asyncio.Event] = {i: asyncio.Event() for i in range(1, shard.count)}
        self._counters: dict[int, Mapping[str, float]] = {}
        self._numbers = itertools.count(1)
        self._number_of: weakref.WeakKeyDictionary[Channel, int] = weakref.WeakKeyDictionary()
        self._channels: weakref.WeakValueDictionary[int, Channel] = weakref.WeakValueDictionary()

    def receive_datagram(self, data: bytes, peer: Peer, channel: Channel) -> None:
        owner = self._owner(data)
        if owner is None:  # only the parser can tell (rare: see `aor_hint`)
            try:
                message = parse_message(data)
            except SIPError as error:
                self._endpoint.reject(error, peer, channel)
                return
            owner = self._owner_of(message)
            if owner == self._index or owner == _ANYWHERE:
                self._endpoint.receive_message(message, peer, channel)
                return
        if owner == self._index or owner == _ANYWHERE:
            self._endpoint.receive_datagram(data, peer, channel)
        else:
            self.links[owner].send(b"u%s %d\n%s" % (peer.host.encode(), peer.port, data))

    def _owner(self, data: bytes) -> int | None:
        """Who answers a datagram: a process index, `_ANYWHERE`, or None: parse it."""
        if data[:1] in (b"\r", b"\n"):
            return None  # keep-alive line ends before the start line: the parser skips them
        if not data.startswith(b"REGISTER"):
            return _ANYWHERE
        aor = aor_hint(data)
        return None if aor is None else shard_of(aor, self._count)

    def _owner_of(self, message: Request | Response) -> int:
        """`_owner` for a parsed message."""
        aor = aor_of(message) if isinstance(message, Request) else None
        return _ANYWHERE if aor is None else shard_of(aor, self._count)

    def receive_message(self, message: Request | Response, peer: Peer, channel: Channel) -> None:
        """A stream message (first process only): REGISTERs go to their AOR's owner."""
        owner = self._owner_of(message)
        if owner == self._index or owner == _ANYWHERE:
            self._endpoint.receive_message(message, peer, channel)
            return
        number = self._number_of.get(channel)
        if number is None:
            number = self._number_of[channel] = next(self._numbers)
            self._channels[number] = channel
        header = f"{peer.transport} {peer.host} {peer.port} {number}".encode()
        self.links[owner].send(b"s" + header + b"\n" + serialize(message))

    def reject(self, error: SIPError, peer: Peer, channel: Channel) -> None:
        self._endpoint.reject(error, peer, channel)

    def from_link(self, index: int, frame: bytes) -> None:
        kind = frame[:1]
        if kind == b"u":
            header, _, data = frame[1:].partition(b"\n")
            host, port = header.decode().split(" ")
            if self.udp is not None:
                peer = Peer("udp", sys.intern(host), int(port))
                self._endpoint.receive_datagram(data, peer, self.udp)
        elif kind == b"s":
            header, _, data = frame[1:].partition(b"\n")
            transport, host, port, _ = header.decode().split(" ")
            reply = _StreamReply(self.links[index], header)
            self._endpoint.receive_datagram(data, Peer(transport, host, int(port)), reply)
        elif kind == b"a":
            header, _, data = frame[1:].partition(b"\n")
            transport, host, port, number = header.decode().split(" ")
            channel = self._channels.get(int(number))
            if channel is not None:  # else the connection closed meanwhile
                channel.send(data, Peer(transport, host, int(port)))
        elif kind == b"m":
            self._counters[index] = json.loads(frame[1:])
        elif kind == b"r":
            self.ready[index].set()

    def worker_counters(self) -> dict[str, float]:
        """The workers' latest counters, added up (read from the metrics thread)."""
        totals: dict[str, float] = {}
        for counters in list(self._counters.values()):
            for name, value in counters.items():
                totals[name] = totals.get(name, 0.0) + value
        return totals

    def close(self) -> None:
        for link in self.links.values():
            link.close()


class _StreamReply:
    """The channel of a stream request a worker answers: back to the first process."""

    __slots__ = ("_header", "_link")

    def __init__(self, link: FrameLink, header: bytes) -> None:
        self._link = link
        self._header = header

    def send(self, data: bytes, peer: Peer) -> None:
        self._link.send(b"a" + self._header + b"\n" + data)


class ShardWorkers:
    """The worker processes of one registrar, from start to stop (in the first process).

    The links come first (`link`), before the first process listens, so that a request for
    a worker's AOR always has a way to it; the workers themselves (`start`) need the UDP
    socket, so they come after. Requests for their AORs wait in the links meanwhile."""

    def __init__(self, settings: Settings, count: int, main: WorkerMain) -> None:
        self._settings = settings
        self._count = count
        self._main = main
        self._ends: list[Links] = [{} for _ in range(count)]
        for one, other in itertools.combinations(range(count), 2):
            self._ends[one][other], self._ends[other][one] = socket.socketpair(
                socket.AF_UNIX, socket.SOCK_STREAM
            )
        self._processes: list[BaseProcess] = []
        self.ended = asyncio.Event()
        """Set when a worker has ended; `crashed` tells whether it failed."""
        self.crashed = False

    async def link(self, router: ShardRouter) -> None:
        """Open the first process's ends of the links into ``router``."""
        router.links = await open_links(self._ends[0], router.from_link)

    async def start(self, router: ShardRouter, udp: socket.socket) -> None:
        """Spawn the workers, each linked to every other process and reading ``udp``, and
        wait until each is ready."""
        context = multiprocessing.get_context("spawn")
        loop = asyncio.get_running_loop()
        for index in range(1, self._count):
            process = context.Process(
                target=self._main,
                args=(self._settings, Shard(index, self._count), self._ends[index], udp),
                name=f"autoprov-registrar-{index}",
                daemon=True,
            )
            process.start()
            self._processes.append(process)
            loop.add_reader(process.sentinel, self._exited, process)
        for sock in itertools.chain([udp], *(links.values() for links in self._ends[1:])):
            sock.close()
        ready = asyncio.create_task(_all_set(router.ready.values()))
        died = asyncio.create_task(_all_set([self.ended]))
        try:
            done, _ = await asyncio.wait(
                {ready, died}, timeout=READY_TIMEOUT, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            ready.cancel()
            died.cancel()
        if ready not in done:
            raise RuntimeError("a registrar worker process failed to start")

    def _exited(self, process: BaseProcess) -> None:
        """A worker ended: stopped by a signal meant for the whole registrar (the terminal's
        Ctrl-C, or a service manager signalling every process), or crashed."""
        asyncio.get_running_loop().remove_reader(process.sentinel)
        process.join()  # its sentinel is readable: it has exited, this only reaps it
        self.crashed = process.exitcode != 0
        (log.error if self.crashed else log.info)(
            "registrar-worker-exited name=%s pid=%s code=%s",
            process.name,
            process.pid,
            process.exitcode,
        )
        self.ended.set()

    async def stop(self) -> None:
        """SIGTERM each worker (it flushes its bindings), then wait; kill what lingers."""
        loop = asyncio.get_running_loop()
        for process in self._processes:
            loop.remove_reader(process.sentinel)
            if process.is_alive():
                process.terminate()
        await asyncio.to_thread(self._join)

    def _join(self) -> None:
        for process in self._processes:
            process.join(STOP_TIMEOUT)
            if process.is_alive():
                log.warning("registrar-worker-killed name=%s", process.name)
                process.kill()
                process.join()


async def _all_set(events: Iterable[asyncio.Event]) -> None:
    for event in events:
        await event.wait()
