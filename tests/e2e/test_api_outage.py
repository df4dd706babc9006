"""The REST API stops in the middle of a boot storm and comes back: the registrar's durable
outbox holds the phones meanwhile, and every one is created exactly once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from autoprov.config import AUTOPROVISION_USER
from autoprov.simulate.simulator import Simulator, SimulatorConfig
from tests.e2e.harness import Stack, inventory, provision_url, until
from tests.e2e.test_fleet import inventory_macs

PHONES = 500


@pytest.mark.slow
async def test_api_down_during_a_500_phone_boot(stack: Stack) -> None:
    settings = stack.settings
    config = SimulatorConfig(
        phones=PHONES, provision_url=provision_url(settings), seed=500, concurrency=100
    )
    async with Simulator(config) as sim:

        def registered(count: int) -> Callable[[], Awaitable[bool]]:
            async def enough() -> bool:
                done = sum(AUTOPROVISION_USER in r.ever_registered for r in sim.results())
                return done >= count

            return enough

        await until(registered(PHONES // 10), 60, f"{PHONES // 10} phones registered")
        await stack.api.stop()
        # Provisioning and registration go on without the API; the inventory waits.
        await until(registered(PHONES // 2), 120, f"{PHONES // 2} phones registered")
        await stack.api.start()
        async with asyncio.timeout(180):
            await sim.wait_booted()
        assert [(r.mac, r.failure) for r in sim.results() if r.failed] == []

        async with inventory(settings) as api:

            async def all_there() -> bool:
                return bool((await api.phones(limit=1))["total"] >= PHONES)

            await until(all_there, 120, f"{PHONES} phones in the inventory")
            found = await inventory_macs(api)
    assert set(found) == {phone.spec.mac for phone in sim.phones}
    assert max(found.values()) == 1
