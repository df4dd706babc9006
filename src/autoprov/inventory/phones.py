"""Phones: create (idempotent by MAC), read, update, delete, and list with search and paging.

Functions take the caller's session and never commit: the caller decides the transaction, so
several changes (and the registrar commands they post) land together or not at all.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from functools import cache
from typing import Any, Protocol, cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    Select,
    SQLColumnExpression,
    String,
    bindparam,
    func,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session, selectinload

from autoprov.inventory.conflicts import insert_if_absent
from autoprov.inventory.errors import Conflict, InvalidValue, NotFound
from autoprov.inventory.keep import KEEP, Keep
from autoprov.inventory.records import LineRecord, PhonePage, PhoneRecord, SyncRecord, as_utc
from autoprov.inventory.registrations import PhoneAddress, autoprovisioned, registered_among
from autoprov.inventory.sql import among
from autoprov.inventory.unique_ids import claim_unique_id, find_unique_id
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
from autoprov.storage.models import (
    LINES,
    PHONES,
    UNIQUE_IDS,
    USERS,
    Line,
    Phone,
    UniqueId,
    utcnow,
)

# Reads go through Core statements over the tables, built once (so compiled once): the ORM
# would build, compile and load objects anew for every phone read back. Writes that change an
# existing phone (update, lines, delete) keep the ORM's unit of work.
_UNIQUE_ID = (
    select(UNIQUE_IDS.c.uid)
    .where(UNIQUE_IDS.c.mac == PHONES.c.mac)
    .correlate(PHONES)
    .scalar_subquery()
)
"""A phone's unique ID as a sort key (a page's own IDs are read apart, after the page)."""

_RECORD_COLUMNS = (
    PHONES.c.id,
    PHONES.c.mac,
    PHONES.c.model,
    PHONES.c.ip,
    PHONES.c.firmware,
    PHONES.c.description,
    PHONES.c.created_at,
    PHONES.c.last_seen_at,
    PHONES.c.sync_status,
    PHONES.c.sync_detail,
    PHONES.c.sync_at,
)
_EXTRAS = (UNIQUE_IDS.c.uid, LINES.c.position, USERS.c.username, USERS.c.display_name)
_WITH_EXTRAS = (
    PHONES.outerjoin(UNIQUE_IDS, UNIQUE_IDS.c.mac == PHONES.c.mac)
    .outerjoin(LINES, LINES.c.phone_id == PHONES.c.id)
    .outerjoin(USERS, USERS.c.id == LINES.c.user_id)
)
"""Phones with their unique IDs and lines: a row per line, one row for a phone without."""
_KEY = select(bindparam("mac", type_=String).label("mac")).subquery("key")
_BY_MAC = select(
    *_RECORD_COLUMNS, *_EXTRAS, autoprovisioned(_KEY.c.mac).label("autoprovisioned")
).select_from(
    _KEY.outerjoin(PHONES, PHONES.c.mac == _KEY.c.mac)
    .outerjoin(UNIQUE_IDS, UNIQUE_IDS.c.mac == _KEY.c.mac)
    .outerjoin(LINES, LINES.c.phone_id == PHONES.c.id)
    .outerjoin(USERS, USERS.c.id == LINES.c.user_id)
)
"""One phone with its unique ID and its lines; for a MAC without a phone, one row with no phone
(``id`` null) and the unique ID reserved for the MAC, if any. Each row tells whether the MAC is
registered as the auto-provisioning identity (at the bound time ``now``)."""


@cache
def _page_extras_statement(dialect: str) -> Select[Any]:
    """The unique IDs and lines of a page's phones (``ids``), read after the page: in the page
    query, the unique ID would be looked up for every row an offset skips too (PostgreSQL
    does so)."""
    return (
        select(PHONES.c.id, *_EXTRAS)
        .select_from(_WITH_EXTRAS)
        .where(among(PHONES.c.id, "ids", dialect))
    )


SORT_COLUMNS: dict[str, SQLColumnExpression[Any]] = {
    "mac": PHONES.c.mac,
    "model": PHONES.c.model,
    "unique_id": _UNIQUE_ID,
    "ip": PHONES.c.ip,
    "last_seen": PHONES.c.last_seen_at,
    "created": PHONES.c.created_at,
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


class _PhoneColumns(Protocol):
    """A phone's stored fields, from a loaded :class:`Phone` or a row of ``_RECORD_COLUMNS``."""

    @property
    def mac(self) -> str: ...
    @property
    def model(self) -> str: ...
    @property
    def ip(self) -> str | None: ...
    @property
    def firmware(self) -> str | None: ...
    @property
    def description(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def last_seen_at(self) -> datetime | None: ...
    @property
    def sync_status(self) -> str | None: ...
    @property
    def sync_detail(self) -> str | None: ...
    @property
    def sync_at(self) -> datetime | None: ...


@dataclass(frozen=True, slots=True)
class _Inserted:
    """The fields of a phone just inserted: known without reading it back."""

    mac: str
    model: str
    ip: str | None
    firmware: str | None
    description: str
    created_at: datetime
    last_seen_at: datetime | None
    sync_status: str | None = None
    sync_detail: str | None = None
    sync_at: datetime | None = None


_Loaded = tuple[_PhoneColumns, str | None, tuple[LineRecord, ...]]
"""A phone's fields, its unique ID and its lines."""


def _record(
    phone: _PhoneColumns, unique_id: str | None, lines: Iterable[LineRecord], registered: bool
) -> PhoneRecord:
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
        lines=tuple(sorted(lines, key=lambda line: line.position)),
        registered=registered,
        last_seen=as_utc(phone.last_seen_at),
        created=created,
        sync=SyncRecord(
            status=phone.sync_status, detail=phone.sync_detail, at=as_utc(phone.sync_at)
        ),
    )


