"""Retry delays: exponential, bounded, with jitter so that many phones queued during an API
outage do not all retry in the same instant when it comes back."""

from __future__ import annotations

import random


def retry_delay(attempt: int, base: float, cap: float) -> float:
    """Delay before retry number ``attempt`` (1 = first retry): half of the exponential
    ceiling is fixed, half random ("equal jitter"), so the delay still grows."""
    ceiling = min(cap, base * 2.0 ** max(attempt - 1, 0))
    return ceiling / 2 + random.uniform(0.0, ceiling / 2)
