"""Short-lived copies of database state, so that most requests need no database round trip."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

import anyio
import anyio.to_thread

log = logging.getLogger(__name__)

T = TypeVar("T")
K = TypeVar("K")
V = TypeVar("V")

_RETRY_AFTER_FAILURE = 1.0


class Refreshing(Generic[T]):
    """One value, loaded in a worker thread and reused for ``ttl`` seconds.

    When it goes stale, one caller reloads it while the others keep using the old value. If a
    reload fails, the old value stays in use and the reload is tried again a second later.
    Only the very first load makes callers wait, and only that one can raise.
    """

    def __init__(
        self, load: Callable[[], T], ttl: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._load = load
        self._ttl = ttl
        self._clock = clock
        self._value: T | None = None
        self._expires = 0.0
        self._lock = anyio.Lock()

    async def get(self) -> T:
        value = self._value
        if value is not None and (self._clock() < self._expires or self._lock.locked()):
            return value
        async with self._lock:
            if self._value is not None and self._clock() < self._expires:
                return self._value
            try:
                self._value = await anyio.to_thread.run_sync(self._load)
            except Exception:
                if self._value is None:
                    raise
                log.exception("reload failed, keeping the previous value")
                self._expires = self._clock() + _RETRY_AFTER_FAILURE
                return self._value
            self._expires = self._clock() + self._ttl
            return self._value


class TimedCache(Generic[K, V]):
    """Values kept for ``ttl`` seconds (forever when ``ttl`` is None), at most ``size`` of them,
    the least recently stored dropped first."""

    def __init__(
        self,
        ttl: float | None,
        size: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl
        self._size = size
        self._clock = clock
        self._entries: OrderedDict[K, tuple[float, V]] = OrderedDict()

    def get(self, key: K) -> V | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, value = entry
        if self._clock() >= expires:
            del self._entries[key]
            return None
        return value

    def put(self, key: K, value: V) -> None:
        expires = float("inf") if self._ttl is None else self._clock() + self._ttl
        self._entries[key] = (expires, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)


class Shared(Generic[K, V]):
    """Calls in flight, by key: a caller whose key is already being worked on awaits that call
    instead of starting its own. A burst of requests for one phone (a retry storm, requests
    arriving together as a cache entry expires) then costs one database round trip, not one
    each."""

    def __init__(self) -> None:
        self._calls: dict[K, asyncio.Future[V]] = {}

    async def run(self, key: K, call: Callable[[], Awaitable[V]]) -> V:
        running = self._calls.get(key)
        if running is None:
            running = asyncio.ensure_future(call())
            self._calls[key] = running
            running.add_done_callback(lambda _: self._calls.pop(key, None))
        # Shielded: a caller that gives up (a client gone) does not cancel the others' call.
        return await asyncio.shield(running)
