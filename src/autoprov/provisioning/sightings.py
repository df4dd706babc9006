"""Last-seen time, address and firmware of phones, written behind.

A request only notes what it saw in memory. A thread writes the notes to the database about
once a second, one row per phone however many requests it made, so the request path never
waits on the database. If the database is down, the notes wait for the next round; a newer
note of the same phone replaces an older one. A note is a plain tuple with the time as a
number: it is taken at every request, and turned into a ``Sighting`` only when written.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime

from autoprov.provisioning.store import Sighting, Store

log = logging.getLogger(__name__)

_Note = tuple[str, float, str | None]
"""Address, time (``time.time()``) and firmware of a phone's latest request."""


class Sightings:
    def __init__(self, store: Store, interval: float = 1.0) -> None:
        self._store = store
        self._interval = interval
        self._pending: dict[str, _Note] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def note(self, mac: str, ip: str, firmware: str | None) -> None:
        at = time.time()
        with self._lock:
            previous = self._pending.get(mac)
            if firmware is None and previous is not None:
                firmware = previous[2]
            self._pending[mac] = (ip, at, firmware)

    def flush(self) -> None:
        with self._lock:
            batch, self._pending = self._pending, {}
        if not batch:
            return
        try:
            self._store.record_sightings(
                Sighting(mac, ip, datetime.fromtimestamp(at, UTC), firmware)
                for mac, (ip, at, firmware) in batch.items()
            )
        except Exception:
            log.exception("could not record %d phone sightings, will retry", len(batch))
            with self._lock:
                for mac, seen in batch.items():
                    self._pending.setdefault(mac, seen)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="sightings", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread and write what is still pending."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self.flush()

    def _run(self) -> None:
        while not self._stopping.wait(self._interval):
            self.flush()
