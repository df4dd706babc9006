from __future__ import annotations

import asyncio
import ssl
import subprocess
from pathlib import Path

from autoprov.transport.stream import ConnectionLimits
from tests.helpers import require_tool
from tests.transport.conftest import Server, read_message, request_bytes, start_server


async def test_pipelined_and_split_messages(sip_server: Server) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", sip_server.port("tcp"))
    two = request_bytes(branch="z9hG4bK-a") + request_bytes(branch="z9hG4bK-b", body=b"hello")
    writer.write(two[:10])
    await writer.drain()
    await asyncio.sleep(0.05)
    writer.write(two[10:])
    first, second = await read_message(reader), await read_message(reader)
    assert first.startswith(b"SIP/2.0 200 ") and second.startswith(b"SIP/2.0 200 ")
    assert [seen[1] for seen in sip_server.app.seen] == ["tcp", "tcp"]
    assert sip_server.app.seen[1][0].body == b"hello"
    writer.close()


async def test_framing_error_is_answered_then_closed(sip_server: Server) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", sip_server.port("tcp"))
    broken = request_bytes().replace(b"Content-Length: 0", b"Content-Length: -999")
    writer.write(broken)
    answer = await read_message(reader)
    assert answer.startswith(b"SIP/2.0 400 ")
    assert await asyncio.wait_for(reader.read(), 2) == b""  # closed by the server
    writer.close()


async def test_connection_cap_and_idle_timeout() -> None:
    running = await start_server(ConnectionLimits(max_connections=2, idle_timeout=0.3))
    port = running.port("tcp")
    try:
        kept = [await asyncio.open_connection("127.0.0.1", port) for _ in range(2)]
        await asyncio.sleep(0.05)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        assert await asyncio.wait_for(reader.read(), 2) == b""  # refused: over the cap
        writer.close()
        # the quiet connections are closed after the idle timeout
        for idle_reader, idle_writer in kept:
            assert await asyncio.wait_for(idle_reader.read(), 3) == b""
            idle_writer.close()
        assert running.server.connections == 0
    finally:
        await running.server.close()


async def test_tls(tmp_path: Path) -> None:
    openssl = require_tool("openssl")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    await asyncio.to_thread(
        subprocess.run,
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    from tests.helpers import free_port

    running = await start_server(tls_port=free_port(), ssl_context=server_context)
    try:
        client_context = ssl.create_default_context(cafile=str(cert))
        client_context.check_hostname = False
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", running.port("tls"), ssl=client_context
        )
        writer.write(request_bytes())
        assert (await read_message(reader)).startswith(b"SIP/2.0 200 ")
        assert running.app.seen[0][1] == "tls"
        writer.close()
    finally:
        await running.server.close()
