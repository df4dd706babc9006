"""The check-sync notifier, run inside the API process.

``resync(mac)`` only schedules: the API calls it from its worker threads right after a commit.
On the notifier's event loop each re-sync marks the phone ``pending``, finds its registered
contacts (looking again for a few seconds while there are none yet), sends each a check-sync
NOTIFY as a non-INVITE client transaction (retransmitted over UDP by Timer E until an answer
or Timer F), and writes the outcome to the phone. A second ``resync`` of a phone whose re-sync
is under way runs once more after it: the phone may have read its configuration before the
latest change.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from dataclasses import dataclass

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from autoprov.config import AUTOPROVISION_USER, Settings
from autoprov.logs import quote
from autoprov.notifier.exchange import Timers, exchange
from autoprov.notifier.message import check_sync
from autoprov.notifier.status import SyncStatus, record_status
from autoprov.notifier.targets import Target, find_targets
from autoprov.notifier.tcp import TcpLink
from autoprov.notifier.udp import UdpChannel
from autoprov.sip import Request, Response
from autoprov.storage.commands import CommandKind, post_command
from autoprov.storage.models import Phone, utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Outcome:
    status: SyncStatus
    detail: str


CONTACT_WAIT_FACTORS = (2, 4, 8, 16)
"""Pauses between looks for a phone's contact, in binding flush intervals."""

_PRECEDENCE = (SyncStatus.OK, SyncStatus.ERROR, SyncStatus.TIMEOUT)


def summarize(outcomes: list[Outcome]) -> Outcome:
    """One status for the phone: ok if any contact accepted, else error, else timeout."""
    for status in _PRECEDENCE:
        chosen = [o.detail for o in outcomes if o.status is status]
        if chosen:
            return Outcome(status, "; ".join(chosen))
    return Outcome(SyncStatus.NO_CONTACT, "no registered contact")


class CheckSyncNotifier:
    def __init__(self, settings: Settings, engine: Engine, *, timers: Timers | None = None) -> None:
        self._settings = settings
        self._engine = engine
        self._timers = timers or Timers()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._channel: UdpChannel | None = None
        self._early: list[str] = []
        self._lock = threading.Lock()
        self._running: dict[str, asyncio.Task[None]] = {}
        self._again: set[str] = set()

    def resync(self, mac: str) -> None:
        """Schedule a re-sync of the phone and return at once. Any thread."""
        with self._lock:
            loop = self._loop
            if loop is None:
                self._early.append(mac)
                return
        loop.call_soon_threadsafe(self._schedule, mac)

    async def start(self) -> None:
        self._channel = await UdpChannel.open(self._settings.bind)
        log.info("notifier-listening port=%d", self._channel.port)
        with self._lock:
            self._loop = asyncio.get_running_loop()
            early, self._early = self._early, []
        for mac in early:
            self._schedule(mac)

    async def stop(self) -> None:
        with self._lock:
            self._loop = None
        tasks = list(self._running.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._channel is not None:
            self._channel.close()
            self._channel = None

    def _schedule(self, mac: str) -> None:
        if self._loop is None:
            return  # stopping
        if mac in self._running:
            self._again.add(mac)
            return
        task = asyncio.create_task(self._resync(mac), name=f"resync-{mac}")
        self._running[mac] = task
        task.add_done_callback(lambda _: self._finished(mac))

    def _finished(self, mac: str) -> None:
        self._running.pop(mac, None)
        if mac in self._again:
            self._again.discard(mac)
            self._schedule(mac)

    def _contact_waits(self) -> list[float]:
        """Pauses before each further look for a phone's contact. A registration reaches the
        database on the registrar's next write-behind flush, so a phone assigned the moment it
        appeared in the inventory may not be found at first: look again, 2 to 16 flush
        intervals apart (15 s in all by default), before settling on no-contact."""
        interval = self._settings.binding_flush_interval
        return [interval * factor for factor in CONTACT_WAIT_FACTORS]

    async def _resync(self, mac: str) -> None:
        try:
            waits = self._contact_waits()
            while True:
                last_look = not waits
                targets = await asyncio.to_thread(self._begin, mac, last_look)
                if targets is None:
                    log.warning("resync-unknown-phone mac=%s", quote(mac))
                    return
                if targets or last_look:
                    break
                await asyncio.sleep(waits.pop(0))
            outcome = summarize(list(await asyncio.gather(*(self._notify(t) for t in targets))))
            await asyncio.to_thread(
                record_status, self._engine, mac, outcome.status, outcome.detail
            )
        except asyncio.CancelledError:
            raise
        except Exception:
            # The database went away mid-way: the phone keeps "pending" until asked again.
            log.exception("resync-failed mac=%s", quote(mac))
            return
        log.info(
            "resync mac=%s status=%s detail=%s", mac, outcome.status.value, quote(outcome.detail)
        )

    def _begin(self, mac: str, last_look: bool) -> list[Target] | None:
        """Mark the phone pending and find its contacts, in one transaction.

        A phone with lines no longer needs its auto-provisioning binding; the registrars are
        told to drop it here, once its contact was read (or on the last look), so the NOTIFY
        can still reach it."""
        with Session(self._engine) as session, session.begin():
            phone = session.scalar(select(Phone).where(Phone.mac == mac))
            if phone is None:
                return None
            session.execute(
                update(Phone)
                .where(Phone.id == phone.id)
                .values(sync_status=SyncStatus.PENDING.value, sync_detail="", sync_at=utcnow())
            )
            targets = find_targets(session, phone, time.time())
            if phone.lines and (targets or last_look):
                post_command(
                    session,
                    CommandKind.REMOVE_BINDINGS,
                    aor=AUTOPROVISION_USER,
                    display_name_suffix=f"-{phone.mac}",
                )
            return targets

    async def _notify(self, target: Target) -> Outcome:
        try:
            if target.transport == "tcp":
                response = await self._notify_tcp(target)
            else:
                response = await self._notify_udp(target)
        except TimeoutError:
            response = None  # a TCP connection that did not open before Timer F
        except OSError as exc:
            return Outcome(SyncStatus.ERROR, f"cannot reach {target.address}: {exc}")
        if response is None:
            return Outcome(SyncStatus.TIMEOUT, f"no answer from {target.address}")
        answer = f"{response.status_code} {response.reason} from {target.address}"
        if 200 <= response.status_code < 300:
            return Outcome(SyncStatus.OK, answer)
        return Outcome(SyncStatus.ERROR, answer)

    def _request(self, target: Target, local_port: int) -> Request:
        return check_sync(
            target,
            domain=self._settings.domain,
            local_host=self._settings.host,
            local_port=local_port,
        )

    async def _notify_udp(self, target: Target) -> Response | None:
        channel = self._channel
        if channel is None:
            raise OSError("the notifier is stopping")
        address = (target.host, target.port)
        request = self._request(target, channel.port)
        return await exchange(
            channel, lambda data: channel.send(data, address), request, self._timers
        )

    async def _notify_tcp(self, target: Target) -> Response | None:
        async with asyncio.timeout(64 * self._timers.t1):  # Timer F bounds the connect too
            link = await TcpLink.open(target.host, target.port)
        try:
            request = self._request(target, link.port)
            return await exchange(link, link.send, request, self._timers, reliable=True)
        finally:
            await link.close()
