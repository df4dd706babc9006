"""Phones: create (idempotent by MAC), read, update, delete, and list with search and paging.

Functions take the caller's session and never commit: the caller decides the transaction, so
several changes (and the registrar commands they post) land together or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, SQLColumnExpression, func, or_, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from autoprov.inventory.conflicts import insert_if_absent
from autoprov.inventory.errors import Conflict, InvalidValue, NotFound
from autoprov.inventory.keep import KEEP, Keep
from autoprov.inventory.records import LineRecord, PhonePage, PhoneRecord, SyncRecord, as_utc
from autoprov.inventory.registrations import registered_macs
from autoprov.inventory.unique_ids import find_unique_id, reserve_unique_id
from autoprov.inventory.validation import (
    DESCRIPTION_MAX,
    FIRMWARE_MAX,
    check_ip,
    check_line,
    check_mac,
    check_model,
    check_timestamp,
)
from autoprov.polycom.models import find_model
from autoprov.storage.models import Line, Phone, UniqueId, User, utcnow

_UNIQUE_ID = (
    select(UniqueId.uid).where(UniqueId.mac == Phone.mac).correlate(Phone).scalar_subquery()
)
"""A listed phone's unique ID: looked up for the rows of the page only, not for every row
the filter scans (as a join would)."""

SORT_COLUMNS: dict[str, SQLColumnExpression[Any]] = {
    "mac": Phone.mac,
    "model": Phone.model,
    "unique_id": _UNIQUE_ID,
    "ip": Phone.ip,
    "last_seen": Phone.last_seen_at,
    "created": Phone.created_at,
}
SORT_FIELDS = tuple(sorted(SORT_COLUMNS)) + tuple(f"-{name}" for name in sorted(SORT_COLUMNS))


@dataclass(frozen=True, slots=True)
class PhoneQuery:
    search: str | None = None
    """Matched against the unique ID, the MAC (any spelling, partial), description, model
    and line usernames, case-insensitively."""
    unassigned: bool = False
    """Only phones with no line."""
    sort: str = "mac"
    """A field of ``SORT_FIELDS``; a leading ``-`` sorts descending."""
    offset: int = 0
    limit: int = 50


def _line_record(line: Line) -> LineRecord:
    return LineRecord(
        username=line.user.username, position=line.position, display_name=line.user.display_name
    )


def _record(phone: Phone, unique_id: str | None, registered: bool) -> PhoneRecord:
    model = find_model(phone.model)
    created = as_utc(phone.created_at)
    assert created is not None
    return PhoneRecord(
        mac=phone.mac,
        model=phone.model,
        max_lines=model.lines if model else 0,
        unique_id=unique_id,
        ip=phone.ip,
        firmware=phone.firmware,
        description=phone.description,
        lines=tuple(_line_record(line) for line in sorted(phone.lines, key=lambda x: x.position)),
        registered=registered,
        last_seen=as_utc(phone.last_seen_at),
        created=created,
        sync=SyncRecord(
            status=phone.sync_status, detail=phone.sync_detail, at=as_utc(phone.sync_at)
        ),
    )


def phone_records(session: Session, rows: Sequence[tuple[Phone, str | None]]) -> list[PhoneRecord]:
    """Read shapes for loaded phones and their unique IDs, registration looked up in bulk."""
    registered = registered_macs(session, [phone for phone, _ in rows])
    return [_record(phone, uid, phone.mac in registered) for phone, uid in rows]


_WITH_LINES = selectinload(Phone.lines).joinedload(Line.user)


def _find(session: Session, mac: str) -> tuple[Phone, str | None] | None:
    """The phone with this (normalized) MAC, its lines loaded afresh, and its unique ID."""
    row = session.execute(
        select(Phone, UniqueId.uid)
        .outerjoin(UniqueId, UniqueId.mac == Phone.mac)
        .where(Phone.mac == mac)
        .options(_WITH_LINES)
        .execution_options(populate_existing=True)
    ).first()
    return None if row is None else (row[0], row[1])


def _require(session: Session, mac: str) -> tuple[Phone, str | None]:
    normalized = check_mac(mac)
    found = _find(session, normalized)
    if found is None:
        raise NotFound(f"no phone with MAC {normalized}", field="mac")
    return found


def require_phone(session: Session, mac: str) -> Phone:
    """The phone with this MAC (any spelling), its lines loaded; 404 naming ``mac``."""
    return _require(session, mac)[0]


def phone_record(session: Session, phone: Phone) -> PhoneRecord:
    return phone_records(session, [(phone, find_unique_id(session, phone.mac))])[0]


def get_phone(session: Session, mac: str) -> PhoneRecord:
    return phone_records(session, [_require(session, mac)])[0]


def create_phone(
    session: Session,
    mac: str,
    model: str,
    *,
    description: str = "",
    ip: str | None = None,
    firmware: str | None = None,
    last_seen: datetime | None = None,
    unique_id: str | None = None,
) -> tuple[PhoneRecord, bool]:
    """The phone with this MAC, created unless it exists (an existing phone is left as it is).

    Returns ``(phone, created)``. Safe when several processes create the same MAC at once: the
    database's UNIQUE constraint picks one winner and the others read its row. ``unique_id``,
    when given, must be the one reserved for this MAC (409 naming ``unique_id`` otherwise).
    """
    normalized = check_mac(mac)
    values: dict[str, Any] = {
        "mac": normalized,
        "model": check_model(model).ua_token,
        "description": check_line(description, "description", DESCRIPTION_MAX),
        "ip": None if ip is None else check_ip(ip),
        "firmware": None if firmware is None else check_line(firmware, "firmware", FIRMWARE_MAX),
        "last_seen_at": None if last_seen is None else check_timestamp(last_seen),
        "created_at": utcnow(),
    }
    # Reading first keeps repeated creates of a known phone from taking the write lock.
    found = _find(session, normalized)
    created = False
    if found is None:
        key = insert_if_absent(session, Phone, values)
        if key is None:  # another process created it in the meantime: its phone it is
            found = _find(session, normalized)
            assert found is not None
        else:
            # Uncommitted, so nobody can have put a line on it yet.
            new_phone = session.get_one(Phone, key[0])
            set_committed_value(new_phone, "lines", [])
            found, created = (new_phone, None), True
    phone, reserved = found
    if reserved is None:
        reserved = reserve_unique_id(session, normalized)
    if unique_id is not None and unique_id != reserved:
        raise Conflict(
            f"unique ID {unique_id} does not belong to {normalized} (its ID is {reserved})",
            field="unique_id",
        )
    return phone_records(session, [(phone, reserved)])[0], created


def update_phone(
    session: Session,
    mac: str,
    *,
    model: str | Keep | None = KEEP,
    description: str | Keep | None = KEEP,
    ip: str | Keep | None = KEEP,
    firmware: str | Keep | None = KEEP,
    last_seen: datetime | Keep | None = KEEP,
) -> PhoneRecord:
    """Change the given fields; ``None`` clears an optional one (a phone always has a model;
    a cleared description is empty)."""
    phone, unique_id = _require(session, mac)
    if model is None:
        raise InvalidValue("a phone always has a model", field="model")
    if model is not KEEP:
        new_model = check_model(model)
        beyond = [line.position for line in phone.lines if line.position > new_model.lines]
        if beyond:
            raise Conflict(
                f"{new_model.ua_token} has {new_model.lines} lines but the phone has a line "
                f"at position {max(beyond)}; unassign it first",
                field="model",
            )
        phone.model = new_model.ua_token
    if description is not KEEP:
        phone.description = check_line(description or "", "description", DESCRIPTION_MAX)
    if ip is not KEEP:
        phone.ip = None if ip is None else check_ip(ip)
    if firmware is not KEEP:
        phone.firmware = (
            None if firmware is None else check_line(firmware, "firmware", FIRMWARE_MAX)
        )
    if last_seen is not KEEP:
        phone.last_seen_at = None if last_seen is None else check_timestamp(last_seen)
    session.flush()
    return phone_records(session, [(phone, unique_id)])[0]


def delete_phone(session: Session, mac: str) -> None:
    """Remove the phone and its lines. Its unique-ID reservation stays: the ID a phone shows
    remains stable if the same phone comes back."""
    session.delete(require_phone(session, mac))
    session.flush()


def _search_condition(term: str, dialect: str) -> ColumnElement[bool]:
    def matches(column: SQLColumnExpression[str]) -> ColumnElement[bool]:
        # SQLite's LIKE ignores ASCII case already (its lower() knows no more than ASCII).
        if dialect == "sqlite":
            return column.contains(term, autoescape=True)
        return column.icontains(term, autoescape=True)

    # Uncorrelated subqueries: evaluated once per query, not once per phone.
    conditions = [
        Phone.mac.in_(
            select(UniqueId.mac).where(UniqueId.uid.contains(term.upper(), autoescape=True))
        ),
        matches(Phone.description),
        matches(Phone.model),
        Phone.id.in_(
            select(Line.phone_id).join(User, User.id == Line.user_id).where(matches(User.username))
        ),
    ]
    # A MAC may be typed in any spelling, partially: "AA:BB" finds ...aabb...
    hex_digits = "".join(c for c in term.lower() if c not in ":-. ")
    if hex_digits and all(c in "0123456789abcdef" for c in hex_digits):
        conditions.append(Phone.mac.contains(hex_digits))
    return or_(*conditions)


def _order(sort: str) -> list[ColumnElement[Any]]:
    name = sort.removeprefix("-")
    column = SORT_COLUMNS.get(name)
    if column is None:
        raise InvalidValue(
            f"cannot sort by {sort!r}; choose one of {', '.join(SORT_FIELDS)}", field="sort"
        )
    ordered = column.desc() if sort.startswith("-") else column.asc()
    # Same order on SQLite and PostgreSQL (they disagree on where NULL goes by default).
    return [ordered.nulls_last(), Phone.id.desc() if sort.startswith("-") else Phone.id.asc()]


def _has_no_lines() -> ColumnElement[bool]:
    return Phone.id.not_in(select(Line.phone_id))


def list_phones(session: Session, query: PhoneQuery = PhoneQuery()) -> PhonePage:
    if query.offset < 0 or query.limit < 0:
        raise InvalidValue("offset and limit must not be negative", field="offset")
    order = _order(query.sort)
    conditions: list[ColumnElement[bool]] = []
    if query.search:
        dialect = session.get_bind().dialect.name
        conditions.append(_search_condition(query.search, dialect))
    if query.unassigned:
        conditions.append(_has_no_lines())
    page = (
        select(Phone, _UNIQUE_ID)
        .where(*conditions)
        .order_by(*order)
        .offset(query.offset)
        .limit(query.limit)
        .options(_WITH_LINES)
    )
    total: int | None = None
    if query.search:
        # A search scans every phone anyway and matches few: the total rides along with the
        # page. Otherwise it is counted apart, so the page query can stop after its page.
        rows = session.execute(page.add_columns(func.count().over())).all()
        if rows:
            total = rows[0][2]
        elif not query.offset:
            total = 0
    else:
        rows = session.execute(page).all()
    if total is None:
        total = session.scalar(select(func.count(Phone.id)).where(*conditions)) or 0
    return PhonePage(items=phone_records(session, [(row[0], row[1]) for row in rows]), total=total)


@dataclass(frozen=True, slots=True)
class PhoneCounts:
    total: int
    unassigned: int


def count_phones(session: Session) -> PhoneCounts:
    total = session.scalar(select(func.count(Phone.id))) or 0
    unassigned = session.scalar(select(func.count(Phone.id)).where(_has_no_lines())) or 0
    return PhoneCounts(total=total, unassigned=unassigned)
