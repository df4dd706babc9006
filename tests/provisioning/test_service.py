"""The whole provisioning service, as a phone boots against it (POLYCOM.md 1.4)."""

from __future__ import annotations

import asyncio
import ftplib
import hashlib
import io
import multiprocessing
import socket
import time
from collections.abc import AsyncIterator
from pathlib import Path

import anyio.to_thread
import httpx
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from autoprov.config import Settings
from autoprov.inventory.users import update_user
from autoprov.polycom.master import MAC_PLACEHOLDER
from autoprov.provisioning.service import run
from tests.helpers import require_tool
from tests.polycom.xmlfile import parameters
from tests.provisioning.command import start_provisioner, stop_provisioner
from tests.provisioning.inventory import add_phone, assign, phone_row

MAC = "0004f282e824"
PART = "3111-44500-001"
UPDATER = "FileTransport PolycomVVX-VVX_500-UA/5.9.7.47435 Type/Updater"
APPLICATION = "FileTransport PolycomVVX-VVX_500-UA/5.9.7.4477 Type/Application"
FIRMWARE = bytes(range(256)) * 4096


@pytest.fixture
async def service(settings: Settings, engine: Engine) -> AsyncIterator[str]:
    firmware = settings.data_dir / "firmware"
    firmware.mkdir(parents=True)
    (firmware / f"{PART}.sip.ld").write_bytes(FIRMWARE)
    (firmware / "000000000000-directory.xml").write_bytes(b"<directory><item_list/></directory>")
    task = asyncio.create_task(run(settings))
    base = f"http://127.0.0.1:{settings.provision_port}"
    async with httpx.AsyncClient() as client:
        for _ in range(500):
            assert not task.done(), task.exception() if task.done() else None
            try:
                await client.get(f"{base}/site.cfg")
                break
            except httpx.TransportError:
                await asyncio.sleep(0.02)
    yield base
    task.cancel()
    started = time.monotonic()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert time.monotonic() - started < 5
    for port in (settings.provision_port, settings.ftp_port):
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(("127.0.0.1", port))  # nothing listens there any more
            probe.listen()


class Phone:
    """The requests of one Polycom, with the credentials from its boot server URL."""

    def __init__(self, client: httpx.AsyncClient, base: str) -> None:
        self.client = client
        self.base = base
        self.auth = httpx.DigestAuth("prov", "prov-secret")

    def url(self, location: str, name: str = "") -> str:
        """A master-file location (absolute, or relative to the boot server) plus a name."""
        location = location.replace(MAC_PLACEHOLDER, MAC)
        if not location.startswith("http"):
            location = f"{self.base}/{location}"
        return f"{location}/{name}" if name else location

    async def get(self, url: str, agent: str = APPLICATION) -> httpx.Response:
        return await self.client.get(url, headers={"User-Agent": agent}, auth=self.auth)

    async def put(self, url: str, data: bytes, agent: str = APPLICATION) -> httpx.Response:
        return await self.client.put(
            url, content=data, headers={"User-Agent": agent}, auth=self.auth
        )

    async def boot(self) -> dict[str, int]:
        """The recorded sequence; status of each step, keyed by what was asked."""
        statuses: dict[str, int] = {}
        put = await self.put(f"{self.base}/{MAC}-boot.log", b"boot log\n", UPDATER)
        statuses["PUT boot.log"] = put.status_code
        own = await self.get(f"{self.base}/{MAC}.cfg")
        statuses["mac.cfg"] = own.status_code
        master_response = own if own.status_code == 200 else None
        if master_response is None:
            master_response = await self.get(f"{self.base}/000000000000.cfg")
            statuses["000000000000.cfg"] = master_response.status_code
        master = parameters(master_response.content)
        image = master.get("APP_FILE_PATH_VVX500") or master["APP_FILE_PATH"]
        if image:
            firmware = await self.get(self.url(f"{PART}.{image}"))
            statuses["firmware"] = firmware.status_code
            assert hashlib.sha256(firmware.content).digest() == hashlib.sha256(FIRMWARE).digest()
        self.config: dict[str, str] = {}
        for entry in master["CONFIG_FILES"].split(","):
            response = await self.get(self.url(entry.strip()))
            statuses[entry.strip()] = response.status_code
            for name, value in parameters(response.content).items():
                self.config.setdefault(name, value)
        overrides, contacts = master["OVERRIDES_DIRECTORY"], master["CONTACTS_DIRECTORY"]
        for location, name in [
            (overrides, f"{MAC}-phone.cfg"),
            (overrides, f"{MAC}-web.cfg"),
            ("", "000000000000-license.cfg"),
            ("", f"{MAC}-license.cfg"),
            (contacts, f"{MAC}-calls.xml"),
            (contacts, f"{MAC}-directory.xml"),
            ("", "000000000000-directory.xml"),
        ]:
            url = self.url(location, name) if location else self.url(name)
            statuses[name] = (await self.get(url)).status_code
        app_log = self.url(master["LOG_FILE_DIRECTORY"], f"{MAC}-app.log")
        head = await self.client.head(app_log, headers={"User-Agent": APPLICATION}, auth=self.auth)
        statuses["HEAD app.log"] = head.status_code
        statuses["PUT app.log"] = (await self.put(app_log, b"app log\n")).status_code
        return statuses


