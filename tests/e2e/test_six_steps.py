"""DESIGN.md's six steps with one emulated phone against the real services, over real sockets:
out of the box, into the inventory, assigned by an admin, and registered as its user."""

from __future__ import annotations

import asyncio

from autoprov.config import AUTOPROVISION_USER
from autoprov.simulate.simulator import Simulator, SimulatorConfig
from tests.e2e.harness import Inventory, Stack, inventory, provision_url, until

STEP_TIMEOUT = 30.0


async def _autoprovision_bindings(api: Inventory, mac: str) -> list[dict[str, object]]:
    response = await api.client.get("/api/v1/registrations", params={"limit": 500})
    response.raise_for_status()
    return [
        item
        for item in response.json()["items"]
        if AUTOPROVISION_USER in str(item["aor"]) and str(item["display_name"]).endswith(mac)
    ]


async def test_one_phone_through_all_six_steps(stack: Stack) -> None:
    settings = stack.settings
    config = SimulatorConfig(phones=1, provision_url=provision_url(settings), seed=11)
    async with Simulator(config) as sim, inventory(settings) as api:
        (phone,) = sim.phones
        mac = phone.spec.mac

        # Steps 1-4: <mac>.cfg 404, master file, registration file, REGISTER as the special user.
        async with asyncio.timeout(STEP_TIMEOUT):
            await sim.wait_for(lambda p: AUTOPROVISION_USER in p.registered_users)
        first_boot = phone.result.boots[0]
        assert not first_boot.own_config
        unique_id = phone.result.screen_label
        assert len(unique_id) == 4

        # Step 5: the phone appears in the inventory, found by the ID on its screen.
        async def found_by_id() -> bool:
            return bool((await api.phones(search=unique_id))["total"] == 1)

        await until(found_by_id, STEP_TIMEOUT, "the phone in the inventory")
        (listed,) = (await api.phones(search=unique_id))["items"]
        assert (listed["mac"], listed["unique_id"], listed["model"]) == (
            mac,
            unique_id,
            phone.spec.model.ua_token,
        )
        assert listed["ip"] == phone.address
        assert listed["firmware"] == phone.spec.firmware
        unassigned = await api.phones(unassigned="true")
        assert [item["mac"] for item in unassigned["items"]] == [mac]

        # Step 6: the admin assigns a user; check-sync, reboot, <mac>.cfg 200, REGISTER as 1001.
        await api.create_user("1001", "front-desk-secret", "Front Desk")
        await api.assign(mac, "1001")
        async with asyncio.timeout(STEP_TIMEOUT):
            await sim.wait_for(lambda p: "1001" in p.registered_users)
        assert len(phone.result.boots) == 2
        assert phone.result.boots[1].own_config
        assert phone.result.registered_users == ("1001",)
        assert not phone.result.failed

        async def settled() -> bool:
            shown = await api.phone(mac)
            return (
                shown["registered"] is True
                and shown["sync"]["status"] == "ok"
                and not await _autoprovision_bindings(api, mac)
            )

        await until(
            settled, STEP_TIMEOUT, "registered as 1001, sync ok, no auto-provisioning binding"
        )
        shown = await api.phone(mac)
        assert [(line["username"], line["position"]) for line in shown["lines"]] == [("1001", 1)]
        assert (await api.phones(unassigned="true"))["total"] == 0
