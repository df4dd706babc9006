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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from autoprov.inventory.errors import Conflict, InvalidValue, InventoryError, NotFound
from autoprov.inventory.keep import KEEP
from autoprov.inventory.lines import assign_line
from autoprov.inventory.phones import create_phone, get_phone
from autoprov.inventory.users import create_user, generate_password, get_user, update_user
from autoprov.inventory.validation import check_mac, check_username
from autoprov.storage.models import Line, Phone, User

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


class _Importer:
    def __init__(self, session: Session, result: ImportResult) -> None:
        self.session = session
        self.result = result
        self.seen: dict[str, _Seen] = {}

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
        if username in self.seen and self.seen[username].row != row.number:
            return
        try:
            get_user(self.session, username)
        except NotFound:
            password = row.password or generate_password()
            if not row.password:
                self.result.generated_passwords[username] = password
            create_user(self.session, username, password, row.display_name)
            self.result.users_created += 1
            return
        if row.password or row.display_name:
            update_user(
                self.session,
                username,
                password=row.password or KEEP,
                display_name=row.display_name or KEEP,
            )
            self.result.users_updated += 1

    def _apply_line(self, row: CsvRow, username: str) -> None:
        mac = check_mac(row.mac)
        try:
            phone = get_phone(self.session, mac)
        except NotFound:
            if not row.model:
                raise InvalidValue(
                    f"phone {mac} is not in the inventory: give its model", field="model"
                ) from None
            phone, _ = create_phone(self.session, mac, row.model)
            self.result.phones_created += 1
        if row.model and row.model != phone.model:
            raise Conflict(f"phone {mac} is a {phone.model}, not a {row.model}", field="model")
        if any(line.username == username for line in phone.lines):
            return
        assign_line(self.session, mac, username)
        self.result.lines_assigned += 1
        if mac not in self.result.resync:
            self.result.resync.append(mac)


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
    result = ImportResult(errors=list(malformed))
    importer = _Importer(session, result)
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
