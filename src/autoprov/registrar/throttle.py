"""Brute-force throttling: failed authentications counted per source address and per user in a
sliding window. Past the limit the key is blocked for one window.

The auto-provisioning identity is exempt from the per-user count: thousands of phones share it
and its password is a long random secret, so locking it out would only let one bad phone (or
an attacker) stop every other phone from provisioning. Its sources are still counted.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable


class SlidingCounter:
    """Failures per key within ``window`` seconds; ``limit`` of them block the key."""

    __slots__ = ("_blocked", "_failures", "_limit", "_max_keys", "_window")

    def __init__(self, limit: int, window: float, max_keys: int = 100_000) -> None:
        self._limit = max(1, limit)
        self._window = window
        self._max_keys = max_keys
        self._failures: dict[str, deque[float]] = {}
        self._blocked: dict[str, float] = {}

    def blocked(self, key: str, now: float) -> bool:
        until = self._blocked.get(key)
        if until is None:
            return False
        if until > now:
            return True
        del self._blocked[key]
        return False

    def fail(self, key: str, now: float) -> bool:
        """Count a failure; True when it puts the key over the limit (a new block)."""
        times = self._failures.get(key)
        if times is None:
            if len(self._failures) >= self._max_keys:
                self._prune(now)
            times = self._failures[key] = deque(maxlen=self._limit)
        times.append(now)
        if len(times) == self._limit and times[0] > now - self._window:
            times.clear()
            self._blocked[key] = now + self._window
            return True
        return False

    def _prune(self, now: float) -> None:
        """Keep memory bounded when spoofed sources flood us with failures."""
        horizon = now - self._window
        self._failures = {k: v for k, v in self._failures.items() if v and v[-1] > horizon}
        self._blocked = {k: v for k, v in self._blocked.items() if v > now}
        if len(self._failures) >= self._max_keys:
            self._failures.clear()


class AuthThrottle:
    __slots__ = ("_by_ip", "_by_user", "_exempt_users")

    def __init__(self, limit: int, window: float, exempt_users: Iterable[str] = ()) -> None:
        self._by_ip = SlidingCounter(limit, window)
        self._by_user = SlidingCounter(limit, window)
        self._exempt_users = frozenset(exempt_users)

    def ip_blocked(self, ip: str, now: float) -> bool:
        return self._by_ip.blocked(ip, now)

    def user_blocked(self, username: str, now: float) -> bool:
        return username not in self._exempt_users and self._by_user.blocked(username, now)

    def fail(self, ip: str, username: str, now: float) -> bool:
        """Count a failed authentication; True when it starts a block for the IP or user."""
        new_block = self._by_ip.fail(ip, now)
        if username not in self._exempt_users and self._by_user.fail(username, now):
            new_block = True
        return new_block
