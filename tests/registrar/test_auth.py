"""The digest algorithms the 401 challenge offers (``AUTOPROV_DIGEST_ALGORITHMS``)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine

from autoprov.config import Settings
from tests.registrar.conftest import USERS, add_users, start_registrar


async def test_the_challenge_offers_the_configured_algorithms(
    settings: Settings, engine: Engine
) -> None:
    add_users(engine, USERS)
    running = await start_registrar(settings, engine, digest_algorithms=["SHA-256"])
    client = await running.client()
    try:
        challenge = await client.send(client.register_bytes("1001"))
        [offered] = challenge.headers("WWW-Authenticate")
        assert "algorithm=SHA-256" in offered
        reply = await client.register("1001", USERS["1001"], algorithm="SHA-256")
        assert reply.status == 200
    finally:
        client.close()
        await running.service.stop()


def test_the_setting_is_checked() -> None:
    assert Settings(digest_algorithms=["sha-256", "md5"]).digest_algorithms == ["SHA-256", "MD5"]
    assert Settings().digest_algorithms == ["MD5", "SHA-256"]
    for wrong in ([], ["MD5", "md5"], ["MD4"]):
        with pytest.raises(ValidationError):
            Settings(digest_algorithms=wrong)
