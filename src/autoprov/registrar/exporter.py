"""The registrar process's ``/metrics``, in Prometheus text format, on a port of its own
(``AUTOPROV_REGISTRAR_METRICS_PORT``): the registrar speaks no HTTP, and its counters live in
its memory, out of the API's reach.

Each source is a snapshot function mapping a name to a value; a name ending in ``_total`` is a
counter, any other a gauge. Every name is served under the prefix ``autoprov_``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

Snapshot = Callable[[], Mapping[str, float]]
PREFIX = "autoprov_"
HELP = "see docs/registrar.md, Metrics"


class SnapshotCollector(Collector):
    def __init__(self, sources: Iterable[Snapshot]) -> None:
        self._sources = list(sources)

    def collect(self) -> Iterable[Metric]:
        for source in self._sources:
            for name, value in source().items():
                family = CounterMetricFamily if name.endswith("_total") else GaugeMetricFamily
                yield family(PREFIX + name, HELP, value=value)


def serve_metrics(host: str, port: int, sources: Iterable[Snapshot]) -> WSGIServer:
    """Answer ``GET /metrics`` from a thread of its own until ``shutdown()``; the snapshots
    are read in that thread, so each must be safe to call from it."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(SnapshotCollector(sources))
    server, _ = start_http_server(port, host, registry)
    return server
