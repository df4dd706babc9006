from __future__ import annotations

import pytest

from autoprov.polycom.models import find_model
from autoprov.polycom.useragent import Stage
from autoprov.simulate.agent import provisioning_user_agent
from autoprov.simulate.bootserver import BootServer
from autoprov.simulate.fetcher import Fetcher, HttpClients, RetryPolicy
from autoprov.simulate.fleet import PhoneSpec
from autoprov.simulate.http_client import HttpClient
from autoprov.simulate.results import BootRecord, Step
from autoprov.simulate.stages import BootError, BootFiles, Flash
from autoprov.simulate.xmlfile import ConfigError
from tests.simulate.fake_boot_server import FakeBootServer

MAC = "0004f2aabbcc"
_MODEL = find_model("VVX_410")
assert _MODEL is not None
MODEL = _MODEL
SPEC = PhoneSpec(mac=MAC, model=MODEL, firmware="5.9.5.0614")
FAST = RetryPolicy(attempts=2, first_delay=0.01, max_delay=0.01)


def _master(port: int, extra: str = "") -> bytes:
    return (
        '<?xml version="1.0" standalone="yes"?>'
        f'<APPLICATION APP_FILE_PATH="sip.ld" CONFIG_FILES="http://127.0.0.1:{port}/autoprov/'
        '[PHONE_MAC_ADDRESS]-registration.cfg, site.cfg" LOG_FILE_DIRECTORY="logs" '
        f'OVERRIDES_DIRECTORY="overrides" CONTACTS_DIRECTORY="contacts" {extra}/>'
    ).encode()


REGISTRATION = (
    b'<polycomConfig reg.1.address="~~id~autoprovision" reg.1.auth.password="pw" '
    b'reg.1.label="K7QX" reg.1.displayName="K7QX-0004f2aabbcc" '
    b'reg.1.server.1.address="127.0.0.1" reg.1.server.1.port="5070"/>'
)
SITE = b'<polycomConfig reg.1.label="SITE" reg.1.server.1.port="9999" tcpIpApp.sntp.x="1"/>'


def _fetcher(client: HttpClient, stage: Stage) -> Fetcher:
    return Fetcher(client, provisioning_user_agent(MODEL, "5.9.5.0614", stage), FAST)


async def test_unassigned_phone_follows_the_real_sequence() -> None:
    fake = FakeBootServer()
    async with fake.running(), HttpClients().open("127.0.0.1") as client:
        fake.files.update(
            {
                "000000000000.cfg": _master(fake.port),
                f"autoprov/{MAC}-registration.cfg": REGISTRATION,
                "site.cfg": SITE,
                "overrides/0004f2aabbcc-web.cfg": b'<x reg.1.label="WEB"/>',
            }
        )
        files = BootFiles(SPEC, BootServer.parse(fake.url))
        record = BootRecord(number=1)
        await files.updater_stage(_fetcher(client, Stage.UPDATER), record, Flash())
        app = await files.application_stage(_fetcher(client, Stage.APPLICATION), record, 12)

    assert [(seen.method, seen.path) for seen in fake.seen] == [
        ("GET", f"{MAC}.cfg"),
        ("GET", "000000000000.cfg"),
        ("HEAD", "3111-46162-001.sip.ld"),
        ("PUT", f"logs/{MAC}-boot.log"),
        ("GET", f"{MAC}.cfg"),
        ("GET", "000000000000.cfg"),
        ("GET", f"autoprov/{MAC}-registration.cfg"),
        ("GET", "site.cfg"),
        ("GET", f"overrides/{MAC}-phone.cfg"),
        ("GET", f"overrides/{MAC}-web.cfg"),
        ("GET", "000000000000-license.cfg"),
        ("GET", f"{MAC}-license.cfg"),
        ("GET", f"contacts/{MAC}-directory.xml"),
        ("GET", "contacts/000000000000-directory.xml"),
    ]
    assert [seen.user_agent.rsplit(" ", 1)[1] for seen in fake.seen] == (
        ["Type/Updater"] * 4 + ["Type/Application"] * 10
    )
    assert fake.files[f"logs/{MAC}-boot.log"].startswith(b"boot 1 VVX_410 5.9.5.0614")
    (line,) = app.lines
    # First occurrence wins: the web override, then the registration file, then site.cfg.
    assert app.params.get("reg.1.label") == "WEB"
    assert (line.user, line.password, line.server_port) == ("~~id~autoprovision", "pw", 5070)
    assert app.params.get("tcpIpApp.sntp.x") == "1"
    assert not record.own_config
    assert {Step.MASTER_FILE, Step.CONFIG_FILES} <= set(record.steps)


