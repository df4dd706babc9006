from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from autoprov.autoprovision.metrics import Metrics
from autoprov.autoprovision.outbox import depth, merge_sightings
from autoprov.autoprovision.worker import DeliveryWorker, WorkerOptions
from autoprov.config import Settings
from autoprov.inventory.bootstrap import load_secrets
from autoprov.storage.db import make_engine
from tests.autoprovision.fake_inventory import InventoryState, running_inventory
from tests.autoprovision.sightings import macs, sighting
from tests.autoprovision.waiting import wait_until

FAST = WorkerOptions(poll_interval=0.05, base_delay=0.05, max_delay=0.3, request_timeout=2.0)


@pytest.fixture
def inventory(settings: Settings) -> Iterator[InventoryState]:
    with running_inventory(settings.api_port) as state:
        yield state


def _queue(engine: Engine, phone_macs: list[str], model: str = "VVX_410") -> None:
    with engine.begin() as conn:
        merge_sightings(
            conn, [sighting(mac, "ABCD", model=model) for mac in phone_macs], time.time()
        )


def _depth(engine: Engine) -> int:
    with engine.connect() as conn:
        return depth(conn)


@contextmanager
def _worker(settings: Settings, engine: Engine, options: WorkerOptions = FAST) -> Iterator[Metrics]:
    metrics = Metrics()
    worker = DeliveryWorker(settings, engine, metrics, options)
    worker.start()
    try:
        yield metrics
    finally:
        worker.stop()


def test_a_new_phone_is_created_with_its_id_and_address(
    settings: Settings, engine: Engine, inventory: InventoryState
) -> None:
    mac = macs(1)[0]
    _queue(engine, [mac])
    with _worker(settings, engine) as metrics:
        wait_until(lambda: _depth(engine) == 0)
    assert metrics.snapshot()["created"] == 1
    phone = inventory.phones[mac]
    assert phone["model"] == "VVX_410"
    assert phone["description"] == "auto-provisioned, ID ABCD, IP 192.0.2.10"
    assert phone["ip"] == "192.0.2.10"
    with Session(engine) as session:
        token = load_secrets(session, settings).service_token
    assert inventory.tokens == {f"Bearer {token}"}


def test_a_known_phone_gets_its_address_and_firmware_updated(
    settings: Settings, engine: Engine, inventory: InventoryState
) -> None:
    mac = macs(1)[0]
    inventory.phones[mac] = {"mac": mac, "model": "VVX_410", "description": "front desk"}
    _queue(engine, [mac])
    with _worker(settings, engine) as metrics:
        wait_until(lambda: _depth(engine) == 0)
    assert metrics.snapshot()["updated"] == 1
    assert inventory.patched[mac] == 1
    assert inventory.phones[mac]["description"] == "front desk"
    assert inventory.phones[mac]["firmware"] == "5.9.5.0614"
    assert inventory.phones[mac]["last_seen"].startswith("20")


@pytest.mark.parametrize("rounds", [1, 2])
def test_batches_are_delivered_rounds_at_a_time(
    settings: Settings, engine: Engine, inventory: InventoryState, rounds: int
) -> None:
    found = macs(48)
    inventory.batch_delay = 0.2
    _queue(engine, found)
    options = replace(FAST, batch_size=8, rounds=rounds)
    with _worker(settings, engine, options) as metrics:
        wait_until(lambda: _depth(engine) == 0)
    assert metrics.snapshot()["created"] == len(found)
    assert inventory.created == dict.fromkeys(found, 1)
    assert inventory.most_batches_in_flight == rounds


def test_while_the_api_is_down_phones_wait_then_arrive_once(
    settings: Settings, engine: Engine, inventory: InventoryState
) -> None:
    found = macs(40)
    inventory.down = True
    _queue(engine, found)
    with _worker(settings, engine) as metrics:
        wait_until(lambda: metrics.snapshot()["retried"] >= 3 * len(found))
        assert _depth(engine) == len(found)
        inventory.down = False
        wait_until(lambda: _depth(engine) == 0)
    snapshot = metrics.snapshot()
    assert snapshot["created"] == len(found)
    assert inventory.created == dict.fromkeys(found, 1)
    assert not inventory.patched


