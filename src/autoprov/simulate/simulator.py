"""A fleet of emulated phones in one asyncio loop: start them, watch them, stop them.

Tests and benchmarks use it as a library::

    async with Simulator(SimulatorConfig(phones=10, provision_url=url)) as sim:
        await sim.wait_for(lambda phone: phone.booted)
        ...  # assign a user through the API
        await sim.wait_for(lambda phone: "1001" in phone.registered_users, [mac])
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from autoprov.simulate.addresses import phone_addresses
from autoprov.simulate.bootserver import BootServer
from autoprov.simulate.fetcher import HttpClients, RetryPolicy
from autoprov.simulate.fleet import DEFAULT_MODELS, PhoneSpec, make_fleet, resolve_models
from autoprov.simulate.phone import EmulatedPhone, PhoneEnvironment
from autoprov.simulate.results import FleetTally, PhoneResult
from autoprov.simulate.timers import SipTimers

WAKE_INTERVAL = 0.05
"""Waiters re-check their condition at most this often, however busy the fleet is."""


@dataclass(frozen=True, slots=True)
class SimulatorConfig:
    phones: int
    provision_url: str
    """The boot server as DHCP option 66/160 would give it: ``http://user:pass@host:port/``."""
    models: tuple[str, ...] = DEFAULT_MODELS
    concurrency: int = 200
    """Phones running a boot sequence at the same time."""
    seed: int = 1
    hold: float = 0.0
    """Seconds :meth:`Simulator.run` keeps the phones up after the last one has booted."""
    sip_ports: tuple[int, ...] = ()
    """When set, phone *i* registers to ``sip_ports[i % len]`` instead of the configured port."""
    source_network: str | None = None
    """Phones take their own addresses from it in turn (e.g. ``127.100.0.0/16``); by default
    one loopback address each against a loopback server (see :mod:`.addresses`)."""
    reboot_delay: float = 0.0
    http_retry: RetryPolicy = field(default_factory=RetryPolicy)
    sip_timers: SipTimers = field(default_factory=SipTimers)
    macs: tuple[str, ...] = ()
    """Use these MACs (normalized) instead of generated ones; ``phones`` is then ignored."""

    def __post_init__(self) -> None:
        if self.phones < 0 or self.concurrency < 1:
            raise ValueError("phones must be >= 0 and concurrency >= 1")
        BootServer.parse(self.provision_url)
        resolve_models(self.models)
        if self.source_network is not None:
            ipaddress.ip_network(self.source_network, strict=False)


def _fleet(config: SimulatorConfig) -> list[PhoneSpec]:
    if not config.macs:
        return make_fleet(config.phones, config.models, config.seed)
    fleet = make_fleet(len(config.macs), config.models, config.seed)
    return [
        PhoneSpec(mac=mac, model=spec.model, firmware=spec.firmware)
        for mac, spec in zip(config.macs, fleet, strict=True)
    ]


def booted_or_failed(phone: PhoneResult) -> bool:
    return phone.booted or phone.failed


class Simulator:
    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        self.phones: list[EmulatedPhone] = []
        self._by_mac: dict[str, EmulatedPhone] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._changed = asyncio.Event()
        self.tally = FleetTally()
        """How many phones reached each milestone so far."""

    async def __aenter__(self) -> Simulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def start(self) -> None:
        """Power every phone on; they boot in the background, ``concurrency`` at a time."""
        config = self.config
        server = BootServer.parse(config.provision_url)
        specs = _fleet(config)
        addresses = phone_addresses(len(specs), server.host, config.source_network)
        ports = config.sip_ports
        env = PhoneEnvironment(
            http=HttpClients(),
            boot_server=server,
            boot_slots=asyncio.Semaphore(config.concurrency),
            reboot_delay=config.reboot_delay,
            http_retry=config.http_retry,
            sip_timers=config.sip_timers,
            changed=self._changed.set,
            tally=self.tally,
        )
        for index, (spec, address) in enumerate(zip(specs, addresses, strict=True)):
            sip_port = ports[index % len(ports)] if ports else None
            phone = EmulatedPhone(spec, address, sip_port, env)
            self.phones.append(phone)
            self._by_mac[spec.mac] = phone
        self._tasks = [asyncio.create_task(phone.run()) for phone in self.phones]

    async def stop(self) -> None:
        """Pull every phone's plug (no un-REGISTER, as with a real power cut)."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    def phone(self, mac: str) -> EmulatedPhone:
        return self._by_mac[mac]

    def results(self) -> list[PhoneResult]:
        return [phone.result for phone in self.phones]

    async def wait_for(
        self, predicate: Callable[[PhoneResult], bool], macs: Iterable[str] | None = None
    ) -> None:
        """Until ``predicate`` holds for every phone (or those with ``macs``); bound it with
        ``asyncio.timeout`` and ask :meth:`waiting` who was late."""
        targets = self._targets(macs)
        count = len(targets)
        late = 0
        while True:
            self._changed.clear()
            # Start at the phone that was late last time: while a fleet boots that one
            # usually still is, which spares a scan of every phone at each wake-up.
            late = next(
                (
                    index % count
                    for index in range(late, late + count)
                    if not predicate(targets[index % count].result)
                ),
                -1,
            )
            if late < 0:
                return
            await self._changed.wait()
            await asyncio.sleep(WAKE_INTERVAL)

    def waiting(
        self, predicate: Callable[[PhoneResult], bool], macs: Iterable[str] | None = None
    ) -> list[PhoneResult]:
        """The phones for which ``predicate`` does not hold yet."""
        return [p.result for p in self._targets(macs) if not predicate(p.result)]

    def _targets(self, macs: Iterable[str] | None) -> list[EmulatedPhone]:
        return self.phones if macs is None else [self._by_mac[mac] for mac in macs]

    async def wait_booted(self) -> None:
        """Until every phone has registered all its lines once, or failed."""
        await self.wait_for(booted_or_failed)

    async def run(self, interrupt: asyncio.Event | None = None) -> list[PhoneResult]:
        """Boot the fleet, keep it up for ``hold`` seconds, stop it, and return the results.

        Setting ``interrupt`` (Ctrl-C) ends the run early; the results so far are returned.
        """
        async with self:
            tasks: list[asyncio.Task[Any]] = [asyncio.create_task(self._boot_and_hold())]
            if interrupt is not None:
                tasks.append(asyncio.create_task(interrupt.wait()))
            try:
                await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
        return self.results()

    async def _boot_and_hold(self) -> None:
        await self.wait_booted()
        await asyncio.sleep(self.config.hold)
