"""``autoprov provisioner`` as a child process, the way an administrator runs it."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from typing import IO

import httpx

from autoprov.config import Settings


async def start_provisioner(
    settings: Settings, output: IO[bytes] | int
) -> asyncio.subprocess.Process:
    """Start the command on the test's settings; returns once HTTP answers."""
    env = {
        **os.environ,
        "AUTOPROV_DATA_DIR": str(settings.data_dir),
        "AUTOPROV_DATABASE_URL": settings.db_url,
        "AUTOPROV_BIND": "127.0.0.1",
        "AUTOPROV_EXTERNAL_HOST": "127.0.0.1",
        "AUTOPROV_PROVISION_PORT": str(settings.provision_port),
        "AUTOPROV_FTP_PORT": str(settings.ftp_port),
        "AUTOPROV_TFTP_PORT": str(settings.tftp_port),
        "AUTOPROV_PROVISION_USER": "prov",
        "AUTOPROV_PROVISION_PASSWORD": "prov-secret",
        "AUTOPROV_PROVISION_HTTP_WORKERS": str(settings.http_workers),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "autoprov", "provisioner", env=env,
        stdout=output, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{settings.provision_port}/site.cfg"
    async with httpx.AsyncClient() as client:
        for _ in range(600):
            assert process.returncode is None, "the provisioner exited"
            try:
                await client.get(url)
                return process
            except httpx.TransportError:
                await asyncio.sleep(0.05)
    raise TimeoutError("the provisioner did not start")


async def stop_provisioner(process: asyncio.subprocess.Process) -> bytes:
    """SIGTERM, as an init system stops it; its output (when piped)."""
    process.send_signal(signal.SIGTERM)
    out, _ = await asyncio.wait_for(process.communicate(), timeout=15)
    assert process.returncode == 0
    return out or b""
