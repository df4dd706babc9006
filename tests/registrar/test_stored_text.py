"""Whatever text a phone sends, its binding reaches the ``bindings`` table, and so do every
other phone's: a User-Agent longer than the column, octets that are not UTF-8 (a Latin-1
display name), or a NUL (which PostgreSQL text cannot hold) must not stop the write-behind."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import Engine

from autoprov.config import Settings
from tests.registrar.conftest import Running, add_users, start_registrar
from tests.registrar.processes import eventually
from tests.registrar.sipclient import SipClient, digest_authorization
from tests.registrar.test_persistence import rows

USERS = {"1001": "secret-1001", "1002": "secret-1002", "1003": "secret-1003"}
FLUSHED = 5.0
"""Seconds for a change to reach the table (flushed every 0.5 s; margin for a loaded host)."""


async def register_raw(
    client: SipClient, user: str, replace: tuple[bytes, bytes], contact: str | None = None
) -> int:
    """An authenticated REGISTER whose bytes are edited (``replace``) after the digest is
    computed: the edit may put in octets the client helper cannot write as text."""
    challenge = await client.send(client.register_bytes(user, contact=contact))
    authorization = digest_authorization(
        challenge.header("WWW-Authenticate") or "",
        username=user,
        password=USERS[user],
        method="REGISTER",
        uri=f"sip:{client.domain}",
    )
    data = client.register_bytes(
        user, contact=contact, headers=(f"Authorization: {authorization}",)
    )
    old, new = replace
    assert old in data
    return (await client.send(data.replace(old, new))).status


async def everything_stored(running: Running, engine: Engine) -> None:
    """Every binding in memory has its row, within a few flushes."""

    async def stored() -> bool:
        return set(rows(engine)) == {
            (b.aor, b.contact)
            for aor in USERS
            for b in running.service.location.bindings(aor, time.time())
        }

    assert await eventually(stored, FLUSHED)


async def test_odd_free_text_is_stored_and_blocks_no_one(
    settings: Settings, engine: Engine
) -> None:
    add_users(engine, USERS)
    running = await start_registrar(settings, engine)
    clients = [await running.client() for _ in range(3)]
    try:
        long_agent = b"User-Agent: PolycomVVX-VVX_350-UA/5.9.5.0614 " + b"x" * 300
        status = await register_raw(clients[0], "1001", (b"User-Agent: autoprov-tests", long_agent))
        assert status == 200
        latin1 = (b"From: <sip:1002@", b'From: "J\xfcrgen M\x00ller" <sip:1002@')
        assert await register_raw(clients[1], "1002", latin1) == 200
        assert (await clients[2].register("1003", USERS["1003"])).status == 200
        await everything_stored(running, engine)

        stored = {aor: row for (aor, _), row in rows(engine).items()}
        assert stored["1001"].user_agent.startswith("PolycomVVX-VVX_350-UA/5.9.5.0614 xxx")
        assert len(stored["1001"].user_agent) == 255
        assert stored["1002"].display_name == "J\ufffdrgen M\ufffdller"
        # memory keeps what the phone sent
        [binding] = running.service.location.bindings("1001", time.time())
        assert len(binding.user_agent) > 300
    finally:
        for client in clients:
            client.close()
        await running.service.stop()


async def test_an_unstorable_instance_blocks_no_one(
    settings: Settings, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """A +sip.instance with octets that are not UTF-8 cannot be stored as sent: that binding
    stays out of the table (logged) and in memory, and every other phone's is written."""
    add_users(engine, USERS)
    running = await start_registrar(settings, engine)
    clients = [await running.client() for _ in range(2)]
    try:
        contact = f"<sip:1001@127.0.0.1:{clients[0].local_port}>"
        instance = (contact.encode(), contact.encode() + b';+sip.instance="<urn:uuid:\xff>"')
        assert await register_raw(clients[0], "1001", instance, contact=contact) == 200
        assert (await clients[1].register("1002", USERS["1002"])).status == 200

        async def other_stored() -> bool:
            return any(aor == "1002" for aor, _ in rows(engine))

        assert await eventually(other_stored, FLUSHED)
        assert all(aor != "1001" for aor, _ in rows(engine))
        [kept] = running.service.location.bindings("1001", time.time())
        assert kept.instance == "<urn:uuid:\udcff>"
        assert 'bindings-write-dropped aor="1001"' in caplog.text
    finally:
        for client in clients:
            client.close()
        await running.service.stop()
