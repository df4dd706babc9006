"""The per-phone file names a Polycom asks for or uploads (POLYCOM.md section 1.4).

``<mac>`` is 12 hex digits; phones send it lowercase, Polycom documents either case, so both
are accepted and the MAC comes back normalized.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from autoprov.polycom.mac import MASTER_MAC


class PhoneFileKind(Enum):
    MASTER = "cfg"
    """``<mac>.cfg``; with the all-zero MAC, ``000000000000.cfg``, the site master file."""
    PHONE_OVERRIDES = "phone.cfg"
    """Settings changed on the phone's own menus, uploaded to OVERRIDES_DIRECTORY."""
    WEB_OVERRIDES = "web.cfg"
    """Settings changed in the phone's web UI, uploaded to OVERRIDES_DIRECTORY."""
    LICENSE = "license.cfg"
    DIRECTORY = "directory.xml"
    """Contacts, uploaded to CONTACTS_DIRECTORY; the all-zero MAC names the site directory."""
    CALLS = "calls.xml"
    BOOT_LOG = "boot.log"
    APP_LOG = "app.log"


@dataclass(frozen=True, slots=True)
class PhoneFile:
    kind: PhoneFileKind
    mac: str

    @property
    def name(self) -> str:
        if self.kind is PhoneFileKind.MASTER:
            return f"{self.mac}.cfg"
        return f"{self.mac}-{self.kind.value}"


_BY_SUFFIX = {kind.value: kind for kind in PhoneFileKind if kind is not PhoneFileKind.MASTER}
_NAME = re.compile(r"(?P<mac>[0-9a-fA-F]{12})(?:\.cfg|-(?P<suffix>[a-z]+\.(?:cfg|xml|log)))")

APPLICATION_ONLY = frozenset(
    {
        PhoneFileKind.PHONE_OVERRIDES,
        PhoneFileKind.WEB_OVERRIDES,
        PhoneFileKind.LICENSE,
        PhoneFileKind.DIRECTORY,
        PhoneFileKind.APP_LOG,
    }
)
"""Files only the application (never the BootROM or updater) requests, so the version in the
User-Agent of such a request is the application's (POLYCOM.md 1.4, after Wazo)."""


def parse_phone_file(name: str) -> PhoneFile | None:
    """``0004F2AABBCC-app.log`` -> ``PhoneFile(APP_LOG, "0004f2aabbcc")``; None otherwise."""
    match = _NAME.fullmatch(name)
    if match is None:
        return None
    suffix = match["suffix"]
    kind = PhoneFileKind.MASTER if suffix is None else _BY_SUFFIX.get(suffix)
    if kind is None:
        return None
    return PhoneFile(kind, match["mac"].lower())


def is_site_file(phone_file: PhoneFile) -> bool:
    """Whether the name uses the all-zero MAC: the site-wide master, license or directory."""
    return phone_file.mac == MASTER_MAC
