"""REGISTER handling over real UDP sockets (RFC 3261 10.3)."""

from __future__ import annotations

import asyncio
import re
import time
from email.utils import parsedate_to_datetime

from autoprov.config import AUTOPROVISION_USER
from tests.registrar.conftest import Running
from tests.registrar.fake_plugin import RecordingPlugin
from tests.registrar.sipclient import digest_authorization

PASSWORD = "secret-1001"


def expires_of(contact_values: list[str]) -> dict[str, int]:
    found = {}
    for value in contact_values:
        uri = value[value.index("<") + 1 : value.index(">")]
        found[uri] = int(re.search(r";expires=(\d+)", value).group(1))  # type: ignore[union-attr]
    return found


async def test_register_challenge_then_ok(registrar: Running) -> None:
    client = await registrar.client()
    first = await client.send(client.register_bytes("1001"))
    assert first.status == 401
    challenges = first.headers("WWW-Authenticate")
    assert [("MD5" in c, "SHA-256" in c) for c in challenges] == [(True, False), (False, True)]
    assert all('qop="auth"' in c and 'realm="127.0.0.1"' in c for c in challenges)
    ok = await client.register("1001", PASSWORD)
    assert ok.status == 200
    contact = f"sip:1001@127.0.0.1:{client.local_port}"
    assert expires_of(ok.headers("Contact")) == {contact: 3600}
    assert parsedate_to_datetime(ok.header("Date") or "").timestamp() > time.time() - 5
    assert ";tag=" in (ok.header("To") or "")
    assert f"rport={client.local_port}" in (ok.header("Via") or "")
    assert [b.contact for b in registrar.service.location.bindings("1001", time.time())] == [
        contact
    ]
    client.close()


async def test_sha256_and_unregister(registrar: Running) -> None:
    client = await registrar.client()
    assert (await client.register("1001", PASSWORD, algorithm="SHA-256")).status == 200
    gone = await client.register("1001", PASSWORD, expires=0)
    assert gone.status == 200
    assert gone.headers("Contact") == []
    assert len(registrar.service.location) == 0
    client.close()


async def test_expiry_rules(registrar: Running) -> None:
    client = await registrar.client()
    too_short = await client.register("1001", PASSWORD, expires=30)
    assert too_short.status == 423
    assert too_short.header("Min-Expires") == "60"
    clamped = await client.register("1001", PASSWORD, expires=999_999)
    assert list(expires_of(clamped.headers("Contact")).values()) == [7200]
    # the contact parameter wins over the header; the default applies without either
    both = await client.register(
        "1001",
        PASSWORD,
        contact="<sip:a@192.0.2.1>;expires=120, <sip:b@192.0.2.1>",
        expires=None,
    )
    listed = expires_of(both.headers("Contact"))
    assert listed["sip:a@192.0.2.1"] == 120
    assert listed["sip:b@192.0.2.1"] == 3600
    assert len(listed) == 3  # the earlier contact is still there
    client.close()


async def test_contact_star(registrar: Running) -> None:
    client = await registrar.client()
    await client.register("1001", PASSWORD)
    await client.register("1001", PASSWORD, contact="<sip:other@192.0.2.1>")
    bad = await client.register("1001", PASSWORD, contact="*", expires=60)
    assert bad.status == 400
    mixed = await client.register("1001", PASSWORD, contact="*, <sip:x@192.0.2.1>", expires=0)
    assert mixed.status == 400
    cleared = await client.register("1001", PASSWORD, contact="*", expires=0)
    assert cleared.status == 200
    assert len(registrar.service.location) == 0
    client.close()


async def test_old_cseq_on_same_call_id_fails(registrar: Running) -> None:
    client = await registrar.client()
    assert (await client.register("1001", PASSWORD)).status == 200
    client.cseq = 0  # reuse low CSeq numbers on the same Call-ID
    stale = await client.register("1001", PASSWORD)
    assert stale.status == 500
    client.close()


async def test_retransmission_is_answered_again_not_processed_twice(registrar: Running) -> None:
    client = await registrar.client()
    first = await client.send(client.register_bytes("1001"))
    authorization = digest_authorization(
        first.header("WWW-Authenticate") or "",
        username="1001",
        password=PASSWORD,
        method="REGISTER",
        uri="sip:127.0.0.1",
    )
    request = client.register_bytes("1001", headers=(f"Authorization: {authorization}",))
    once = await client.send(request)
    again = await client.send(request)
    assert once.status == 200
    assert again.raw == once.raw
    assert registrar.service.metrics.registrations_ok == 1
    plugin = RecordingPlugin.instances[-1]
    await asyncio.to_thread(plugin.event.wait, 5)
    assert len(plugin.seen) == 1
    client.close()


async def test_other_methods(registrar: Running) -> None:
    client = await registrar.client()
    options = await client.send(client.register_bytes("1001", method="OPTIONS"))
    assert options.status == 200
    invite = await client.send(client.register_bytes("1001", method="INVITE"))
    assert invite.status == 405
    assert invite.header("Allow") == "REGISTER, OPTIONS"
    client.close()


async def test_request_checks_before_authentication(registrar: Running) -> None:
    client = await registrar.client()
    start_line = b"REGISTER sip:127.0.0.1"
    wrong_domain = await client.send(
        client.register_bytes("1001").replace(start_line, b"REGISTER sip:example.org", 1)
    )
    assert wrong_domain.status == 404
    tel = await client.send(
        client.register_bytes("1001").replace(start_line, b"REGISTER tel:+15551234", 1)
    )
    assert tel.status == 416
    required = await client.send(client.register_bytes("1001", headers=("Require: gruu, path",)))
    assert required.status == 420
    assert required.header("Unsupported") == "gruu, path"
    client.close()


async def test_a_user_registers_only_itself(registrar: Running) -> None:
    client = await registrar.client()
    other = await client.register("1002", PASSWORD, auth_user="1001")
    assert other.status == 403
    assert registrar.service.location.bindings("1002", time.time()) == []
    client.close()


async def test_unknown_users_get_the_same_challenge(registrar: Running) -> None:
    client = await registrar.client()
    known = await client.send(client.register_bytes("1001"))
    unknown = await client.send(client.register_bytes("nobody"))
    assert known.status == unknown.status == 401

    def shape(challenge: str) -> str:
        return re.sub(r'nonce="[^"]*"', "nonce", challenge)

    assert [shape(c) for c in known.headers("WWW-Authenticate")] == [
        shape(c) for c in unknown.headers("WWW-Authenticate")
    ]
    # a wrong password and an unknown user fail the same way
    wrong = await client.register("1001", "guess")
    missing = await client.register("nobody", "guess")
    assert wrong.status == missing.status == 401
    client.close()


async def test_shared_identity_keeps_every_phone(registrar: Running, engine: object) -> None:
    secret = registrar.service.credentials.password(AUTOPROVISION_USER)
    assert secret is not None
    clients = [await registrar.client() for _ in range(20)]
    replies = await asyncio.gather(
        *(
            c.register(AUTOPROVISION_USER, secret, display_name=f"ABC{n:03d}-0004f2{n:06x}")
            for n, c in enumerate(clients)
        )
    )
    assert [r.status for r in replies] == [200] * 20
    # each phone sees its own binding only
    assert all(len(r.headers("Contact")) == 1 for r in replies)
    assert len(registrar.service.location) == 20
    for c in clients:
        c.close()
