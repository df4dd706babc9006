"""Checks for every value the inventory accepts, shared by the API, the admin UI and the CLI.

The patterns are also published in the API's OpenAPI document, so a client can see exactly
what is accepted; the checks here are the ones enforced, with messages a person can act on.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import UTC, datetime

from autoprov.inventory.errors import InvalidValue
from autoprov.polycom.mac import normalize_mac
from autoprov.polycom.models import PhoneModel, all_models, find_model

MAC_PATTERN = r"^[-:. ]*(?:[0-9A-Fa-f][-:. ]*){12}$"
"""12 hex digits, with any of ``: - .`` or spaces between them."""
LINE_PATTERN = r"^[^\x00-\x1f\x7f]*$"
"""One line of text: no control characters (they break logs and phone configurations)."""
USERNAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._+-]*$"
"""An extension or SIP user name; ``~`` stays reserved for system identities."""

USERNAME_MAX = 64
PASSWORD_MIN = 8
PASSWORD_MAX = 128
DISPLAY_NAME_MAX = 128
DESCRIPTION_MAX = 1024
FIRMWARE_MAX = 64
IP_MAX = 64

_MAC = re.compile(MAC_PATTERN)
_LINE = re.compile(LINE_PATTERN)
_USERNAME = re.compile(USERNAME_PATTERN)


def check_mac(value: str, field: str = "mac") -> str:
    """12 lowercase hex digits, from any usual spelling."""
    if not _MAC.fullmatch(value):
        raise InvalidValue(f"not a MAC address: {value!r} (expected 12 hex digits)", field=field)
    return normalize_mac(value)


def check_model(value: str) -> PhoneModel:
    found = find_model(value)
    if found is None:
        known = ", ".join(sorted(all_models()))
        raise InvalidValue(f"unknown model {value!r}; known models: {known}", field="model")
    return found


def check_line(value: str, field: str, max_length: int) -> str:
    if len(value) > max_length:
        raise InvalidValue(f"{field} is longer than {max_length} characters", field=field)
    if not _LINE.fullmatch(value):
        raise InvalidValue(f"{field} must not contain control characters", field=field)
    return value


def check_ip(value: str) -> str:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise InvalidValue(f"not an IP address: {value!r}", field="ip") from None


def check_username(value: str) -> str:
    if not 0 < len(value) <= USERNAME_MAX or not _USERNAME.fullmatch(value):
        raise InvalidValue(
            f"not a valid username: {value!r} (letters, digits and . _ + -, "
            f"at most {USERNAME_MAX} characters, starting with a letter or digit)",
            field="username",
        )
    return value


def check_password(value: str) -> str:
    if len(value) < PASSWORD_MIN:
        raise InvalidValue(f"password is shorter than {PASSWORD_MIN} characters", field="password")
    return check_line(value, "password", PASSWORD_MAX)


def check_timestamp(value: datetime) -> datetime:
    """An aware UTC time; a naive one is taken as UTC. A time whose UTC reading falls outside
    years 1 to 9999 (only possible at the very edges, with an offset) is clamped to the edge."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        edge = datetime.min if value.year == 1 else datetime.max
        return edge.replace(tzinfo=UTC)


PATTERN_HINTS = {
    MAC_PATTERN: "not a MAC address (expected 12 hex digits, e.g. 00:04:f2:aa:bb:cc)",
    LINE_PATTERN: "must not contain control characters",
    USERNAME_PATTERN: "letters, digits and . _ + -, starting with a letter or digit",
}
"""How to word a value that fails one of the patterns above."""
