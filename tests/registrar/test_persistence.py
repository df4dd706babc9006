from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, event, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from autoprov.config import AUTOPROVISION_USER
from autoprov.registrar.journal import BindingJournal
from autoprov.registrar.location import Binding, LocationService
from autoprov.registrar.metrics import RegistrarMetrics
from autoprov.registrar.persistence import WriteBehind, load_bindings, write_batch
from autoprov.storage.models import Binding as BindingRow
from tests.helpers import free_port
from tests.registrar.test_location import NOW, binding


def rows(engine: Engine) -> dict[tuple[str, str], BindingRow]:
    with Session(engine) as session:
        return {(r.aor, r.contact): r for r in session.scalars(select(BindingRow))}


async def test_write_behind_and_reload_after_restart(engine: Engine) -> None:
    journal = BindingJournal()
    location = LocationService(5, [AUTOPROVISION_USER], journal)
    ipv6 = replace(binding("1002", "sip:1002@[2001:db8::1]:5060"), source_host="2001:db8::1")
    location.update("1001", [binding(), binding(contact="sip:1001@h2", expires=30)], NOW)
    location.update("1002", [ipv6], NOW)
    phones = [binding(AUTOPROVISION_USER, f"sip:p@10.0.0.{n}", call_id=f"c{n}") for n in range(50)]
    location.update(AUTOPROVISION_USER, phones, NOW)
    writer = WriteBehind(engine, journal, interval=0.01)
    assert await writer.flush()
    assert len(rows(engine)) == 53

    # a refresh, a removal and an expiry, flushed together
    location.update("1001", [binding(cseq=2, expires=7200)], NOW + 1)
    location.update(AUTOPROVISION_USER, [replace(phones[0], cseq=2, expires_at=NOW)], NOW)
    location.expire(NOW + 40)
    assert await writer.flush()
    stored = rows(engine)
    assert len(stored) == 51
    assert stored[("1001", "sip:1001@192.0.2.1:5060")].expires_at == NOW + 7200
    ipv6_row = stored[("1002", "sip:1002@[2001:db8::1]:5060")]
    assert (ipv6_row.source, ipv6_row.source_host) == ("[2001:db8::1]:5060", "2001:db8::1")

    restarted = LocationService(5, [AUTOPROVISION_USER])
    restarted.restore(load_bindings(engine, NOW + 40), NOW + 40)
    assert len(restarted) == 51
    again = restarted.bindings("1002", NOW + 40)
    assert again == [ipv6]
    assert (again[0].source_host, again[0].source_port) == ("2001:db8::1", 5060)
    assert load_bindings(engine, NOW + 10_000) == []


def test_rows_written_later_by_another_process_are_left_alone(engine: Engine) -> None:
    mine = binding()
    first = BindingJournal()
    first.saved(mine)
    write_batch(engine, first.drain())
    # the phone moved to another registrar process, which wrote a newer row
    theirs = replace(mine, call_id="other", updated_at=NOW + 10, expires_at=NOW + 100)
    other = BindingJournal()
    other.saved(theirs)
    write_batch(engine, other.drain())
    # this process now expires its older copy, and replays an old upsert: both are no-ops
    stale = BindingJournal()
    stale.removed(mine)
    write_batch(engine, stale.drain())
    replay = BindingJournal()
    replay.saved(mine)
    write_batch(engine, replay.drain())
    assert rows(engine)[("1001", mine.contact)].call_id == "other"


async def test_a_failed_write_is_retried(engine: Engine) -> None:
    journal = BindingJournal()
    journal.saved(binding())
    unmigrated = create_engine("sqlite://")  # no bindings table: every write fails
    assert not await WriteBehind(unmigrated, journal, 0.01).flush()
    assert len(journal) == 1
    assert await WriteBehind(engine, journal, 0.01).flush()
    assert len(rows(engine)) == 1
    assert len(journal) == 0


