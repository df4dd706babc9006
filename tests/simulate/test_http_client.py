from __future__ import annotations

import asyncio
import ssl

import pytest

from autoprov.simulate.http_client import HttpClient, HttpError
from tests.helpers import free_port
from tests.simulate.fake_boot_server import FakeBootServer


def _client(address: str = "127.0.0.1", timeout: float = 5.0) -> HttpClient:
    return HttpClient(address, timeout, ssl.create_default_context())


async def test_requests_share_one_connection_from_the_phone_address() -> None:
    fake = FakeBootServer(files={"a.cfg": b"<a/>", "b.cfg": b"<b/>"})
    async with fake.running(), _client("127.100.9.9") as client:
        first = await client.request("GET", fake.url + "a.cfg", [("User-Agent", "x")])
        second = await client.request("GET", fake.url + "b.cfg", [])
        head = await client.request("HEAD", fake.url + "a.cfg", [])
        put = await client.request("PUT", fake.url + "logs/x.log", [], b"hello")
        missing = await client.request("GET", fake.url + "nope", [])
    assert (first.status, first.body, second.body) == (200, b"<a/>", b"<b/>")
    assert (head.status, head.body, head.header("etag") is not None) == (200, b"", True)
    assert (put.status, missing.status, missing.ok) == (204, 404, False)
    assert fake.files["logs/x.log"] == b"hello"
    assert len(fake.clients) == 1
    assert fake.clients == {"127.100.9.9"}


async def test_an_idle_connection_closed_by_the_server_is_replaced() -> None:
    fake = FakeBootServer(files={"a.cfg": b"<a/>"}, keep_alive=1)
    async with fake.running(), _client() as client:
        await client.request("GET", fake.url + "a.cfg", [])
        await asyncio.sleep(1.5)
        again = await client.request("GET", fake.url + "a.cfg", [])
    assert again.status == 200


async def test_nothing_listening_is_an_http_error() -> None:
    async with _client() as client:
        with pytest.raises(HttpError, match="cannot connect"):
            await client.request("GET", f"http://127.0.0.1:{free_port()}/a.cfg", [])


async def test_a_server_that_never_answers_times_out() -> None:
    async def silent(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(5)
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with _client(timeout=0.2) as client:
            with pytest.raises(HttpError, match=r"no answer within 0\.2 s"):
                await client.request("GET", f"http://127.0.0.1:{port}/a.cfg", [])
    finally:
        server.close()


async def _raw_server(answer: bytes) -> asyncio.Server:
    async def reply(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(answer)
        await writer.drain()
        writer.close()

    return await asyncio.start_server(reply, "127.0.0.1", 0)


@pytest.mark.parametrize(
    ("answer", "body"),
    [
        (
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"4;ext=1\r\n<APP\r\n4\r\nLI/>\r\n0\r\nX-Trailer: y\r\n\r\n",
            b"<APPLI/>",
        ),
        (b"HTTP/1.0 200 OK\r\nContent-Type: text/xml\r\n\r\n<a/>", b"<a/>"),
        (b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 3\r\n\r\nabc", b"abc"),
    ],
)
async def test_bodies_framed_every_way_a_server_may(answer: bytes, body: bytes) -> None:
    server = await _raw_server(answer)
    port = server.sockets[0].getsockname()[1]
    try:
        async with _client() as client:
            response = await client.request("GET", f"http://127.0.0.1:{port}/x", [])
    finally:
        server.close()
    assert (response.status, response.body) == (200, body)


@pytest.mark.parametrize(
    "answer",
    [
        b"SIP/2.0 200 OK\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: many\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nBroken header line\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    ],
)
async def test_malformed_answers_are_http_errors(answer: bytes) -> None:
    server = await _raw_server(answer)
    port = server.sockets[0].getsockname()[1]
    try:
        async with _client() as client:
            with pytest.raises(HttpError):
                await client.request("GET", f"http://127.0.0.1:{port}/x", [])
    finally:
        server.close()
