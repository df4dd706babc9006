from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from autoprov.inventory.errors import Conflict, InvalidValue, NotFound
from autoprov.inventory.lines import assign_line
from autoprov.inventory.phones import (
    PhoneQuery,
    count_phones,
    create_phone,
    delete_phone,
    get_phone,
    list_phones,
    update_phone,
)
from autoprov.inventory.unique_ids import find_unique_id, reserve_unique_id
from autoprov.inventory.users import create_user
from autoprov.storage.models import Phone, UniqueId

SPELLINGS = ["00:04:F2:AA:BB:CC", "00-04-f2-aa-bb-cc", "0004.f2aa.bbcc", "0004F2AABBCC"]


def test_create_stores_any_spelling_as_12_lowercase_hex(session: Session) -> None:
    for spelling in SPELLINGS:
        phone, created = create_phone(session, spelling, "VVX_410", description="lobby")
        session.commit()
        assert created
        assert phone.mac == "0004f2aabbcc"
        assert session.scalar(select(Phone.mac)) == "0004f2aabbcc"
        assert phone.unique_id == find_unique_id(session, "0004f2aabbcc")
        assert phone.max_lines == 12
        delete_phone(session, phone.mac)


def test_create_is_idempotent_and_leaves_the_existing_phone_alone(session: Session) -> None:
    first, created = create_phone(session, "0004f2aabbcc", "VVX_410", description="lobby")
    session.commit()
    again, created_again = create_phone(session, "00:04:f2:aa:bb:cc", "VVX_310", ip="10.0.0.9")
    session.commit()
    assert created and not created_again
    assert again == first
    assert session.scalar(select(func.count(Phone.id))) == 1


def test_create_checks_the_unique_id_given_against_the_reservation(session: Session) -> None:
    phone, _ = create_phone(session, "0004f2aabbcc", "VVX_410")
    same, _ = create_phone(session, "0004f2aabbcc", "VVX_410", unique_id=phone.unique_id)
    assert same.unique_id == phone.unique_id
    with pytest.raises(Conflict) as caught:
        create_phone(session, "0004f2aabbcc", "VVX_410", unique_id="ZZZZ")
    assert caught.value.field == "unique_id"


def test_a_new_phone_takes_the_unique_id_reserved_for_its_mac(session: Session) -> None:
    reserved = reserve_unique_id(session, "0004f2aabbcc")
    session.commit()
    phone, created = create_phone(session, "0004f2aabbcc", "VVX_410", unique_id=reserved)
    assert created and phone.unique_id == reserved
    assert session.scalar(select(func.count()).select_from(UniqueId)) == 1


BAD_VALUES = [
    ({"mac": "0004f2aabbc"}, "mac"),
    ({"mac": "0004f2aabbcg"}, "mac"),
    ({"model": "VVX_9999"}, "model"),
    ({"ip": "10.0.0.300"}, "ip"),
    ({"ip": " 10.0.0.3"}, "ip"),
    ({"description": "two\nlines"}, "description"),
    ({"firmware": "x" * 65}, "firmware"),
]


def test_create_refuses_bad_values_naming_the_field(session: Session) -> None:
    for values, field in BAD_VALUES:
        arguments = {"mac": "0004f2aabbcc", "model": "VVX_410", **values}
        mac, model = arguments.pop("mac"), arguments.pop("model")
        with pytest.raises(InvalidValue) as caught:
            create_phone(session, mac, model, **arguments)
        assert (caught.value.field, caught.value.status) == (field, 422)
    assert session.scalar(select(func.count(Phone.id))) == 0


def test_unknown_model_message_lists_the_known_ones(session: Session) -> None:
    with pytest.raises(InvalidValue) as caught:
        create_phone(session, "0004f2aabbcc", "VVX_9999")
    assert "VVX_410" in caught.value.message and "SSIP_6000" in caught.value.message


