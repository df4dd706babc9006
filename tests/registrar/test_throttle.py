from __future__ import annotations

from autoprov.config import AUTOPROVISION_USER
from autoprov.registrar.throttle import AuthThrottle, SlidingCounter


def test_limit_within_window_blocks_for_a_window() -> None:
    counter = SlidingCounter(limit=3, window=60)
    assert not counter.fail("a", 0)
    assert not counter.fail("a", 1)
    assert counter.fail("a", 2)
    assert counter.blocked("a", 30)
    assert not counter.blocked("b", 30)
    assert not counter.blocked("a", 63)


def test_failures_spread_beyond_the_window_do_not_block() -> None:
    counter = SlidingCounter(limit=3, window=60)
    for t in (0, 40, 80, 120, 160):
        assert not counter.fail("a", t)
    assert not counter.blocked("a", 161)


def test_memory_stays_bounded_under_spoofed_sources() -> None:
    counter = SlidingCounter(limit=3, window=60, max_keys=100)
    for n in range(1000):
        counter.fail(f"198.51.100.{n}", 1000.0 + n)
    assert len(counter._failures) <= 100


def test_per_ip_and_per_user_with_the_shared_identity_exempt() -> None:
    throttle = AuthThrottle(limit=2, window=60, exempt_users=[AUTOPROVISION_USER])
    assert not throttle.fail("192.0.2.1", "1001", 0)
    assert throttle.fail("192.0.2.2", "1001", 1)  # user 1001 now blocked, from any address
    assert throttle.user_blocked("1001", 2)
    assert not throttle.ip_blocked("192.0.2.1", 2)
    assert not throttle.fail("192.0.2.3", AUTOPROVISION_USER, 0)
    assert throttle.fail("192.0.2.3", AUTOPROVISION_USER, 1)  # the address, not the user
    assert throttle.ip_blocked("192.0.2.3", 2)
    assert not throttle.user_blocked(AUTOPROVISION_USER, 2)
