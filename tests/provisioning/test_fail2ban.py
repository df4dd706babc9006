"""The fail2ban filter in docs/provisioning.md against the log ``autoprov provisioner`` really
writes: it bans probing and wrong credentials, never a phone, and no password is logged."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from autoprov.config import Settings
from tests.helpers import require_tool
from tests.provisioning.clients import APP_AGENT
from tests.provisioning.command import start_provisioner, stop_provisioner
from tests.provisioning.inventory import add_phone
from tests.provisioning.sqlite import sqlite_database  # noqa: F401

DOCS = Path(__file__).resolve().parents[2] / "docs" / "provisioning.md"
MAC = "0004f2aabbcc"


def documented_filter() -> str:
    match = re.search(r"```ini\n(\[Definition\]\n.*?)```", DOCS.read_text(), re.DOTALL)
    assert match, "no fail2ban filter in docs/provisioning.md"
    return match.group(1)


async def test_documented_filter(settings: Settings, engine: Engine, tmp_path: Path) -> None:
    fail2ban_regex = require_tool("fail2ban-regex")
    curl = require_tool("curl")
    add_phone(engine, MAC, users=("1001",))
    log = tmp_path / "provisioner.log"
    base = f"http://127.0.0.1:{settings.provision_port}"
    with log.open("wb") as output:
        process = await start_provisioner(settings, output)
        try:
            agent = {"User-Agent": APP_AGENT}
            async with httpx.AsyncClient(base_url=base, headers=agent) as client:
                # a phone booting: nothing to ban
                for path in [f"/{MAC}.cfg", "/000000000000.cfg", f"/{MAC}-license.cfg"]:
                    await client.get(path)
                unknown = "FileTransport PolycomVVX-VVX_999-UA/6.0.0.1 Type/Application"
                await client.get(
                    f"/autoprov/{MAC}-registration.cfg", headers={"User-Agent": unknown}
                )
                await client.get(f"/{MAC}-profile.cfg")  # challenged, not refused
                # probing and guessing: banned
                await client.get(f"/{MAC}-profile.cfg", auth=httpx.DigestAuth("prov", "guess"))
                await client.get(f"/{MAC}-profile.cfg", auth=("prov", "guess"))
            probe = await asyncio.create_subprocess_exec(
                curl, "--silent", "--path-as-is", f"{base}/../../etc/passwd",
                stdout=asyncio.subprocess.DEVNULL,
            )  # fmt: skip
            await probe.wait()
        finally:
            await stop_provisioner(process)
    text = log.read_text()
    assert "prov-secret" not in text and "guess" not in text
    assert text.count(" refused ") == 4  # bad credentials twice, traversal, unknown model
    filter_file = tmp_path / "autoprov-provisioning.conf"
    filter_file.write_text(documented_filter())
    result = await asyncio.create_subprocess_exec(
        fail2ban_regex, "-o", "ip", str(log), str(filter_file),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await result.communicate()
    assert result.returncode == 0, out.decode()
    assert out.decode().split() == ["127.0.0.1"] * 3, out.decode()


@pytest.mark.parametrize(
    "line",
    [
        'refused ip=192.0.2.9 path="/x" reason=unassigned-cap door=http',
        'refused ip=192.0.2.9 path="/x" reason=autoprovision-off door=http',
        'refused ip=192.0.2.9 path="/x" reason=unknown-model door=http detail="X_1"',
        'refused ip=192.0.2.9 path="/x reason=traversal" reason=not-polycom-mac door=http',
        'refused ip=192.0.2.9 path="/x\\" reason=traversal" reason=read-only door=tftp',
    ],
)
def test_filter_spares_phones(line: str) -> None:
    failregex = next(x for x in documented_filter().splitlines() if x.startswith("failregex"))
    regex = failregex.partition("=")[2].strip().replace("<HOST>", r"(?P<host>\S+)")
    assert re.search(regex, f"2026-11-26T06:30:00Z WARNING autoprov.provisioning {line}") is None
