"""``autoprov registrar``: the SIP registrar alone (``autoprov serve`` runs everything)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable

import typer

from autoprov.cli.common import errors, load_settings
from autoprov.config import Settings
from autoprov.logs import setup_logging
from autoprov.registrar.service import run


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop when installed (it comes with uvicorn[standard]): a faster event loop."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def _print_addresses(addresses: list[str]) -> None:
    typer.echo("SIP registrar listening on " + ", ".join(addresses), err=True)


async def _until_signalled(settings: Settings) -> None:
    task = asyncio.create_task(run(settings, on_ready=_print_addresses))
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, task.cancel)
    with contextlib.suppress(asyncio.CancelledError):
        await task


def registrar() -> None:
    """Run the SIP registrar on AUTOPROV_SIP_PORT (UDP and TCP; TLS on AUTOPROV_SIP_TLS_PORT
    when AUTOPROV_TLS_CERT and AUTOPROV_TLS_KEY are set). Stops cleanly on SIGINT/SIGTERM."""
    settings = load_settings()
    setup_logging(settings.log_level)
    try:
        with asyncio.Runner(loop_factory=_loop_factory()) as runner:
            runner.run(_until_signalled(settings))
    except OSError as exc:
        errors.print(f"[red]error:[/red] cannot start the registrar: {exc}", highlight=False)
        raise typer.Exit(1) from None
