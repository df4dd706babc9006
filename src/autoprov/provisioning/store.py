"""What the provisioning server reads from and writes to the inventory's database.

These calls are synchronous and short. Async code runs them in a worker thread.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import BindParameter, Engine, bindparam, exists, func, select, update
from sqlalchemy.orm import Session

from autoprov.config import AUTOPROVISION_USER, Settings
from autoprov.inventory.site import SiteSettings, load_site_settings
from autoprov.inventory.unique_ids import claim_unique_id
from autoprov.storage.models import LINES, PHONES, USERS, Line, Phone, User

# A Core statement, one round trip whether or not the phone has lines: every <mac>.cfg request
# runs it (twice per boot), so the ORM's identity map and per-relationship loads are skipped.
_PHONE_WITH_LINES = (
    select(
        PHONES.c.model,
        LINES.c.position,
        USERS.c.username,
        USERS.c.password,
        USERS.c.display_name,
    )
    .select_from(
        PHONES.outerjoin(LINES, LINES.c.phone_id == PHONES.c.id).outerjoin(
            USERS, USERS.c.id == LINES.c.user_id
        )
    )
    .where(PHONES.c.mac == bindparam("mac"))
    .order_by(LINES.c.position)
)


@dataclass(frozen=True, slots=True)
class SiteSnapshot:
    site: SiteSettings
    autoprovision_password: str
    unassigned_phones: int


@dataclass(frozen=True, slots=True)
class LineAccount:
    position: int
    username: str
    password: str
    display_name: str


@dataclass(frozen=True, slots=True)
class PhoneAccounts:
    """A phone in the inventory and the accounts of its lines, by position."""

    mac: str
    model: str
    lines: tuple[LineAccount, ...]


@dataclass(frozen=True, slots=True)
class Sighting:
    mac: str
    ip: str
    at: datetime
    firmware: str | None


class Store:
    def __init__(self, engine: Engine, settings: Settings) -> None:
        self._engine = engine
        self._settings = settings

    def snapshot(self) -> SiteSnapshot:
        with Session(self._engine) as session, session.begin():
            site = load_site_settings(session, self._settings)
            password = session.scalar(
                select(User.password).where(User.username == AUTOPROVISION_USER)
            )
            has_line = exists().where(Line.phone_id == Phone.id)
            unassigned = session.scalar(select(func.count(Phone.id)).where(~has_line)) or 0
        if password is None:
            raise LookupError(f"the {AUTOPROVISION_USER} user is missing: run the bootstrap")
        return SiteSnapshot(site, password, unassigned)

    def phone(self, mac: str) -> PhoneAccounts | None:
        with self._engine.connect() as connection:
            rows = connection.execute(_PHONE_WITH_LINES, {"mac": mac}).all()
        if not rows:
            return None
        lines = tuple(
            LineAccount(position, username, password, display_name)
            for _, position, username, password, display_name in rows
            if position is not None
        )
        return PhoneAccounts(mac, rows[0].model, lines)

    def reserve_unique_id(self, mac: str) -> str:
        """Asked by the registration file, which only unassigned phones fetch: mostly phones
        seen for the first time, for which the insert alone settles it."""
        with Session(self._engine) as session, session.begin():
            return claim_unique_id(session, mac)

    def record_sightings(self, sightings: Iterable[Sighting]) -> None:
        """Last seen time and address of phones already in the inventory (others are skipped
        by the WHERE clause); the firmware only where a sighting carries one."""
        with_firmware: list[dict[str, object]] = []
        without: list[dict[str, object]] = []
        for seen in sightings:
            row = {"m": seen.mac, "v_ip": seen.ip, "v_at": seen.at, "v_fw": seen.firmware}
            (with_firmware if seen.firmware else without).append(row)
        statement = update(Phone).where(Phone.mac == bindparam("m"))
        seen_values: dict[str, BindParameter[object]] = {
            "ip": bindparam("v_ip"),
            "last_seen_at": bindparam("v_at"),
        }
        with self._engine.begin() as connection:
            if without:
                connection.execute(statement.values(**seen_values), without)
            if with_firmware:
                values = {**seen_values, "firmware": bindparam("v_fw")}
                connection.execute(statement.values(**values), with_firmware)
