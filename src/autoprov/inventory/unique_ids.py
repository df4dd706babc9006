"""Reserve the short ID a phone shows on its screen: stable per MAC, unique by constraint."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from autoprov.inventory.conflicts import insert_if_absent
from autoprov.polycom.unique_id import candidates
from autoprov.storage.models import UNIQUE_IDS, UniqueId

MAX_TRIES = 64

_UID_OF = select(UNIQUE_IDS.c.uid).where(UNIQUE_IDS.c.mac == bindparam("mac"))
_MAC_OF = select(UNIQUE_IDS.c.mac).where(UNIQUE_IDS.c.uid == bindparam("uid"))


class IdSpaceExhausted(RuntimeError):
    pass


def find_unique_id(session: Session, mac: str) -> str | None:
    uid: str | None = session.connection().scalar(_UID_OF, {"mac": mac})
    return uid


def find_mac_for_id(session: Session, uid: str) -> str | None:
    mac: str | None = session.connection().scalar(_MAC_OF, {"uid": uid})
    return mac


def reserve_unique_id(session: Session, mac: str) -> str:
    """The MAC's ID, reserving one on first sight."""
    existing = find_unique_id(session, mac)
    return claim_unique_id(session, mac) if existing is None else existing


def claim_unique_id(session: Session, mac: str) -> str:
    """The MAC's ID, trying to insert its first candidate before any look-up: one statement
    for a MAC seen for the first time, two for one that already has an ID (then use
    ``reserve_unique_id``). A candidate held by another MAC is skipped; a concurrent
    reservation of this MAC from another process wins and its ID is returned."""
    for tries, uid in enumerate(candidates(mac)):
        if tries >= MAX_TRIES:
            break
        if insert_if_absent(session, UniqueId, {"mac": mac, "uid": uid}) is not None:
            return uid
        existing = find_unique_id(session, mac)
        if existing is not None:
            return existing
    raise IdSpaceExhausted(f"no free unique ID for {mac} after {MAX_TRIES} candidates")
