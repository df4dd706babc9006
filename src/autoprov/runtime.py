"""How a process runs its asyncio main: on uvloop, until a signal or its parent's death."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ctypes.util
import functools
import multiprocessing
import signal
from collections.abc import Callable, Collection, Coroutine
from typing import Any, TypeVar, cast

import uvloop

T = TypeVar("T")

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def run(main: Coroutine[Any, Any, T]) -> T:
    """Run ``main`` to its end on uvloop's event loop, which costs every service (and the
    simulator, which shares the host with the server it loads) less CPU than asyncio's."""
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main)


async def until_signalled(
    work: Coroutine[Any, Any, None], signals: Collection[signal.Signals] = STOP_SIGNALS
) -> None:
    """Run ``work`` until one of ``signals`` cancels it, or, in a child process, until the
    parent dies (even by SIGKILL: its sentinel becomes readable). Cancelled, the service shuts
    down cleanly; that is a normal end, not an error."""
    task = asyncio.ensure_future(work)
    loop = asyncio.get_running_loop()
    for signum in signals:
        loop.add_signal_handler(signum, task.cancel)
    parent = multiprocessing.parent_process()
    if parent is not None:
        loop.add_reader(parent.sentinel, task.cancel)
    with contextlib.suppress(asyncio.CancelledError):
        await task


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    library = ctypes.CDLL(name) if name else None
    trim = getattr(library, "malloc_trim", None)  # glibc's; other C libraries lack it
    return cast("Callable[[int], int] | None", trim)


def release_free_memory() -> None:
    """Hand the memory the C allocator holds free back to the system (glibc's
    ``malloc_trim``; elsewhere nothing). Python frees large objects with ``free``, which keeps
    the pages for reuse: after a burst of work the process would stay at its peak size."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
