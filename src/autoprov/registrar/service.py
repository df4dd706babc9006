"""The registrar service: wires the location service, authentication, plugins, write-behind
and command polling to the SIP transports, and runs them until cancelled.

Start-up order matters: the command poller notes the newest command *before* credentials and
bindings are loaded, so a change posted meanwhile is still applied afterwards.

With ``AUTOPROV_REGISTRAR_PROCESSES`` above one, this process also starts the others and
shares the AORs out among them (`autoprov.registrar.workers`); each runs this same service
for its share, without listeners.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import logging
import socket
import ssl
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from wsgiref.simple_server import WSGIServer

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from autoprov.config import AUTOPROVISION_USER, Settings
from autoprov.inventory.bootstrap import bootstrap
from autoprov.inventory.site import SiteSettings, generated_secret, load_site_settings
from autoprov.logs import quote, setup_logging
from autoprov.registrar.auth import Authenticator
from autoprov.registrar.credentials import CredentialCache, load_passwords
from autoprov.registrar.exporter import serve_metrics
from autoprov.registrar.journal import BindingJournal
from autoprov.registrar.location import Binding, LocationService
from autoprov.registrar.metrics import RegistrarMetrics
from autoprov.registrar.persistence import WriteBehind, load_bindings
from autoprov.registrar.plugins import PluginRunner, load_plugins
from autoprov.registrar.poller import CommandPoller
from autoprov.registrar.registrar import ExpiryPolicy, Registrar
from autoprov.registrar.sharding import Shard
from autoprov.registrar.throttle import AuthThrottle
from autoprov.registrar.workers import (
    METRICS_INTERVAL,
    FrameLink,
    Links,
    ShardRouter,
    ShardWorkers,
    open_links,
)
from autoprov.runtime import run as run_loop
from autoprov.runtime import until_signalled
from autoprov.sip.digest import NonceKeeper
from autoprov.storage.commands import Command, CommandKind
from autoprov.storage.db import engine_for
from autoprov.transport.endpoint import SipEndpoint
from autoprov.transport.server import SipServer, sweep_transactions
from autoprov.transport.udp import UdpProtocol

log = logging.getLogger("autoprov.registrar")

EXPIRY_SWEEP_INTERVAL = 1.0
WILDCARD_ADDRESSES = frozenset({"0.0.0.0", "::", ""})
GC_THRESHOLD = 20_000


@dataclass(frozen=True, slots=True)
class SiteView:
    """What the registrar reads from the site settings and secrets at start."""

    site: SiteSettings
    nonce_secret: str


def _read_site(engine: Engine, settings: Settings) -> SiteView:
    with Session(engine) as session, session.begin():
        site = load_site_settings(session, settings)
        secret = generated_secret(session, "generated.nonce_secret", 32)
    return SiteView(site, secret)


def served_hosts(settings: Settings, site: SiteSettings) -> set[str]:
    """The served domain, and the names and addresses of the registrar itself."""
    hosts = {site.sip_domain, site.registrar_host, settings.host}
    if settings.bind not in WILDCARD_ADDRESSES:
        hosts.add(settings.bind)
    return hosts


def tls_context(settings: Settings) -> ssl.SSLContext | None:
    if settings.tls_cert is None or settings.tls_key is None:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(settings.tls_cert, settings.tls_key)
    return context


class RegistrarService:
    """All the registrar's parts; :meth:`start` and :meth:`stop` bracket its life."""

    def __init__(
        self, settings: Settings, engine: Engine | None = None, shard: Shard | None = None
    ) -> None:
        self.settings = settings
        self.shard = shard or Shard(0, settings.registrar_processes)
        self.engine = engine or engine_for(settings)
        self._owns_engine = engine is None
        self.journal = BindingJournal()
        self.location = LocationService(
            settings.max_contacts_per_aor, [AUTOPROVISION_USER], self.journal
        )
        self.metrics = RegistrarMetrics(
            lambda: len(self.location),
            lambda: self.endpoint.bad_messages if self.endpoint is not None else 0,
        )
        self.credentials = CredentialCache()
        self.throttle = AuthThrottle(
            settings.auth_fail_limit, settings.auth_fail_window, [AUTOPROVISION_USER]
        )
        self.plugins = PluginRunner([], self.metrics)
        self.write_behind = WriteBehind(
            self.engine, self.journal, settings.binding_flush_interval, self.metrics
        )
        self.poller = CommandPoller(self.engine, self._apply_commands)
        self.endpoint: SipEndpoint | None = None
        self.server: SipServer | None = None
        self.router: ShardRouter | None = None
        self.workers: ShardWorkers | None = None
        self.authenticator: Authenticator | None = None
        self._writer: asyncio.Task[None] | None = None
        self._exporter: WSGIServer | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._worker_udp: UdpProtocol | None = None

    async def start(self) -> list[str]:
        """Bring everything up; returns where it listens (``transport:host:port``)."""
        await asyncio.to_thread(bootstrap, self.engine, self.settings)
        endpoint, view = await self._prepare()
        settings = self.settings
        if self.shard.count > 1:
            self.router = ShardRouter(endpoint, self.shard)
            self.workers = ShardWorkers(settings, self.shard.count, run_worker)
            await self.workers.link(self.router)
        self.server = SipServer(endpoint, receiver=self.router)
        context = tls_context(settings)
        await self.server.start(
            settings.bind,
            settings.sip_port,
            tls_port=settings.sip_tls_port if context is not None else None,
            ssl_context=context,
        )
        if self.router is not None and self.workers is not None:
            self.router.udp = self.server.datagram_channel
            await self.workers.start(self.router, self.server.datagram_socket())
        self._run_background()
        if settings.registrar_metrics_port:
            self._exporter = serve_metrics(
                settings.bind, settings.registrar_metrics_port, [self.counters]
            )
            log.info(
                "registrar-metrics url=http://%s:%d/metrics",
                settings.bind,
                settings.registrar_metrics_port,
            )
        log.info(
            "registrar-started listen=%s domain=%s users=%d bindings=%d plugins=%s processes=%d",
            ",".join(self.server.addresses),
            quote(view.site.sip_domain),
            len(self.credentials),
            len(self.location),
            ",".join(self.plugins.names) or "-",
            self.shard.count,
        )
        return list(self.server.addresses)

    async def start_worker(self, links: Links, udp: socket.socket) -> None:
        """Bring up a worker (``shard.index`` > 0), linked to every other process, reading
        the UDP socket the first process opened (which also created the database)."""
        endpoint, _ = await self._prepare()
        router = self.router = ShardRouter(endpoint, self.shard)
        router.links = await open_links(links, router.from_link)
        _, self._worker_udp = await asyncio.get_running_loop().create_datagram_endpoint(
            lambda: UdpProtocol(router), sock=udp
        )
        router.udp = self._worker_udp
        self._run_background()
        self._tasks += [
            asyncio.create_task(self._send_counters(router.links[0]), name="registrar-counters"),
            asyncio.create_task(sweep_transactions(endpoint), name="sip-transactions"),
        ]
        router.links[0].send(b"r")
        log.info(
            "registrar-worker-started index=%d bindings=%d", self.shard.index, len(self.location)
        )

    def counters(self) -> dict[str, float]:
        """This process's counters and its plugins', plus the workers' (on ``/metrics``)."""
        totals = {**self.metrics.snapshot(), **self.plugins.exported_metrics()}
        if self.router is not None:
            for name, value in self.router.worker_counters().items():
                totals[name] = totals.get(name, 0.0) + value
        return totals

    async def _send_counters(self, first: FrameLink) -> None:
        """A worker's counters to the first process. Its plugins' gauges stay out: they
        measure what every process sees alike (the outbox), and the first process has them."""
        while True:
            await asyncio.sleep(METRICS_INTERVAL)
            counters = {
                **self.metrics.snapshot(),
                **{
                    name: value
                    for name, value in self.plugins.exported_metrics().items()
                    if name.endswith("_total")
                },
            }
            first.send(b"m" + json.dumps(counters).encode())

    async def _prepare(self) -> tuple[SipEndpoint, SiteView]:
        """Everything but the listeners: credentials, this share of the bindings, plugins."""
        settings = self.settings
        await self.poller.mark_start()
        view = await asyncio.to_thread(_read_site, self.engine, settings)
        self.credentials.replace(await asyncio.to_thread(load_passwords, self.engine))
        now = time.time()
        self.location.restore(
            await asyncio.to_thread(load_bindings, self.engine, now, self.shard.owns), now
        )
        self.authenticator = Authenticator(
            view.site.sip_domain,
            self.credentials,
            NonceKeeper(view.nonce_secret.encode(), settings.nonce_ttl),
            self.throttle,
            settings.digest_algorithms,
        )
        self.plugins = PluginRunner(
            load_plugins(settings.register_plugins, settings, self.engine), self.metrics
        )
        await self.plugins.start()
        registrar = Registrar(
            location=self.location,
            authenticator=self.authenticator,
            served_hosts=served_hosts(settings, view.site),
            expiry=ExpiryPolicy(
                settings.min_expires, settings.default_expires, settings.max_expires
            ),
            metrics=self.metrics,
            on_registered=self.plugins.submit,
        )
        self.endpoint = SipEndpoint(registrar)
        return self.endpoint, view

    def _run_background(self) -> None:
        self._writer = asyncio.create_task(self.write_behind.run(), name="bindings-write-behind")
        self._tasks = [
            asyncio.create_task(self.poller.run(), name="registrar-commands"),
            asyncio.create_task(self._sweep_expired(), name="bindings-expiry"),
        ]

    async def stop(self) -> None:
        if self._exporter is not None:
            await asyncio.to_thread(self._exporter.shutdown)
            self._exporter.server_close()
        if self.server is not None:
            await self.server.close()
        if self._worker_udp is not None:
            self._worker_udp.close()
        if self.workers is not None:
            await self.workers.stop()
        if self.router is not None:
            self.router.close()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.plugins.stop()
        # the write-behind ends with a final flush of whatever changed since the last one
        self.write_behind.stop()
        if self._writer is not None:
            await self._writer
        else:
            await self.write_behind.flush()
        if self._owns_engine:
            self.engine.dispose()
        log.info("registrar-stopped bindings=%d", len(self.location))

    async def _sweep_expired(self) -> None:
        while True:
            await asyncio.sleep(EXPIRY_SWEEP_INTERVAL)
            expired = self.location.expire(time.time())
            if expired:
                log.debug("bindings-expired count=%d", len(expired))

    async def _apply_commands(self, commands: Sequence[Command]) -> None:
        """One credentials reload however many changes, and one pass over each address of
        record for all the bindings to remove from it: an import that assigns thousands of
        auto-provisioned phones posts a removal for each, all for the same address of record."""
        if any(command.kind is CommandKind.CREDENTIALS_CHANGED for command in commands):
            self.credentials.replace(await asyncio.to_thread(load_passwords, self.engine))
            log.info("credentials-reloaded users=%d", len(self.credentials))
        suffixes: dict[str, set[str]] = {}
        for command in commands:
            if command.kind is CommandKind.REMOVE_BINDINGS:
                aor = command.args.get("aor", "")
                suffixes.setdefault(aor, set()).add(command.args.get("display_name_suffix", ""))
        for aor, wanted in suffixes.items():
            removed = self.location.remove_matching(aor, _ending_with_one_of(wanted))
            which = (
                f"suffix={quote(next(iter(wanted)))}"
                if len(wanted) == 1
                else f"suffixes={len(wanted)}"
            )
            log.info("bindings-removed aor=%s %s count=%d", quote(aor), which, len(removed))


