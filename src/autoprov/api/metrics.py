"""Prometheus metrics of one API process: requests and their latency per route template, and
the inventory's size, counted at scrape time."""

from __future__ import annotations

import time
from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from autoprov.inventory.phones import count_phones
from autoprov.inventory.registrations import list_registrations
from autoprov.inventory.users import count_users

UNMATCHED = "unmatched"
"""The route label of requests no route took (keeps the label set bounded)."""
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class InventoryCollector(Collector):
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def collect(self) -> Iterable[Metric]:
        with self._sessions() as session:
            phones = count_phones(session)
            users = count_users(session)
            registrations = list_registrations(session, limit=0).total
        yield GaugeMetricFamily("autoprov_phones", "Phones in the inventory", value=phones.total)
        yield GaugeMetricFamily(
            "autoprov_phones_unassigned", "Phones without a line", value=phones.unassigned
        )
        yield GaugeMetricFamily("autoprov_users", "Users (system users excluded)", value=users)
        yield GaugeMetricFamily(
            "autoprov_registrations", "Unexpired registrar bindings", value=registrations
        )


class ApiMetrics:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "autoprov_api_requests",
            "API requests answered",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "autoprov_api_request_duration_seconds",
            "Time to answer an API request",
            ["method", "route"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
            registry=self.registry,
        )
        self.registry.register(InventoryCollector(sessions))

    def render(self) -> bytes:
        return generate_latest(self.registry)


class MetricsMiddleware:
    """Counts and times every HTTP request by the template of the route that took it."""

    def __init__(self, app: ASGIApp, metrics: ApiMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        started = time.perf_counter()

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            route = scope.get("route")
            label = getattr(route, "path", UNMATCHED)
            method = scope["method"] if scope["method"] in METHODS else "other"
            self.metrics.latency.labels(method, label).observe(time.perf_counter() - started)
            self.metrics.requests.labels(method, label, str(status)).inc()
