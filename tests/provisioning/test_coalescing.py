from __future__ import annotations

import asyncio

from autoprov.provisioning.coalescing import CoalescingTransport


class Connection(asyncio.Transport):
    """Records what reaches the socket."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[bytes] = []
        self.closed = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        assert not self.closed, "written after close"
        self.sent.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.closed = True

    def get_write_buffer_size(self) -> int:
        return 0


def coalescing() -> tuple[CoalescingTransport, Connection]:
    connection = Connection()
    return CoalescingTransport(connection, asyncio.get_running_loop()), connection


async def test_what_is_written_in_one_turn_is_sent_at_its_end_in_one_piece() -> None:
    transport, connection = coalescing()
    transport.write(b"HTTP/1.1 200 OK\r\n\r\n")
    transport.writelines([b"<a/>", bytearray(b"\n")])
    assert connection.sent == []
    assert transport.get_write_buffer_size() == 24
    await asyncio.sleep(0)
    assert connection.sent == [b"HTTP/1.1 200 OK\r\n\r\n<a/>\n"]
    transport.write(b"next")
    await asyncio.sleep(0)
    assert connection.sent == [b"HTTP/1.1 200 OK\r\n\r\n<a/>\n", b"next"]


async def test_closing_sends_what_is_held_first() -> None:
    transport, connection = coalescing()
    transport.write(b"last")
    transport.close()
    assert connection.sent == [b"last"] and connection.closed
    await asyncio.sleep(0)  # the end of the turn finds nothing left
    assert connection.sent == [b"last"]


async def test_nothing_is_sent_once_the_connection_is_gone() -> None:
    transport, connection = coalescing()
    transport.write(b"late")
    connection.closed = True  # the phone hung up
    await asyncio.sleep(0)
    assert connection.sent == []
    transport.write(b"held")
    transport.abort()
    await asyncio.sleep(0)
    assert connection.sent == []
