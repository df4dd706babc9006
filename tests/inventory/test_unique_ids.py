from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from autoprov.inventory.unique_ids import find_mac_for_id, reserve_unique_id
from autoprov.polycom.unique_id import candidates
from autoprov.storage.models import UniqueId


def test_a_taken_candidate_moves_on_and_the_mac_keeps_its_id(session: Session) -> None:
    first_choice = next(candidates("0004f2aabbcc"))
    session.add(UniqueId(mac="0004f2000000", uid=first_choice))
    session.commit()
    uid = reserve_unique_id(session, "0004f2aabbcc")
    session.commit()
    assert uid != first_choice
    assert find_mac_for_id(session, uid) == "0004f2aabbcc"
    assert reserve_unique_id(session, "0004f2aabbcc") == uid


def test_a_reservation_rolls_back_with_its_transaction(session: Session) -> None:
    """No savepoint is committed behind the caller's back (pysqlite releases commit them)."""
    reserve_unique_id(session, "0004f2aabbcc")
    session.rollback()
    assert session.scalar(select(func.count()).select_from(UniqueId)) == 0
