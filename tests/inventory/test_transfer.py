from __future__ import annotations

import io

import pytest
from sqlalchemy.orm import Session

from autoprov.inventory.phones import create_phone, get_phone
from autoprov.inventory.transfer import (
    CsvFormatError,
    ImportResult,
    export_rows,
    import_rows,
    read_rows,
    write_csv,
)
from autoprov.inventory.users import create_user, get_user

GOOD = """username,password,display_name,mac,model
1001,secret-one,Front Desk,00:04:F2:AA:BB:01,VVX_410
1002,secret-two,Back Office,0004f2aabb01,
1003,,Lobby,,
"""


def _import(session: Session, text: str) -> tuple[list[str], ImportResult]:
    rows, malformed = read_rows(io.StringIO(text))
    result = import_rows(session, rows, malformed=malformed)
    return [str(error) for error in result.errors], result


def test_a_good_file_creates_users_phones_and_lines(session: Session) -> None:
    problems, result = _import(session, GOOD)
    session.commit()
    assert problems == []
    assert result.users_created == 3 and result.phones_created == 1
    assert result.resync == ["0004f2aabb01"]
    assert list(result.generated_passwords) == ["1003"]
    phone = get_phone(session, "0004f2aabb01")
    assert [(line.username, line.position) for line in phone.lines] == [("1001", 1), ("1002", 2)]


def test_every_bad_row_is_reported_with_its_number(session: Session) -> None:
    create_phone(session, "0004f2aabb09", "VVX_150")
    session.commit()
    text = """username,password,display_name,mac,model
1001,secret-one,,,
bad user,secret-two,,,
1003,short,,,
1004,secret-four,,0004f2aabb02,
1005,secret-five,,nonsense,VVX_410
1006,secret-six,,0004f2aabb09,VVX_410
1001,other-pass,,,
1007,secret-seven,,,,extra
"""
    problems, _ = _import(session, text)
    assert problems == [
        "row 3, username: not a valid username: 'bad user' (letters, digits and . _ + -, at "
        "most 64 characters, starting with a letter or digit)",
        "row 4, password: password is shorter than 8 characters",
        "row 5, model: phone 0004f2aabb02 is not in the inventory: give its model",
        "row 6, mac: not a MAC address: 'nonsense' (expected 12 hex digits)",
        "row 7, model: phone 0004f2aabb09 is a VVX_150, not a VVX_410",
        "row 8, password: differs from row 2 for the same user",
        "row 9: more than 5 cells",
    ]


@pytest.mark.parametrize(
    "header", ["", "user,password\n1001,x\n", "password,mac\n"], ids=["empty", "unknown", "missing"]
)
def test_an_unusable_header_is_refused_as_a_whole(header: str) -> None:
    with pytest.raises(CsvFormatError):
        read_rows(io.StringIO(header))


def test_export_then_import_changes_nothing(session: Session) -> None:
    _import(session, GOOD)
    create_user(session, "1009", "secret-nine")
    session.commit()
    exported = io.StringIO()
    assert write_csv(exported, export_rows(session)) == 4
    lines = exported.getvalue().splitlines()
    assert lines[0] == "username,password,display_name,mac,model"
    assert "1001,secret-one,Front Desk,0004f2aabb01,VVX_410" in lines
    problems, result = _import(session, exported.getvalue())
    assert problems == []
    assert result.users_created == 0 and result.lines_assigned == 0
    assert get_user(session, "1009").phones == ()


def test_an_import_over_the_inventory_changes_only_what_differs(session: Session) -> None:
    create_phone(session, "0004f2aabb01", "VVX_150")  # two lines
    create_phone(session, "0004f2aabb02", "VVX_410")
    create_user(session, "1001", "secret-one", "Front Desk")
    create_user(session, "1002", "secret-two")
    session.commit()
    text = """username,password,display_name,mac,model
1001,secret-one,Front Desk,0004f2aabb01,
1002,secret-new,,0004f2aabb01,
1003,secret-three,,0004f2aabb01,
1001,,,0004f2aabb01,
1004,short,,0004f2aabb02,
1004,,,0004f2aabb02,
"""
    problems, result = _import(session, text)
    assert problems == [
        "row 4, position: all 2 lines of 0004f2aabb01 (VVX_150) are taken",
        "row 6, password: password is shorter than 8 characters",
        "row 7, username: no user '1004'",
    ]
    # 1001 is unchanged, 1002 gets its new password; 1001 twice on one phone is one line.
    assert (result.users_created, result.users_updated, result.lines_assigned) == (1, 1, 2)
    assert result.resync == ["0004f2aabb01"]
    session.rollback()
    fixed = text.replace("1003,secret-three,,0004f2aabb01,", "1003,secret-three,,,")
    problems, result = _import(session, fixed.replace("1004,short", "1004,secret-four"))
    session.commit()
    assert problems == []
    assert result.resync == ["0004f2aabb01", "0004f2aabb02"]
    one = get_phone(session, "0004f2aabb01")
    assert [(line.username, line.position) for line in one.lines] == [("1001", 1), ("1002", 2)]
    assert [line.username for line in get_phone(session, "0004f2aabb02").lines] == ["1004"]
    assert get_user(session, "1003").phones == ()
