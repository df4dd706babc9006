from __future__ import annotations

import pytest

from autoprov.autoprovision.backoff import retry_delay


@pytest.mark.parametrize(
    ("attempt", "low", "high"),
    [(1, 0.5, 1.0), (2, 1.0, 2.0), (3, 2.0, 4.0), (6, 15.0, 30.0), (60, 15.0, 30.0)],
)
def test_delay_doubles_up_to_the_cap_with_jitter(attempt: int, low: float, high: float) -> None:
    delays = {retry_delay(attempt, base=1.0, cap=30.0) for _ in range(200)}
    assert all(low <= d <= high for d in delays)
    assert len(delays) > 100  # jittered: phones do not retry in lockstep
