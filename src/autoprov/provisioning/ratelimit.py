"""Requests per source address: one token bucket per address.

A bucket holds a minute's worth of requests and refills continuously, so a phone's boot burst
passes and a flood is held to the configured rate. Idle buckets are dropped once full again.
Time is passed in, so the limiter is a plain value to test.
"""

from __future__ import annotations

from dataclasses import dataclass

_REPORT_INTERVAL = 1.0
"""A flood logs one line per address per second, not one per request."""


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float
    reported: float = float("-inf")


class RateLimiter:
    def __init__(self, per_minute: float) -> None:
        """``per_minute`` <= 0 turns the limit off."""
        self._capacity = float(per_minute)
        self._refill = per_minute / 60.0
        self._buckets: dict[str, _Bucket] = {}
        self._next_sweep = 0.0

    def allow(self, ip: str, now: float) -> bool:
        if self._capacity <= 0:
            return True
        self._sweep(now)
        bucket = self._buckets.get(ip)
        if bucket is None:
            bucket = self._buckets[ip] = _Bucket(self._capacity, now)
        bucket.tokens = min(self._capacity, bucket.tokens + (now - bucket.updated) * self._refill)
        bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return True
        return False

    def report_due(self, ip: str, now: float) -> bool:
        """Whether a refusal of ``ip`` should be logged now (at most once a second)."""
        bucket = self._buckets.get(ip)
        if bucket is None or now - bucket.reported >= _REPORT_INTERVAL:
            if bucket is not None:
                bucket.reported = now
            return True
        return False

    def _sweep(self, now: float) -> None:
        if now < self._next_sweep:
            return
        self._next_sweep = now + 60.0
        full_after = self._capacity / self._refill
        idle = [ip for ip, b in self._buckets.items() if now - b.updated >= full_after]
        for ip in idle:
            del self._buckets[ip]
