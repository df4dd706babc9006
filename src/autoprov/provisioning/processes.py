"""Lifecycle helpers: run until a signal, and stop things even while being cancelled."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

import anyio.to_thread

from autoprov.runtime import run, until_signalled


def run_until_signalled(work: Coroutine[Any, Any, None]) -> None:
    """A process's main: ``work`` on uvloop until a signal or the parent's death."""
    run(until_signalled(work))


async def finish(work: asyncio.Future[None]) -> None:
    """Wait for ``work`` to end even if cancelled meanwhile, then pass the cancellation on."""
    cancelled = False
    while not work.done():
        try:
            await asyncio.shield(work)
        except asyncio.CancelledError:
            cancelled = True
    work.result()
    if cancelled:
        raise asyncio.CancelledError


async def stop_in_thread(stop: Callable[[], None]) -> None:
    """Run a blocking ``stop`` in a worker thread and wait for it, even when cancelled: the
    threads it stops may be waiting on this event loop, which must keep running for them."""
    await finish(asyncio.ensure_future(anyio.to_thread.run_sync(stop)))
