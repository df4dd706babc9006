"""A fleet against a small real boot server and registrar: boot, check-sync, reboot."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from types import SimpleNamespace
from typing import cast

from autoprov.simulate.fetcher import RetryPolicy
from autoprov.simulate.phone import EmulatedPhone
from autoprov.simulate.results import FleetTally, PhoneResult, PhoneState, Step
from autoprov.simulate.simulator import Simulator, SimulatorConfig
from autoprov.simulate.timers import SipTimers
from autoprov.sip import NameAddr, Request, SipURI, Via, build_request
from tests.simulate.fake_boot_server import FakeBootServer
from tests.simulate.fake_registrar import FakeRegistrar
from tests.simulate.udp_peer import UdpPeer, udp_peer

MASTER = (
    '<APPLICATION APP_FILE_PATH="" CONFIG_FILES="reg/[PHONE_MAC_ADDRESS]-registration.cfg" '
    'LOG_FILE_DIRECTORY="logs"/>'
)


def _registration(port: int, user: str, always_reboot: str = "1") -> bytes:
    return (
        f'<polycomConfig reg.1.address="{user}" reg.1.auth.password="pw" reg.1.label="ID{user}" '
        f'reg.1.displayName="ID-{user}" reg.1.server.1.address="127.0.0.1" '
        f'reg.1.server.1.port="{port}" '
        f'voIpProt.SIP.specialEvent.checkSync.alwaysReboot="{always_reboot}"/>'
    ).encode()


@dataclass
class Site:
    boot: FakeBootServer
    registrar: FakeRegistrar
    peer: UdpPeer

    def config(self, phones: int, **extra: object) -> SimulatorConfig:
        return SimulatorConfig(
            phones=phones,
            provision_url=self.boot.url,
            seed=3,
            http_retry=RetryPolicy(attempts=2, first_delay=0.01, max_delay=0.01),
            sip_timers=SipTimers(t1=0.05, t2=0.2, register_attempts=2, retry_delay=0.05),
            **extra,  # type: ignore[arg-type]
        )

    def notify_check_sync(self, port: int) -> None:
        uri = SipURI("sip", None, None, "127.100.0.1", port)
        pbx = SipURI("sip", "pbx", None, "127.0.0.1", self.peer.port)
        request: Request = build_request(
            "NOTIFY",
            uri,
            via=Via("SIP/2.0", "UDP", "127.0.0.1", self.peer.port, (("branch", "z9hG4bKcs1"),)),
            from_=NameAddr(None, pbx, (("tag", "n"),)),
            to=NameAddr(None, uri),
            call_id="checksync@127.0.0.1",
            cseq=1,
            headers=[("Event", "check-sync")],
        )
        self.peer.send(request, ("127.100.0.1", port))


@asynccontextmanager
async def site() -> AsyncIterator[Site]:
    registrar = FakeRegistrar({"auto": "pw", "1001": "pw"})
    boot = FakeBootServer()
    async with boot.running(), udp_peer(registrar) as peer:
        boot.files["000000000000.cfg"] = MASTER.encode()
        yield Site(boot, registrar, peer)


async def test_run_boots_every_phone_and_reports_each_step() -> None:
    async with site() as s:
        fleet = s.config(3)
        for spec_mac in _macs(fleet):
            s.boot.files[f"reg/{spec_mac}-registration.cfg"] = _registration(s.peer.port, "auto")
        sim = Simulator(fleet)
        results = await sim.run()
    assert [r.failure for r in results] == [None] * 3
    # "auto" stands for the auto-provisioning identity here, so it counts as a user.
    assert sim.tally == FleetTally(booted_or_failed=3, auto_provisioned=0, registered_as_user=3)
    assert all(r.booted and r.ever_registered == {"auto"} for r in results)
    assert all(set(r.boots[0].steps) == set(Step) for r in results)
    assert len({r.mac for r in results}) == 3
    assert {put for put in s.boot.paths("PUT")} == {f"logs/{r.mac}-boot.log" for r in results}
    # Each phone from its own address.
    assert len({request.via[0].host for request in s.registrar.registers}) == 3


def _macs(config: SimulatorConfig) -> list[str]:
    from autoprov.simulate.fleet import make_fleet

    return [spec.mac for spec in make_fleet(config.phones, config.models, config.seed)]


async def test_a_phone_without_configuration_fails_with_the_reason() -> None:
    async with site() as s:
        sim = Simulator(s.config(1))
        results = await sim.run()
    assert sim.tally == FleetTally(booted_or_failed=1)
    (result,) = results
    assert result.state is PhoneState.FAILED
    assert result.failure is not None and "registration.cfg (404)" in result.failure


async def test_check_sync_reboots_into_the_assigned_configuration() -> None:
    async with site() as s:
        config = s.config(1)
        (mac,) = _macs(config)
        s.boot.files[f"reg/{mac}-registration.cfg"] = _registration(s.peer.port, "auto")
        async with Simulator(config) as sim:
            async with asyncio.timeout(10):
                await sim.wait_for(lambda p: p.registered_users == ("auto",))
            assert sim.waiting(lambda p: p.registered_users == ("1001",)) == sim.results()
            assert sim.phone(mac).result is sim.results()[0]
            old_port = s.registrar.registers[-1].contacts[0].uri.port  # type: ignore[union-attr]
            assert old_port is not None
            # The admin assigns 1001: the phone gets a <mac>.cfg of its own.
            s.boot.files[f"{mac}.cfg"] = (
                b'<APPLICATION CONFIG_FILES="[PHONE_MAC_ADDRESS]-user.cfg"/>'
            )
            s.boot.files[f"{mac}-user.cfg"] = _registration(s.peer.port, "1001")
            registers_before = len(s.registrar.registers)
            s.notify_check_sync(old_port)
            answer = await s.peer.next_message()
            async with asyncio.timeout(10):
                await sim.wait_for(lambda p: p.registered_users == ("1001",))
            result = sim.results()[0]
    assert answer.status_code == 200  # type: ignore[union-attr]
    assert [boot.own_config for boot in result.boots] == [False, True]
    assert result.ever_registered == {"auto", "1001"}
    assert result.screen_label == "ID1001"
    # No un-REGISTER on reboot, and the new boot registers from a new port.
    after = s.registrar.registers[registers_before:]
    assert all(request.expires != 0 for request in after)
    new_port = after[-1].contacts[0].uri.port  # type: ignore[union-attr]
    assert new_port != old_port


async def test_without_always_reboot_unchanged_lines_mean_no_reboot() -> None:
    async with site() as s:
        config = s.config(1)
        (mac,) = _macs(config)
        s.boot.files[f"reg/{mac}-registration.cfg"] = _registration(s.peer.port, "auto", "0")
        async with Simulator(config) as sim:
            async with asyncio.timeout(10):
                await sim.wait_for(lambda p: p.registered_users == ("auto",))
            port = s.registrar.registers[-1].contacts[0].uri.port  # type: ignore[union-attr]
            assert port is not None
            requests_before = len(s.boot.seen)
            s.notify_check_sync(port)
            await s.peer.next_message()
            # The application stage again: master file, registration file, overrides, ...
            async with asyncio.timeout(10):
                await s.boot.wait_for_requests(requests_before + 9)
            await asyncio.sleep(0.2)
            (result,) = sim.results()
            assert len(result.boots) == 1
            assert result.registered_users == ("auto",)
            assert result.state is PhoneState.RUNNING
    assert s.boot.paths()[-9:-7] == [f"{mac}.cfg", "000000000000.cfg"]


async def test_wait_for_wants_every_phone_at_once_not_each_in_turn() -> None:
    sim = Simulator(SimulatorConfig(phones=3, provision_url="http://127.0.0.1:9/"))
    sim.phones = [
        cast(EmulatedPhone, SimpleNamespace(result=PhoneResult(mac=str(n), model="VVX")))
        for n in range(3)
    ]
    ready = {"0", "2"}
    waiter = asyncio.create_task(sim.wait_for(lambda p: p.mac in ready))
    await asyncio.sleep(0.1)
    # The late phone is ready now, but one that was ready no longer is.
    ready.symmetric_difference_update({"0", "1"})
    sim._changed.set()  # what a phone's state change does
    await asyncio.sleep(0.1)
    assert not waiter.done()
    assert [r.mac for r in sim.waiting(lambda p: p.mac in ready)] == ["0"]
    ready.add("0")
    sim._changed.set()
    async with asyncio.timeout(1):
        await waiter
