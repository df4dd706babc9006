"""Whether phones are registered, read from the bindings the registrar writes behind.

A phone counts as registered when an unexpired binding exists either for one of its line users
(from the phone's own address, when the inventory knows it) or for the auto-provisioning
identity with a From display name ending in ``-<mac>`` (DESIGN.md step 3).
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Exists,
    Select,
    Text,
    and_,
    bindparam,
    exists,
    func,
    inspect,
    literal_column,
    or_,
    select,
)
from sqlalchemy.orm import Session

from autoprov.config import AUTOPROVISION_USER
from autoprov.inventory.records import RegistrationPage, RegistrationRecord
from autoprov.inventory.sql import among
from autoprov.storage.models import BINDINGS, DISPLAYED_MAC, Binding, Line, Phone, User

# ``sip:1001@192.0.2.10:5060;transport=udp`` -> ``192.0.2.10``; ``[2001:db8::1]`` -> inner.
_CONTACT_HOST = re.compile(r"sips?:(?:[^@;>]*@)?(?:\[(?P<v6>[^\]]+)\]|(?P<host>[^:;>]+))")


def _source_host(source: str) -> str:
    """``192.0.2.10:5060`` or ``[2001:db8::1]:5060`` (or a bare host) -> the host."""
    if source.startswith("["):
        return source[1:].split("]", 1)[0]
    host, sep, port = source.rpartition(":")
    if sep and port.isdigit() and ":" not in host:
        return host
    return source


def _hosts(source: str, contact: str) -> set[str]:
    hosts = {_source_host(source)}
    match = _CONTACT_HOST.search(contact)
    if match is not None:
        hosts.add(match["v6"] or match["host"])
    return hosts


def binding_hosts(binding: Binding) -> set[str]:
    """The addresses a binding came from: the packet's source and the Contact's host, which
    differ behind NAT (the inventory's ``ip`` is the Contact's)."""
    return _hosts(binding.source, binding.contact)


def _now(now: float | None) -> float:
    return time.time() if now is None else now


def _line_usernames(session: Session, phones: Sequence[Phone]) -> dict[str, set[str]]:
    """Each phone's line usernames: from its lines when loaded, else in one query."""
    usernames: dict[str, set[str]] = {}
    unloaded: list[int] = []
    for phone in phones:
        if "lines" in inspect(phone).unloaded:
            unloaded.append(phone.id)
        else:
            usernames[phone.mac] = {line.user.username for line in phone.lines}
    if unloaded:
        rows = session.execute(
            select(Phone.mac, User.username)
            .join(Line, Line.phone_id == Phone.id)
            .join(User, User.id == Line.user_id)
            .where(Phone.id.in_(unloaded))
        )
        for mac, username in rows:
            usernames.setdefault(mac, set()).add(username)
    return usernames


@dataclass(frozen=True, slots=True)
class PhoneAddress:
    """What tells whether a phone is registered: its MAC, its address and its line users."""

    mac: str
    ip: str | None
    usernames: frozenset[str]


_LIVE = select(
    BINDINGS.c.aor, BINDINGS.c.display_name, BINDINGS.c.source, BINDINGS.c.contact
).where(BINDINGS.c.expires_at > bindparam("now"))
# The display name's last 12 characters (a MAC's length), compared with a list of MACs: one
# statement, compiled once, for any number of phones (a LIKE per phone made a new one each time).
# The very expression of the index (migration 0004): as SQL text, so that its ``11`` stays a
# literal; as a bound parameter, neither database would match the index.
_DISPLAYED_MAC = literal_column(DISPLAYED_MAC, Text)
_MAC_LENGTH = 12


def _autoprovisioned(displayed: ColumnElement[bool]) -> ColumnElement[bool]:
    """Bindings of the auto-provisioning identity whose From display name is ``<ID>-<mac>`` (or
    the MAC alone), for the MACs ``displayed`` (a condition on ``_DISPLAYED_MAC``) accepts."""
    name = BINDINGS.c.display_name
    return and_(
        BINDINGS.c.aor == AUTOPROVISION_USER,
        displayed,
        or_(
            func.length(name) == _MAC_LENGTH,
            func.substr(name, func.length(name) - _MAC_LENGTH, 1) == "-",
        ),
    )


