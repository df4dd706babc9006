"""CSV import and export of users, each optionally on a phone: one line per user and phone.

Columns: ``username,password,display_name,mac,model`` (``mac`` and ``model`` may be empty or
absent). An import is all or nothing: every row is checked and applied in the caller's one
transaction, every bad row is reported with its row number (the header is row 1), and the
caller commits only when there is none.

An empty cell leaves a value as it is: an existing user keeps its password and display name,
a new user with no password gets a generated one (reported once, in the result).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from autoprov.inventory.errors import Conflict, InvalidValue, InventoryError, NotFound
from autoprov.inventory.lines import first_free_position
from autoprov.inventory.phones import create_phone
from autoprov.inventory.sql import among
from autoprov.inventory.users import generate_password, insert_user, post_credentials_changed
from autoprov.inventory.validation import (
    DISPLAY_NAME_MAX,
    check_line,
    check_mac,
    check_password,
    check_username,
)
from autoprov.storage.models import LINES, PHONES, USERS, Line, Phone, User, utcnow

COLUMNS = ("username", "password", "display_name", "mac", "model")
REQUIRED = frozenset({"username"})


@dataclass(frozen=True, slots=True)
class CsvRow:
    number: int
    """The row's line in the file (the header is row 1)."""
    username: str
    password: str
    display_name: str
    mac: str
    model: str


@dataclass(frozen=True, slots=True)
class RowError:
    row: int
    field: str | None
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}" + (f", {self.field}" if self.field else "")
        return f"{where}: {self.message}"


@dataclass
class ImportResult:
    rows: int = 0
    users_created: int = 0
    users_updated: int = 0
    phones_created: int = 0
    lines_assigned: int = 0
    generated_passwords: dict[str, str] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    resync: list[str] = field(default_factory=list)
    """Phones that got a line: to re-sync once the import is committed."""


class CsvFormatError(ValueError):
    """The file as a whole is unusable (no header, unknown columns)."""


def read_rows(stream: IO[str]) -> tuple[list[CsvRow], list[RowError]]:
    """Every data row, and the rows too malformed to consider (wrong number of cells)."""
    reader = csv.DictReader(stream)
    header = reader.fieldnames
    if not header:
        raise CsvFormatError("the file is empty; expected a header: " + ",".join(COLUMNS))
    names = [name.strip() for name in header]
    unknown = [name for name in names if name not in COLUMNS]
    missing = REQUIRED - set(names)
    if unknown or missing:
        problems = [f"unknown column(s) {', '.join(unknown)}"] if unknown else []
        problems += [f"missing column(s) {', '.join(sorted(missing))}"] if missing else []
        raise CsvFormatError(
            f"row 1: {'; '.join(problems)}; expected the header {','.join(COLUMNS)}"
        )
    reader.fieldnames = names
    rows: list[CsvRow] = []
    errors: list[RowError] = []
    for raw in reader:
        number = reader.line_num
        if None in raw:
            errors.append(RowError(number, None, f"more than {len(names)} cells"))
            continue
        cells = {name: (raw.get(name) or "").strip() for name in COLUMNS}
        rows.append(CsvRow(number=number, **cells))
    return rows, errors


@dataclass
class _Seen:
    password: str
    display_name: str
    row: int


@dataclass
class _UserState:
    id: int
    password: str
    display_name: str


@dataclass
class _PhoneState:
    id: int
    model: str
    lines: dict[int, int]
    """User id by line position."""


_CHUNK = 1000
"""Names or MACs per look-up statement (SQLite binds a parameter for each)."""


