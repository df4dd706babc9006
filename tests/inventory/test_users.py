from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from autoprov.config import AUTOPROVISION_USER
from autoprov.inventory.errors import Conflict, InvalidValue, NotFound
from autoprov.inventory.keep import KEEP
from autoprov.inventory.lines import assign_line
from autoprov.inventory.phones import create_phone, get_phone
from autoprov.inventory.users import (
    count_users,
    create_user,
    delete_user,
    get_user,
    list_users,
    update_user,
)
from autoprov.storage.commands import CommandKind, commands_after
from autoprov.storage.models import User


def _kinds(session: Session) -> list[CommandKind]:
    return [command.kind for command in commands_after(session, 0)]


def test_create_read_update_and_the_password_stays_inside(session: Session) -> None:
    user = create_user(session, "1001", "secret-pass", "Front Desk")
    session.commit()
    assert (user.username, user.display_name, user.has_password) == ("1001", "Front Desk", True)
    assert "secret-pass" not in repr(user)
    update_user(session, "1001", password="new-secret", display_name=KEEP)
    session.commit()
    stored = session.scalar(select(User).where(User.username == "1001"))
    assert stored is not None and stored.password == "new-secret"
    assert get_user(session, "1001").display_name == "Front Desk"


def test_every_change_posts_credentials_changed_once_per_transaction(session: Session) -> None:
    create_user(session, "1001", "secret-pass")
    create_user(session, "1002", "secret-pass")
    session.commit()
    assert _kinds(session) == [CommandKind.CREDENTIALS_CHANGED]
    update_user(session, "1001", display_name="Reception")
    session.commit()
    delete_user(session, "1002")
    session.commit()
    assert _kinds(session) == [CommandKind.CREDENTIALS_CHANGED] * 3


BAD_VALUES = [
    ("", "secret-pass", "username"),
    ("10 01", "secret-pass", "username"),
    ("~~id~x", "secret-pass", "username"),
    ("1" * 65, "secret-pass", "username"),
    ("1001", "short", "password"),
    ("1001", "tab\tinside", "password"),
]


def test_create_refuses_bad_values(session: Session) -> None:
    for username, password, field in BAD_VALUES:
        with pytest.raises(InvalidValue) as caught:
            create_user(session, username, password)
        assert caught.value.field == field


def test_a_username_is_taken_once(session: Session) -> None:
    create_user(session, "1001", "secret-pass")
    with pytest.raises(Conflict) as caught:
        create_user(session, "1001", "other-pass")
    assert caught.value.field == "username"


def test_the_system_user_is_hidden_and_untouchable(session: Session) -> None:
    session.add(User(username=AUTOPROVISION_USER, password="x" * 12, is_system=True))
    create_user(session, "1001", "secret-pass")
    session.commit()
    assert [user.username for user in list_users(session).items] == ["1001"]
    assert count_users(session) == 1
    for call in (
        lambda: get_user(session, AUTOPROVISION_USER),
        lambda: update_user(session, AUTOPROVISION_USER, password="changed-pass"),
        lambda: delete_user(session, AUTOPROVISION_USER),
    ):
        with pytest.raises(NotFound) as caught:
            call()
        assert caught.value.field == "username"


def test_list_searches_pages_and_shows_phones(session: Session) -> None:
    for number in range(1001, 1006):
        create_user(session, str(number), "secret-pass", f"Desk {number - 1000}")
    create_phone(session, "0004f2aabbcc", "VVX_410")
    assign_line(session, "0004f2aabbcc", "1003", position=2)
    session.commit()
    page = list_users(session, offset=2, limit=2)
    assert page.total == 5 and [u.username for u in page.items] == ["1003", "1004"]
    assert [(p.mac, p.position) for p in page.items[0].phones] == [("0004f2aabbcc", 2)]
    assert [u.username for u in list_users(session, search="desk 5").items] == ["1005"]


def test_delete_unassigns_the_phones_and_returns_them(session: Session) -> None:
    create_user(session, "1001", "secret-pass")
    create_phone(session, "0004f2aabbcc", "VVX_410")
    create_phone(session, "0004f2aabbcd", "VVX_410")
    assign_line(session, "0004f2aabbcc", "1001")
    assign_line(session, "0004f2aabbcd", "1001")
    session.commit()
    assert delete_user(session, "1001") == ["0004f2aabbcc", "0004f2aabbcd"]
    session.commit()
    assert get_phone(session, "0004f2aabbcc").lines == ()
