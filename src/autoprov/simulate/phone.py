"""One emulated phone's life: power on, the two boot stages, registration and its refreshes,
and the reboot a check-sync NOTIFY asks for (POLYCOM.md sections 1.4, 4 and 7)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from autoprov.polycom.useragent import Stage
from autoprov.simulate.agent import provisioning_user_agent, sip_user_agent
from autoprov.simulate.bootserver import BootServer
from autoprov.simulate.fetcher import Fetcher, FetchError, HttpClients, RetryPolicy
from autoprov.simulate.fleet import PhoneSpec
from autoprov.simulate.http_client import HttpClient
from autoprov.simulate.lines import LineConfig, always_reboots_on_check_sync
from autoprov.simulate.registration import LineRegistration, RegistrationError
from autoprov.simulate.results import (
    BootRecord,
    FleetTally,
    Milestones,
    PhoneResult,
    PhoneState,
    Step,
)
from autoprov.simulate.sip_client import SipEndpoint
from autoprov.simulate.stages import Application, BootError, BootFiles, Flash
from autoprov.simulate.timers import SipTimers
from autoprov.simulate.xmlfile import ConfigError

log = logging.getLogger(__name__)

_GIVE_UP = (BootError, FetchError, ConfigError, RegistrationError, OSError)


@dataclass(frozen=True, slots=True)
class PhoneEnvironment:
    """What every phone of one simulation shares."""

    http: HttpClients
    boot_server: BootServer
    boot_slots: asyncio.Semaphore
    """Bounds how many phones run a boot sequence at once."""
    reboot_delay: float
    http_retry: RetryPolicy
    sip_timers: SipTimers
    changed: Callable[[], None]
    """Called whenever a phone's result changes (waiters)."""
    tally: FleetTally


class EmulatedPhone:
    def __init__(
        self, spec: PhoneSpec, address: str, sip_port: int | None, env: PhoneEnvironment
    ) -> None:
        """``address`` is the phone's own IP; ``sip_port`` replaces the registrar port of
        its configuration (to spread a fleet over several registrars)."""
        self.spec = spec
        self.address = address
        self._sip_port = sip_port
        self.result = PhoneResult(mac=spec.mac, model=spec.model.ua_token)
        self._reached = Milestones()
        self._env = env
        self._files = BootFiles(spec, env.boot_server)
        self._flash = Flash()
        self._check_sync = asyncio.Event()
        self._endpoint: SipEndpoint | None = None
        self._registrations: list[LineRegistration] = []

    async def run(self) -> None:
        """Boot and keep running until cancelled; a failure ends this phone, not the fleet."""
        try:
            while True:
                record = BootRecord(number=len(self.result.boots) + 1)
                self.result.boots.append(record)
                # A check-sync that arrives while the lines still register counts too.
                self._check_sync.clear()
                async with self._env.boot_slots:
                    app = await self._boot(record)
                await self._run_until_reboot(app)
                self._set_state(PhoneState.REBOOTING)
                self._power_off()
                if self._env.reboot_delay:
                    await asyncio.sleep(self._env.reboot_delay)
        except _GIVE_UP as exc:
            self.result.failure = str(exc) or type(exc).__name__
            self._set_state(PhoneState.FAILED)
            log.info("phone-failed mac=%s reason=%s", self.spec.mac, self.result.failure)
        finally:
            self._power_off()

    def _set_state(self, state: PhoneState) -> None:
        self.result.state = state
        self._changed()

    def _changed(self) -> None:
        reached = Milestones.of(self.result)
        if reached != self._reached:
            self._env.tally.advance(self._reached, reached)
            self._reached = reached
        self._env.changed()

    def _fetcher(self, client: HttpClient, stage: Stage) -> Fetcher:
        agent = provisioning_user_agent(self.spec.model, self.spec.firmware, stage)
        return Fetcher(client, agent, self._env.http_retry)

    async def _boot(self, record: BootRecord) -> Application:
        started = time.monotonic()
        async with self._env.http.open(self.address) as client:
            self._set_state(PhoneState.UPDATER)
            updater = self._fetcher(client, Stage.UPDATER)
            await self._files.updater_stage(updater, record, self._flash)
            self._set_state(PhoneState.APPLICATION)
            app = await self._application_stage(client, record)
        self._set_state(PhoneState.REGISTERING)
        await self._register(app.lines, record)
        record.steps[Step.TOTAL] = time.monotonic() - started
        self._set_state(PhoneState.RUNNING)
        return app

    async def _application_stage(self, client: HttpClient, record: BootRecord) -> Application:
        fetcher = self._fetcher(client, Stage.APPLICATION)
        app = await self._files.application_stage(fetcher, record, self.spec.model.lines)
        self.result.screen_label = app.params.get("reg.1.label") or app.lines[0].user
        return app

    async def _run_until_reboot(self, app: Application) -> None:
        """Registrations refresh themselves; a check-sync reboots, or with ``alwaysReboot=0``
        re-reads the configuration and reboots only if the lines changed."""
        while True:
            await self._check_sync.wait()
            self._check_sync.clear()
            if always_reboots_on_check_sync(app.params):
                return
            async with self._env.http.open(self.address) as client:
                fresh = await self._application_stage(client, BootRecord(number=0))
            if fresh.lines != app.lines:
                return

    def _power_off(self) -> None:
        # A rebooting phone does not unregister: its bindings simply age out.
        for registration in self._registrations:
            registration.stop()
        self._registrations = []
        if self._endpoint is not None:
            self._endpoint.close()
            self._endpoint = None
        if self.result.registered_users:
            self.result.registered_users = ()
            self._changed()

    async def _register(self, lines: tuple[LineConfig, ...], record: BootRecord) -> None:
        """REGISTER each line in turn from the phone's own UDP port."""
        endpoint = await SipEndpoint.open(self.address, self._on_check_sync)
        self._endpoint = endpoint
        agent = sip_user_agent(self.spec.model, self.spec.firmware)
        started = time.monotonic()
        for line in lines:
            registration = LineRegistration(
                endpoint,
                line,
                agent,
                port=self._sip_port or line.server_port,
                timers=self._env.sip_timers,
                on_change=self._registrations_changed,
            )
            self._registrations.append(registration)
            await registration.register()
            if record.registered_at is None:
                record.registered_at = time.time()
        record.steps[Step.REGISTER] = time.monotonic() - started
        record.registered_as = tuple(line.user for line in lines)
        for registration in self._registrations:
            registration.keep_fresh()

    def _registrations_changed(self) -> None:
        current = tuple(r.line.user for r in self._registrations if r.registered)
        self.result.registered_users = current
        self.result.ever_registered.update(current)
        self._changed()

    def _on_check_sync(self) -> None:
        log.debug("check-sync mac=%s", self.spec.mac)
        self._check_sync.set()
