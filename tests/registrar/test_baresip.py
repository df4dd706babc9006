"""baresip (Debian ``baresip-core``, a libre SIP stack) registers against the registrar, and
un-registers when it quits.

baresip 1.0 gives up ("Register: Function not implemented") on a 401 that also offers
SHA-256, even though MD5 comes first: the registrar offers it MD5 only
(``AUTOPROV_DIGEST_ALGORITHMS``, see docs/registrar.md)."""

from __future__ import annotations

import asyncio
import functools
import signal
import socket
import time
from pathlib import Path

from sqlalchemy import Engine

from autoprov.config import Settings
from autoprov.registrar.location import Binding
from tests.helpers import free_port, require_tool
from tests.registrar.conftest import USERS, Running, add_users, start_registrar
from tests.registrar.processes import eventually

# no media modules: registering needs only the account list
CONFIG = """\
sip_listen 127.0.0.1:{port}
net_interface 127.0.0.1
module_path /usr/lib/baresip/modules
module_app account.so
"""


BIND_ATTEMPTS = 3
EADDRINUSE = 98
"""baresip's exit status when its SIP port is taken."""


def bindings(running: Running) -> list[Binding]:
    return running.service.location.bindings("1001", time.time())


async def start_baresip(baresip: str, directory: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        baresip,
        "-f",
        str(directory),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )


async def registered_or_ended(running: Running, process: asyncio.subprocess.Process) -> bool:
    return bool(bindings(running)) or process.returncode is not None


async def test_baresip_registers_and_unregisters(
    settings: Settings, engine: Engine, tmp_path: Path
) -> None:
    baresip = require_tool("baresip")
    add_users(engine, USERS)
    running = await start_registrar(settings, engine, digest_algorithms=["MD5"])
    account = f"<sip:1001@127.0.0.1:{running.address[1]};transport=udp>"
    (tmp_path / "accounts").write_text(f"{account};auth_pass={USERS['1001']};regint=600\n")
    process: asyncio.subprocess.Process | None = None
    try:
        for _attempt in range(BIND_ATTEMPTS):
            # the port was free when picked, but another socket may take it before baresip binds
            port = free_port(socket.SOCK_DGRAM)
            (tmp_path / "config").write_text(CONFIG.format(port=port))
            process = await start_baresip(baresip, tmp_path)
            assert await eventually(functools.partial(registered_or_ended, running, process), 15)
            if process.returncode != EADDRINUSE:
                break
        assert process is not None and process.returncode is None, (
            (await process.communicate())[0].decode() if process else "never started"
        )
        [binding] = bindings(running)
        assert binding.contact.endswith(f"@127.0.0.1:{port}")
        assert binding.user_agent.startswith("baresip")
        assert 590 <= binding.expires_in(time.time()) <= 600
        # on SIGTERM baresip un-registers (Expires: 0) before it exits
        process.send_signal(signal.SIGTERM)
        output, _ = await asyncio.wait_for(process.communicate(), 15)
        assert bindings(running) == [], output.decode(errors="replace")
        assert "200 OK" in output.decode(errors="replace")
    finally:
        if process is not None and process.returncode is None:
            process.kill()
            await process.wait()
        await running.service.stop()
