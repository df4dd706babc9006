"""Register plugins: code that runs after every successful REGISTER, off the response path.

A plugin is configured by name (``Settings.register_plugins``). A name maps to a
``"module:attribute"`` factory, ``factory(settings, engine) -> RegisterPlugin``; a name that
contains ``:`` is imported as it stands (third-party plugins). A plugin that fails to load or
to start is logged and left out; the registrar runs without it.

Calls go through a bounded queue to one worker thread. The event loop only enqueues, so a
slow or failing plugin never delays or breaks a registration: when the queue is full the call
is dropped and counted, and a plugin's exceptions are logged at most once a minute each.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, cast, runtime_checkable

from sqlalchemy import Engine

from autoprov.config import Settings
from autoprov.logs import quote
from autoprov.registrar.location import Binding
from autoprov.registrar.metrics import RegistrarMetrics

if TYPE_CHECKING:
    from autoprov.sip import Request

log = logging.getLogger("autoprov.registrar")

BUILTIN_PLUGINS = {"autoprovision": "autoprov.autoprovision.plugin:create_plugin"}
ERROR_LOG_INTERVAL = 60.0
STOP_TIMEOUT = 5.0


class RegisterPlugin(Protocol):
    def take_action(self, request: Request, binding: Binding) -> None:
        """Called (in the plugin worker thread) for each binding a successful REGISTER added
        or refreshed. Should return quickly; it delays only later plugin calls."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


@runtime_checkable
class ReportsMetrics(Protocol):
    """A plugin that also has figures for the registrar's ``/metrics``."""

    def exported_metrics(self) -> dict[str, float]:
        """Name to value, called from the exporter's thread; a counter's name ends in
        ``_total``, and every name starts with the plugin's own (``autoprovision_...``)."""
        ...


PluginFactory = Callable[[Settings, Engine], RegisterPlugin]


@dataclass(frozen=True, slots=True)
class LoadedPlugin:
    name: str
    plugin: RegisterPlugin


class PluginLoadError(Exception):
    pass


def resolve_factory(name: str) -> PluginFactory:
    target = name if ":" in name else BUILTIN_PLUGINS.get(name)
    if target is None:
        raise PluginLoadError(f"unknown plugin {name!r}")
    module_name, _, attribute = target.partition(":")
    try:
        factory = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise PluginLoadError(f"cannot import {target}: {exc}") from exc
    if not callable(factory):
        raise PluginLoadError(f"{target} is not callable")
    return cast(PluginFactory, factory)


def load_plugins(names: Iterable[str], settings: Settings, engine: Engine) -> list[LoadedPlugin]:
    loaded = []
    for name in names:
        try:
            plugin = resolve_factory(name)(settings, engine)
        except Exception as exc:
            log.error("plugin-load-failed plugin=%s error=%s", quote(name), quote(exc))
            continue
        loaded.append(LoadedPlugin(name, plugin))
    return loaded


class _ErrorGate:
    """At most one log line per plugin per interval; the rest are counted in the next one."""

    __slots__ = ("_interval", "_last", "_suppressed")

    def __init__(self, interval: float) -> None:
        self._interval = interval
        self._last: dict[str, float] = {}
        self._suppressed: dict[str, int] = {}

    def report(self, name: str, now: float) -> int | None:
        """The number of errors suppressed since the last line, or None to stay quiet."""
        last = self._last.get(name)
        if last is not None and now - last < self._interval:
            self._suppressed[name] = self._suppressed.get(name, 0) + 1
            return None
        self._last[name] = now
        return self._suppressed.pop(name, 0)


_STOP = object()


class PluginRunner:
    def __init__(
        self,
        plugins: Sequence[LoadedPlugin],
        metrics: RegistrarMetrics,
        queue_size: int = 10_000,
    ) -> None:
        self._plugins = list(plugins)
        self._metrics = metrics
        self._queue: queue.Queue[object] = queue.Queue(queue_size)
        self._errors = _ErrorGate(ERROR_LOG_INTERVAL)
        self._drop_gate = _ErrorGate(ERROR_LOG_INTERVAL)
        self._thread: threading.Thread | None = None

    @property
    def names(self) -> list[str]:
        return [p.name for p in self._plugins]

    def exported_metrics(self) -> dict[str, float]:
        """The figures of the running plugins that report any (:class:`ReportsMetrics`)."""
        figures: dict[str, float] = {}
        for loaded in self._plugins:
            if isinstance(loaded.plugin, ReportsMetrics):
                figures.update(loaded.plugin.exported_metrics())
        return figures

    async def start(self) -> None:
        started = []
        for loaded in self._plugins:
            try:
                await loaded.plugin.start()
            except Exception as exc:
                log.error("plugin-start-failed plugin=%s error=%s", quote(loaded.name), quote(exc))
                continue
            started.append(loaded)
        self._plugins = started
        if started:
            self._thread = threading.Thread(target=self._work, name="register-plugins", daemon=True)
            self._thread.start()

    def submit(self, request: Request, bindings: Sequence[Binding]) -> None:
        """Called on the event loop: never blocks."""
        if self._thread is None:
            return
        for binding in bindings:
            try:
                self._queue.put_nowait((request, binding))
            except queue.Full:
                self._metrics.plugin_calls_dropped += 1
                dropped = self._drop_gate.report("queue", time.monotonic())
                if dropped is not None:
                    log.warning(
                        "plugin-queue-full dropped=%d aor=%s", dropped + 1, quote(binding.aor)
                    )

    async def stop(self) -> None:
        thread, self._thread = self._thread, None
        if thread is not None:
            # let the worker finish what is queued, within the timeout, then give up on it
            try:
                await asyncio.to_thread(self._queue.put, _STOP, True, STOP_TIMEOUT)
            except queue.Full:
                with self._queue.mutex:
                    self._queue.queue.clear()
                self._queue.put_nowait(_STOP)
            await asyncio.to_thread(thread.join, STOP_TIMEOUT)
            if thread.is_alive():
                log.warning("plugin-worker-stuck timeout=%s", STOP_TIMEOUT)
        for loaded in self._plugins:
            try:
                await loaded.plugin.stop()
            except Exception as exc:
                log.error("plugin-stop-failed plugin=%s error=%s", quote(loaded.name), quote(exc))

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            request, binding = cast("tuple[Request, Binding]", item)
            for loaded in self._plugins:
                try:
                    loaded.plugin.take_action(request, binding)
                except Exception:
                    self._metrics.plugin_errors += 1
                    suppressed = self._errors.report(loaded.name, time.monotonic())
                    if suppressed is not None:
                        log.exception(
                            "plugin-failed plugin=%s aor=%s suppressed=%d",
                            quote(loaded.name),
                            quote(binding.aor),
                            suppressed,
                        )
