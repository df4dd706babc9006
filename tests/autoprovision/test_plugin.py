from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy import Engine

from autoprov.autoprovision.plugin import AutoprovisionPlugin, create_plugin
from autoprov.autoprovision.worker import WorkerOptions
from autoprov.config import Settings
from autoprov.registrar.plugins import RegisterPlugin
from tests.autoprovision.fake_inventory import InventoryState, running_inventory
from tests.autoprovision.registers import register
from tests.autoprovision.sightings import macs, reserve
from tests.autoprovision.waiting import wait_until

FAST = WorkerOptions(poll_interval=0.05, base_delay=0.05, max_delay=0.3)


@pytest.fixture
async def plugin(settings: Settings, engine: Engine) -> AsyncIterator[AutoprovisionPlugin]:
    plugin = AutoprovisionPlugin(settings, engine, options=FAST, flush_interval=0.01)
    await plugin.start()
    yield plugin
    await plugin.stop()


@pytest.fixture
def inventory(settings: Settings) -> Iterator[InventoryState]:
    with running_inventory(settings.api_port) as state:
        yield state


def test_the_factory_makes_a_register_plugin(settings: Settings, engine: Engine) -> None:
    plugin: RegisterPlugin = create_plugin(settings, engine)
    assert isinstance(plugin, AutoprovisionPlugin)


async def test_a_sighted_phone_reaches_the_inventory(
    plugin: AutoprovisionPlugin, engine: Engine, inventory: InventoryState
) -> None:
    mac = macs(1)[0]
    uid = reserve(engine, mac)[mac]
    plugin.take_action(*register(f"{uid}-{mac}"))
    wait_until(lambda: plugin.snapshot()["created"] == 1)
    assert inventory.phones[mac]["description"] == f"auto-provisioned, ID {uid}, IP 192.0.2.10"
    assert inventory.phones[mac]["unique_id"] == uid


async def test_refreshes_are_not_queued_again_but_new_facts_are(
    plugin: AutoprovisionPlugin, engine: Engine, inventory: InventoryState
) -> None:
    mac = macs(1)[0]
    uid = reserve(engine, mac)[mac]
    for _ in range(5):
        plugin.take_action(*register(f"{uid}-{mac}"))
    wait_until(lambda: plugin.snapshot()["created"] == 1)
    plugin.take_action(*register(f"{uid}-{mac}", contact="sip:~~id~autoprovision@192.0.2.99"))
    wait_until(lambda: plugin.snapshot()["updated"] == 1)
    assert inventory.posted[mac] == 2
    assert inventory.phones[mac]["ip"] == "192.0.2.99"


async def test_a_forged_pair_creates_nothing(
    plugin: AutoprovisionPlugin, engine: Engine, inventory: InventoryState
) -> None:
    mac, other = macs(2)
    ids = reserve(engine, mac, other)
    plugin.take_action(*register(f"{ids[other]}-{mac}"))
    wait_until(lambda: plugin.snapshot()["forged"] == 1)
    assert plugin.snapshot()["created"] == 0
    assert not inventory.posted


async def test_other_registers_are_ignored_and_logged_once(
    plugin: AutoprovisionPlugin, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="autoprov.autoprovision")
    for _ in range(3):
        plugin.take_action(*register("ABCD-0004f2aabbcc", "Yealink SIP-T46S 66.86.0.15"))
        plugin.take_action(*register("Front Desk"))
        plugin.take_action(*register("Front Desk", aor="1001"))
    ignored = [r.getMessage() for r in caplog.records if "autoprovision-ignored" in r.getMessage()]
    assert len(ignored) == 2
    assert any("reason=not-polycom ip=198.51.100.7" in line for line in ignored)
    assert any("reason=malformed-display-name" in line for line in ignored)
    assert plugin.snapshot()["ignored"] == 6
