"""``autoprov provisioner``: the HTTP(S), FTP and TFTP doors over one resolver.

HTTP runs on uvicorn in the event loop, and in more processes on the same port when
``http_workers`` (by default ``Settings.http_workers``) is above one. FTP and TFTP run in
threads of the main process and call the resolver in its event loop. ``run`` serves until it
is cancelled (the caller maps signals to that). Then HTTP stops listening and finishes the
requests in flight, every door and worker stops, and the pending last-seen notes are written
before the cancellation goes on.
"""

from __future__ import annotations

import logging
import secrets
from contextlib import AsyncExitStack

import anyio.to_thread
from anyio.lowlevel import current_token

from autoprov.config import Settings
from autoprov.inventory.bootstrap import bootstrap
from autoprov.provisioning.ftp import FtpDoor
from autoprov.provisioning.processes import stop_in_thread
from autoprov.provisioning.tftp import TftpDoor
from autoprov.provisioning.webserver import (
    http_server,
    open_resolver,
    serve_until_cancelled,
    shared_port_socket,
)
from autoprov.provisioning.workers import HttpWorkers
from autoprov.storage.db import engine_for

log = logging.getLogger("autoprov.provisioning")


async def run(settings: Settings, *, http_workers: int | None = None) -> None:
    """Serve until cancelled. ``http_workers`` > 1 adds HTTP processes on the same port."""
    if http_workers is None:
        http_workers = settings.http_workers
    engine = engine_for(settings)
    nonce_secret = secrets.token_bytes(32)
    try:
        await anyio.to_thread.run_sync(bootstrap, engine, settings)
        async with AsyncExitStack() as doors:
            resolver = await open_resolver(doors, settings, engine, http_workers)
            token = current_token()
            if settings.ftp_port:
                ftp = FtpDoor(settings, resolver, token)
                ftp.start()
                doors.push_async_callback(stop_in_thread, ftp.stop)
            if settings.tftp_port:
                tftp = TftpDoor(settings, resolver, token)
                await anyio.to_thread.run_sync(tftp.start)
                doors.push_async_callback(stop_in_thread, tftp.stop)
            sockets = None
            if http_workers > 1:
                sockets = [shared_port_socket(settings)]
                workers = HttpWorkers(settings, http_workers - 1, http_workers, nonce_secret)
                workers.start()
                doors.push_async_callback(stop_in_thread, workers.stop)
            log.info(
                "provisioning ready url=%s http_workers=%d ftp_port=%d tftp_port=%d",
                resolver.base_url,
                http_workers,
                settings.ftp_port,
                settings.tftp_port,
            )
            await serve_until_cancelled(http_server(settings, resolver, nonce_secret), sockets)
    finally:
        engine.dispose()