def _ending_with_one_of(suffixes: set[str]) -> Callable[[Binding], bool]:
    """Whether a binding's display name ends with one of ``suffixes``: a set look-up per
    suffix length, not a comparison per suffix."""
    lengths = {len(suffix) for suffix in suffixes}

    def matches(binding: Binding) -> bool:
        name = binding.display_name
        return any(name[max(0, len(name) - n) :] in suffixes for n in lengths)

    return matches


async def run(settings: Settings, *, on_ready: Callable[[list[str]], None] | None = None) -> None:
    """Run the registrar until cancelled (SIGTERM/SIGINT in the CLI), then stop cleanly. A
    worker process that ends ends it too: cleanly when the worker was stopped by a signal (the
    same one, sent to every process), with an error when it crashed. The bindings a worker held
    are in the database, and whoever supervises the registrar starts it again whole."""
    service = RegistrarService(settings)
    try:
        addresses = await service.start()
        _freeze()
        if on_ready is not None:
            on_ready(addresses)
        workers = service.workers
        if workers is None:
            await asyncio.Event().wait()
        else:
            await workers.ended.wait()
            if workers.crashed:
                raise RuntimeError("a registrar worker process exited")
    finally:
        await asyncio.shield(service.stop())


def _freeze() -> None:
    # What start-up loaded (modules, settings, restored bindings) stays for good: keep it out
    # of the garbage collector's passes, which then only walk what traffic creates.
    gc.freeze()
    # Each message allocates a few hundred objects, nearly all freed by reference counting
    # before the next: at the default threshold (700) a young-generation pass ran every few
    # messages and found next to nothing to collect.
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])


def run_worker(settings: Settings, shard: Shard, links: Links, udp: socket.socket) -> None:
    """A worker process's main (spawned by `ShardWorkers`): its share of the AORs until
    SIGTERM or the first process's death."""
    setup_logging(settings.log_level)
    run_loop(until_signalled(_serve_share(settings, shard, links, udp)))


async def _serve_share(settings: Settings, shard: Shard, links: Links, udp: socket.socket) -> None:
    service = RegistrarService(settings, shard=shard)
    try:
        await service.start_worker(links, udp)
        _freeze()
        await asyncio.Event().wait()
    finally:
        await asyncio.shield(service.stop())
