from __future__ import annotations

import asyncio
import socket

from tests.transport.conftest import Server, request_bytes


async def exchange(port: int, data: bytes, wait: float = 2.0) -> bytes | None:
    loop = asyncio.get_running_loop()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.setblocking(False)
        sock.bind(("127.0.0.1", 0))
        await loop.sock_sendto(sock, data, ("127.0.0.1", port))
        try:
            return await asyncio.wait_for(loop.sock_recv(sock, 65535), wait)
        except TimeoutError:
            return None


async def test_request_answered_with_received_and_rport(sip_server: Server) -> None:
    reply = await exchange(sip_server.port("udp"), request_bytes())
    assert reply is not None and reply.startswith(b"SIP/2.0 200 OK\r\n")
    via = reply.split(b"\r\n")[1]
    assert b";received=127.0.0.1" in via and b";rport=" in via
    assert len(sip_server.app.seen) == 1
    assert sip_server.app.seen[0][1] == "udp"


async def test_retransmission_gets_the_same_answer_without_the_application(
    sip_server: Server,
) -> None:
    port = sip_server.port("udp")
    loop = asyncio.get_running_loop()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.setblocking(False)
        sock.bind(("127.0.0.1", 0))
        answers = []
        for _ in range(3):
            await loop.sock_sendto(
                sock, request_bytes(branch="z9hG4bK-retrans"), ("127.0.0.1", port)
            )
            answers.append(await asyncio.wait_for(loop.sock_recv(sock, 65535), 2))
    assert answers[0] == answers[1] == answers[2]
    assert len(sip_server.app.seen) == 1
    # a new branch is a new transaction
    await exchange(port, request_bytes(branch="z9hG4bK-other"))
    assert len(sip_server.app.seen) == 2


async def test_bad_requests_get_their_status_or_are_dropped(sip_server: Server) -> None:
    port = sip_server.port("udp")
    bad_cseq = await exchange(port, request_bytes(cseq="1 INVITE"))
    assert bad_cseq is not None and bad_cseq.startswith(b"SIP/2.0 400 ")
    version = await exchange(port, request_bytes().replace(b"SIP/2.0\r\n", b"SIP/7.0\r\n", 1))
    assert version is not None and version.startswith(b"SIP/2.0 505 ")
    assert await exchange(port, b"\x00\xffgarbage without any header\r\n\r\n", 0.5) is None
    assert (
        await exchange(port, b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP x;branch=z9hG4bK1\r\n\r\n", 0.5)
        is None
    )
    assert await exchange(port, request_bytes("ACK"), 0.5) is None
    assert sip_server.app.seen == []


async def test_application_failure_is_a_500_not_a_traceback(sip_server: Server) -> None:
    reply = await exchange(sip_server.port("udp"), request_bytes("BOOM"))
    assert reply is not None and reply.startswith(b"SIP/2.0 500 ")
    assert b"Traceback" not in reply
