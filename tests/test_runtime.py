from __future__ import annotations

import asyncio
import os
import signal

import uvloop

from autoprov.runtime import run, until_signalled


def test_run_gives_the_result_of_main_run_on_uvloop() -> None:
    async def main() -> type[asyncio.AbstractEventLoop]:
        return type(asyncio.get_running_loop())

    assert run(main()) is uvloop.Loop


def test_a_stop_signal_cancels_the_work_which_ends_cleanly() -> None:
    ended: list[str] = []

    async def work() -> None:
        asyncio.get_running_loop().call_soon(os.kill, os.getpid(), signal.SIGTERM)
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            ended.append("cancelled")
            raise

    run(until_signalled(work()))
    assert ended == ["cancelled"]


def test_only_the_signals_named_stop_the_work() -> None:
    """``autoprov serve``'s children leave Ctrl-C to their parent: SIGINT must not stop them."""
    interrupted: list[str] = []
    ended: list[str] = []

    async def work() -> None:
        os.kill(os.getpid(), signal.SIGINT)
        await asyncio.sleep(0.05)
        ended.append("survived SIGINT")
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.sleep(60)

    async def main() -> None:
        # stands in for the SIG_IGN a child sets, without letting a SIGINT reach pytest
        asyncio.get_running_loop().add_signal_handler(signal.SIGINT, interrupted.append, "x")
        await until_signalled(work(), signals=(signal.SIGTERM,))

    run(main())
    assert (interrupted, ended) == (["x"], ["survived SIGINT"])
