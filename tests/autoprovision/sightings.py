"""Sightings and ID reservations for the auto-provisioning tests."""

from __future__ import annotations

import time

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from autoprov.autoprovision.sighting import Sighting
from autoprov.inventory.unique_ids import reserve_unique_id


def macs(count: int, start: int = 0) -> list[str]:
    return [f"0004f2{n:06x}" for n in range(start, start + count)]


def reserve(engine: Engine, *phone_macs: str) -> dict[str, str]:
    with Session(engine) as session, session.begin():
        return {mac: reserve_unique_id(session, mac) for mac in phone_macs}


def sighting(
    mac: str,
    uid: str,
    ip: str = "192.0.2.10",
    firmware: str = "5.9.5.0614",
    model: str = "VVX_410",
) -> Sighting:
    return Sighting(
        mac=mac, unique_id=uid, model=model, firmware=firmware, ip=ip, seen_at=time.time()
    )
