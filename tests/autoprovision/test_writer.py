from __future__ import annotations

import threading
import time

from sqlalchemy import Engine

from autoprov.autoprovision.metrics import Metrics
from autoprov.autoprovision.outbox import claim_due, depth
from autoprov.autoprovision.writer import OutboxWriter
from tests.autoprovision.sightings import macs, reserve, sighting


def _queued(engine: Engine) -> dict[str, tuple[str, str, int]]:
    with engine.begin() as conn:
        claimed = claim_due(conn, now=time.time(), limit=100, lease=60)
    return {q.sighting.mac: (q.sighting.unique_id, q.sighting.ip, q.version) for q in claimed}


def test_sightings_of_one_mac_merge_before_they_are_written(engine: Engine) -> None:
    mac, other = macs(2)
    ids = reserve(engine, mac, other)
    flushed = threading.Event()
    writer = OutboxWriter(engine, Metrics(), interval=0.3, on_flushed=flushed.set)
    writer.start()
    try:
        writer.put(sighting(mac, ids[mac], ip="192.0.2.1"))
        writer.put(sighting(other, ids[other]))
        writer.put(sighting(mac, ids[mac], ip="192.0.2.2"))
        assert flushed.wait(10)
    finally:
        writer.stop()
    assert _queued(engine) == {
        mac: (ids[mac], "192.0.2.2", 1),
        other: (ids[other], "192.0.2.10", 1),
    }


def test_a_pair_that_is_not_reserved_is_dropped(engine: Engine) -> None:
    genuine, stranger, unreserved = macs(3)
    ids = reserve(engine, genuine, stranger)
    metrics = Metrics()
    writer = OutboxWriter(engine, metrics, interval=0.01)
    writer.start()
    writer.put(sighting(genuine, ids[genuine]))
    writer.put(sighting(stranger, ids[genuine]))  # another phone's ID
    writer.put(sighting(unreserved, "ZZZZ"))  # never handed out
    writer.stop()
    assert list(_queued(engine)) == [genuine]
    assert metrics.snapshot()["forged"] == 2


def test_stop_writes_what_is_buffered(engine: Engine) -> None:
    found = macs(20)
    ids = reserve(engine, *found)
    metrics = Metrics()
    writer = OutboxWriter(engine, metrics, interval=30.0)
    writer.start()
    for mac in found:
        assert writer.put(sighting(mac, ids[mac]))
    assert metrics.snapshot()["buffered"] == 20
    writer.stop()
    with engine.connect() as conn:
        assert depth(conn) == 20
    assert metrics.snapshot()["buffered"] == 0


def test_a_refused_write_is_kept_and_retried(engine: Engine) -> None:
    mac = macs(1)[0]
    ids = reserve(engine, mac)
    with engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE autoprov_outbox RENAME TO outbox_away")
    flushed = threading.Event()
    writer = OutboxWriter(
        engine, Metrics(), interval=0.01, retry_delay=0.05, on_flushed=flushed.set
    )
    writer.start()
    try:
        writer.put(sighting(mac, ids[mac]))
        assert not flushed.wait(0.3)
        with engine.begin() as conn:
            conn.exec_driver_sql("ALTER TABLE outbox_away RENAME TO autoprov_outbox")
        assert flushed.wait(10)
    finally:
        writer.stop()
    assert list(_queued(engine)) == [mac]
