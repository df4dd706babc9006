"""The registrar run as it runs in production: ``run(settings)`` in the test's event loop, or
``autoprov registrar`` in a child process configured through ``AUTOPROV_*`` variables and
writing its log to a file."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from autoprov.config import Settings
from autoprov.registrar.service import run

READY_LINE = "SIP registrar listening on"


def configured(settings: Settings, **changes: Any) -> Settings:
    return Settings(**{**settings.model_dump(), **changes})


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment that makes ``autoprov registrar`` read exactly these settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOPROV_")}
    for name, value in settings.model_dump(exclude_none=True).items():
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        elif isinstance(value, list | dict):
            value = json.dumps(value)
        env[f"AUTOPROV_{name.upper()}"] = str(value)
    return env


async def eventually(check: Callable[[], Awaitable[bool]], within: float) -> bool:
    """Poll ``check`` until it holds or ``within`` seconds have passed."""
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.1)
    return True


@contextlib.asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[tuple[str, int]]:
    """``run(settings)`` as a task until the block ends, then cancelled (a clean stop)."""
    ready = asyncio.Event()
    task = asyncio.create_task(run(settings, on_ready=lambda _: ready.set()))
    waiter = asyncio.create_task(ready.wait())
    await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    waiter.cancel()
    if task.done():
        task.result()  # raises what made the start fail
    try:
        yield ("127.0.0.1", settings.sip_port)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@contextlib.asynccontextmanager
async def registrar_process(
    settings: Settings, log: Path, *, ready_within: float = 60
) -> AsyncIterator[asyncio.subprocess.Process]:
    """``autoprov registrar`` with stdout and stderr in ``log``; killed if still running at
    the end of the block."""
    with log.open("wb") as output:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "autoprov",
            "registrar",
            env=settings_env(settings),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=output,
            stderr=asyncio.subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + ready_within
        while READY_LINE not in (text := await asyncio.to_thread(log.read_text)):
            assert process.returncode is None, text
            assert time.monotonic() < deadline, "the registrar did not start in time"
            await asyncio.sleep(0.1)
        yield process
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGKILL)
        await process.wait()


async def stop_cleanly(process: asyncio.subprocess.Process, within: float = 30) -> int:
    """SIGTERM, as a service manager stops it; returns the exit code."""
    process.send_signal(signal.SIGTERM)
    return await asyncio.wait_for(process.wait(), within)
