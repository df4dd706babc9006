"""A REGISTER with valid credentials of the auto-provisioning user but someone else's ID in its
display name creates nothing."""

from __future__ import annotations

import asyncio

from autoprov.config import AUTOPROVISION_USER
from autoprov.inventory.bootstrap import CONFIG_FILE_NAME
from autoprov.polycom.models import find_model
from autoprov.simulate.agent import sip_user_agent
from autoprov.simulate.lines import LineConfig
from autoprov.simulate.registration import LineRegistration
from autoprov.simulate.simulator import Simulator, SimulatorConfig
from autoprov.simulate.sip_client import SipEndpoint
from autoprov.simulate.timers import SipTimers
from tests.e2e.harness import Stack, inventory, provision_url, until

STRANGER_MAC = "0004f2fa0001"


def _autoprovision_password(stack: Stack) -> str:
    path = stack.settings.data_dir / CONFIG_FILE_NAME
    values = dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return values["sip_password"]


async def test_forged_id_mac_pair_creates_nothing(stack: Stack) -> None:
    settings = stack.settings
    first = SimulatorConfig(phones=1, provision_url=provision_url(settings), seed=51)
    async with Simulator(first) as victim_fleet, inventory(settings) as api:
        async with asyncio.timeout(30):
            await victim_fleet.wait_booted()
        (victim,) = victim_fleet.results()

        async def victim_listed() -> bool:
            return bool((await api.phones(search=victim.screen_label))["total"] == 1)

        await until(victim_listed, 30, "the genuine phone in the inventory")

        # Valid credentials, a Polycom User-Agent, but the victim's ID with another MAC.
        model = find_model("VVX_410")
        assert model is not None
        forged = LineConfig(
            index=1,
            user=AUTOPROVISION_USER,
            domain=settings.domain,
            auth_user=AUTOPROVISION_USER,
            password=_autoprovision_password(stack),
            display_name=f"{victim.screen_label}-{STRANGER_MAC}",
            server_host="127.0.0.1",
            server_port=settings.sip_port,
            expires=60,
            overlap=10,
        )
        endpoint = await SipEndpoint.open("127.0.0.1", lambda: None)
        try:
            registration = LineRegistration(
                endpoint,
                forged,
                sip_user_agent(model, "5.9.5.0614"),
                port=settings.sip_port,
                timers=SipTimers(),
                on_change=lambda: None,
            )
            await registration.register()
            assert registration.registered  # the registrar accepts it: the password is right
        finally:
            endpoint.close()

        # A genuine phone booted after the forgery: once it is listed, the forgery has been
        # through the same plugin and worker.
        witness_config = SimulatorConfig(phones=1, provision_url=provision_url(settings), seed=52)
        async with Simulator(witness_config) as witness_fleet:
            async with asyncio.timeout(30):
                await witness_fleet.wait_booted()
            (witness,) = witness_fleet.results()

            async def witness_listed() -> bool:
                return bool((await api.phones(search=witness.screen_label))["total"] == 1)

            await until(witness_listed, 30, "the witness phone in the inventory")
        await asyncio.sleep(1.0)
        listed = sorted(phone["mac"] for phone in await api.all_phones())
        assert listed == sorted([victim.mac, witness.mac])
        shown = await api.phone(victim.mac)
        assert shown["ip"] == victim_fleet.phones[0].address
