"""Where a phone can be reached: the contacts it registered, read from the ``bindings`` table
the registrar writes behind.

A phone's bindings are those of its line users (from the phone's own address when the
inventory knows it: a user may also be registered on a softphone), its auto-provisioning
binding (From display name ``<ID>-<mac>``), and, when its address is known, any other binding
a Polycom sent from that address: after a line is taken away the phone is still registered as
that user, and must hear about it. One NOTIFY goes to each distinct destination.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from autoprov.config import AUTOPROVISION_USER
from autoprov.inventory.registrations import binding_hosts, showing
from autoprov.polycom.useragent import parse_user_agent
from autoprov.sip import SIPError, SipURI, parse_uri
from autoprov.storage.models import Binding, Line, Phone, User

DEFAULT_SIP_PORT = 5060


@dataclass(frozen=True, slots=True)
class Target:
    """One NOTIFY to send: the Request-URI and where the datagram or connection goes."""

    uri: str
    transport: str
    """``udp`` or ``tcp``."""
    host: str
    port: int

    @property
    def address(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


def _source(binding: Binding) -> tuple[str, int] | None:
    host, _, port = binding.source.rpartition(":")
    if not port.isdigit():
        return None
    return host.strip("[]"), int(port)


def target_for(binding: Binding) -> Target | None:
    """Over UDP, to where the REGISTER came from: that is the address that crosses a NAT.
    Over TCP, a connection of our own to the Contact address (the registrar's connection is
    in another process). TLS contacts are out of reach: they need the registrar's identity."""
    transport = binding.transport.lower()
    try:
        uri = parse_uri(binding.contact.strip().strip("<>"))
    except SIPError:
        return None
    if not isinstance(uri, SipURI) or uri.scheme != "sip":
        return None
    if transport == "udp":
        source = _source(binding)
        if source is None:
            return None
        host, port = source
    elif transport == "tcp":
        host, port = uri.host.strip("[]"), uri.port or DEFAULT_SIP_PORT
    else:
        return None
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return None
    return Target(uri=str(uri), transport=transport, host=host, port=port)


def _from_this_phone(binding: Binding, mac: str) -> bool:
    agent = parse_user_agent(binding.user_agent)
    return agent is not None and agent.mac in (None, mac)


def find_targets(session: Session, phone: Phone, now: float) -> list[Target]:
    line_users = set(
        session.scalars(
            select(User.username)
            .join(Line, Line.user_id == User.id)
            .where(Line.phone_id == phone.id)
        )
    )
    # Each part has an index (address of record and displayed MAC, address of record, source
    # host): a re-sync reads the phone's bindings, not every binding of the site.
    wanted: list[ColumnElement[bool]] = [showing(phone.mac)]
    if line_users:
        wanted.append(Binding.aor.in_(line_users))
    if phone.ip:
        wanted.append((Binding.aor != AUTOPROVISION_USER) & (Binding.source_host == phone.ip))
    rows = session.scalars(select(Binding).where(Binding.expires_at > now, or_(*wanted)))
    found: dict[tuple[str, str, int], Target] = {}
    for binding in rows:
        if binding.aor != AUTOPROVISION_USER:
            if phone.ip and phone.ip not in binding_hosts(binding):
                continue
            if binding.aor not in line_users and not _from_this_phone(binding, phone.mac):
                continue
        target = target_for(binding)
        if target is not None:
            found.setdefault((target.transport, target.host, target.port), target)
    return list(found.values())
