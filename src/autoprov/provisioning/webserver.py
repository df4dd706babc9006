"""One process's HTTP service: uvicorn around the HTTP door, with its own resolver. Each
response leaves in one send (``coalescing.py``)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from contextlib import AsyncExitStack, contextmanager

import anyio.to_thread
import uvicorn
from sqlalchemy import Engine

from autoprov.config import Settings
from autoprov.provisioning.coalescing import HttpProtocol
from autoprov.provisioning.credentials import HttpCredentials
from autoprov.provisioning.http import ProvisioningApp
from autoprov.provisioning.processes import finish, stop_in_thread
from autoprov.provisioning.resolver import Resolver
from autoprov.provisioning.store import Store
from autoprov.storage.db import engine_for

GRACEFUL_SHUTDOWN = 5
BACKLOG = 2048


class _Server(uvicorn.Server):
    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        # Signals belong to the caller, which cancels the service; uvicorn's own handling
        # would re-raise them after its shutdown, past the other doors' cleanup.
        yield


def http_server(settings: Settings, resolver: Resolver, nonce_secret: bytes) -> uvicorn.Server:
    tls = settings.tls_cert is not None and settings.tls_key is not None
    config = uvicorn.Config(
        ProvisioningApp(resolver, HttpCredentials(nonce_secret)),
        host=settings.bind,
        port=settings.provision_port,
        http=HttpProtocol,
        backlog=BACKLOG,
        lifespan="off",
        # Phones connect directly: the address the rate limit and the refusal lines use is the
        # connection's, never an X-Forwarded-For header (and no middleware runs per request).
        proxy_headers=False,
        access_log=False,
        log_config=None,
        server_header=False,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN,
        ssl_certfile=settings.tls_cert if tls else None,
        ssl_keyfile=settings.tls_key if tls else None,
    )
    return _Server(config)


def shared_port_socket(settings: Settings) -> socket.socket:
    """The provisioning port, bound with SO_REUSEPORT so that several processes share it."""
    family = socket.AF_INET6 if ":" in settings.bind else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    listener.bind((settings.bind, settings.provision_port))
    listener.listen(BACKLOG)
    return listener


async def serve_until_cancelled(
    server: uvicorn.Server, sockets: list[socket.socket] | None = None
) -> None:
    """Serve HTTP. Once cancelled: stop listening, finish the requests in flight (bounded by
    GRACEFUL_SHUTDOWN), then let the cancellation through."""
    serving = asyncio.ensure_future(server.serve(sockets=sockets))
    try:
        await asyncio.shield(serving)
    except asyncio.CancelledError:
        server.should_exit = True
        await finish(serving)
        raise


async def open_resolver(
    doors: AsyncExitStack, settings: Settings, engine: Engine, processes: int
) -> Resolver:
    """A resolver whose last-seen writer runs until ``doors`` closes."""
    resolver = Resolver(settings, Store(engine, settings), processes=processes)
    resolver.sightings.start()
    doors.push_async_callback(stop_in_thread, resolver.sightings.stop)
    return resolver


async def serve_http(settings: Settings, processes: int, nonce_secret: bytes) -> None:
    """An extra HTTP worker's whole service, until cancelled."""
    engine = engine_for(settings)
    try:
        async with AsyncExitStack() as doors:
            resolver = await open_resolver(doors, settings, engine, processes)
            listener = await anyio.to_thread.run_sync(shared_port_socket, settings)
            server = http_server(settings, resolver, nonce_secret)
            await serve_until_cancelled(server, [listener])
    finally:
        engine.dispose()
