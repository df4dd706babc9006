"""What the inventory hands out: plain, immutable read shapes, detached from the database
session, so the API, the admin UI and the CLI can render them after the session is gone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime


def as_utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive times; everything stored is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class LineRecord:
    username: str
    position: int
    display_name: str


@dataclass(frozen=True, slots=True)
class SyncRecord:
    """The outcome of the last re-sync request (written by the check-sync notifier)."""

    status: str | None
    detail: str | None
    at: datetime | None


@dataclass(frozen=True, slots=True)
class PhoneRecord:
    mac: str
    model: str
    max_lines: int
    unique_id: str | None
    ip: str | None
    firmware: str | None
    description: str
    lines: tuple[LineRecord, ...]
    registered: bool
    last_seen: datetime | None
    created: datetime
    sync: SyncRecord


@dataclass(frozen=True, slots=True)
class PhonePage:
    items: list[PhoneRecord]
    total: int


@dataclass(frozen=True, slots=True)
class UserPhoneRecord:
    """A phone a user is on, seen from the user."""

    mac: str
    position: int


@dataclass(frozen=True, slots=True)
class UserRecord:
    username: str
    display_name: str
    has_password: bool
    phones: tuple[UserPhoneRecord, ...]
    created: datetime


@dataclass(frozen=True, slots=True)
class UserPage:
    items: list[UserRecord]
    total: int


@dataclass(frozen=True, slots=True)
class RegistrationRecord:
    """A current binding in the registrar's location service."""

    aor: str
    contact: str
    expires_at: datetime
    source: str
    transport: str
    user_agent: str
    display_name: str


@dataclass(frozen=True, slots=True)
class RegistrationPage:
    items: list[RegistrationRecord]
    total: int
