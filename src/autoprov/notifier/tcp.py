"""A NOTIFY over TCP: a connection of its own to the phone's Contact address, read with the
SIP core's stream framing; the responses go to the transaction waiting for them."""

from __future__ import annotations

import asyncio
import contextlib
from typing import cast

from autoprov.notifier.routing import ResponseRouter
from autoprov.sip import Response, SIPError
from autoprov.sip.connection import NEED_DATA, StreamConnection

READ_SIZE = 65536


class TcpLink(ResponseRouter):
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        super().__init__()
        self._reader = reader
        self._writer = writer
        self._task = asyncio.create_task(self._read())

    @classmethod
    async def open(cls, host: str, port: int) -> TcpLink:
        """Raises OSError when the phone cannot be reached."""
        reader, writer = await asyncio.open_connection(host, port)
        return cls(reader, writer)

    @property
    def port(self) -> int:
        return cast(int, self._writer.get_extra_info("sockname")[1])

    def send(self, data: bytes) -> None:
        self._writer.write(data)

    async def _read(self) -> None:
        stream = StreamConnection()
        while not stream.broken:
            data = await self._reader.read(READ_SIZE)
            if not data:
                return
            stream.receive_data(data)
            while not stream.broken:
                try:
                    event = stream.next_event()
                except SIPError:
                    continue  # a bad message inside a sound stream: skip it
                if event is NEED_DATA:
                    break
                if isinstance(event, Response):
                    self.route(event)

    async def close(self) -> None:
        self._task.cancel()
        self._writer.close()
        with contextlib.suppress(OSError, asyncio.CancelledError):
            await self._task
        with contextlib.suppress(OSError):
            await self._writer.wait_closed()
