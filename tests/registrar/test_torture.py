"""The RFC 4475 "Reg" messages of the torture corpus, sent over UDP as they are, to a
registrar serving ``example.com`` (see the corpus INDEX.md)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from autoprov.config import Settings
from tests.registrar.conftest import Running, start_registrar

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "sip-torture"

EXPECTED = {
    "escnull.dat": {401},
    "esc02.dat": {405, 501},
    "dblreq.dat": {401},
    "scalar02.dat": {400},
    "regbadct.dat": {400},
    "unksm2.dat": {400, 401},
    "regaut01.dat": {401},
    "cparam01.dat": {401},
    "cparam02.dat": {401},
    "regescrt.dat": {401},
}


@pytest.fixture
async def torture_registrar(settings: Settings, engine: Engine) -> AsyncIterator[Running]:
    running = await start_registrar(settings, engine, sip_domain="example.com")
    yield running
    await running.service.stop()


async def send(port: int, data: bytes) -> list[bytes]:
    loop = asyncio.get_running_loop()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.setblocking(False)
        sock.bind(("127.0.0.1", 0))
        await loop.sock_sendto(sock, data, ("127.0.0.1", port))
        replies = []
        try:
            while True:
                replies.append(await asyncio.wait_for(loop.sock_recv(sock, 65535), 1.0))
        except TimeoutError:
            return replies


def status(reply: bytes) -> int:
    return int(reply.split(b" ", 2)[1])


@pytest.mark.parametrize("name", sorted(EXPECTED))
async def test_reg_messages(torture_registrar: Running, name: str) -> None:
    data = (CORPUS / name).read_bytes()
    replies = await send(torture_registrar.address[1], data)
    # answered once (dblreq: the REGISTER only, the trailing INVITE is ignored)
    assert len(replies) == 1, replies
    assert status(replies[0]) in EXPECTED[name], replies[0][:300]
    assert len(torture_registrar.service.location) == 0


async def test_escnull_keeps_the_nul(torture_registrar: Running) -> None:
    """The AOR's user part carries %00; it must not be cut there (RFC 4475 3.1.1.4)."""
    data = (CORPUS / "escnull.dat").read_bytes()
    reply = (await send(torture_registrar.address[1], data))[0]
    assert status(reply) == 401
    to_line = next(line for line in reply.split(b"\r\n") if line.lower().startswith(b"to:"))
    assert b"%00" in to_line


async def test_bad_messages_are_counted(torture_registrar: Running) -> None:
    metrics = torture_registrar.service.metrics
    assert metrics.snapshot()["registrar_bad_requests_total"] == 0
    for name in ("scalar02.dat", "regbadct.dat"):
        await send(torture_registrar.address[1], (CORPUS / name).read_bytes())
    await send(torture_registrar.address[1], b"not SIP at all\r\n\r\n")  # dropped, still counted
    assert metrics.snapshot()["registrar_bad_requests_total"] == 3
