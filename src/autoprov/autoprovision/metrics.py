"""Counters and gauges of the auto-provisioning pipeline, shared by its threads."""

from __future__ import annotations

import threading


class Metrics:
    """``queue_depth`` (rows in the outbox), ``buffered`` (sightings not yet written),
    ``created``, ``updated``, ``retried``, ``failed``, ``forged``, ``ignored``, ``dropped``."""

    NAMES = (
        "queue_depth",
        "buffered",
        "created",
        "updated",
        "retried",
        "failed",
        "forged",
        "ignored",
        "dropped",
    )

    def __init__(self) -> None:
        self._values = dict.fromkeys(self.NAMES, 0.0)
        self._lock = threading.Lock()

    def add(self, name: str, amount: float = 1.0) -> None:
        with self._lock:
            self._values[name] += amount

    def set(self, name: str, value: float) -> None:
        with self._lock:
            self._values[name] = value

    def snapshot(self) -> dict[str, float]:
        with self._lock:
            return dict(self._values)