def _records(session: Session, loaded: Sequence[_Loaded]) -> list[PhoneRecord]:
    """Read shapes for phones read, registration looked up in bulk."""
    addresses = [
        PhoneAddress(phone.mac, phone.ip, frozenset(line.username for line in lines))
        for phone, _, lines in loaded
    ]
    registered = registered_among(session, addresses)
    return [_record(phone, uid, lines, phone.mac in registered) for phone, uid, lines in loaded]


def _line_record(line: Line) -> LineRecord:
    return LineRecord(
        username=line.user.username, position=line.position, display_name=line.user.display_name
    )


def phone_records(session: Session, rows: Sequence[tuple[Phone, str | None]]) -> list[PhoneRecord]:
    """Read shapes for loaded phones (their lines loaded) and their unique IDs."""
    return _records(
        session,
        [(phone, uid, tuple(_line_record(line) for line in phone.lines)) for phone, uid in rows],
    )


def _reading(session: Session) -> Connection:
    """The session's connection, with the session's pending changes flushed to it (Core
    statements do not flush by themselves)."""
    session.flush()
    return session.connection()


@dataclass(frozen=True, slots=True)
class _ByMac:
    phone: _Loaded | None
    reserved: str | None
    """The unique ID reserved for the MAC, whether the phone exists or not."""
    autoprovisioned: bool
    """Registered as the auto-provisioning identity: the whole answer for a phone without
    lines."""


def _load(connection: Connection, mac: str) -> _ByMac:
    """What is known of this (normalized) MAC, read afresh, in one statement."""
    rows = connection.execute(_BY_MAC, {"mac": mac, "now": time.time()}).all()
    first = rows[0]
    if first.id is None:
        return _ByMac(None, first.uid, first.autoprovisioned)
    lines = tuple(
        LineRecord(username=row.username, position=row.position, display_name=row.display_name)
        for row in rows
        if row.username is not None
    )
    return _ByMac((cast(_PhoneColumns, first), first.uid, lines), first.uid, first.autoprovisioned)


def _record_of(session: Session, loaded: _Loaded, autoprovisioned: bool) -> PhoneRecord:
    """The record of a phone read by ``_load``: the bindings of its line users are looked up
    only when it has lines."""
    phone, uid, lines = loaded
    if lines and not autoprovisioned:
        return _records(session, [loaded])[0]
    return _record(phone, uid, lines, autoprovisioned)


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
    normalized = check_mac(mac)
    read = _load(_reading(session), normalized)
    if read.phone is None:
        raise NotFound(f"no phone with MAC {normalized}", field="mac")
    return _record_of(session, read.phone, read.autoprovisioned)


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
    inserted = _Inserted(
        mac=normalized,
        model=check_model(model).ua_token,
        description=check_line(description, "description", DESCRIPTION_MAX),
        ip=None if ip is None else check_ip(ip),
        firmware=None if firmware is None else check_line(firmware, "firmware", FIRMWARE_MAX),
        last_seen_at=None if last_seen is None else check_timestamp(last_seen),
        created_at=utcnow(),
    )
    connection = _reading(session)
    # Reading first keeps repeated creates of a known phone from taking the write lock.
    # A new phone's unique ID is usually reserved already (by the registration file the phone
    # fetched before registering): the same statement reads it.
    read = _load(connection, normalized)
    found, created = read.phone, False
    if found is None:
        values = {field.name: getattr(inserted, field.name) for field in fields(inserted)}
        if insert_if_absent(session, Phone, values) is None:
            # Another process created it in the meantime: its phone it is.
            read = _load(connection, normalized)
            found = read.phone
            assert found is not None
        else:
            # Uncommitted, so nobody can have put a line on it yet.
            found, created = (inserted, read.reserved, ()), True
    phone, reserved, lines = found
    if reserved is None:
        reserved = claim_unique_id(session, normalized)
    if unique_id is not None and unique_id != reserved:
        raise Conflict(
            f"unique ID {unique_id} does not belong to {normalized} (its ID is {reserved})",
            field="unique_id",
        )
    return _record_of(session, (phone, reserved, lines), read.autoprovisioned), created


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


