from __future__ import annotations

from autoprov.provisioning.ratelimit import RateLimiter


def test_a_minute_of_requests_passes_then_the_rate_holds() -> None:
    limiter = RateLimiter(60)
    assert all(limiter.allow("192.0.2.1", 0.0) for _ in range(60))
    assert not limiter.allow("192.0.2.1", 0.0)
    assert limiter.allow("192.0.2.2", 0.0)
    assert limiter.allow("192.0.2.1", 1.0)
    assert not limiter.allow("192.0.2.1", 1.0)


def test_zero_turns_the_limit_off() -> None:
    limiter = RateLimiter(0)
    assert all(limiter.allow("192.0.2.1", 0.0) for _ in range(10_000))


def test_refusals_are_reported_once_a_second() -> None:
    limiter = RateLimiter(1)
    assert limiter.allow("192.0.2.1", 0.0)
    assert not limiter.allow("192.0.2.1", 0.1)
    assert limiter.report_due("192.0.2.1", 0.1)
    assert not limiter.report_due("192.0.2.1", 0.5)
    assert limiter.report_due("192.0.2.1", 1.2)


def test_idle_addresses_are_forgotten() -> None:
    limiter = RateLimiter(60)
    for n in range(100):
        limiter.allow(f"192.0.2.{n}", 0.0)
    limiter.allow("192.0.2.200", 120.0)
    assert limiter.allow("192.0.2.1", 120.0)
    assert len(limiter._buckets) == 2
