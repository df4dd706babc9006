from __future__ import annotations

import pytest

from autoprov.polycom.files import PhoneFile, PhoneFileKind
from autoprov.provisioning.routes import Route, Target, registration_url, route

MAC = "0004f2aabbcc"


@pytest.mark.parametrize(
    ("segments", "expected"),
    [
        (("000000000000.cfg",), Route(Target.SITE_MASTER)),
        ((f"{MAC}.cfg",), Route(Target.PHONE_MASTER, MAC)),
        (("0004F2AABBCC.cfg",), Route(Target.PHONE_MASTER, MAC)),
        (("autoprov", f"{MAC}-registration.cfg"), Route(Target.REGISTRATION, MAC)),
        ((f"{MAC}-profile.cfg",), Route(Target.PROFILE, MAC)),
        (("site.cfg",), Route(Target.SITE)),
        (
            (f"{MAC}-boot.log",),
            Route(Target.UPLOADED, MAC, PhoneFile(PhoneFileKind.BOOT_LOG, MAC)),
        ),
        (
            ("logs", f"{MAC}-app.log"),
            Route(Target.UPLOADED, MAC, PhoneFile(PhoneFileKind.APP_LOG, MAC)),
        ),
        (
            ("overrides", f"{MAC}-web.cfg"),
            Route(Target.UPLOADED, MAC, PhoneFile(PhoneFileKind.WEB_OVERRIDES, MAC)),
        ),
        (
            ("contacts", f"{MAC}-calls.xml"),
            Route(Target.UPLOADED, MAC, PhoneFile(PhoneFileKind.CALLS, MAC)),
        ),
        (
            (f"{MAC}-license.cfg",),
            Route(Target.STATIC, MAC, PhoneFile(PhoneFileKind.LICENSE, MAC)),
        ),
        (
            ("logs", f"{MAC}-phone.cfg"),
            Route(Target.STATIC, MAC, PhoneFile(PhoneFileKind.PHONE_OVERRIDES, MAC)),
        ),
        (("000000000000-directory.xml",), Route(Target.STATIC)),
        (("000000000000-license.cfg",), Route(Target.STATIC)),
        (("3111-46162-001.sip.ld",), Route(Target.STATIC)),
        (("logs", "000000000000.cfg"), Route(Target.STATIC)),
        (("autoprov", f"{MAC}.cfg"), Route(Target.STATIC, MAC)),
        (("a", "b", f"{MAC}-boot.log"), Route(Target.STATIC)),
        ((), Route(Target.STATIC)),
    ],
)
def test_routes(segments: tuple[str, ...], expected: Route) -> None:
    assert route(segments) == expected


def test_registration_url_keeps_the_placeholder() -> None:
    assert registration_url("http://192.0.2.1:8080") == (
        "http://192.0.2.1:8080/autoprov/[PHONE_MAC_ADDRESS]-registration.cfg"
    )
