from __future__ import annotations

import pytest

from autoprov.polycom.files import PhoneFile, PhoneFileKind, is_site_file, parse_phone_file


@pytest.mark.parametrize(
    ("name", "kind", "mac"),
    [
        ("0004f282e824.cfg", PhoneFileKind.MASTER, "0004f282e824"),
        ("000000000000.cfg", PhoneFileKind.MASTER, "000000000000"),
        ("0004F282E824.cfg", PhoneFileKind.MASTER, "0004f282e824"),
        ("0004f282e824-phone.cfg", PhoneFileKind.PHONE_OVERRIDES, "0004f282e824"),
        ("0004f282e824-web.cfg", PhoneFileKind.WEB_OVERRIDES, "0004f282e824"),
        ("0004f282e824-license.cfg", PhoneFileKind.LICENSE, "0004f282e824"),
        ("000000000000-license.cfg", PhoneFileKind.LICENSE, "000000000000"),
        ("0004f282e824-directory.xml", PhoneFileKind.DIRECTORY, "0004f282e824"),
        ("000000000000-directory.xml", PhoneFileKind.DIRECTORY, "000000000000"),
        ("0004f282e824-calls.xml", PhoneFileKind.CALLS, "0004f282e824"),
        ("0004f282e824-boot.log", PhoneFileKind.BOOT_LOG, "0004f282e824"),
        ("0004f282e824-app.log", PhoneFileKind.APP_LOG, "0004f282e824"),
    ],
)
def test_names_a_phone_uses(name: str, kind: PhoneFileKind, mac: str) -> None:
    found = parse_phone_file(name)
    assert found == PhoneFile(kind, mac)
    assert found.name == name.lower()


@pytest.mark.parametrize(
    "name",
    [
        "sip.ld",
        "0004f282e82.cfg",
        "0004f282e8245.cfg",
        "0004f282e824-other.cfg",
        "0004f282e824-phone.xml",
        "0004f282e824.cfg.bak",
        "x0004f282e824.cfg",
        "0004f282e824-registration.cfg",
        "0004f282e824-profile.cfg",
    ],
)
def test_other_names_are_not_phone_files(name: str) -> None:
    assert parse_phone_file(name) is None


def test_site_files_use_the_all_zero_mac() -> None:
    assert is_site_file(PhoneFile(PhoneFileKind.DIRECTORY, "000000000000"))
    assert not is_site_file(PhoneFile(PhoneFileKind.DIRECTORY, "0004f282e824"))
