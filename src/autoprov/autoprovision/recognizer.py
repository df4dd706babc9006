"""Recognizes the REGISTER of an unassigned Polycom phone (DESIGN.md step 4).

Pure: reads the request and the binding the registrar made, returns a :class:`Sighting` or
raises :class:`NotASighting` with a short reason; never touches the database.
"""

from __future__ import annotations

import ipaddress
import re
import time

from autoprov.autoprovision.sighting import Sighting
from autoprov.config import AUTOPROVISION_USER
from autoprov.polycom.mac import InvalidMAC, normalize_mac
from autoprov.polycom.models import find_model
from autoprov.polycom.unique_id import is_unique_id
from autoprov.polycom.useragent import parse_user_agent
from autoprov.registrar.location import Binding
from autoprov.sip import Request, SIPError, SipURI, parse_uri

# reg.1.displayName="<ID>-<mac>" in the registration file: the phone echoes it in From.
_DISPLAY_NAME = re.compile(r"(?P<uid>[^-\s]+)-(?P<mac>[0-9A-Fa-f]{12})")


class NotASighting(Exception):
    """The REGISTER is not one the plugin acts on; ``reason`` is a short log key."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _ip_literal(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return None


def contact_ip(binding: Binding) -> str:
    """The phone's address from its Contact URI; the packet source when Contact has a name."""
    try:
        uri = parse_uri(binding.contact.strip().strip("<>"))
    except SIPError:
        uri = None
    if isinstance(uri, SipURI):
        found = _ip_literal(uri.host)
        if found is not None:
            return found
    return _ip_literal(binding.source_host) or binding.source_host


def read_sighting(request: Request, binding: Binding, now: float | None = None) -> Sighting:
    if binding.aor != AUTOPROVISION_USER:
        raise NotASighting("other-aor")
    agent = parse_user_agent(request.user_agent or "")
    if agent is None:
        raise NotASighting("not-polycom")
    if find_model(agent.model) is None:
        raise NotASighting("unknown-model")
    display = _DISPLAY_NAME.fullmatch((request.from_.display_name or "").strip())
    if display is None or not is_unique_id(display["uid"]):
        raise NotASighting("malformed-display-name")
    try:
        mac = normalize_mac(display["mac"])
    except InvalidMAC:
        raise NotASighting("malformed-display-name") from None
    if agent.mac is not None and agent.mac != mac:
        raise NotASighting("mac-mismatch")
    return Sighting(
        mac=mac,
        unique_id=display["uid"],
        model=agent.model,
        firmware=agent.version,
        ip=contact_ip(binding),
        seen_at=time.time() if now is None else now,
    )