def showing(mac: str) -> ColumnElement[bool]:
    """Bindings of the auto-provisioning identity that display ``mac`` (found through the index
    of migration 0004)."""
    displayed: ColumnElement[str] = _DISPLAYED_MAC
    return _autoprovisioned(displayed == mac)


def autoprovisioned(mac: ColumnElement[str]) -> Exists:
    """Whether an unexpired binding of the auto-provisioning identity displays ``mac`` (the time
    bound as ``now``): for a phone without lines, whether it is registered."""
    return exists().where(
        _autoprovisioned(mac == _DISPLAYED_MAC), BINDINGS.c.expires_at > bindparam("now")
    )


@cache
def _live_bindings(dialect: str, *, of_users: bool) -> Select[Any]:
    """Unexpired bindings of the auto-provisioning identity displaying one of ``macs`` and,
    ``of_users``, those of the addresses of record ``aors``."""
    autoprovisioned = _autoprovisioned(among(_DISPLAYED_MAC, "macs", dialect))
    if not of_users:
        return _LIVE.where(autoprovisioned)
    return _LIVE.where(or_(autoprovisioned, among(BINDINGS.c.aor, "aors", dialect)))


def registered_among(
    session: Session, phones: Sequence[PhoneAddress], now: float | None = None
) -> set[str]:
    """The MACs, among ``phones``, that are registered now, in one query for any number."""
    if not phones:
        return set()
    by_mac = {phone.mac: phone for phone in phones}
    owners: dict[str, set[str]] = {}
    for phone in phones:
        for username in phone.usernames:
            owners.setdefault(username, set()).add(phone.mac)
    params: dict[str, Any] = {"now": _now(now), "macs": list(by_mac)}
    if owners:
        params["aors"] = list(owners)
    connection = session.connection()
    statement = _live_bindings(connection.dialect.name, of_users=bool(owners))
    rows = connection.execute(statement, params)
    found: set[str] = set()
    for aor, display_name, source, contact in rows:
        if aor == AUTOPROVISION_USER:
            found.add(display_name[-_MAC_LENGTH:])
            continue
        for mac in owners.get(aor, ()):
            ip = by_mac[mac].ip
            if ip is None or ip in _hosts(source, contact):
                found.add(mac)
    return found & set(by_mac)


def registered_macs(
    session: Session, phones: Sequence[Phone], now: float | None = None
) -> set[str]:
    """The MACs, among ``phones``, that are registered now (one more query if their lines
    are not loaded)."""
    usernames = _line_usernames(session, phones)
    addresses = [
        PhoneAddress(phone.mac, phone.ip, frozenset(usernames.get(phone.mac, ())))
        for phone in phones
    ]
    return registered_among(session, addresses, now)


def is_registered(session: Session, phone: Phone, now: float | None = None) -> bool:
    return phone.mac in registered_macs(session, [phone], now)


def _record(binding: Binding) -> RegistrationRecord:
    return RegistrationRecord(
        aor=binding.aor,
        contact=binding.contact,
        expires_at=datetime.fromtimestamp(binding.expires_at, UTC),
        source=binding.source,
        transport=binding.transport,
        user_agent=binding.user_agent,
        display_name=binding.display_name,
    )


def list_registrations(
    session: Session,
    *,
    aor: str | None = None,
    offset: int = 0,
    limit: int = 50,
    now: float | None = None,
) -> RegistrationPage:
    """Unexpired bindings by address of record, optionally for one address of record only."""
    conditions = [Binding.expires_at > _now(now)]
    if aor is not None:
        conditions.append(Binding.aor == aor)
    total = session.scalar(select(func.count()).select_from(Binding).where(*conditions)) or 0
    rows = session.scalars(
        select(Binding)
        .where(*conditions)
        .order_by(Binding.aor, Binding.id)
        .offset(offset)
        .limit(limit)
    )
    return RegistrationPage(items=[_record(row) for row in rows], total=total)
