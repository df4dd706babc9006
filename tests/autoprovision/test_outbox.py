from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from sqlalchemy import Engine

from autoprov.autoprovision.outbox import claim_due, depth, finish, merge_sightings, reschedule
from tests.autoprovision.sightings import macs, reserve, sighting

MAC_A, MAC_B = macs(2)


def test_merge_keeps_one_row_per_mac_with_the_newest_facts(engine: Engine) -> None:
    with engine.begin() as conn:
        merge_sightings(conn, [sighting(MAC_A, "AAAA", ip="192.0.2.1")], time.time())
        merge_sightings(
            conn,
            [sighting(MAC_A, "AAAA", ip="192.0.2.2"), sighting(MAC_B, "BBBB")],
            time.time(),
        )
        assert depth(conn) == 2
        claimed = {q.sighting.mac: q for q in claim_due(conn, now=time.time(), limit=10, lease=60)}
    assert claimed[MAC_A].sighting.ip == "192.0.2.2"
    assert claimed[MAC_A].version == 2
    assert claimed[MAC_B].version == 1
    assert claimed[MAC_A].attempts == 1


def test_claimed_rows_are_hidden_until_the_lease_ends(engine: Engine) -> None:
    now = time.time()
    with engine.begin() as conn:
        merge_sightings(conn, [sighting(MAC_A, "AAAA")], now)
        assert len(claim_due(conn, now=now, limit=10, lease=60)) == 1
        assert claim_due(conn, now=now + 59, limit=10, lease=60) == []
        again = claim_due(conn, now=now + 61, limit=10, lease=60)
    assert [q.attempts for q in again] == [2]


def test_claim_takes_at_most_the_limit_oldest_first(engine: Engine) -> None:
    now = time.time()
    with engine.begin() as conn:
        for offset, mac in enumerate(macs(5)):
            merge_sightings(conn, [sighting(mac, "AAAA")], now - 10 + offset)
        first = claim_due(conn, now=now, limit=2, lease=60)
    assert sorted(q.sighting.mac for q in first) == macs(2)


def test_a_merge_keeps_the_backoff_of_the_queued_row(engine: Engine) -> None:
    now = time.time()
    with engine.begin() as conn:
        merge_sightings(conn, [sighting(MAC_A, "AAAA")], now)
        claim_due(conn, now=now, limit=10, lease=60)
        reschedule(conn, [(MAC_A, now + 30)])
        merge_sightings(conn, [sighting(MAC_A, "AAAA", ip="192.0.2.99")], now + 1)
        assert claim_due(conn, now=now + 2, limit=10, lease=60) == []
        claimed = claim_due(conn, now=now + 31, limit=10, lease=60)
    assert claimed[0].sighting.ip == "192.0.2.99"


def test_finish_removes_only_an_unchanged_row(engine: Engine) -> None:
    now = time.time()
    with engine.begin() as conn:
        merge_sightings(conn, [sighting(MAC_A, "AAAA"), sighting(MAC_B, "BBBB")], now)
        claimed = claim_due(conn, now=now, limit=10, lease=60)
        # while the claim is being delivered, MAC_A is seen again with a new address
        merge_sightings(conn, [sighting(MAC_A, "AAAA", ip="192.0.2.77")], now + 1)
        finish(conn, claimed, now + 2)
        assert depth(conn) == 1
        newer = claim_due(conn, now=now + 2, limit=10, lease=60)
    assert [(q.sighting.mac, q.sighting.ip, q.version) for q in newer] == [(MAC_A, "192.0.2.77", 2)]
    assert newer[0].attempts == 1


_WRITE_THEN_WAIT = """
import sys, time
from autoprov.autoprovision.metrics import Metrics
from autoprov.autoprovision.outbox import depth
from autoprov.autoprovision.sighting import Sighting
from autoprov.autoprovision.writer import OutboxWriter
from autoprov.storage.db import make_engine

engine = make_engine(sys.argv[1])
pairs = list(zip(sys.argv[2::2], sys.argv[3::2]))
writer = OutboxWriter(engine, Metrics())
writer.start()
for mac, uid in pairs:
    writer.put(Sighting(mac, uid, "VVX_410", "5.9.5.0614", "192.0.2.10", time.time()))
while True:
    with engine.connect() as conn:
        if depth(conn) == len(pairs):
            break
    time.sleep(0.05)
print("queued", flush=True)
time.sleep(60)
"""


def test_queued_rows_survive_a_killed_process(engine: Engine, database_url: str) -> None:
    reserved = reserve(engine, *macs(3))
    args = [item for pair in reserved.items() for item in pair]
    child = subprocess.Popen(
        [sys.executable, "-c", _WRITE_THEN_WAIT, database_url, *args],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "queued"
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
    with engine.begin() as conn:
        claimed = claim_due(conn, now=time.time(), limit=10, lease=60)
    assert {q.sighting.mac: q.sighting.unique_id for q in claimed} == reserved


def test_batches_beyond_the_bound_parameter_limit(engine: Engine) -> None:
    now = time.time()
    many = macs(1200)
    with engine.begin() as conn:
        merge_sightings(conn, [sighting(mac, "AAAA") for mac in many], now)
        merge_sightings(conn, [sighting(mac, "AAAA", ip="192.0.2.2") for mac in many], now)
        claimed = claim_due(conn, now=now, limit=2000, lease=60)
        assert {q.version for q in claimed} == {2} and len(claimed) == len(many)
        finish(conn, claimed, now)
        assert depth(conn) == 0