def _like_pattern(term: str) -> str:
    """``term`` for ``LIKE ... ESCAPE '/'``: its wildcards match themselves."""
    return term.replace("/", "//").replace("%", "/%").replace("_", "/_")


def _mac_digits(term: str) -> str | None:
    """A MAC may be typed in any spelling, partially: "AA:BB" finds ...aabb... The hex digits
    of the term, or None when it cannot be part of a MAC."""
    digits = "".join(c for c in term.lower() if c not in ":-. ")
    return digits if digits and all(c in "0123456789abcdef" for c in digits) else None


def _search_condition(dialect: str, *, by_mac: bool) -> ColumnElement[bool]:
    """Phones matching the bound ``term`` (escaped for ``LIKE``), ``uid_term`` (the same,
    upper case) and, when ``by_mac``, ``mac_term`` (hex digits)."""
    term = bindparam("term", type_=String)

    def matches(column: SQLColumnExpression[str]) -> ColumnElement[bool]:
        # SQLite's LIKE ignores ASCII case already (its lower() knows no more than ASCII).
        if dialect == "sqlite":
            return column.contains(term, escape="/")
        return column.icontains(term, escape="/")

    on_phone = [matches(PHONES.c.description), matches(PHONES.c.model)]
    if by_mac:
        on_phone.append(PHONES.c.mac.contains(bindparam("mac_term", type_=String)))
    # The ids of matching phones, a set per table: each part can use its table's trigram
    # indexes on PostgreSQL (migration 0003), where one OR over subqueries scanned every phone.
    # Uncorrelated: evaluated once per query, not once per phone.
    candidates = union_all(
        select(PHONES.c.id).where(or_(*on_phone)).correlate(None),
        select(PHONES.c.id)
        .join(UNIQUE_IDS, UNIQUE_IDS.c.mac == PHONES.c.mac)
        .where(UNIQUE_IDS.c.uid.contains(bindparam("uid_term", type_=String), escape="/"))
        .correlate(None),
        select(LINES.c.phone_id)
        .join(USERS, USERS.c.id == LINES.c.user_id)
        .where(matches(USERS.c.username)),
    )
    return PHONES.c.id.in_(candidates)


def _order(sort: str) -> list[ColumnElement[Any]]:
    name = sort.removeprefix("-")
    column = SORT_COLUMNS.get(name)
    if column is None:
        raise InvalidValue(
            f"cannot sort by {sort!r}; choose one of {', '.join(SORT_FIELDS)}", field="sort"
        )
    ordered = column.desc() if sort.startswith("-") else column.asc()
    # Same order on SQLite and PostgreSQL (they disagree on where NULL goes by default).
    return [ordered.nulls_last(), PHONES.c.id.desc() if sort.startswith("-") else PHONES.c.id]


_HAS_NO_LINES = PHONES.c.id.not_in(select(LINES.c.phone_id))
_ALL_PHONES = select(func.count()).select_from(PHONES).scalar_subquery()
_ASSIGNED_PHONES = select(func.count(LINES.c.phone_id.distinct())).scalar_subquery()
"""Phones with a line. All phones less these are the unassigned: two index counts, where
counting the phones without a line probes the lines for every phone (every line belongs to a
phone: foreign key, cascade)."""


@cache
def _conditions(
    dialect: str, *, unassigned: bool, search: bool, by_mac: bool
) -> tuple[ColumnElement[bool], ...]:
    conditions: list[ColumnElement[bool]] = []
    if search:
        conditions.append(_search_condition(dialect, by_mac=by_mac))
    if unassigned:
        conditions.append(_HAS_NO_LINES)
    return tuple(conditions)