async def test_assigned_phone_reads_its_own_file_and_model_overrides() -> None:
    fake = FakeBootServer(auth="digest")
    async with fake.running(), HttpClients().open("127.0.0.1") as client:
        fake.files.update(
            {
                f"{MAC}.cfg": (
                    b'<APPLICATION CONFIG_FILES="common.cfg">'
                    b'<APPLICATION_VVX410 CONFIG_FILES_VVX410="[PHONE_MAC_ADDRESS]-user.cfg"/>'
                    b"</APPLICATION>"
                ),
                f"{MAC}-user.cfg": (
                    b'<c reg.1.address="1001" reg.1.auth.password="pw" '
                    b'voIpProt.server.1.address="127.0.0.1"/>'
                ),
            }
        )
        files = BootFiles(SPEC, BootServer.parse(f"http://prov:prov-secret@127.0.0.1:{fake.port}"))
        record = BootRecord(number=2)
        app = await files.application_stage(_fetcher(client, Stage.APPLICATION), record, 12)
    assert record.own_config
    assert [line.user for line in app.lines] == ["1001"]
    assert "000000000000.cfg" not in fake.paths()
    assert "common.cfg" not in fake.paths()


async def test_firmware_is_downloaded_once_while_it_does_not_change() -> None:
    fake = FakeBootServer()
    async with fake.running(), HttpClients().open("127.0.0.1") as client:
        fake.files.update({"000000000000.cfg": _master(fake.port), "3111-46162-001.sip.ld": b"I"})
        files = BootFiles(SPEC, BootServer.parse(fake.url))
        flash = Flash()
        for number in (1, 2):
            await files.updater_stage(_fetcher(client, Stage.UPDATER), BootRecord(number), flash)
        fake.files["3111-46162-001.sip.ld"] = b"new image"
        await files.updater_stage(_fetcher(client, Stage.UPDATER), BootRecord(3), flash)
    assert fake.paths("GET").count("3111-46162-001.sip.ld") == 2
    assert fake.paths("HEAD").count("3111-46162-001.sip.ld") == 3


async def test_no_master_file_stops_the_boot() -> None:
    fake = FakeBootServer()
    async with fake.running(), HttpClients().open("127.0.0.1") as client:
        files = BootFiles(SPEC, BootServer.parse(fake.url))
        with pytest.raises(BootError, match=r"000000000000\.cfg answered 404"):
            await files.updater_stage(_fetcher(client, Stage.UPDATER), BootRecord(1), Flash())


async def test_missing_registration_file_is_named() -> None:
    fake = FakeBootServer()
    async with fake.running(), HttpClients().open("127.0.0.1") as client:
        fake.files["000000000000.cfg"] = _master(fake.port)
        files = BootFiles(SPEC, BootServer.parse(fake.url))
        with pytest.raises(BootError, match=rf"missing: .*{MAC}-registration.cfg \(404\)"):
            await files.application_stage(_fetcher(client, Stage.APPLICATION), BootRecord(1), 12)


async def test_an_html_error_page_as_config_is_refused() -> None:
    fake = FakeBootServer()
    async with fake.running(), HttpClients().open("127.0.0.1") as client:
        fake.files["000000000000.cfg"] = _master(fake.port)
        fake.files["site.cfg"] = b"<html><body>Error<br></body></html>"
        files = BootFiles(SPEC, BootServer.parse(fake.url))
        with pytest.raises(ConfigError, match=r"site\.cfg is not XML"):
            await files.application_stage(_fetcher(client, Stage.APPLICATION), BootRecord(1), 12)
