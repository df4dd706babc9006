"""RFC 4475 3.1.1.4 (``escnull.dat``): an AOR whose user part carries ``%00`` registers under
the whole name, NUL included, and its ``%00`` contacts are kept as they were sent."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import Engine

from autoprov.config import Settings
from autoprov.registrar.credentials import load_passwords
from tests.registrar.conftest import start_registrar
from tests.registrar.sipclient import digest_authorization

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "sip-torture"
AOR = "null-\x00-null"
PASSWORD = "secret-null"


async def test_escnull_binding_keeps_the_nul(settings: Settings, engine: Engine) -> None:
    running = await start_registrar(settings, engine, sip_domain="example.com")
    service = running.service
    # PostgreSQL text cannot hold a NUL, so no such user can be stored there: give the
    # registrar's credential cache (what authentication reads) the user directly
    service.credentials.replace({**load_passwords(engine), AOR: PASSWORD})
    client = await running.client()
    try:
        message = (CORPUS / "escnull.dat").read_bytes()
        challenge = await client.send(message)
        assert challenge.status == 401
        authorization = digest_authorization(
            next(c for c in challenge.headers("WWW-Authenticate") if "MD5" in c),
            username=AOR,
            password=PASSWORD,
            method="REGISTER",
            uri="sip:example.com",
        )
        # the NUL travels as a quoted-pair inside the quoted username (RFC 3261 25.1)
        authorization = authorization.replace(AOR, AOR.replace("\x00", "\\\x00"), 1)
        authorized = (
            message.replace(b"branch=z9hG4bKkdjuw", b"branch=z9hG4bKkdjuw2")
            .replace(b"CSeq: 14398234", b"CSeq: 14398235")
            .replace(b"L:0\r\n", f"Authorization: {authorization}\r\nL:0\r\n".encode())
        )
        reply = await client.send(authorized)
        assert reply.status == 200, reply.raw[:300]

        bindings = service.location.bindings(AOR, time.time())
        assert {b.aor for b in bindings} == {AOR}
        assert {b.contact for b in bindings} == {
            "sip:%00@host5.example.com",
            "sip:%00%00@host5.example.com",
        }
        assert service.location.bindings("null-", time.time()) == []
        assert any(line.startswith(b"To: sip:null-%00-null@") for line in reply.raw.split(b"\r\n"))
    finally:
        client.close()
        await service.stop()
