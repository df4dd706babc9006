"""The resolver's answers that do not depend on the database: master file content, path
safety, static files, refusals by User-Agent and MAC, the rate limit, template overrides."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from autoprov.config import Settings
from autoprov.inventory.bootstrap import Secrets
from autoprov.provisioning.answers import Generated, Refusal, Refused, StoredFile
from autoprov.provisioning.request import Auth, FileRequest, Method
from autoprov.provisioning.resolver import Resolver
from autoprov.provisioning.store import Store
from tests.polycom.xmlfile import parameters
from tests.provisioning.clients import APP_AGENT, PHONE_IP, ftp, http
from tests.provisioning.conftest import Refusals
from tests.provisioning.expect import body, refusal
from tests.provisioning.inventory import add_phone
from tests.provisioning.sqlite import sqlite_database  # noqa: F401

MAC = "0004f2aabbcc"
OTHER_MAC = "64167f000001"
REGISTRATION = f"/autoprov/{MAC}-registration.cfg"


def resolver_with(settings: Settings, engine: Engine, **changes: object) -> Resolver:
    return Resolver(settings.model_copy(update=changes), Store(engine, settings))


async def test_site_master_names_the_registration_file_then_the_site_file(
    resolver: Resolver, settings: Settings
) -> None:
    found = parameters(body(await resolver.resolve(http("/000000000000.cfg"))))
    base = f"http://127.0.0.1:{settings.provision_port}"
    assert found["CONFIG_FILES"] == (
        f"{base}/autoprov/[PHONE_MAC_ADDRESS]-registration.cfg, site.cfg"
    )
    assert found["LOG_FILE_DIRECTORY"] == f"{base}/logs"
    assert found["OVERRIDES_DIRECTORY"] == f"{base}/overrides"
    assert found["CONTACTS_DIRECTORY"] == f"{base}/contacts"
    assert found["APP_FILE_PATH"] == ""


async def test_master_names_the_firmware_present(
    settings: Settings, engine: Engine, secrets: Secrets
) -> None:
    firmware = settings.data_dir / "firmware"
    firmware.mkdir(parents=True)
    (firmware / "sip.ld").write_bytes(b"combined")
    (firmware / "3111-46162-001.sip.ld").write_bytes(b"vvx410")
    resolver = Resolver(settings, Store(engine, settings))
    found = parameters(body(await resolver.resolve(ftp("/000000000000.cfg"))))
    assert found["APP_FILE_PATH"] == "sip.ld"
    assert found["APP_FILE_PATH_VVX410"] == "3111-46162-001.sip.ld"


async def test_https_when_a_certificate_is_configured(
    settings: Settings, engine: Engine, secrets: Secrets, tmp_path: Path
) -> None:
    resolver = resolver_with(
        settings, engine, tls_cert=tmp_path / "cert.pem", tls_key=tmp_path / "key.pem"
    )
    found = parameters(body(await resolver.resolve(http("/000000000000.cfg"))))
    assert found["CONFIG_FILES"].startswith(f"https://127.0.0.1:{settings.provision_port}/")


@pytest.mark.parametrize(
    ("request_", "expected", "reason"),
    [
        (http("/autoprov/001122334455-registration.cfg"), Refusal.FORBIDDEN, "not-polycom-mac"),
        (http(REGISTRATION, agent=None), Refusal.FORBIDDEN, "not-polycom-agent"),
        (http(REGISTRATION, agent="curl/8.5.0"), Refusal.FORBIDDEN, "not-polycom-agent"),
        (
            http(
                REGISTRATION, agent="FileTransport PolycomVVX-VVX_999-UA/6.0.0.1 Type/Application"
            ),
            Refusal.FORBIDDEN,
            'unknown-model door=http detail="VVX_999"',
        ),
        (
            http(REGISTRATION, agent=f"{APP_AGENT} (SN:0004f2000001)"),
            Refusal.FORBIDDEN,
            "mac-mismatch",
        ),
    ],
    ids=["oui", "no-agent", "curl", "unknown-model", "mac-mismatch"],
)
async def test_registration_refusals(
    resolver: Resolver,
    refusals: Refusals,
    request_: FileRequest,
    expected: Refusal,
    reason: str,
) -> None:
    answer = await resolver.resolve(request_)
    assert refusal(answer) is expected
    assert isinstance(answer, Refused) and "<" not in answer.message
    (line,) = refusals()
    assert line.startswith(f'refused ip={PHONE_IP} path="{request_.path}" reason={reason}')


async def test_templates_overridden_per_model_and_per_phone(
    resolver: Resolver, settings: Settings, engine: Engine
) -> None:
    templates = settings.data_dir / "templates"
    templates.mkdir(parents=True)
    (templates / "profile-VVX_500.cfg.j2").write_text('<polycomConfig model.override="500"/>\n')
    (templates / f"profile-{OTHER_MAC}.cfg.j2").write_text(
        '<polycomConfig phone.override="{{ lines[0].user_id }}"/>\n'
    )
    (templates / "registration-VVX_410.cfg.j2").write_text(
        '<polycomConfig reg.1.label="{{ line.label }}" model="410"/>\n'
    )
    add_phone(engine, MAC, model="VVX_500", users=("1001",))
    add_phone(engine, OTHER_MAC, model="VVX_500", users=("1002",))
    mine = await resolver.resolve(http(f"/{MAC}-profile.cfg", auth=Auth.VALID))
    other = await resolver.resolve(http(f"/{OTHER_MAC}-profile.cfg", auth=Auth.VALID))
    assert parameters(body(mine)) == {"model.override": "500"}
    assert parameters(body(other)) == {"phone.override": "1002"}
    registration = await resolver.resolve(http("/autoprov/0004f2000009-registration.cfg"))
    assert parameters(body(registration))["model"] == "410"


async def test_broken_template_is_a_server_error_not_a_refusal(
    resolver: Resolver, settings: Settings, refusals: Refusals, caplog: pytest.LogCaptureFixture
) -> None:
    templates = settings.data_dir / "templates"
    templates.mkdir(parents=True)
    (templates / "site.cfg.j2").write_text("<polycomConfig {{ nope }}/>\n")
    answer = await resolver.resolve(http("/site.cfg"))
    assert answer == Refused(Refusal.SERVER_ERROR, "configuration template error")
    assert refusals() == []
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert "template-error" in errors[0].getMessage()


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/../autoprov.db", "traversal"),
        ("/%2e%2e/autoprov.db", "traversal"),
        ("/%2e%2e%2fautoprov.db", "encoded-separator"),
        ("/..%5cautoprov.db", "encoded-separator"),
        ("/sip.ld%00", "encoded-separator"),
        ("//etc/passwd", "absolute"),
        ("/../firmware-old/secret.ld", "traversal"),
    ],
)
async def test_paths_leaving_the_tree(
    resolver: Resolver, settings: Settings, refusals: Refusals, path: str, reason: str
) -> None:
    sibling = settings.data_dir / "firmware-old"
    sibling.mkdir(parents=True)
    (sibling / "secret.ld").write_bytes(b"secret")
    assert refusal(await resolver.resolve(http(path))) is Refusal.NOT_FOUND
    assert refusals() == [f'refused ip={PHONE_IP} path="{path}" reason={reason} door=http']


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        ("/sip.ld\x00", "/sip.ld%00"),
        ("/../autoprov.db", "/../autoprov.db"),
        ("/..\\autoprov.db", "/..\\\\autoprov.db"),
        ("/x\r\nINFO forged line", "/x%0D%0AINFO forged line"),
    ],
)
async def test_literal_paths_over_ftp(
    resolver: Resolver, refusals: Refusals, path: str, logged: str
) -> None:
    assert refusal(await resolver.resolve(ftp(path))) is Refusal.NOT_FOUND
    (line,) = refusals()
    assert f'path="{logged}"' in line


async def test_symlinks_out_of_the_tree(
    resolver: Resolver, settings: Settings, refusals: Refusals
) -> None:
    firmware = settings.data_dir / "firmware"
    sibling = settings.data_dir / "firmware-old"
    firmware.mkdir(parents=True)
    sibling.mkdir()
    (sibling / "secret.ld").write_bytes(b"secret")
    os.symlink(sibling / "secret.ld", firmware / "sip.ld")
    os.symlink(sibling, firmware / "old")
    os.symlink("/etc/passwd", firmware / "passwd")
    for path in ["/sip.ld", "/old/secret.ld", "/passwd", "/3111-46162-001.sip.ld"]:
        assert refusal(await resolver.resolve(http(path))) is Refusal.NOT_FOUND
    assert [line.split(" reason=")[1] for line in refusals()] == ["outside-root door=http"] * 4


async def test_firmware_and_static_files(resolver: Resolver, settings: Settings) -> None:
    firmware = settings.data_dir / "firmware"
    (firmware / "SoundPointIPLocalization" / "English_United_States").mkdir(parents=True)
    (firmware / "3111-44500-001.sip.ld").write_bytes(b"vvx500" * 1000)
    (firmware / "000000000000-directory.xml").write_bytes(b"<directory/>")
    (firmware / "SoundPointIPLocalization" / "English_United_States" / "x.xml").write_text("<x/>")
    for path, size in [
        ("/3111-44500-001.sip.ld", 6000),
        ("/3111-44500-001.3111-44500-001.sip.ld", 6000),
        ("/000000000000-directory.xml", 12),
        ("/SoundPointIPLocalization/English_United_States/x.xml", 4),
    ]:
        answer = await resolver.resolve(http(path))
        assert isinstance(answer, StoredFile) and answer.size == size, path
    for path in ["/sip.ld", "/000000000000-license.cfg", f"/{MAC}-license.cfg", "/", "/x/"]:
        assert refusal(await resolver.resolve(http(path))) is Refusal.NOT_FOUND


async def test_other_methods_are_refused(resolver: Resolver, refusals: Refusals) -> None:
    answer = await resolver.resolve(http("/000000000000.cfg", Method.OTHER))
    assert refusal(answer) is Refusal.METHOD_NOT_ALLOWED
    assert "reason=method" in refusals()[0]


async def test_rate_limit_per_address(
    settings: Settings, engine: Engine, secrets: Secrets, refusals: Refusals
) -> None:
    resolver = resolver_with(settings, engine, provision_rate_per_minute=5)
    answers = [await resolver.resolve(http("/000000000000.cfg")) for _ in range(8)]
    assert [isinstance(a, Generated) for a in answers] == [True] * 5 + [False] * 3
    assert refusal(answers[-1]) is Refusal.TOO_MANY_REQUESTS
    assert len(refusals()) == 1  # a flood is logged once a second, not once a request
    assert body(await resolver.resolve(http("/000000000000.cfg", ip="192.0.2.99")))


class DatabaseDown(Store):
    def phone(self, mac: str) -> None:
        raise OperationalError("SELECT ...", None, ConnectionRefusedError("database down"))


async def test_database_down_is_a_temporary_refusal(
    settings: Settings, engine: Engine, secrets: Secrets, refusals: Refusals
) -> None:
    resolver = Resolver(settings, DatabaseDown(engine, settings))
    answer = await resolver.resolve(http(f"/{MAC}.cfg"))
    assert answer == Refused(Refusal.UNAVAILABLE, "temporarily unavailable, try again")
    assert refusals() == []
    assert body(await resolver.resolve(http("/000000000000.cfg")))  # needs no database
