"""Many phones at once: each in the inventory exactly once."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from autoprov.simulate.simulator import Simulator, SimulatorConfig
from tests.e2e.harness import Inventory, Stack, inventory, provision_url, until

PHONES = 200


async def inventory_macs(api: Inventory) -> Counter[str]:
    return Counter(phone["mac"] for phone in await api.all_phones())


@pytest.mark.slow
async def test_200_phones_at_once_are_each_in_the_inventory_once(stack: Stack) -> None:
    settings = stack.settings
    config = SimulatorConfig(
        phones=PHONES, provision_url=provision_url(settings), seed=200, concurrency=PHONES
    )
    async with Simulator(config) as sim, inventory(settings) as api:
        async with asyncio.timeout(120):
            await sim.wait_booted()
        assert [(r.mac, r.failure) for r in sim.results() if r.failed] == []
        expected = {phone.spec.mac for phone in sim.phones}

        async def all_there() -> bool:
            return bool((await api.phones(limit=1))["total"] >= PHONES)

        await until(all_there, 60, f"{PHONES} phones in the inventory")
        found = await inventory_macs(api)
    assert set(found) == expected
    assert max(found.values()) == 1
    assert len({r.screen_label for r in sim.results()}) == PHONES
