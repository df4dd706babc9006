from __future__ import annotations

import asyncio

import pytest

from autoprov.provisioning.caching import Refreshing, Shared, TimedCache


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Loader:
    def __init__(self) -> None:
        self.calls = 0
        self.fail = False

    def __call__(self) -> int:
        if self.fail:
            raise ConnectionError("database down")
        self.calls += 1
        return self.calls


async def test_refreshing_reuses_then_reloads() -> None:
    clock, load = Clock(), Loader()
    value = Refreshing(load, ttl=3.0, clock=clock)
    assert [await value.get(), await value.get()] == [1, 1]
    clock.now = 3.5
    assert await value.get() == 2


async def test_a_failed_reload_keeps_the_old_value(caplog: pytest.LogCaptureFixture) -> None:
    clock, load = Clock(), Loader()
    value = Refreshing(load, ttl=3.0, clock=clock)
    assert await value.get() == 1
    load.fail = True
    clock.now = 4.0
    assert await value.get() == 1
    assert "reload failed" in caplog.text
    load.fail = False
    clock.now = 4.5
    assert await value.get() == 1  # retried a second after the failure, not at once
    clock.now = 5.1
    assert await value.get() == 2


async def test_the_first_load_can_fail() -> None:
    load = Loader()
    load.fail = True
    with pytest.raises(ConnectionError):
        await Refreshing(load, ttl=3.0).get()


def test_timed_cache_expires_and_is_bounded() -> None:
    clock = Clock()
    cache: TimedCache[str, int] = TimedCache(2.0, 2, clock)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("c", 3)
    assert [cache.get("a"), cache.get("b"), cache.get("c")] == [None, 2, 3]
    clock.now = 2.5
    assert cache.get("b") is None


def test_timed_cache_without_expiry() -> None:
    clock = Clock()
    cache: TimedCache[str, int] = TimedCache(None, 10, clock)
    cache.put("a", 1)
    clock.now = 1e9
    assert cache.get("a") == 1


async def test_shared_runs_one_call_per_key_at_a_time() -> None:
    shared: Shared[str, int] = Shared()
    calls: list[str] = []
    release = asyncio.Event()

    async def call(key: str) -> int:
        calls.append(key)
        number = len(calls)
        await release.wait()
        return number

    waiting = [asyncio.create_task(shared.run(k, lambda k=k: call(k))) for k in "aaba"]
    await asyncio.sleep(0)
    waiting[0].cancel()  # one caller giving up does not cancel the call the others await
    release.set()
    assert await asyncio.gather(*waiting[1:]) == [1, 2, 1]
    assert calls == ["a", "b"]
    assert await shared.run("a", lambda: call("a")) == 3  # finished calls are not reused
