"""The names we serve, and what each one is (documented in docs/provisioning.md).

- ``000000000000.cfg``: the site master file.
- ``<mac>.cfg``: the master file of an assigned phone.
- ``autoprov/<mac>-registration.cfg``: the auto-provisioning registration (generated per request).
- ``<mac>-profile.cfg``: the lines of an assigned phone (credentials required).
- ``site.cfg``: site-wide settings.
- ``<mac>-{boot,app}.log`` (also under ``logs/``), ``<mac>-{phone,web}.cfg`` (also under
  ``overrides/``), ``<mac>-{directory,calls}.xml`` (also under ``contacts/``): phone uploads.
- Anything else comes from the firmware directory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from autoprov.polycom.files import PhoneFile, PhoneFileKind, is_site_file, parse_phone_file
from autoprov.polycom.master import MAC_PLACEHOLDER
from autoprov.provisioning.uploads import RULES

REGISTRATION_DIRECTORY = "autoprov"
SITE_FILE = "site.cfg"
UPLOAD_DIRECTORIES: dict[str, frozenset[PhoneFileKind]] = {
    "logs": frozenset({PhoneFileKind.BOOT_LOG, PhoneFileKind.APP_LOG}),
    "overrides": frozenset({PhoneFileKind.PHONE_OVERRIDES, PhoneFileKind.WEB_OVERRIDES}),
    "contacts": frozenset({PhoneFileKind.DIRECTORY, PhoneFileKind.CALLS}),
}

_REGISTRATION = re.compile(r"(?P<mac>[0-9a-fA-F]{12})-registration\.cfg")
_PROFILE = re.compile(r"(?P<mac>[0-9a-fA-F]{12})-profile\.cfg")


class Target(Enum):
    SITE_MASTER = "site-master"
    PHONE_MASTER = "phone-master"
    REGISTRATION = "registration"
    PROFILE = "profile"
    SITE = "site"
    UPLOADED = "uploaded"
    STATIC = "static"


@dataclass(frozen=True, slots=True)
class Route:
    target: Target
    mac: str | None = None
    phone_file: PhoneFile | None = None


def profile_name(mac: str) -> str:
    return f"{mac}-profile.cfg"


def registration_url(base_url: str) -> str:
    """The registration file as CONFIG_FILES names it: absolute, so that it is fetched over
    HTTP even when the master file came over FTP or TFTP."""
    return f"{base_url}/{REGISTRATION_DIRECTORY}/{MAC_PLACEHOLDER}-registration.cfg"


def route(segments: tuple[str, ...]) -> Route:
    *parents, name = segments or ("",)
    if not parents:
        if name == SITE_FILE:
            return Route(Target.SITE)
        if (match := _PROFILE.fullmatch(name)) is not None:
            return Route(Target.PROFILE, match["mac"].lower())
    if parents == [REGISTRATION_DIRECTORY] and (match := _REGISTRATION.fullmatch(name)):
        return Route(Target.REGISTRATION, match["mac"].lower())
    phone_file = parse_phone_file(name)
    if phone_file is None or len(parents) > 1:
        return Route(Target.STATIC)
    is_master = phone_file.kind is PhoneFileKind.MASTER
    if is_site_file(phone_file):
        return Route(Target.SITE_MASTER if is_master and not parents else Target.STATIC)
    if is_master:
        return Route(Target.PHONE_MASTER if not parents else Target.STATIC, phone_file.mac)
    upload_kinds = UPLOAD_DIRECTORIES.get(parents[0], frozenset()) if parents else RULES.keys()
    if phone_file.kind in upload_kinds:
        return Route(Target.UPLOADED, phone_file.mac, phone_file)
    return Route(Target.STATIC, phone_file.mac, phone_file)
