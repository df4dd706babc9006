"""Distinct MAC addresses under Polycom's OUIs for a fleet of emulated phones."""

from __future__ import annotations

import random

POLYCOM_OUIS = ("0004f2", "64167f", "482567")
"""The OUIs Polycom and Poly phones ship with (POLYCOM.md section 5)."""

_NIC_SPACE = 1 << 24


def generate_macs(count: int, seed: int, ouis: tuple[str, ...] = POLYCOM_OUIS) -> list[str]:
    """``count`` distinct lowercase MACs, spread over ``ouis``; the same seed gives the same list.

    The NIC part is sampled without replacement per OUI, so no two phones share a MAC and
    ``000000000000`` (the master file's name) can never come out.
    """
    if count < 0:
        raise ValueError("count must not be negative")
    if count > len(ouis) * _NIC_SPACE:
        raise ValueError(f"at most {len(ouis) * _NIC_SPACE} MACs fit under {len(ouis)} OUIs")
    rng = random.Random(seed)
    per_oui = [count // len(ouis) + (1 if i < count % len(ouis) else 0) for i in range(len(ouis))]
    macs: list[str] = []
    for oui, wanted in zip(ouis, per_oui, strict=True):
        macs.extend(f"{oui}{nic:06x}" for nic in rng.sample(range(_NIC_SPACE), wanted))
    rng.shuffle(macs)
    return macs