class _Importer:
    """Applies the rows in order against what it read up front of the users and phones the
    file names (a few statements for the whole file), each change one Core statement. Loading
    users and phones with their lines row by row through the unit of work made an import of
    10,000 phones take a minute, all of it holding SQLite's one write lock."""

    def __init__(self, session: Session, result: ImportResult, rows: Sequence[CsvRow]) -> None:
        self.session = session
        self.connection = session.connection()
        self.result = result
        self.seen: dict[str, _Seen] = {}
        self.resync: set[str] = set()
        self.users = self._read_users({row.username for row in rows})
        self.phones = self._read_phones({mac for row in rows if (mac := _mac_or_none(row.mac))})

    def _read_users(self, names: set[str]) -> dict[str, _UserState]:
        among_names = among(USERS.c.username, "names", self.connection.dialect.name)
        statement = select(
            USERS.c.id, USERS.c.username, USERS.c.password, USERS.c.display_name
        ).where(among_names, USERS.c.is_system.is_(False))
        found: dict[str, _UserState] = {}
        for chunk in _chunks(names):
            for user_id, username, password, display_name in self.connection.execute(
                statement, {"names": chunk}
            ):
                found[username] = _UserState(user_id, password, display_name)
        return found

    def _read_phones(self, macs: set[str]) -> dict[str, _PhoneState]:
        dialect = self.connection.dialect.name
        phones = select(PHONES.c.id, PHONES.c.mac, PHONES.c.model).where(
            among(PHONES.c.mac, "macs", dialect)
        )
        lines = select(LINES.c.phone_id, LINES.c.position, LINES.c.user_id).where(
            among(LINES.c.phone_id, "ids", dialect)
        )
        found: dict[str, _PhoneState] = {}
        by_id: dict[int, _PhoneState] = {}
        for chunk in _chunks(macs):
            for phone_id, mac, model in self.connection.execute(phones, {"macs": chunk}):
                found[mac] = by_id[phone_id] = _PhoneState(phone_id, model, {})
        for chunk in _chunks(by_id):
            for phone_id, position, user_id in self.connection.execute(lines, {"ids": chunk}):
                by_id[phone_id].lines[position] = user_id
        return found

    def apply(self, row: CsvRow) -> None:
        username = check_username(row.username)
        self._check_consistent(row)
        self._apply_user(row, username)
        if row.mac:
            self._apply_line(row, username)
        elif row.model:
            raise InvalidValue("a model without a MAC", field="model")

    def _check_consistent(self, row: CsvRow) -> None:
        """The same user on several rows (several phones) must say the same thing each time."""
        earlier = self.seen.get(row.username)
        if earlier is None:
            self.seen[row.username] = _Seen(row.password, row.display_name, row.number)
            return
        for name in ("password", "display_name"):
            given, before = getattr(row, name), getattr(earlier, name)
            if given and before and given != before:
                raise Conflict(f"differs from row {earlier.row} for the same user", field=name)

    def _apply_user(self, row: CsvRow, username: str) -> None:
        if self.seen[username].row != row.number:
            return
        user = self.users.get(username)
        if user is None:
            password = row.password or generate_password()
            user_id = insert_user(self.session, username, password, row.display_name)
            self.users[username] = _UserState(user_id, password, row.display_name)
            if not row.password:
                self.result.generated_passwords[username] = password
            self.result.users_created += 1
            return
        changes: dict[str, str] = {}
        if row.password and row.password != user.password:
            changes["password"] = check_password(row.password)
        if row.display_name and row.display_name != user.display_name:
            changes["display_name"] = check_line(row.display_name, "display_name", DISPLAY_NAME_MAX)
        if changes:
            self.connection.execute(
                update(USERS).where(USERS.c.id == user.id).values(**changes, updated_at=utcnow())
            )
            post_credentials_changed(self.session)
            user.password = changes.get("password", user.password)
            user.display_name = changes.get("display_name", user.display_name)
            self.result.users_updated += 1

    def _apply_line(self, row: CsvRow, username: str) -> None:
        mac = check_mac(row.mac)
        phone = self.phones.get(mac)
        if phone is None:
            if not row.model:
                raise InvalidValue(
                    f"phone {mac} is not in the inventory: give its model", field="model"
                )
            created, _ = create_phone(self.session, mac, row.model)
            phone_id = self.connection.scalar(select(PHONES.c.id).where(PHONES.c.mac == mac))
            assert phone_id is not None
            phone = self.phones[mac] = _PhoneState(phone_id, created.model, {})
            self.result.phones_created += 1
        if row.model and row.model != phone.model:
            raise Conflict(f"phone {mac} is a {phone.model}, not a {row.model}", field="model")
        user = self.users.get(username)
        if user is None:  # its own row failed
            raise NotFound(f"no user {username!r}", field="username")
        if user.id in phone.lines.values():
            return
        position = first_free_position(mac, phone.model, phone.lines)
        self.connection.execute(
            insert(LINES).values(phone_id=phone.id, user_id=user.id, position=position)
        )
        phone.lines[position] = user.id
        self.result.lines_assigned += 1
        if mac not in self.resync:
            self.resync.add(mac)
            self.result.resync.append(mac)


def _chunks(values: Iterable[Any]) -> Iterator[list[Any]]:
    ordered = sorted(values)
    for start in range(0, len(ordered), _CHUNK):
        yield ordered[start : start + _CHUNK]


def _mac_or_none(text: str) -> str | None:
    try:
        return check_mac(text) if text else None
    except InventoryError:
        return None


def import_rows(
    session: Session,
    rows: Iterable[CsvRow],
    *,
    malformed: Iterable[RowError] = (),
    on_row: Callable[[CsvRow], None] | None = None,
) -> ImportResult:
    """Apply the rows in ``session``'s transaction and report, with the ``malformed`` rows
    :func:`read_rows` set aside, in row order. The caller commits when ``result.errors`` is
    empty (and this is no dry run), and rolls back otherwise."""
    rows = list(rows)
    result = ImportResult(errors=list(malformed))
    importer = _Importer(session, result, rows)
    for row in rows:
        result.rows += 1
        try:
            importer.apply(row)
        except InventoryError as exc:
            result.errors.append(RowError(row.number, exc.field, exc.message))
        except SQLAlchemyError as exc:
            # The transaction is unusable from here: report where it broke and stop.
            message = str(exc).splitlines()[0]
            result.errors.append(RowError(row.number, None, f"database refused: {message}"))
            break
        finally:
            if on_row is not None:
                on_row(row)
    result.errors.sort(key=lambda error: error.row)
    return result


def export_rows(session: Session) -> Iterator[dict[str, str]]:
    """Every user (the system user excepted), once per phone it is on, or once with no phone."""
    query = (
        select(User.username, User.password, User.display_name, Phone.mac, Phone.model)
        .outerjoin(Line, Line.user_id == User.id)
        .outerjoin(Phone, Phone.id == Line.phone_id)
        .where(User.is_system.is_(False))
        .order_by(User.username, Phone.mac)
    )
    for username, password, display_name, mac, model in session.execute(query):
        yield {
            "username": username,
            "password": password,
            "display_name": display_name,
            "mac": mac or "",
            "model": model or "",
        }


def write_csv(stream: IO[str], rows: Iterable[dict[str, str]]) -> int:
    writer = csv.DictWriter(stream, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    return count
