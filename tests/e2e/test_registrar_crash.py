"""The registrar is killed with SIGKILL in the middle of a boot storm and started again: no
phone is lost (the phones' next refresh REGISTER brings back what was only in memory) and none
is created twice."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from autoprov.config import AUTOPROVISION_USER, Settings
from autoprov.simulate.simulator import Simulator, SimulatorConfig
from tests.e2e.harness import ChildProcessService, Stack, inventory, provision_url, until
from tests.e2e.test_fleet import inventory_macs

PHONES = 300


@pytest.fixture
def e2e_settings(settings: Settings) -> Settings:
    """Registrations of 10 s, so phones refresh every 5 s and a restarted registrar hears from
    all of them soon; the real plugin with a short claim lease (see tests/e2e/plugins.py)."""
    return settings.model_copy(
        update={
            "min_expires": 5,
            "default_expires": 10,
            "register_plugins": ["tests.e2e.plugins:short_lease_autoprovision"],
        }
    )


@pytest.fixture
async def services(e2e_settings: Settings) -> AsyncIterator[Settings]:
    """API and provisioning in this loop; the registrar is started by the test itself."""
    stack = Stack(e2e_settings)
    await stack.api.start()
    await stack.provisioner.start()
    try:
        yield e2e_settings
    finally:
        await stack.provisioner.stop()
        await stack.api.stop()


@pytest.mark.slow
async def test_registrar_killed_mid_boot_loses_and_duplicates_nothing(
    services: Settings,
) -> None:
    settings = services
    registrar = ChildProcessService("registrar", settings, settings.sip_port)
    await registrar.start()
    config = SimulatorConfig(
        phones=PHONES, provision_url=provision_url(settings), seed=300, concurrency=60
    )
    try:
        async with Simulator(config) as sim:

            async def a_third_registered() -> bool:
                registered = sum(AUTOPROVISION_USER in r.ever_registered for r in sim.results())
                return registered >= PHONES // 3

            await until(a_third_registered, 60, "a third of the phones registered")
            registrar.kill()
            await asyncio.sleep(1.0)
            restarted = ChildProcessService("registrar", settings, settings.sip_port)
            await restarted.start()
            registrar = restarted
            async with asyncio.timeout(120):
                await sim.wait_booted()
            assert [(r.mac, r.failure) for r in sim.results() if r.failed] == []

            async with inventory(settings) as api:

                async def all_there() -> bool:
                    return bool((await api.phones(limit=1))["total"] >= PHONES)

                await until(all_there, 180, f"{PHONES} phones in the inventory")
                found = await inventory_macs(api)
    finally:
        await registrar.stop()
    assert set(found) == {phone.spec.mac for phone in sim.phones}
    assert max(found.values()) == 1
