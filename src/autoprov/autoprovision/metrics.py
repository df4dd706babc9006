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

    GAUGES = frozenset({"queue_depth", "buffered"})
    """The rest only ever grow."""

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

    def exported(self) -> dict[str, float]:
        """The snapshot under Prometheus names: ``autoprovision_queue_depth``,
        ``autoprovision_created_total``, ..."""
        return {
            f"autoprovision_{name}" if name in self.GAUGES else f"autoprovision_{name}_total": value
            for name, value in self.snapshot().items()
        }
