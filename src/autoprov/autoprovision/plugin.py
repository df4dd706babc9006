"""The auto-provisioning register plugin (DESIGN.md steps 4 and 5).

The registrar calls :meth:`AutoprovisionPlugin.take_action` after every successful REGISTER.
The plugin reads the phone's facts from the request (pure), and puts them in the outbox
writer's buffer; it never touches the database or the network on the registrar's thread.
Unchanged facts of a phone already queued in this run are not queued again until
``refresh_interval`` has passed, so registration refreshes cost nothing but keep the phone's
last-seen time fresh.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import Engine

from autoprov.autoprovision.metrics import Metrics
from autoprov.autoprovision.recognizer import NotASighting, read_sighting
from autoprov.autoprovision.throttle import LogThrottle
from autoprov.autoprovision.worker import DeliveryWorker, WorkerOptions
from autoprov.autoprovision.writer import OutboxWriter
from autoprov.config import Settings
from autoprov.logs import quote
from autoprov.registrar.location import Binding
from autoprov.sip import Request, SIPError

log = logging.getLogger(__name__)

REFRESH_INTERVAL = 1800.0
MAX_REMEMBERED = 200_000


class AutoprovisionPlugin:
    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        *,
        options: WorkerOptions | None = None,
        flush_interval: float = 0.05,
        refresh_interval: float = REFRESH_INTERVAL,
    ) -> None:
        self.metrics = Metrics()
        self._worker = DeliveryWorker(settings, engine, self.metrics, options)
        self._writer = OutboxWriter(
            engine, self.metrics, interval=flush_interval, on_flushed=self._worker.wake
        )
        self._refresh_interval = refresh_interval
        self._queued: dict[str, tuple[tuple[str, str, str, str], float]] = {}
        self._ignored_log = LogThrottle(log)

    def take_action(self, request: Request, binding: Binding) -> None:
        try:
            sighting = read_sighting(request, binding)
        except NotASighting as skip:
            self._ignore(skip.reason, request, binding)
            return
        except SIPError:
            self._ignore("malformed-request", request, binding)
            return
        previous = self._queued.get(sighting.mac)
        if (
            previous is not None
            and previous[0] == sighting.facts
            and sighting.seen_at - previous[1] < self._refresh_interval
        ):
            return
        if not self._writer.put(sighting):
            self.metrics.add("dropped")
            self._ignored_log.warning(
                ("buffer-full",), f"autoprovision-buffer-full mac={sighting.mac}"
            )
            return
        if len(self._queued) >= MAX_REMEMBERED:
            self._queued.clear()
        self._queued[sighting.mac] = (sighting.facts, sighting.seen_at)

    def _ignore(self, reason: str, request: Request, binding: Binding) -> None:
        if reason == "other-aor":
            return  # every user's REGISTER passes here: nothing to report
        self.metrics.add("ignored")
        self._ignored_log.warning(
            (reason, binding.source_host),
            f"autoprovision-ignored reason={reason} ip={binding.source_host} "
            f"user_agent={quote(binding.user_agent)} display_name={quote(binding.display_name)}",
        )

    async def start(self) -> None:
        self._writer.start()
        self._worker.start()

    async def stop(self) -> None:
        await asyncio.to_thread(self._stop_threads)

    def _stop_threads(self) -> None:
        self._writer.stop()  # writes what is buffered first
        self._worker.stop()

    def snapshot(self) -> dict[str, float]:
        """``queue_depth``, ``buffered``, ``created``, ``updated``, ``retried``, ``failed``,
        ``forged``, ``ignored``, ``dropped``."""
        return self.metrics.snapshot()

    def exported_metrics(self) -> dict[str, float]:
        return self.metrics.exported()


def create_plugin(settings: Settings, engine: Engine) -> AutoprovisionPlugin:
    """The factory the registrar names ``autoprovision`` in ``AUTOPROV_REGISTER_PLUGINS``."""
    return AutoprovisionPlugin(settings, engine)
