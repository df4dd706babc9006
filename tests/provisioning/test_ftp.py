"""The FTP door over real sockets, with ftplib and curl."""

from __future__ import annotations

import asyncio
import ftplib
import io
from collections.abc import AsyncIterator, Callable
from typing import TypeVar

import anyio.to_thread
import pytest
from anyio.lowlevel import current_token
from sqlalchemy import Engine

from autoprov.config import Settings
from autoprov.provisioning.ftp import FtpDoor
from autoprov.provisioning.resolver import Resolver
from tests.helpers import require_tool
from tests.polycom.xmlfile import parameters
from tests.provisioning.conftest import Refusals
from tests.provisioning.inventory import add_phone
from tests.provisioning.sqlite import sqlite_database  # noqa: F401

MAC = "0004f2aabbcc"
FACTORY = ("PlcmSpIp", "PlcmSpIp")
PROVISIONING = ("prov", "prov-secret")

T = TypeVar("T")


@pytest.fixture
async def ftp_port(settings: Settings, resolver: Resolver) -> AsyncIterator[int]:
    door = FtpDoor(settings, resolver, current_token())
    door.start()
    try:
        yield door.port
    finally:
        await anyio.to_thread.run_sync(door.stop)


async def session(port: int, login: tuple[str, str], work: Callable[[ftplib.FTP], T]) -> T:
    """Log in and run ``work`` in a thread (ftplib blocks; the door needs this loop free)."""

    def run() -> T:
        with ftplib.FTP() as ftp:
            ftp.connect("127.0.0.1", port, timeout=10)
            ftp.login(*login)
            return work(ftp)

    return await anyio.to_thread.run_sync(run)


def retr(ftp: ftplib.FTP, path: str) -> bytes:
    out = io.BytesIO()
    ftp.retrbinary(f"RETR {path}", out.write)
    return out.getvalue()


def refused(ftp: ftplib.FTP, command: str) -> str:
    with pytest.raises(ftplib.error_perm) as caught:
        ftp.retrbinary(command, lambda _: None)
    return str(caught.value)


async def test_factory_login_gets_master_and_registration(ftp_port: int) -> None:
    def work(ftp: ftplib.FTP) -> tuple[bytes, bytes, int | None]:
        master = retr(ftp, "000000000000.cfg")
        ftp.cwd("/autoprov")
        registration = retr(ftp, f"{MAC}-registration.cfg")
        return master, registration, ftp.size("/000000000000.cfg")

    master, registration, size = await session(ftp_port, FACTORY, work)
    assert "[PHONE_MAC_ADDRESS]" in parameters(master)["CONFIG_FILES"]
    assert size == len(master)
    assert parameters(registration)["reg.1.displayName"].endswith(f"-{MAC}")


async def test_boot_log_upload(ftp_port: int, settings: Settings) -> None:
    def work(ftp: ftplib.FTP) -> None:
        ftp.storbinary(f"STOR {MAC}-boot.log", io.BytesIO(b"first\n"))
        ftp.storbinary(f"APPE logs/{MAC}-boot.log", io.BytesIO(b"second\n"))

    await session(ftp_port, FACTORY, work)
    stored = settings.data_dir / "uploads" / MAC / f"{MAC}-boot.log"
    assert stored.read_bytes() == b"first\nsecond\n"


async def test_profile_needs_the_provisioning_login(ftp_port: int, engine: Engine) -> None:
    add_phone(engine, MAC, users=("1001",))
    factory = await session(ftp_port, FACTORY, lambda ftp: refused(ftp, f"RETR {MAC}-profile.cfg"))
    assert factory == "550 provisioning credentials required."
    profile = await session(ftp_port, PROVISIONING, lambda ftp: retr(ftp, f"{MAC}-profile.cfg"))
    assert parameters(profile)["reg.1.auth.password"] == "1001-pw"


async def test_overrides_need_the_provisioning_login(ftp_port: int, settings: Settings) -> None:
    overrides = b'<PHONE_CONFIG><OVERRIDES up.x="1"/></PHONE_CONFIG>'

    def store(ftp: ftplib.FTP) -> None:
        ftp.storbinary(f"STOR overrides/{MAC}-web.cfg", io.BytesIO(overrides))

    with pytest.raises(ftplib.error_perm, match=r"^550 provisioning credentials required"):
        await session(ftp_port, FACTORY, store)
    await session(ftp_port, PROVISIONING, store)
    assert (settings.data_dir / "uploads" / MAC / f"{MAC}-web.cfg").read_bytes() == overrides


async def test_bad_login_is_refused_and_logged(ftp_port: int, refusals: Refusals) -> None:
    with pytest.raises(ftplib.error_perm, match=r"^530"):
        await session(ftp_port, ("PlcmSpIp", "guess"), lambda ftp: None)
    assert refusals() == ['refused ip=127.0.0.1 path="" reason=bad-credentials door=ftp']


async def test_traversal_and_changes_are_refused(ftp_port: int, refusals: Refusals) -> None:
    def work(ftp: ftplib.FTP) -> list[str]:
        answers = [refused(ftp, f"RETR {path}") for path in ["../autoprov.db", "/..\\x", "a//b"]]
        for command in ["DELE 000000000000.cfg", "MKD x", "RNFR 000000000000.cfg"]:
            with pytest.raises(ftplib.error_perm) as caught:
                ftp.sendcmd(command)
            answers.append(str(caught.value))
        with pytest.raises(ftplib.error_perm) as caught:
            ftp.cwd("/etc")
        answers.append(str(caught.value))
        return answers

    answers = await session(ftp_port, FACTORY, work)
    assert answers[:3] == ["550 not found."] * 3
    assert all(answer.startswith("550") for answer in answers[3:])
    assert [line.split(" reason=")[1] for line in refusals()] == [
        "traversal door=ftp",
        "backslash door=ftp",
        "empty-segment door=ftp",
    ]


async def test_oversized_upload_is_refused(ftp_port: int, refusals: Refusals) -> None:
    def work(ftp: ftplib.FTP) -> str:
        with pytest.raises(ftplib.error_temp) as caught:
            ftp.storbinary(f"STOR {MAC}-app.log", io.BytesIO(b"x" * (1024 * 1024 + 10)))
        return str(caught.value)

    assert (await session(ftp_port, FACTORY, work)).startswith("426")
    assert "reason=too-large" in refusals()[0]


async def test_curl_ftp(ftp_port: int, settings: Settings) -> None:
    curl = require_tool("curl")
    url = f"ftp://PlcmSpIp:PlcmSpIp@127.0.0.1:{ftp_port}"
    process = await asyncio.create_subprocess_exec(
        curl, "--silent", "--show-error", f"{url}/000000000000.cfg",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    assert parameters(out)["LOG_FILE_DIRECTORY"].endswith("/logs")
    process = await asyncio.create_subprocess_exec(
        curl, "--silent", "--show-error", "-T", "-", f"{url}/logs/{MAC}-app.log",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await process.communicate(b"app log line\n")
    assert process.returncode == 0, err.decode()
    stored = settings.data_dir / "uploads" / MAC / f"{MAC}-app.log"
    assert stored.read_bytes() == b"app log line\n"