def test_retries_back_off(settings: Settings, engine: Engine, inventory: InventoryState) -> None:
    inventory.down = True
    _queue(engine, macs(1))
    options = WorkerOptions(poll_interval=0.01, base_delay=0.2, max_delay=0.4)
    with _worker(settings, engine, options):
        wait_until(lambda: inventory.unavailable >= 2)
        started, seen = time.monotonic(), inventory.unavailable
        wait_until(lambda: inventory.unavailable >= seen + 3)
    # retries 2..4 wait at least base/2, base, max/2: far from a busy loop
    assert time.monotonic() - started >= 0.1 + 0.2 + 0.2


def test_a_phone_the_api_refuses_for_good_is_dropped(
    settings: Settings, engine: Engine, inventory: InventoryState
) -> None:
    refused, fine = macs(2)
    inventory.refused_models.add("VVX_999")
    _queue(engine, [refused], model="VVX_999")
    _queue(engine, [fine])
    with _worker(settings, engine) as metrics:
        wait_until(lambda: _depth(engine) == 0)
        time.sleep(0.3)  # several poll intervals: nothing is sent again
    assert metrics.snapshot()["failed"] == 1
    assert inventory.posted == {refused: 1, fine: 1}
    assert list(inventory.created) == [fine]


def test_two_workers_share_the_queue_without_double_delivery(
    settings: Settings, engine: Engine, database_url: str, inventory: InventoryState
) -> None:
    found = macs(300)
    _queue(engine, found)
    other_engine = make_engine(database_url)
    options = WorkerOptions(batch_size=8, concurrency=4, poll_interval=0.05)
    try:
        with (
            _worker(settings, engine, options) as one,
            _worker(settings, other_engine, options) as two,
        ):
            wait_until(lambda: _depth(engine) == 0, timeout=60)
    finally:
        other_engine.dispose()
    assert inventory.posted == dict.fromkeys(found, 1)
    assert one.snapshot()["created"] > 0
    assert two.snapshot()["created"] > 0
    assert one.snapshot()["created"] + two.snapshot()["created"] == len(found)


def test_a_round_delivers_its_batch_in_one_request(
    settings: Settings, engine: Engine, inventory: InventoryState
) -> None:
    found = macs(40)
    _queue(engine, found)
    with _worker(settings, engine, replace(FAST, batch_size=20)) as metrics:
        wait_until(lambda: _depth(engine) == 0)
    assert metrics.snapshot()["created"] == len(found)
    assert inventory.batches == 2
    assert inventory.created == dict.fromkeys(found, 1)


def test_an_api_without_batches_gets_the_phones_one_by_one(
    settings: Settings, engine: Engine, inventory: InventoryState
) -> None:
    new, known = macs(2)
    inventory.batches_taken = False
    inventory.phones[known] = {"mac": known, "model": "VVX_410", "description": "front desk"}
    _queue(engine, [new, known])
    with _worker(settings, engine) as metrics:
        wait_until(lambda: _depth(engine) == 0)
    snapshot = metrics.snapshot()
    assert (snapshot["created"], snapshot["updated"], snapshot["retried"]) == (1, 1, 0)
    assert inventory.batches == 0
    assert inventory.created == {new: 1}
    assert inventory.patched == {known: 1}


def test_a_conflicting_phone_is_dropped_and_its_batch_delivered(
    settings: Settings, engine: Engine, inventory: InventoryState
) -> None:
    conflicting, *fine = macs(3)
    inventory.conflicting.add(conflicting)
    _queue(engine, [conflicting, *fine])
    with _worker(settings, engine) as metrics:
        wait_until(lambda: _depth(engine) == 0)
    snapshot = metrics.snapshot()
    assert (snapshot["created"], snapshot["failed"], snapshot["retried"]) == (2, 1, 0)
    assert inventory.batches == 1
    assert inventory.created == dict.fromkeys(fine, 1)
