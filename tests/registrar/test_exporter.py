"""The registrar's ``/metrics``: its counters and its plugins', read by a Prometheus client."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine

from autoprov.autoprovision.metrics import Metrics
from autoprov.config import Settings
from autoprov.registrar.exporter import serve_metrics
from tests.helpers import free_port
from tests.registrar.conftest import USERS, add_users, start_registrar


def scrape(port: int) -> dict[str, tuple[str, float]]:
    """Family name to (type, value) of its one sample, parsed as Prometheus would."""
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    return {
        family.name: (family.type, family.samples[0].value)
        for family in text_string_to_metric_families(text)
    }


def test_names_ending_in_total_are_counters_the_rest_gauges() -> None:
    port = free_port()
    server = serve_metrics(
        "127.0.0.1",
        port,
        [lambda: {"registrar_auth_failures_total": 3}, lambda: {"registrar_bindings": 7}],
    )
    try:
        scraped = scrape(port)
    finally:
        server.shutdown()
        server.server_close()
    # the client names a counter's family without the suffix its samples carry
    assert scraped["autoprov_registrar_auth_failures"] == ("counter", 3.0)
    assert scraped["autoprov_registrar_bindings"] == ("gauge", 7.0)


def test_auto_provisioning_figures_keep_their_kind() -> None:
    metrics = Metrics()
    metrics.add("created", 2)
    metrics.set("queue_depth", 5)
    exported = metrics.exported()
    assert exported["autoprovision_created_total"] == 2
    assert exported["autoprovision_queue_depth"] == 5
    assert set(exported) == {
        f"autoprovision_{name}" if name in Metrics.GAUGES else f"autoprovision_{name}_total"
        for name in Metrics.NAMES
    }


async def test_a_running_registrar_serves_what_it_counted(
    settings: Settings, engine: Engine
) -> None:
    add_users(engine, USERS)
    port = free_port()
    running = await start_registrar(settings, engine, registrar_metrics_port=port)
    try:
        client = await running.client()
        assert (await client.register("1001", USERS["1001"])).status == 200
        client.close()
        scraped = scrape(port)  # the exporter answers from its own thread
    finally:
        await running.service.stop()
    assert scraped["autoprov_registrar_registrations_ok"] == ("counter", 1.0)
    assert scraped["autoprov_registrar_auth_challenges"] == ("counter", 1.0)
    assert scraped["autoprov_registrar_bindings"] == ("gauge", 1.0)
