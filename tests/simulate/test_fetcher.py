from __future__ import annotations

import pytest

from autoprov.simulate.bootserver import BootServer
from autoprov.simulate.fetcher import Fetcher, FetchError, HttpClients, RetryPolicy
from tests.simulate.fake_boot_server import FakeBootServer

AGENT = "FileTransport PolycomVVX-VVX_410-UA/5.9.5.0614 Type/Updater"
FAST = RetryPolicy(attempts=3, first_delay=0.01, max_delay=0.02)


@pytest.mark.parametrize("scheme", ["basic", "digest"])
async def test_answers_the_challenge_with_the_boot_server_credentials(scheme: str) -> None:
    fake = FakeBootServer(files={"000000000000.cfg": b"<APPLICATION/>"}, auth=scheme)
    async with fake.running(), HttpClients().open("127.0.0.1") as client:
        server = BootServer.parse(f"http://prov:prov-secret@127.0.0.1:{fake.port}/")
        fetcher = Fetcher(client, AGENT, FAST)
        first = await fetcher.get(server.locate("000000000000.cfg"))
        second = await fetcher.get(server.locate("000000000000.cfg"))
    assert (first.status, first.body, second.status) == (200, b"<APPLICATION/>", 200)
    # The first request goes out bare and meets the challenge; later ones answer it at once.
    assert [seen.authorization.split(" ")[0] for seen in fake.seen] == [
        "",
        scheme.capitalize(),
        scheme.capitalize(),
    ]
    assert {seen.user_agent for seen in fake.seen} == {AGENT}


async def test_wrong_password_gives_the_401_back() -> None:
    fake = FakeBootServer(files={"a.cfg": b"x"}, auth="digest")
    async with fake.running(), HttpClients().open("127.0.0.1") as client:
        server = BootServer.parse(f"http://prov:wrong@127.0.0.1:{fake.port}/")
        fetched = await Fetcher(client, AGENT, FAST).get(server.locate("a.cfg"))
    assert fetched.status == 401
    assert not fetched.ok


async def test_put_and_404() -> None:
    fake = FakeBootServer()
    async with fake.running(), HttpClients().open("127.0.0.1") as client:
        server = BootServer.parse(fake.url)
        fetcher = Fetcher(client, AGENT, FAST)
        put = await fetcher.put(server.locate("x-boot.log", "logs"), b"booted\n")
        missing = await fetcher.get(server.locate("0004f2aabbcc.cfg"))
    assert (put.status, missing.status) == (204, 404)
    assert fake.files["logs/x-boot.log"] == b"booted\n"


async def test_retries_while_the_server_is_unavailable() -> None:
    fake = FakeBootServer(files={"a.cfg": b"x"}, fail_first=2)
    async with fake.running(), HttpClients().open("127.0.0.1") as client:
        fetched = await Fetcher(client, AGENT, FAST).get(BootServer.parse(fake.url).locate("a.cfg"))
    assert fetched.status == 200
    assert len(fake.seen) == 3


async def test_gives_up_after_its_attempts_naming_the_url() -> None:
    fake = FakeBootServer(files={"a.cfg": b"x"}, fail_first=10)
    async with fake.running(), HttpClients().open("127.0.0.1") as client:
        location = BootServer.parse(fake.url).locate("a.cfg")
        with pytest.raises(FetchError, match=r"GET http://127\.0\.0\.1:\d+/a\.cfg: HTTP 503"):
            await Fetcher(client, AGENT, FAST).get(location)
    assert len(fake.seen) == 3


async def test_connection_refused_is_a_fetch_error() -> None:
    async with HttpClients().open("127.0.0.1") as client:
        location = BootServer.parse("http://127.0.0.1:9/").locate("a.cfg")
        with pytest.raises(FetchError, match="cannot connect"):
            await Fetcher(client, AGENT, FAST).get(location)
