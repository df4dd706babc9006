"""``autoprov api``: the REST API and admin UI alone (``autoprov serve`` runs everything)."""

from __future__ import annotations

import asyncio
import contextlib
import signal

from autoprov.api.service import run
from autoprov.cli.common import load_settings
from autoprov.config import Settings
from autoprov.logs import setup_logging


async def _until_signalled(settings: Settings) -> None:
    """SIGINT or SIGTERM stop the service gracefully: requests in flight are answered."""
    service = asyncio.ensure_future(run(settings))
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, service.cancel)
    with contextlib.suppress(asyncio.CancelledError):
        await service


def api() -> None:
    """Run the REST API (and the admin UI) on AUTOPROV_API_PORT."""
    settings = load_settings()
    setup_logging(settings.log_level)
    asyncio.run(_until_signalled(settings))