def test_update_changes_only_what_is_given_and_none_clears(session: Session) -> None:
    create_phone(session, "0004f2aabbcc", "VVX_410", ip="10.0.0.5", firmware="5.9.5")
    seen = datetime(2026, 1, 31, 10, 0, tzinfo=timezone(timedelta(hours=2)))
    phone = update_phone(session, "0004f2aabbcc", description="desk 4", last_seen=seen)
    assert (phone.description, phone.ip, phone.firmware) == ("desk 4", "10.0.0.5", "5.9.5")
    assert phone.last_seen == datetime(2026, 1, 31, 8, 0, tzinfo=UTC)
    session.commit()
    phone = update_phone(session, "0004f2aabbcc", ip=None, model="VVX_310")
    session.commit()
    assert phone.ip is None and phone.model == "VVX_310"
    assert get_phone(session, "0004f2aabbcc").last_seen == datetime(2026, 1, 31, 8, tzinfo=UTC)


def test_update_refuses_a_model_with_fewer_lines_than_in_use(session: Session) -> None:
    create_phone(session, "0004f2aabbcc", "VVX_410")
    create_user(session, "1001", "secret-pass")
    assign_line(session, "0004f2aabbcc", "1001", position=5)
    with pytest.raises(Conflict) as caught:
        update_phone(session, "0004f2aabbcc", model="VVX_150")
    assert caught.value.field == "model"
    with pytest.raises(InvalidValue):
        update_phone(session, "0004f2aabbcc", model=None)


def test_get_update_delete_of_an_unknown_phone_is_404_naming_mac(session: Session) -> None:
    for call in (
        lambda: get_phone(session, "0004f2000000"),
        lambda: update_phone(session, "0004f2000000", description="x"),
        lambda: delete_phone(session, "0004f2000000"),
    ):
        with pytest.raises(NotFound) as caught:
            call()
        assert caught.value.field == "mac"


def test_delete_keeps_the_unique_id_for_the_same_phone(session: Session) -> None:
    phone, _ = create_phone(session, "0004f2aabbcc", "VVX_410")
    delete_phone(session, "00:04:f2:aa:bb:cc")
    session.commit()
    assert session.scalar(select(func.count(Phone.id))) == 0
    again, created = create_phone(session, "0004f2aabbcc", "VVX_410")
    assert created and again.unique_id == phone.unique_id
    assert session.scalar(select(func.count()).select_from(UniqueId)) == 1


@pytest.fixture
def stocked(session: Session) -> Session:
    """Three phones: two unassigned, one with user 1001 on it."""
    create_phone(session, "0004f2000001", "VVX_410", description="Lobby", ip="10.0.0.1")
    create_phone(session, "0004f2000002", "SSIP_6000", description="Board room", ip="10.0.0.20")
    create_phone(session, "64167f000003", "VVX_150", description="Desk 3")
    create_user(session, "1001", "secret-pass", "Front Desk")
    assign_line(session, "64167f000003", "1001")
    session.commit()
    return session


def _macs(session: Session, **query: object) -> list[str]:
    return [phone.mac for phone in list_phones(session, PhoneQuery(**query)).items]  # type: ignore[arg-type]


SEARCHES = {
    "lobby": ["0004f2000001"],
    "ssip": ["0004f2000002"],
    "1001": ["64167f000003"],
    "64:16:7F": ["64167f000003"],
    "00-04-f2-00-00-02": ["0004f2000002"],
    "0004f2": ["0004f2000001", "0004f2000002"],
    "0004.F200.0001": ["0004f2000001"],
    "F2 00 00 02": ["0004f2000002"],
    "7f:00": ["64167f000003"],
    "LOBBY": ["0004f2000001"],
    "vvx": ["0004f2000001", "64167f000003"],
    "desk 3": ["64167f000003"],
    "%": [],
    "nothing": [],
}


def test_search_covers_description_model_username_and_mac_spellings(stocked: Session) -> None:
    found = {search: _macs(stocked, search=search) for search in SEARCHES}
    assert found == SEARCHES


def test_a_phone_matching_several_ways_is_found_once(stocked: Session) -> None:
    update_phone(stocked, "64167f000003", description="extension 1001")
    stocked.commit()
    page = list_phones(stocked, PhoneQuery(search="1001"))
    assert [phone.mac for phone in page.items] == ["64167f000003"] and page.total == 1


def test_search_finds_a_phone_by_its_unique_id_in_any_case(stocked: Session) -> None:
    uid = get_phone(stocked, "0004f2000002").unique_id
    assert uid is not None
    assert _macs(stocked, search=uid.lower()) == ["0004f2000002"]


