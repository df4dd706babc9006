"""Users (SIP accounts; the username is the extension). The auto-provisioning identity is a
system user: hidden here and out of reach of every function below.

Every change posts ``credentials-changed`` in the caller's transaction, so running registrars
reload their credential cache once it commits.
"""

from __future__ import annotations

import secrets

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session, selectinload

from autoprov.inventory.conflicts import insert_if_absent
from autoprov.inventory.errors import Conflict, InvalidValue, NotFound
from autoprov.inventory.keep import KEEP, Keep
from autoprov.inventory.records import UserPage, UserPhoneRecord, UserRecord, as_utc
from autoprov.inventory.validation import (
    DISPLAY_NAME_MAX,
    check_line,
    check_password,
    check_username,
)
from autoprov.storage.commands import CommandKind, post_command
from autoprov.storage.models import Line, User, utcnow

_POSTED_IN = "autoprov.credentials_changed_posted_in"


def post_credentials_changed(session: Session) -> None:
    """Once per transaction: a bulk import changing a thousand users asks registrars for one
    reload, not a thousand."""
    if session.info.get(_POSTED_IN) is session.get_transaction() is not None:
        return
    post_command(session, CommandKind.CREDENTIALS_CHANGED)
    session.info[_POSTED_IN] = session.get_transaction()


def generate_password() -> str:
    """16 URL-safe characters (96 bits): out of reach of online guessing."""
    return secrets.token_urlsafe(12)


def _record(user: User) -> UserRecord:
    created = as_utc(user.created_at)
    assert created is not None
    phones = sorted((line.phone.mac, line.position) for line in user.lines)
    return UserRecord(
        username=user.username,
        display_name=user.display_name,
        has_password=bool(user.password),
        phones=tuple(UserPhoneRecord(mac=mac, position=position) for mac, position in phones),
        created=created,
    )


def require_user(session: Session, username: str) -> User:
    """The (non-system) user, with the phones it is on; 404 naming ``username``."""
    user = session.scalar(
        select(User)
        .where(User.username == username, User.is_system.is_(False))
        .options(selectinload(User.lines).joinedload(Line.phone))
        .execution_options(populate_existing=True)
    )
    if user is None:
        raise NotFound(f"no user {username!r}", field="username")
    return user


def get_user(session: Session, username: str) -> UserRecord:
    return _record(require_user(session, username))


def list_users(
    session: Session, *, search: str | None = None, offset: int = 0, limit: int = 50
) -> UserPage:
    """Users by username; ``search`` matches the username or display name."""
    if offset < 0 or limit < 0:
        raise InvalidValue("offset and limit must not be negative", field="offset")
    conditions: list[ColumnElement[bool]] = [User.is_system.is_(False)]
    if search:
        conditions.append(
            or_(
                User.username.icontains(search, autoescape=True),
                User.display_name.icontains(search, autoescape=True),
            )
        )
    total = session.scalar(select(func.count(User.id)).where(*conditions)) or 0
    users = session.scalars(
        select(User)
        .where(*conditions)
        .order_by(User.username)
        .offset(offset)
        .limit(limit)
        .options(selectinload(User.lines).joinedload(Line.phone))
    )
    return UserPage(items=[_record(user) for user in users], total=total)


def insert_user(session: Session, username: str, password: str, display_name: str = "") -> int:
    """Insert a new user, its fields checked; its id. 409 naming ``username`` if it exists."""
    now = utcnow()
    values = {
        "username": check_username(username),
        "password": check_password(password),
        "display_name": check_line(display_name, "display_name", DISPLAY_NAME_MAX),
        "is_system": False,
        "created_at": now,
        "updated_at": now,
    }
    inserted = insert_if_absent(session, User, values)
    if inserted is None:
        raise Conflict(f"user {username!r} exists", field="username")
    post_credentials_changed(session)
    user_id: int = inserted[0]
    return user_id


def create_user(
    session: Session, username: str, password: str, display_name: str = ""
) -> UserRecord:
    """A new user; 409 naming ``username`` if it exists."""
    insert_user(session, username, password, display_name)
    return get_user(session, username)


def update_user(
    session: Session,
    username: str,
    *,
    password: str | Keep = KEEP,
    display_name: str | Keep = KEEP,
) -> UserRecord:
    user = require_user(session, username)
    if password is not KEEP:
        user.password = check_password(password)
    if display_name is not KEEP:
        user.display_name = check_line(display_name, "display_name", DISPLAY_NAME_MAX)
    post_credentials_changed(session)
    session.flush()
    return _record(user)


def delete_user(session: Session, username: str) -> list[str]:
    """Delete the user and its lines. Returns the MACs of the phones it was on: they lost a
    line and must re-sync once the caller has committed."""
    user = require_user(session, username)
    macs = sorted({line.phone.mac for line in user.lines})
    for line in list(user.lines):
        # Off both collections, so phones loaded in this session see the line go.
        line.phone.lines.remove(line)
        user.lines.remove(line)
    session.flush()
    session.delete(user)
    post_credentials_changed(session)
    session.flush()
    return macs


def count_users(session: Session) -> int:
    return session.scalar(select(func.count(User.id)).where(User.is_system.is_(False))) or 0
