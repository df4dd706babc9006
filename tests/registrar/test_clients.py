"""Real SIP clients against the running registrar, over loopback: sipsak, SIPp, and the
sipvicious scanners (never with -R)."""

from __future__ import annotations

import asyncio
import csv
import logging
import shutil
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine

from autoprov.config import Settings
from tests.helpers import require_tool
from tests.registrar.conftest import Running, add_users, start_registrar

SIPP_DIR = Path(__file__).resolve().parents[3] / "shared" / "sipp"


async def run_tool(*command: str, limit: float = 120) -> tuple[int | None, str]:
    """Run a client (the event loop keeps serving meanwhile); past ``limit`` seconds it is killed
    and None is returned as its exit code."""
    process = await asyncio.create_subprocess_exec(
        *command,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        output, _ = await asyncio.wait_for(process.communicate(), limit)
    except TimeoutError:
        process.kill()
        output, _ = await process.communicate()
        return None, output.decode(errors="replace")
    return process.returncode, output.decode(errors="replace")


async def test_sipsak_registers_and_unregisters(registrar: Running) -> None:
    sipsak = require_tool("sipsak")
    port = str(registrar.address[1])
    base = [sipsak, "-U", "-i", "-C", "sip:1001@127.0.0.1:5999", "-s", "sip:1001@127.0.0.1"]
    auth = ["-r", port, "-a", "secret-1001", "-u", "1001"]
    code, output = await run_tool(*base, "-x", "600", *auth)
    assert code == 0, output
    bindings = registrar.service.location.bindings("1001", time.time())
    assert [b.contact for b in bindings] == ["sip:1001@127.0.0.1:5999"]
    assert bindings[0].user_agent.startswith("sipsak")
    code, output = await run_tool(*base, "-x", "0", *auth)
    assert code == 0, output
    assert registrar.service.location.bindings("1001", time.time()) == []
    # a wrong password is refused
    code, output = await run_tool(*base, "-x", "600", "-r", port, "-a", "wrong", "-u", "1001")
    assert code != 0


async def sipp_registers(
    tmp_path: Path, address: tuple[str, int], count: int, transport: str = "u1"
) -> int:
    """SIPp registers users ``user000001``... once each at 300/s; returns the successful
    calls, having checked that none failed and SIPp exited cleanly."""
    sipp = require_tool("sipp")
    users = tmp_path / "users.csv"
    code, output = await run_tool(sys.executable, str(SIPP_DIR / "make_users.py"), str(count))
    users.write_text(output)
    shutil.copy(SIPP_DIR / "register_digest.xml", tmp_path)
    stats = tmp_path / "stats.csv"
    code, output = await run_tool(
        sipp, "-sf", str(tmp_path / "register_digest.xml"), "-inf", str(users),
        f"127.0.0.1:{address[1]}", "-i", "127.0.0.1", "-t", transport,
        "-r", "300", "-m", str(count), "-l", "2000", "-nostdin", "-timeout", "90s",
        "-trace_stat", "-stf", str(stats), "-fd", "60",
    )  # fmt: skip
    with stats.open() as handle:
        last = list(csv.DictReader(handle, delimiter=";"))[-1]
    assert last["FailedCall(C)"] == "0", output
    assert code == 0, output
    return int(last["SuccessfulCall(C)"])


@pytest.mark.slow
async def test_sipp_registers_thousands_of_users(
    settings: Settings, engine: Engine, tmp_path: Path
) -> None:
    count = 3000
    add_users(engine, {f"user{i:06d}": f"pass{i:06d}" for i in range(1, count + 1)})
    running = await start_registrar(settings, engine, register_plugins=[])
    try:
        assert await sipp_registers(tmp_path, running.address, count) == count
        assert len(running.service.location) == count
    finally:
        await running.service.stop()


async def test_svwar_finds_no_extension(registrar: Running) -> None:
    svwar = require_tool("sipvicious_svwar")
    before = registrar.service.metrics.auth_challenges
    # 1001 and 1002 exist; the scan must not tell them from the others
    _, output = await run_tool(
        svwar, "-e1000-1010", "-m", "REGISTER", "--force", "-p", str(registrar.address[1]),
        "127.0.0.1",
    )  # fmt: skip
    assert "Traceback" not in output, output
    assert "1001" not in output and "1002" not in output, output
    # it did reach the registrar (svwar reuses its transaction ids, so retransmission
    # handling answers part of the scan from the transaction table, identically)
    assert registrar.service.metrics.auth_challenges > before


async def test_svcrack_is_throttled(
    settings: Settings, engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    svcrack = require_tool("sipvicious_svcrack")
    add_users(engine, {"1001": "not-in-the-range"})
    running = await start_registrar(settings, engine, auth_fail_limit=5)
    try:
        with caplog.at_level(logging.WARNING, "autoprov.registrar"):
            # once throttled it gets only 403s and keeps trying: stop it after a while
            _, output = await run_tool(
                svcrack,
                "-u",
                "1001",
                "-r",
                "1-60",
                "-p",
                str(running.address[1]),
                "127.0.0.1",
                limit=15,
            )
        lines = [r.getMessage() for r in caplog.records]
        assert any(line.startswith("auth-throttled ip=127.0.0.1") for line in lines)
        failures = [line for line in lines if line.startswith("auth-failed")]
        assert len(failures) == 5  # throttled at the limit, long before the range was exhausted
        assert running.service.metrics.auth_throttled > 0
        assert "not-in-the-range" not in output
    finally:
        await running.service.stop()
