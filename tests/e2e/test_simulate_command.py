"""``autoprov simulate`` as a user runs it: progress, summary table, exit status."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from autoprov.config import AUTOPROVISION_USER
from tests.e2e.harness import Stack, provision_url
from tests.helpers import free_port


async def _simulate(*args: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "autoprov",
        "simulate",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env={"COLUMNS": "120", "TERM": "dumb", "PATH": "/usr/bin:/bin"},
    )
    output, _ = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return process.returncode, output.decode()


async def test_a_small_fleet_boots_and_is_summarised(stack: Stack, tmp_path: Path) -> None:
    out = tmp_path / "phones.json"
    status, output = await _simulate(
        "--phones",
        "5",
        "--provision-url",
        provision_url(stack.settings),
        "--models",
        "VVX_410,SSIP_6000",
        "--json",
        str(out),
    )
    assert status == 0, output
    assert f"auto-provisioned (registered as {AUTOPROVISION_USER})" in output
    assert "registration file" in output and "REGISTER" in output
    rows = json.loads(out.read_text())
    assert len(rows) == 5
    assert {row["model"] for row in rows} <= {"VVX_410", "SSIP_6000"}
    assert all(row["boots"][0]["registered_as"] == [AUTOPROVISION_USER] for row in rows)
    assert len({row["screen_label"] for row in rows}) == 5


async def test_no_server_means_failed_phones_and_exit_status_1() -> None:
    status, output = await _simulate(
        "--phones", "2", "--provision-url", f"http://127.0.0.1:{free_port()}/"
    )
    assert status == 1
    assert "cannot connect" in output
    assert "failed" in output


async def test_bad_options_are_named() -> None:
    status, output = await _simulate("--phones", "1", "--models", "VVX_999")
    assert status == 2
    assert "VVX_999" in output
