"""The outbox writer: a thread that turns the plugin's in-memory sightings into outbox rows.

The plugin only puts a sighting into a dict keyed by MAC (a newer one replaces the older), so
the registrar's thread never waits on the database. The writer wakes on the first sighting,
lets more gather for ``interval`` seconds, checks every ID/MAC pair against the reservations
and writes the batch in one transaction (group commit).

Loss window: sightings buffered but not yet committed (at most ``interval`` plus one
transaction) are lost if the process is killed. Nothing is lost for good: the plugin enqueues
a phone on its first REGISTER after a start, so the phone is seen again at its next
registration refresh.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from autoprov.autoprovision.metrics import Metrics
from autoprov.autoprovision.outbox import merge_sightings
from autoprov.autoprovision.reservations import ReservationCache
from autoprov.autoprovision.sighting import Sighting
from autoprov.autoprovision.throttle import LogThrottle
from autoprov.logs import quote

log = logging.getLogger(__name__)

MAX_BUFFERED = 50_000
"""Beyond this many distinct phones waiting for the database, new ones are dropped (and seen
again at their next refresh) rather than letting memory grow without bound."""


class OutboxWriter:
    def __init__(
        self,
        engine: Engine,
        metrics: Metrics,
        *,
        interval: float = 0.05,
        retry_delay: float = 1.0,
        on_flushed: Callable[[], None] = lambda: None,
    ) -> None:
        self._engine = engine
        self._metrics = metrics
        self._interval = interval
        self._retry_delay = retry_delay
        self._on_flushed = on_flushed
        self._buffer: dict[str, Sighting] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._reservations = ReservationCache()
        self._forged_log = LogThrottle(log)
        self._thread: threading.Thread | None = None

    def put(self, sighting: Sighting) -> bool:
        """Buffer a sighting; any thread, never blocks. False when the buffer is full."""
        with self._lock:
            if sighting.mac not in self._buffer and len(self._buffer) >= MAX_BUFFERED:
                return False
            self._buffer[sighting.mac] = sighting
            self._metrics.set("buffered", len(self._buffer))
        self._wake.set()
        return True

    def start(self) -> None:
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="autoprov-outbox", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Write what is buffered, then end the thread."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while not (self._stopping.is_set() and self._drained()):
            self._wake.wait()
            if not self._stopping.is_set():
                self._stopping.wait(self._interval)  # let concurrent sightings gather
            with self._lock:
                batch, self._buffer = self._buffer, {}
                self._wake.clear()
            if batch:
                try:
                    self._write(batch)
                except SQLAlchemyError as exc:
                    self._give_back(batch, exc)

    def _drained(self) -> bool:
        with self._lock:
            return not self._buffer

    def _write(self, batch: dict[str, Sighting]) -> None:
        valid = []
        with self._engine.begin() as conn:
            self._reservations.load(conn, batch)
            for sighting in batch.values():
                if self._reservations.matches(sighting.mac, sighting.unique_id):
                    valid.append(sighting)
                else:
                    self._metrics.add("forged")
                    self._forged_log.warning(
                        ("forged", sighting.ip),
                        f"autoprovision-forged mac={sighting.mac} "
                        f"id={quote(sighting.unique_id)} ip={sighting.ip}",
                    )
            merge_sightings(conn, valid, time.time())
        self._metrics.set("buffered", len(self._buffer))
        if valid:
            self._on_flushed()

    def _give_back(self, batch: dict[str, Sighting], exc: SQLAlchemyError) -> None:
        """Keep a batch the database refused; sightings that arrived since are newer."""
        log.error("autoprovision-outbox-write-failed phones=%d error=%s", len(batch), quote(exc))
        with self._lock:
            for mac, sighting in batch.items():
                self._buffer.setdefault(mac, sighting)
            self._metrics.set("buffered", len(self._buffer))
        if self._stopping.is_set():
            log.error("autoprovision-outbox-unsaved phones=%d at stop", len(self._buffer))
            with self._lock:
                self._buffer.clear()
            return
        self._stopping.wait(self._retry_delay)
        self._wake.set()