def test_search_wildcards_and_the_escape_match_themselves(stocked: Session) -> None:
    update_phone(stocked, "0004f2000001", description="100% up_link a/b")
    stocked.commit()
    for term in ("100%", "p_l", "a/b", "0% u"):
        assert _macs(stocked, search=term) == ["0004f2000001"], term
    for term in ("1_0", "a%b", "a//b", "/"):
        assert _macs(stocked, search=term) == ([] if term != "/" else ["0004f2000001"]), term


def test_a_search_paged_past_its_matches_still_counts_them(stocked: Session) -> None:
    page = list_phones(stocked, PhoneQuery(search="0004f2", offset=5))
    assert page.items == [] and page.total == 2
    page = list_phones(stocked, PhoneQuery(search="0004f2", unassigned=True, offset=5))
    assert page.items == [] and page.total == 2
    page = list_phones(stocked, PhoneQuery(search="vvx", unassigned=True, offset=5))
    assert page.items == [] and page.total == 1


def test_a_page_past_the_last_phone_still_counts_them(stocked: Session) -> None:
    for unassigned, total in ((False, 3), (True, 2)):
        page = list_phones(stocked, PhoneQuery(unassigned=unassigned, offset=5))
        assert page.items == [] and page.total == total


def test_unassigned_and_counts(stocked: Session) -> None:
    assert _macs(stocked, unassigned=True) == ["0004f2000001", "0004f2000002"]
    assert _macs(stocked, unassigned=True, search="board") == ["0004f2000002"]
    counts = count_phones(stocked)
    assert (counts.total, counts.unassigned) == (3, 2)


def test_sorting_paging_and_total(stocked: Session) -> None:
    assert _macs(stocked, sort="-mac") == ["64167f000003", "0004f2000002", "0004f2000001"]
    assert _macs(stocked, sort="model") == ["0004f2000002", "64167f000003", "0004f2000001"]
    # NULL last either way, on SQLite and PostgreSQL alike
    assert _macs(stocked, sort="ip")[-1] == "64167f000003"
    assert _macs(stocked, sort="-ip")[-1] == "64167f000003"
    page = list_phones(stocked, PhoneQuery(offset=1, limit=1))
    assert page.total == 3 and [p.mac for p in page.items] == ["0004f2000002"]
    with pytest.raises(InvalidValue) as caught:
        list_phones(stocked, PhoneQuery(sort="password"))
    assert caught.value.field == "sort"


def test_sorting_by_last_seen_puts_never_seen_last_both_ways(stocked: Session) -> None:
    # The order the last-seen indexes (migration 0002) serve, ties broken by creation order.
    early, late = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 6, 1, tzinfo=UTC)
    update_phone(stocked, "0004f2000001", last_seen=late)
    update_phone(stocked, "64167f000003", last_seen=early)
    create_phone(stocked, "0004f2000004", "VVX_410", last_seen=early)
    stocked.commit()
    assert _macs(stocked, sort="last_seen") == [
        "64167f000003",
        "0004f2000004",
        "0004f2000001",
        "0004f2000002",
    ]
    assert _macs(stocked, sort="-last_seen") == [
        "0004f2000001",
        "0004f2000004",
        "64167f000003",
        "0004f2000002",
    ]
    page = list_phones(stocked, PhoneQuery(sort="-last_seen", unassigned=True, offset=1))
    assert page.total == 3 and [p.mac for p in page.items] == ["0004f2000004", "0004f2000002"]


def test_listed_phones_carry_their_lines_and_unique_ids(stocked: Session) -> None:
    create_user(stocked, "1002", "secret-pass", "Back Desk")
    assign_line(stocked, "64167f000003", "1002")
    stocked.commit()
    listed = {phone.mac: phone for phone in list_phones(stocked).items}
    assert [
        (line.username, line.position, line.display_name) for line in listed["64167f000003"].lines
    ] == [("1001", 1, "Front Desk"), ("1002", 2, "Back Desk")]
    assert listed["0004f2000001"].lines == ()
    assert all(phone == get_phone(stocked, mac) for mac, phone in listed.items())