@cache
def _page_statement(
    dialect: str, sort: str, *, unassigned: bool, search: bool, by_mac: bool
) -> Select[Any]:
    """A page of phones, its window bound (``offset``, ``limit``). Built once per shape (so
    compiled once): building and keying the statement anew cost more than running it. Every
    row carries the total. With a search, counted over the matches: a search scans every
    phone anyway and matches few. Otherwise from the counts of phones and of phones with a
    line (evaluated once per query), so that the page query can stop after its page."""
    total: ColumnElement[int]
    if search:
        total = func.count().over()
    elif unassigned:
        total = _ALL_PHONES - _ASSIGNED_PHONES
    else:
        total = _ALL_PHONES
    return (
        select(*_RECORD_COLUMNS, total.label("total"))
        .where(*_conditions(dialect, unassigned=unassigned, search=search, by_mac=by_mac))
        .order_by(*_order(sort))
        .offset(bindparam("offset", type_=Integer))
        .limit(bindparam("limit", type_=Integer))
    )


@cache
def _count_statement(dialect: str, *, unassigned: bool, search: bool, by_mac: bool) -> Select[int]:
    conditions = _conditions(dialect, unassigned=unassigned, search=search, by_mac=by_mac)
    return select(func.count(PHONES.c.id)).where(*conditions)


def _page_extras(
    connection: Connection, ids: list[int]
) -> dict[int, tuple[str | None, list[LineRecord]]]:
    """Each phone's unique ID and lines, by phone id."""
    extras: dict[int, tuple[str | None, list[LineRecord]]] = {}
    if ids:
        statement = _page_extras_statement(connection.dialect.name)
        for phone_id, uid, position, username, display_name in connection.execute(
            statement, {"ids": ids}
        ):
            lines = extras.setdefault(phone_id, (uid, []))[1]
            if username is not None:
                lines.append(LineRecord(username, position, display_name))
    return extras


_WALK_INDEXES = "SET LOCAL random_page_cost = 1.1"
"""The phones and their indexes are a few megabytes, read from memory: at the default cost of a
random page (4, a disk's seek), PostgreSQL sorts every unassigned phone for a deep page (6.5 ms
at 10,000) rather than walk the sort's index past the offset (2.2 ms). For this transaction."""


def list_phones(session: Session, query: PhoneQuery = PhoneQuery()) -> PhonePage:
    if query.offset < 0 or query.limit < 0:
        raise InvalidValue("offset and limit must not be negative", field="offset")
    connection = _reading(session)
    if connection.dialect.name == "postgresql" and not query.search:
        connection.exec_driver_sql(_WALK_INDEXES)
    params: dict[str, Any] = {"offset": query.offset, "limit": query.limit}
    mac_digits = None
    if query.search:
        mac_digits = _mac_digits(query.search)
        params["term"] = _like_pattern(query.search)
        params["uid_term"] = _like_pattern(query.search.upper())
        if mac_digits is not None:
            params["mac_term"] = mac_digits
    shape = {
        "unassigned": query.unassigned,
        "search": bool(query.search),
        "by_mac": mac_digits is not None,
    }
    page = _page_statement(connection.dialect.name, query.sort, **shape)
    rows = connection.execute(page, params).all()
    if rows:
        total: int = rows[0].total
    elif query.search and not query.offset:
        total = 0
    elif query.unassigned and not query.search:
        total = _counts(connection).unassigned
    else:  # paged past the last phone
        total = connection.scalar(_count_statement(connection.dialect.name, **shape), params) or 0
    extras = _page_extras(connection, [row.id for row in rows])
    loaded: list[_Loaded] = []
    for row in rows:
        uid, lines = extras.get(row.id, (None, []))
        loaded.append((cast(_PhoneColumns, row), uid, tuple(lines)))
    return PhonePage(items=_records(session, loaded), total=total)


@dataclass(frozen=True, slots=True)
class PhoneCounts:
    total: int
    unassigned: int


_COUNTS = select(_ALL_PHONES, _ASSIGNED_PHONES)


def _counts(connection: Connection) -> PhoneCounts:
    total, assigned = connection.execute(_COUNTS).one()
    return PhoneCounts(total=total, unassigned=total - assigned)


def count_phones(session: Session) -> PhoneCounts:
    return _counts(_reading(session))
