"""Bindings survive a restart: all of them after a clean stop, and after SIGKILL every change
older than the documented loss window (one flush interval)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from sqlalchemy import Engine

from autoprov.config import AUTOPROVISION_USER, Settings
from autoprov.registrar.location import Binding
from tests.registrar.conftest import add_users, start_registrar
from tests.registrar.processes import configured, registrar_process, serving
from tests.registrar.sipclient import SipClient
from tests.registrar.test_registrar import expires_of
from tests.registrar.test_service_commands import autoprovision_password

PASSWORD = "secret-1001"


def contacts(bindings: list[Binding]) -> set[str]:
    return {b.contact for b in bindings}


async def test_a_clean_stop_keeps_every_binding_with_its_expiry(
    settings: Settings, engine: Engine
) -> None:
    add_users(engine, {"1001": PASSWORD})
    # no periodic flush during the test: only the one a clean stop makes writes the rows
    settings = configured(settings, register_plugins=[], binding_flush_interval=3600)
    before = time.time()
    async with serving(settings) as address:
        user = await SipClient.open(address, settings.domain)
        both = "<sip:1001@192.0.2.1>;expires=600, <sip:1001@192.0.2.2>;expires=1200"
        assert (await user.register("1001", PASSWORD, contact=both)).status == 200
        phone = await SipClient.open(address, settings.domain)
        reply = await phone.register(
            AUTOPROVISION_USER, autoprovision_password(engine), display_name="VVX350-0004f2abcdef"
        )
        assert reply.status == 200
    after = time.time()

    restarted = await start_registrar(settings, engine)
    try:
        location = restarted.service.location
        now = time.time()
        ones = {b.contact: b for b in location.bindings("1001", now)}
        assert set(ones) == {"sip:1001@192.0.2.1", "sip:1001@192.0.2.2"}
        for contact, expires in (("sip:1001@192.0.2.1", 600), ("sip:1001@192.0.2.2", 1200)):
            assert before + expires <= ones[contact].expires_at <= after + expires
        [restored] = location.bindings(AUTOPROVISION_USER, now)
        assert restored.contact == f"sip:{AUTOPROVISION_USER}@127.0.0.1:{phone.local_port}"
        assert restored.display_name == "VVX350-0004f2abcdef"
        assert restored.user_agent == "autoprov-tests"
        assert (restored.source_host, restored.source_port) == ("127.0.0.1", phone.local_port)

        # the restored bindings are live: the same client refreshes one (same Call-ID, next
        # CSeq) without duplicating it, and the 200 lists both with their remaining expiry
        user.server = restarted.address
        refreshed = await user.register("1001", PASSWORD, contact="<sip:1001@192.0.2.2>")
        assert refreshed.status == 200
        listed = expires_of(refreshed.headers("Contact"))
        assert set(listed) == {"sip:1001@192.0.2.1", "sip:1001@192.0.2.2"}
        assert 600 - (time.time() - before) - 1 <= listed["sip:1001@192.0.2.1"] <= 600
        assert listed["sip:1001@192.0.2.2"] == 3600
        user.close()
        phone.close()
    finally:
        await restarted.service.stop()


async def test_after_sigkill_changes_older_than_the_loss_window_are_back(
    settings: Settings, engine: Engine, tmp_path: Path
) -> None:
    add_users(engine, {"1001": PASSWORD})
    settings = configured(settings, register_plugins=[])
    loss_window = settings.binding_flush_interval
    async with registrar_process(settings, tmp_path / "registrar.log") as process:
        client = await SipClient.open(("127.0.0.1", settings.sip_port), settings.domain)
        kept = "<sip:1001@192.0.2.1>;expires=600, <sip:1001@192.0.2.2>;expires=600"
        assert (await client.register("1001", PASSWORD, contact=kept)).status == 200
        removed = "<sip:1001@192.0.2.2>;expires=0"
        assert (await client.register("1001", PASSWORD, contact=removed)).status == 200
        # a few flush intervals pass, then the process dies without a chance to write
        await asyncio.sleep(3 * loss_window)
        process.kill()
        await process.wait()
        client.close()

    restarted = await start_registrar(settings, engine)
    try:
        now = time.time()
        assert contacts(restarted.service.location.bindings("1001", now)) == {"sip:1001@192.0.2.1"}
    finally:
        await restarted.service.stop()
