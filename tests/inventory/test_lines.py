from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from autoprov.inventory.errors import Conflict, NotFound
from autoprov.inventory.lines import assign_line, unassign_line
from autoprov.inventory.phones import create_phone
from autoprov.inventory.users import create_user


@pytest.fixture
def phone(session: Session) -> str:
    """A two-line VVX 150 and three users."""
    create_phone(session, "0004f2aabbcc", "VVX_150")
    for username in ("1001", "1002", "1003"):
        create_user(session, username, "secret-pass", f"User {username}")
    session.commit()
    return "0004f2aabbcc"


def test_assign_takes_the_first_free_position(session: Session, phone: str) -> None:
    assign_line(session, phone, "1002", position=2)
    record = assign_line(session, "00:04:F2:AA:BB:CC", "1001")
    session.commit()
    assert [(line.username, line.position) for line in record.lines] == [("1001", 1), ("1002", 2)]
    assert record.lines[0].display_name == "User 1001"


def test_positions_are_bounded_by_the_model_and_taken_once(session: Session, phone: str) -> None:
    for position in (0, 3):
        with pytest.raises(Conflict) as caught:
            assign_line(session, phone, "1001", position=position)
        assert caught.value.field == "position" and caught.value.status == 409
    assign_line(session, phone, "1001", position=1)
    with pytest.raises(Conflict) as caught:
        assign_line(session, phone, "1002", position=1)
    assert caught.value.field == "position"
    assign_line(session, phone, "1002")
    with pytest.raises(Conflict) as caught:
        assign_line(session, phone, "1003")
    assert caught.value.field == "position" and "all 2 lines" in caught.value.message


def test_the_same_user_twice_on_a_phone_is_a_conflict(session: Session, phone: str) -> None:
    assign_line(session, phone, "1001")
    with pytest.raises(Conflict) as caught:
        assign_line(session, phone, "1001")
    assert caught.value.field == "username"


def test_unknown_phone_or_user_is_404_naming_the_field(session: Session, phone: str) -> None:
    with pytest.raises(NotFound) as caught:
        assign_line(session, phone, "9999")
    assert caught.value.field == "username"
    with pytest.raises(NotFound) as caught:
        assign_line(session, "0004f2000000", "1001")
    assert caught.value.field == "mac"
    with pytest.raises(NotFound) as caught:
        unassign_line(session, phone, "1001")
    assert caught.value.field == "username"


def test_unassign_frees_the_position(session: Session, phone: str) -> None:
    assign_line(session, phone, "1001")
    assign_line(session, phone, "1002")
    session.commit()
    record = unassign_line(session, phone, "1001")
    session.commit()
    assert [(line.username, line.position) for line in record.lines] == [("1002", 2)]
    assert [line.position for line in assign_line(session, phone, "1003").lines] == [1, 2]