NOT_UTF8 = "<urn:uuid:\udcff>"
"""A +sip.instance as parsed from octets that are not UTF-8 (surrogate escapes): no database
can hold it as sent."""


def refused_and_stored(journal: BindingJournal) -> list[Binding]:
    """Fills ``journal`` with 20 storable changes around one refused upsert and one refused
    delete; returns the upserted bindings that must reach the table."""
    stored = [binding("1001", f"sip:1001@10.0.0.{n}") for n in range(20)]
    for one in stored[:10]:
        journal.saved(one)
    journal.saved(binding("1002", "sip:1002@192.0.2.2", instance=NOT_UTF8))
    for one in stored[10:]:
        journal.saved(one)
    journal.removed(binding("1003", "sip:1003@\udcff"))
    return stored


def unreachable(engine: Engine, tmp_path: Path) -> Engine:
    """An engine of the same kind as ``engine`` whose database cannot be reached."""
    if engine.dialect.name == "sqlite":
        return create_engine(f"sqlite:///{tmp_path / 'absent' / 'autoprov.db'}")
    return create_engine(engine.url.set(port=free_port()))


async def test_rows_the_database_refuses_are_dropped_alone(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    journal = BindingJournal()
    stored = refused_and_stored(journal)
    if engine.dialect.name == "postgresql":  # PostgreSQL text cannot hold a NUL
        journal.saved(binding("1004", call_id="call\x00id"))
    metrics = RegistrarMetrics()
    assert await WriteBehind(engine, journal, 0.01, metrics).flush()
    assert set(rows(engine)) == {(b.aor, b.contact) for b in stored}
    assert len(journal) == 0
    dropped = [r.getMessage() for r in caplog.records if "bindings-write-dropped" in r.message]
    expected = 3 if engine.dialect.name == "postgresql" else 2
    assert len(dropped) == expected == metrics.bindings_write_dropped
    assert dropped[0].startswith('bindings-write-dropped aor="1002" contact="sip:1002@192.0.2.2"')
    assert "surrogates not allowed" in dropped[0]


async def test_an_outage_keeps_every_change_for_later(
    engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A database that cannot be reached refuses no row: the whole batch waits, refused rows
    included, and nothing is dropped until the database answers."""
    journal = BindingJournal()
    stored = refused_and_stored(journal)
    metrics = RegistrarMetrics()
    down = unreachable(engine, tmp_path)
    for _ in range(2):
        assert not await WriteBehind(down, journal, 0.01, metrics).flush()
        assert len(journal) == len(stored) + 2
    assert metrics.bindings_write_dropped == 0
    assert "bindings-write-dropped" not in caplog.text

    assert await WriteBehind(engine, journal, 0.01, metrics).flush()
    assert set(rows(engine)) == {(b.aor, b.contact) for b in stored}
    assert metrics.bindings_write_dropped == 2


async def test_an_outage_while_isolating_refused_rows_keeps_the_whole_batch(
    engine: Engine,
) -> None:
    journal = BindingJournal()
    stored = refused_and_stored(journal)
    statements = 0

    def database_gone(*_: object) -> None:
        # the first statement reaches the driver (which refuses the batch's data); the
        # database then goes away while the batch is being split
        nonlocal statements
        statements += 1
        if statements > 1:
            raise OperationalError("upsert", {}, ConnectionError("server closed the connection"))

    event.listen(engine, "before_cursor_execute", database_gone)
    metrics = RegistrarMetrics()
    assert not await WriteBehind(engine, journal, 0.01, metrics).flush()
    assert statements > 1
    assert len(journal) == len(stored) + 2
    assert metrics.bindings_write_dropped == 0

    event.remove(engine, "before_cursor_execute", database_gone)
    assert await WriteBehind(engine, journal, 0.01, metrics).flush()
    assert set(rows(engine)) == {(b.aor, b.contact) for b in stored}
    assert metrics.bindings_write_dropped == 2
