"""Two registrar processes and one API process on PostgreSQL: every phone registers with both
registrars (once through each), and the inventory holds each phone once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from autoprov.config import Settings
from autoprov.simulate.simulator import Simulator, SimulatorConfig
from tests.e2e.harness import (
    ChildProcessService,
    InProcessService,
    Stack,
    inventory,
    provision_url,
    until,
)
from tests.e2e.test_fleet import inventory_macs
from tests.helpers import free_port

PHONES = 200


@pytest.fixture
async def cluster(e2e_settings: Settings) -> AsyncIterator[tuple[Settings, int, int]]:
    settings = e2e_settings
    second_port = free_port()
    api = ChildProcessService("api", settings, settings.api_port)
    first = ChildProcessService("registrar", settings, settings.sip_port)
    second = ChildProcessService(
        "registrar", settings, second_port, sip_port=second_port, sip_tls_port=free_port()
    )
    provisioner = Stack(settings).provisioner
    started: list[ChildProcessService | InProcessService] = []
    try:
        for service in (api, first, second, provisioner):
            await service.start()
            started.append(service)
        yield settings, settings.sip_port, second_port
    finally:
        for service in reversed(started):
            await service.stop()


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_two_registrars_one_api_no_duplicates(
    cluster: tuple[Settings, int, int],
) -> None:
    settings, first_port, second_port = cluster
    expected: set[str] = set()
    # The same phones (same seed, same MACs) boot twice, each time through the other registrar.
    for ports in ((first_port, second_port), (second_port, first_port)):
        config = SimulatorConfig(
            phones=PHONES,
            provision_url=provision_url(settings),
            seed=2024,
            concurrency=100,
            sip_ports=ports,
        )
        async with Simulator(config) as sim:
            async with asyncio.timeout(120):
                await sim.wait_booted()
            assert [(r.mac, r.failure) for r in sim.results() if r.failed] == []
            expected |= {phone.spec.mac for phone in sim.phones}

    async with inventory(settings) as api:

        async def all_there() -> bool:
            return bool((await api.phones(limit=1))["total"] >= PHONES)

        await until(all_there, 120, f"{PHONES} phones in the inventory")
        await asyncio.sleep(2.0)  # late deliveries from either registrar would show now
        found = await inventory_macs(api)
    assert len(expected) == PHONES
    assert set(found) == expected
    assert max(found.values()) == 1
