"""Reserve the short ID a phone shows on its screen: stable per MAC, unique by constraint."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from autoprov.inventory.conflicts import insert_if_absent
from autoprov.polycom.unique_id import candidates
from autoprov.storage.models import UniqueId

MAX_TRIES = 64


class IdSpaceExhausted(RuntimeError):
    pass


def find_unique_id(session: Session, mac: str) -> str | None:
    return session.scalar(select(UniqueId.uid).where(UniqueId.mac == mac))


def find_mac_for_id(session: Session, uid: str) -> str | None:
    return session.scalar(select(UniqueId.mac).where(UniqueId.uid == uid))


def reserve_unique_id(session: Session, mac: str) -> str:
    """The MAC's ID, reserving one on first sight. A candidate held by another MAC is skipped;
    a concurrent reservation of this MAC from another process wins and its ID is returned."""
    existing = find_unique_id(session, mac)
    if existing is not None:
        return existing
    for tries, uid in enumerate(candidates(mac)):
        if tries >= MAX_TRIES:
            break
        if insert_if_absent(session, UniqueId, {"mac": mac, "uid": uid}) is not None:
            return uid
        existing = find_unique_id(session, mac)
        if existing is not None:
            return existing
    raise IdSpaceExhausted(f"no free unique ID for {mac} after {MAX_TRIES} candidates")
