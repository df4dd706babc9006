"""A phone's SIP socket on loopback: records what it receives, answers with a chosen status
(or stays silent), as a Polycom answers a check-sync NOTIFY."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field

from autoprov.sip import Request, make_response, parse_message, serialize
from autoprov.sip.connection import NEED_DATA, StreamConnection


@dataclass
class FakePhone:
    sock: socket.socket
    port: int
    answer: int | None = 200
    received: list[tuple[float, bytes]] = field(default_factory=list)

    @property
    def requests(self) -> list[Request]:
        found = []
        for _, data in self.received:
            message = parse_message(data)
            assert isinstance(message, Request)
            found.append(message)
        return found

    def serve(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                data, address = self.sock.recvfrom(65535)
            except TimeoutError:
                continue
            self.received.append((time.monotonic(), data))
            if self.answer is not None:
                request = parse_message(data)
                assert isinstance(request, Request)
                self.sock.sendto(serialize(make_response(request, self.answer)), address)


@contextmanager
def fake_phone(answer: int | None = 200, host: str = "127.0.0.1") -> Iterator[FakePhone]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((host, 0))
    sock.settimeout(0.05)
    phone = FakePhone(sock, sock.getsockname()[1], answer)
    stop = threading.Event()
    thread = threading.Thread(target=phone.serve, args=(stop,), daemon=True)
    thread.start()
    try:
        yield phone
    finally:
        stop.set()
        thread.join(5)
        sock.close()


@dataclass
class FakeTcpPhone:
    port: int
    received: list[Request] = field(default_factory=list)


@asynccontextmanager
async def fake_tcp_phone(answer: int = 200) -> AsyncIterator[FakeTcpPhone]:
    """A phone listening for SIP over TCP on loopback, answering each request."""
    received: list[Request] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        stream = StreamConnection()
        while data := await reader.read(65536):
            stream.receive_data(data)
            while (event := stream.next_event()) is not NEED_DATA:
                assert isinstance(event, Request)
                received.append(event)
                writer.write(serialize(make_response(event, answer)))
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    try:
        yield FakeTcpPhone(server.sockets[0].getsockname()[1], received)
    finally:
        server.close()
        await server.wait_closed()
