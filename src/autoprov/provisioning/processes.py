"""Lifecycle helpers: run until a signal, and stop things even while being cancelled."""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import signal
from collections.abc import Callable, Coroutine
from typing import Any

import anyio.to_thread
from uvicorn.loops.auto import auto_loop_factory


def run_until_signalled(work: Coroutine[Any, Any, None]) -> None:
    """A process's main: ``work`` on the event loop uvicorn would pick (uvloop when
    installed), until a signal or the parent's death (see ``until_signalled``)."""
    with asyncio.Runner(loop_factory=auto_loop_factory()) as runner:
        runner.run(until_signalled(work))


async def until_signalled(work: Coroutine[Any, Any, None]) -> None:
    """Run ``work`` until SIGINT or SIGTERM cancels it, or, in a child process, until the
    parent dies (even by SIGKILL: its sentinel becomes readable). Cancelled, the service shuts
    down cleanly; that is a normal end, not an error."""
    task = asyncio.ensure_future(work)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, task.cancel)
    parent = multiprocessing.parent_process()
    if parent is not None:
        loop.add_reader(parent.sentinel, task.cancel)
    with contextlib.suppress(asyncio.CancelledError):
        await task


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
