"""The TFTP door over real sockets, with the tftp-hpa client and curl."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import anyio.to_thread
import pytest
from anyio.lowlevel import current_token
from sqlalchemy import Engine

from autoprov.config import Settings
from autoprov.provisioning.resolver import Resolver
from autoprov.provisioning.tftp import TftpDoor
from tests.helpers import require_tool
from tests.polycom.xmlfile import parameters
from tests.provisioning.conftest import Refusals
from tests.provisioning.inventory import add_phone
from tests.provisioning.sqlite import sqlite_database  # noqa: F401

MAC = "0004f2aabbcc"


@pytest.fixture
async def tftp_port(settings: Settings, resolver: Resolver) -> AsyncIterator[int]:
    door = TftpDoor(settings, resolver, current_token())
    await anyio.to_thread.run_sync(door.start)
    try:
        yield door.port
    finally:
        await anyio.to_thread.run_sync(door.stop)


async def tftp(port: int, command: str, cwd: Path) -> str:
    """Run one tftp-hpa command (``get remote local`` / ``put local remote``); its output."""
    process = await asyncio.create_subprocess_exec(
        require_tool("tftp"), "127.0.0.1", str(port), "-m", "binary", "-c", *command.split(),
        cwd=cwd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(process.communicate(), timeout=30)
    return out.decode()


async def test_master_and_registration_files(tftp_port: int, tmp_path: Path) -> None:
    assert await tftp(tftp_port, "get 000000000000.cfg master.cfg", tmp_path) == ""
    master = parameters((tmp_path / "master.cfg").read_bytes())
    assert master["CONFIG_FILES"].endswith("[PHONE_MAC_ADDRESS]-registration.cfg, site.cfg")
    command = f"get /autoprov/{MAC}-registration.cfg registration.cfg"
    assert await tftp(tftp_port, command, tmp_path) == ""
    registration = parameters((tmp_path / "registration.cfg").read_bytes())
    assert registration["reg.1.displayName"].endswith(f"-{MAC}")


async def test_firmware_over_curl(tftp_port: int, settings: Settings, tmp_path: Path) -> None:
    firmware = settings.data_dir / "firmware"
    firmware.mkdir(parents=True)
    image = bytes(range(256)) * 1000 + b"tail"
    (firmware / "sip.ld").write_bytes(image)
    process = await asyncio.create_subprocess_exec(
        require_tool("curl"), "--silent", "--show-error", "--output", str(tmp_path / "got"),
        f"tftp://127.0.0.1:{tftp_port}/3111-46162-001.sip.ld",
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0, err.decode()
    assert (tmp_path / "got").read_bytes() == image


async def test_uploads_are_refused(
    tftp_port: int, settings: Settings, tmp_path: Path, refusals: Refusals
) -> None:
    (tmp_path / "boot.log").write_text("boot\n")
    output = await tftp(tftp_port, f"put boot.log {MAC}-boot.log", tmp_path)
    assert "Access violation" in output
    assert not (settings.data_dir / "uploads").exists()
    assert refusals() == [f'refused ip=127.0.0.1 path="{MAC}-boot.log" reason=read-only door=tftp']


async def test_secrets_and_missing_files_are_not_found(
    tftp_port: int, engine: Engine, tmp_path: Path, refusals: Refusals
) -> None:
    add_phone(engine, MAC, users=("1001",))
    for name in [f"{MAC}-profile.cfg", f"{MAC}-license.cfg", "nothing-here"]:
        output = await tftp(tftp_port, f"get {name} out", tmp_path)
        assert "File not found" in output, name
    assert refusals() == []


@pytest.mark.parametrize(
    ("name", "logged"),
    [
        ("%2e%2e/x", None),
        ("..\\autoprov.db", 'path="..\\\\autoprov.db" reason=backslash door=tftp'),
        ("/etc/passwd", None),
        ("a//b", 'path="a//b" reason=empty-segment door=tftp'),
    ],
)
async def test_odd_names(
    tftp_port: int, tmp_path: Path, refusals: Refusals, name: str, logged: str | None
) -> None:
    output = await tftp(tftp_port, f"get {name} out", tmp_path)
    assert "File not found" in output
    assert refusals() == ([f"refused ip=127.0.0.1 {logged}"] if logged else [])


async def test_names_climbing_out_are_refused_by_tftpy(tftp_port: int, tmp_path: Path) -> None:
    output = await tftp(tftp_port, "get ../../etc/passwd out", tmp_path)
    assert "Illegal TFTP operation" in output
    assert not (tmp_path / "out").exists() or (tmp_path / "out").read_bytes() == b""
