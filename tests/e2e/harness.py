"""The real services for end-to-end tests: in this test's event loop through their
``run(settings)`` functions, or as ``autoprov <service>`` child processes that a test may kill.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import time
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any, Protocol

import httpx
from pydantic import SecretStr

from autoprov.api.service import run as run_api
from autoprov.config import Settings
from autoprov.registrar.service import run as run_registrar

with warnings.catch_warnings():
    # pyftpdlib (the FTP door) still imports asyncore, deprecated in Python 3.11.
    warnings.simplefilter("ignore", DeprecationWarning)
    from autoprov.provisioning.service import run as run_provisioner

ADMIN = ("admin", "admin-secret")
START_TIMEOUT = 30.0


def settings_env(settings: Settings) -> dict[str, str]:
    """The ``AUTOPROV_*`` environment that gives a child process the same settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOPROV_")}
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        text = json.dumps(value) if isinstance(value, list) else str(value)
        env[f"AUTOPROV_{name.upper()}"] = text
    return env


async def wait_for_port(port: int) -> None:
    """Until something accepts TCP connections on 127.0.0.1:port (START_TIMEOUT at most)."""
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"nothing listens on 127.0.0.1:{port}") from None
            await asyncio.sleep(0.05)
            continue
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
        return


class Service(Protocol):
    async def start(self) -> None: ...
    async def stop(self) -> None: ...


class InProcessService:
    """A service's ``run(settings)`` as a task of the test's loop; ``stop`` cancels it."""

    def __init__(
        self, run: Callable[[Settings], Coroutine[Any, Any, None]], settings: Settings, port: int
    ) -> None:
        self._run = run
        self._settings = settings
        self._port = port
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(self._settings))
        waiting = asyncio.create_task(wait_for_port(self._port))
        done, _ = await asyncio.wait({self._task, waiting}, return_when=asyncio.FIRST_COMPLETED)
        if self._task in done:
            waiting.cancel()
            self._task.result()
            raise RuntimeError("service ended while starting")
        waiting.result()

    async def stop(self) -> None:
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None


class ChildProcessService:
    """``autoprov <command>`` in a child process with the test's settings."""

    def __init__(self, command: str, settings: Settings, port: int, **overrides: Any) -> None:
        self._command = command
        self._settings = settings.model_copy(update=overrides) if overrides else settings
        self._port = port
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "autoprov",
            self._command,
            env=settings_env(self._settings),
            stdin=asyncio.subprocess.DEVNULL,
        )
        await wait_for_port(self._port)

    def kill(self) -> None:
        """SIGKILL: no clean-up, no last flush."""
        assert self.process is not None
        self.process.kill()

    async def stop(self) -> None:
        if self.process is None:
            return
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 15)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        self.process = None


class Stack:
    """Registrar, provisioning server and REST API in the test's event loop."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.registrar = InProcessService(run_registrar, settings, settings.sip_port)
        self.provisioner = InProcessService(run_provisioner, settings, settings.provision_port)
        self.api = InProcessService(run_api, settings, settings.api_port)

    async def start(self) -> None:
        # The API bootstraps the database first, so the others find it ready.
        await self.api.start()
        await self.registrar.start()
        await self.provisioner.start()

    async def stop(self) -> None:
        for service in (self.provisioner, self.registrar, self.api):
            await service.stop()


class Inventory:
    """The REST API as an admin script uses it."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def phones(self, **params: str | int) -> dict[str, Any]:
        response = await self.client.get("/api/v1/phones", params=params)
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body

    async def all_phones(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        while True:
            page = await self.phones(offset=len(found), limit=500)
            found.extend(page["items"])
            if not page["items"] or len(found) >= page["total"]:
                return found

    async def phone(self, mac: str) -> dict[str, Any]:
        response = await self.client.get(f"/api/v1/phones/{mac}")
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body

    async def create_user(self, username: str, password: str, display_name: str) -> None:
        response = await self.client.post(
            "/api/v1/users",
            json={"username": username, "password": password, "display_name": display_name},
        )
        response.raise_for_status()

    async def assign(self, mac: str, username: str) -> None:
        response = await self.client.post(
            f"/api/v1/phones/{mac}/lines", json={"username": username}
        )
        response.raise_for_status()


@asynccontextmanager
async def inventory(settings: Settings) -> AsyncIterator[Inventory]:
    async with httpx.AsyncClient(
        base_url=settings.api_base_url, auth=ADMIN, timeout=30, trust_env=False
    ) as client:
        yield Inventory(client)


def provision_url(settings: Settings) -> str:
    """The boot server URL with the provisioning credentials, as DHCP option 66 carries it."""
    password = settings.provision_password
    assert password is not None
    return (
        f"http://{settings.provision_user}:{password.get_secret_value()}"
        f"@127.0.0.1:{settings.provision_port}/"
    )


async def until(check: Callable[[], Awaitable[bool]], seconds: float, what: str) -> None:
    """Poll ``check`` every 100 ms until it holds; fail naming ``what`` after ``seconds``."""
    try:
        async with asyncio.timeout(seconds):
            while not await check():  # noqa: ASYNC110 - the condition lives in another service
                await asyncio.sleep(0.1)
    except TimeoutError:
        raise AssertionError(f"timed out after {seconds} s waiting for {what}") from None
