from __future__ import annotations

from dataclasses import replace

from sqlalchemy import Engine, create_engine, select
from sqlalchemy.orm import Session

from autoprov.config import AUTOPROVISION_USER
from autoprov.registrar.journal import BindingJournal
from autoprov.registrar.location import LocationService
from autoprov.registrar.persistence import WriteBehind, load_bindings, write_batch
from autoprov.storage.models import Binding as BindingRow
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