async def test_boot_sequence(service: str, settings: Settings, engine: Engine) -> None:
    async with httpx.AsyncClient() as client:
        phone = Phone(client, service)
        first = await phone.boot()
        registration = f"{service}/autoprov/{MAC}-registration.cfg"
        assert first == {
            "PUT boot.log": 204,
            "mac.cfg": 404,
            "000000000000.cfg": 200,
            "firmware": 200,
            f"{service}/autoprov/[PHONE_MAC_ADDRESS]-registration.cfg": 200,
            "site.cfg": 200,
            f"{MAC}-phone.cfg": 404,
            f"{MAC}-web.cfg": 404,
            "000000000000-license.cfg": 404,
            f"{MAC}-license.cfg": 404,
            f"{MAC}-calls.xml": 404,
            f"{MAC}-directory.xml": 404,
            "000000000000-directory.xml": 200,
            "HEAD app.log": 404,
            "PUT app.log": 204,
        }
        assert phone.config["reg.1.address"] == "~~id~autoprovision"
        unique_id = phone.config["reg.1.label"]
        assert phone.config["reg.1.displayName"] == f"{unique_id}-{MAC}"
        assert phone.config["voIpProt.SIP.specialEvent.checkSync.alwaysReboot"] == "1"

        # the registrar's worker puts the phone in the inventory; the admin assigns a user
        add_phone(engine, MAC, model="VVX_500")
        assign(engine, MAC, "1001", display_name="Front Desk")
        overrides = b'<PHONE_CONFIG><OVERRIDES up.backlight.idleIntensity="1"/></PHONE_CONFIG>'
        assert (
            await phone.put(f"{service}/overrides/{MAC}-phone.cfg", overrides)
        ).status_code == 204
        second = await phone.boot()
        assert second["mac.cfg"] == 200
        assert second[f"{MAC}-profile.cfg"] == 200
        assert second[f"{MAC}-phone.cfg"] == 200
        assert phone.config["reg.1.address"] == "1001"
        assert phone.config["reg.1.auth.password"] == "1001-pw"
        assert phone.config["reg.1.displayName"] == "Front Desk"
        # the registration file is not needed any more
        assert (await phone.get(registration)).status_code == 404
    uploads = settings.data_dir / "uploads" / MAC
    assert (uploads / f"{MAC}-boot.log").read_bytes() == b"boot log\n" * 2
    assert (uploads / f"{MAC}-app.log").read_bytes() == b"app log\n" * 2
    for _ in range(100):  # last-seen notes are written about once a second
        seen = phone_row(engine, MAC)
        if seen is not None and seen.firmware is not None:
            break
        await asyncio.sleep(0.05)
    assert seen is not None and seen.ip == "127.0.0.1" and seen.firmware == "5.9.7.4477"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_every_door_is_open(service: str, settings: Settings, tmp_path: object) -> None:
    def over_ftp() -> bytes:
        with ftplib.FTP() as ftp:
            ftp.connect("127.0.0.1", settings.ftp_port, timeout=10)
            ftp.login("PlcmSpIp", "PlcmSpIp")
            out = io.BytesIO()
            ftp.retrbinary(f"RETR /autoprov/{MAC}-registration.cfg", out.write)
            return out.getvalue()

    registration = parameters(await anyio.to_thread.run_sync(over_ftp))
    process = await asyncio.create_subprocess_exec(
        require_tool("curl"), "--silent", "--show-error",
        f"tftp://127.0.0.1:{settings.tftp_port}/000000000000.cfg",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    master = parameters(out)
    # the registration file named by the master fetched over TFTP is an HTTP URL
    url = master["CONFIG_FILES"].split(",")[0].replace(MAC_PLACEHOLDER, MAC)
    async with httpx.AsyncClient() as client:
        over_http = await client.get(url, headers={"User-Agent": APPLICATION})
    assert parameters(over_http.content)["reg.1.label"] == registration["reg.1.label"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_provisioner_command_stops_on_sigterm(settings: Settings) -> None:
    process = await start_provisioner(settings, asyncio.subprocess.PIPE)
    async with httpx.AsyncClient() as client:
        url = f"http://127.0.0.1:{settings.provision_port}/000000000000.cfg"
        assert (await client.get(url)).status_code == 200
    out = await stop_provisioner(process)
    assert b"provisioning ready" in out and b"Traceback" not in out


def listening_sockets(port: int) -> int:
    """How many sockets listen on this TCP port (IPv4), from /proc/net/tcp."""
    lines = Path("/proc/net/tcp").read_text().splitlines()[1:]
    fields = [line.split() for line in lines]
    return sum(1 for f in fields if f[3] == "0A" and int(f[1].split(":")[1], 16) == port)


async def both_processes_listen(task: asyncio.Task[None], settings: Settings) -> None:
    for _ in range(600):
        assert not task.done()
        if listening_sockets(settings.provision_port) == 2:
            break
        await asyncio.sleep(0.05)
    assert len(multiprocessing.active_children()) == 1


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_http_workers_share_the_port_nonces_and_the_rate(
    settings: Settings, engine: Engine
) -> None:
    limited = settings.model_copy(
        update={"provision_rate_per_minute": 30, "provision_http_workers": 2}
    )
    task = asyncio.create_task(run(limited))
    base = f"http://127.0.0.1:{settings.provision_port}"
    try:
        await both_processes_listen(task, settings)
        add_phone(engine, MAC, users=("1001",))
        digest = httpx.DigestAuth("prov", "prov-secret")
        new_connection_each_time = httpx.Limits(max_keepalive_connections=0)
        started = time.monotonic()
        async with httpx.AsyncClient(limits=new_connection_each_time) as client:
            # a challenge and its answer travel on new connections, often to different
            # processes: the nonce secret is shared
            profiles = [
                (await client.get(f"{base}/{MAC}-profile.cfg", auth=digest)).status_code
                for _ in range(6)
            ]
            statuses = [(await client.get(f"{base}/site.cfg")).status_code for _ in range(40)]
        elapsed = time.monotonic() - started
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert profiles == [200] * 6
    # 30 a minute in all (half in each process, refilled at 0.5/s in all), whatever way the
    # kernel spread the connections; with a whole bucket each, all 46 would pass
    passed = statuses.count(200) + len(profiles)
    assert passed <= 30 + int(elapsed * 0.5) + 1
    assert set(statuses) == {200, 429}
    assert multiprocessing.active_children() == []


async def test_every_http_process_serves_a_changed_password_at_once(
    settings: Settings, engine: Engine
) -> None:
    task = asyncio.create_task(run(settings, http_workers=2))
    url = f"http://127.0.0.1:{settings.provision_port}/{MAC}-profile.cfg"
    digest = httpx.DigestAuth("prov", "prov-secret")
    # a new connection each time: the kernel spreads them over both processes
    limits = httpx.Limits(max_keepalive_connections=0)

    async def passwords(client: httpx.AsyncClient) -> set[str]:
        found = set()
        for _ in range(12):
            response = await client.get(url, auth=digest, headers={"User-Agent": APPLICATION})
            assert response.status_code == 200
            found.add(parameters(response.content)["reg.1.auth.password"])
        return found

    try:
        await both_processes_listen(task, settings)
        add_phone(engine, MAC, users=("1001",))
        async with httpx.AsyncClient(limits=limits) as client:
            before = await passwords(client)
            with Session(engine) as session, session.begin():
                update_user(session, "1001", password="changed-secret")
            after = await passwords(client)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert (before, after) == ({"1001-pw"}, {"changed-secret"})
