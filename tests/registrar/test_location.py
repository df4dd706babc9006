from __future__ import annotations

from dataclasses import replace

import pytest

from autoprov.config import AUTOPROVISION_USER
from autoprov.registrar.journal import BindingJournal
from autoprov.registrar.location import Binding, LocationService, OutOfOrder

NOW = 1_000_000.0


def binding(
    aor: str = "1001",
    contact: str = "sip:1001@192.0.2.1:5060",
    *,
    expires: float = 3600,
    call_id: str = "call-1",
    cseq: int = 1,
    instance: str | None = None,
    display_name: str = "",
    now: float = NOW,
) -> Binding:
    return Binding(
        aor=aor,
        contact=contact,
        expires_at=now + expires,
        call_id=call_id,
        cseq=cseq,
        q=None,
        instance=instance,
        source_host="192.0.2.1",
        source_port=5060,
        transport="udp",
        user_agent="test",
        display_name=display_name,
        updated_at=now,
    )


def test_add_refresh_and_remove() -> None:
    journal = BindingJournal()
    location = LocationService(max_contacts=5, journal=journal)
    first = binding()
    assert location.update("1001", [first], NOW) == [first]
    assert location.bindings("1001", NOW) == [first]
    refreshed = replace(first, cseq=2, expires_at=NOW + 7000)
    location.update("1001", [refreshed], NOW)
    assert location.bindings("1001", NOW) == [refreshed]
    assert len(location) == 1
    location.update("1001", [replace(first, cseq=3, expires_at=NOW)], NOW)
    assert location.bindings("1001", NOW) == []
    assert len(location) == 0
    batch = journal.drain()
    assert not batch.upserts
    assert list(batch.deletes) == [("1001", first.contact)]


def test_lower_or_equal_cseq_on_same_call_id_aborts_whole_request() -> None:
    location = LocationService(max_contacts=5)
    location.update("1001", [binding(cseq=5)], NOW)
    other = binding(contact="sip:1001@192.0.2.2", cseq=5)
    with pytest.raises(OutOfOrder):
        location.update("1001", [other, binding(cseq=5)], NOW)
    # nothing of the failed request was applied
    assert [b.contact for b in location.bindings("1001", NOW)] == ["sip:1001@192.0.2.1:5060"]
    # another Call-ID may use any CSeq
    location.update("1001", [binding(call_id="call-2", cseq=1)], NOW)


def test_several_contacts_and_oldest_replaced() -> None:
    location = LocationService(max_contacts=2)
    for n in range(3):
        added = binding(contact=f"sip:1001@192.0.2.{n}", call_id=f"c{n}", now=NOW + n)
        location.update("1001", [added], NOW + n)
    contacts = sorted(b.contact for b in location.bindings("1001", NOW + 3))
    assert contacts == ["sip:1001@192.0.2.1", "sip:1001@192.0.2.2"]
    assert len(location) == 2


def test_instance_identifies_the_device_across_contacts() -> None:
    journal = BindingJournal()
    location = LocationService(max_contacts=5, journal=journal)
    urn = '"<urn:uuid:00000000-0000-1000-8000-0004f2aabbcc>"'
    location.update("1001", [binding(contact="sip:a@192.0.2.1:5060", instance=urn)], NOW)
    journal.drain()
    moved = binding(contact="sip:a@192.0.2.1:5062", instance=urn, call_id="c2")
    location.update("1001", [moved], NOW)
    assert location.bindings("1001", NOW) == [moved]
    batch = journal.drain()
    assert list(batch.deletes) == [("1001", "sip:a@192.0.2.1:5060")]
    assert list(batch.upserts) == [("1001", "sip:a@192.0.2.1:5062")]


def test_shared_aor_keeps_every_phone_and_shows_each_only_its_own() -> None:
    location = LocationService(max_contacts=1, shared_aors=[AUTOPROVISION_USER])
    phones = [
        binding(
            AUTOPROVISION_USER,
            f"sip:{AUTOPROVISION_USER}@10.0.{n // 250}.{n % 250}",
            call_id=f"c{n}",
        )
        for n in range(2000)
    ]
    for phone in phones:
        location.update(AUTOPROVISION_USER, [phone], NOW)
    assert len(location) == 2000
    mine = location.reply_bindings(AUTOPROVISION_USER, [phones[7].key], NOW)
    assert mine == [phones[7]]
    # Contact: * from one phone removes only that phone's bindings
    removed = location.remove_all(AUTOPROVISION_USER, "c7", cseq=2)
    assert removed == [phones[7]]
    assert len(location) == 1999


def test_contact_star_removes_all_of_an_ordinary_aor() -> None:
    location = LocationService(max_contacts=5)
    location.update("1001", [binding(contact="sip:a@h1", call_id="x")], NOW)
    location.update("1001", [binding(contact="sip:a@h2", call_id="y")], NOW)
    with pytest.raises(OutOfOrder):
        location.remove_all("1001", "x", cseq=1)
    assert len(location.remove_all("1001", "x", cseq=2)) == 2
    assert location.bindings("1001", NOW) == []


def test_bindings_expire_on_the_wheel() -> None:
    journal = BindingJournal()
    location = LocationService(max_contacts=5, journal=journal)
    short = binding(contact="sip:a@h1", expires=10)
    long = binding(contact="sip:a@h2", expires=20)
    location.update("1001", [short, long], NOW)
    assert location.expire(NOW + 1) == []
    assert location.expire(NOW + 10.5) == [short]
    # a refresh moves the expiry: the old wheel entry is skipped
    location.update("1001", [replace(long, cseq=2, expires_at=NOW + 60)], NOW + 15)
    assert location.expire(NOW + 30) == []
    assert len(location) == 1
    # a long pause is caught up in one sweep
    assert [b.contact for b in location.expire(NOW + 5000)] == ["sip:a@h2"]
    assert len(location) == 0
    assert len(journal.drain().deletes) == 2


def test_expired_bindings_are_not_listed_before_the_sweep() -> None:
    location = LocationService(max_contacts=5)
    location.update("1001", [binding(expires=10)], NOW)
    assert location.bindings("1001", NOW + 11) == []


def test_remove_matching_and_restore() -> None:
    location = LocationService(max_contacts=5, shared_aors=[AUTOPROVISION_USER])
    a = binding(AUTOPROVISION_USER, "sip:x@10.0.0.1", display_name="ABC-0004f2000001")
    b = binding(AUTOPROVISION_USER, "sip:x@10.0.0.2", display_name="DEF-0004f2000002")
    location.update(AUTOPROVISION_USER, [a, b], NOW)
    removed = location.remove_matching(
        AUTOPROVISION_USER, lambda found: found.display_name.endswith("-0004f2000001")
    )
    assert removed == [a]
    fresh = LocationService(max_contacts=5, shared_aors=[AUTOPROVISION_USER])
    stale = binding("1001", expires=-1)
    assert fresh.restore([a, b, stale], NOW) == 2
    assert len(fresh) == 2
