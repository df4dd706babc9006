from __future__ import annotations

import time

import pytest
from sqlalchemy.orm import Session

from autoprov.config import AUTOPROVISION_USER
from autoprov.inventory.lines import assign_line
from autoprov.inventory.phones import (
    PhoneQuery,
    create_phone,
    get_phone,
    list_phones,
    require_phone,
)
from autoprov.inventory.registrations import is_registered, list_registrations
from autoprov.inventory.users import create_user
from autoprov.storage.models import Binding

MAC = "0004f2aabbcc"


def _bind(
    session: Session, aor: str, source: str, *, display_name: str = "", ttl: float = 60
) -> None:
    now = time.time()
    session.add(
        Binding(
            aor=aor,
            contact=f"<sip:{aor}@{source}>",
            expires_at=now + ttl,
            call_id=f"{aor}-{source}-{ttl}",
            cseq=1,
            source=source,
            transport="udp",
            user_agent="PolycomVVX-VVX_410-UA/5.9.5.0614",
            display_name=display_name,
            updated_at=now,
        )
    )
    session.commit()


@pytest.fixture
def phone(session: Session) -> str:
    create_phone(session, MAC, "VVX_410", ip="192.0.2.10")
    create_user(session, "1001", "secret-pass")
    session.commit()
    return MAC


def test_not_registered_without_a_binding(session: Session, phone: str) -> None:
    assert not is_registered(session, require_phone(session, phone))


def test_registered_by_the_autoprovisioning_identity_with_its_mac(
    session: Session, phone: str
) -> None:
    _bind(session, AUTOPROVISION_USER, "192.0.2.99:5060", display_name="ABCD-0004f2aabbcd")
    assert not is_registered(session, require_phone(session, phone))
    _bind(session, AUTOPROVISION_USER, "192.0.2.10:5060", display_name=f"ABCD-{phone}")
    assert get_phone(session, phone).registered


def test_registered_by_a_line_user_from_the_phones_address(session: Session, phone: str) -> None:
    assign_line(session, phone, "1001")
    session.commit()
    _bind(session, "1001", "198.51.100.7:5060")  # the same user on another device
    assert not get_phone(session, phone).registered
    _bind(session, "1001", "192.0.2.10:5062")
    assert get_phone(session, phone).registered


def test_expired_bindings_do_not_count_nor_list(session: Session, phone: str) -> None:
    _bind(session, AUTOPROVISION_USER, "192.0.2.10:5060", display_name=f"A-{phone}", ttl=-1)
    assert not get_phone(session, phone).registered
    _bind(session, "1001", "[2001:db8::1]:5060")
    page = list_registrations(session)
    assert page.total == 1 and page.items[0].aor == "1001"
    assert list_registrations(session, aor=AUTOPROVISION_USER).total == 0


def test_a_listing_looks_registration_up_for_every_phone_of_the_page(
    session: Session, phone: str
) -> None:
    other = "0004f2aabbcd"
    create_phone(session, other, "VVX_150")
    create_phone(session, "0004f2aabbce", "VVX_150")
    session.commit()
    _bind(session, AUTOPROVISION_USER, "192.0.2.11:5060", display_name=f"ABCD-{other}")
    # The MAC must follow a dash, and a name shorter than a MAC is no match either.
    _bind(session, AUTOPROVISION_USER, "192.0.2.12:5060", display_name="ABCD0004f2aabbce")
    _bind(session, AUTOPROVISION_USER, "192.0.2.13:5060", display_name="-1")
    assign_line(session, phone, "1001")
    session.commit()
    _bind(session, "1001", "192.0.2.10:5060")
    registered = {p.mac: p.registered for p in list_phones(session, PhoneQuery()).items}
    assert registered == {phone: True, other: True, "0004f2aabbce": False}


def test_a_phone_created_after_it_registered_is_registered(session: Session) -> None:
    other = "0004f2aabbcd"
    _bind(session, AUTOPROVISION_USER, "192.0.2.11:5060", display_name=f"ABCD-{other}")
    _bind(session, AUTOPROVISION_USER, "192.0.2.12:5060", display_name="ABCD0004f2aabbce")
    _bind(session, AUTOPROVISION_USER, "192.0.2.13:5060", display_name="0004f2aabbcf")
    created = {
        mac: create_phone(session, mac, "VVX_150")[0].registered
        for mac in (other, "0004f2aabbce", "0004f2aabbcf", "0004f2aabbc0")
    }
    assert created == {
        other: True,
        "0004f2aabbce": False,  # no dash before the MAC
        "0004f2aabbcf": True,  # the MAC alone
        "0004f2aabbc0": False,
    }
    assert create_phone(session, other, "VVX_150")[0].registered
    session.commit()
    listed = {p.mac: p.registered for p in list_phones(session, PhoneQuery()).items}
    assert listed == created
