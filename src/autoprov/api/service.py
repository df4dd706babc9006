"""``autoprov api``: the REST API (and the admin UI mounted on it) under uvicorn, with the
check-sync notifier wired in as the re-sync hook."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator

import uvicorn

from autoprov.api.app import create_app
from autoprov.config import Settings
from autoprov.inventory.bootstrap import bootstrap
from autoprov.storage.db import engine_for

log = logging.getLogger(__name__)


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # Signals belong to whoever runs us: they stop the service by cancelling ``run``.
        yield


async def serve_until_cancelled(server: uvicorn.Server) -> None:
    """Serve; on cancellation, stop accepting, finish the requests in flight, then return."""
    task = asyncio.ensure_future(server.serve())
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        server.should_exit = True
        await task
        raise


async def run(settings: Settings) -> None:
    from autoprov.notifier import CheckSyncNotifier

    engine = engine_for(settings)
    try:
        await asyncio.to_thread(bootstrap, engine, settings)
        notifier = CheckSyncNotifier(settings, engine)
        await notifier.start()
        try:
            app = create_app(settings, engine, resync=notifier.resync)
            config = uvicorn.Config(
                app,
                host=settings.bind,
                port=settings.api_port,
                log_config=None,
                access_log=False,
                # Longer than clients keep idle connections (httpx: 5 s), so a client never
                # sends on a connection the server is closing at that moment.
                timeout_keep_alive=75,
                server_header=False,
            )
            log.info("api-listening bind=%s port=%d", settings.bind, settings.api_port)
            await serve_until_cancelled(_Server(config))
        finally:
            await notifier.stop()
    finally:
        engine.dispose()
