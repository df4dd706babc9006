"""Answers serialized from the records are exactly what the documented response models give."""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import UTC, datetime

from autoprov.api.routers.phones import PAGE, PHONE
from autoprov.api.schemas.phones import LineOut, PhoneList, PhoneOut, SyncOut
from autoprov.inventory.records import (
    LineRecord,
    PhonePage,
    PhoneRecord,
    SyncRecord,
)

FULL = PhoneRecord(
    mac="0004f2aabbcc",
    model="VVX_410",
    max_lines=12,
    unique_id="K3ZT",
    ip="2001:db8::1",
    firmware="5.9.5.0614",
    description='Lobby "east" \u00e9',
    lines=(LineRecord("1001", 1, "Front Desk"), LineRecord("1002", 3, "")),
    registered=True,
    last_seen=datetime(2026, 1, 31, 8, 0, 0, 123456, tzinfo=UTC),
    created=datetime(2026, 1, 1, tzinfo=UTC),
    sync=SyncRecord(
        status="sent", detail="NOTIFY answered 200", at=datetime(2026, 2, 1, tzinfo=UTC)
    ),
)
BARE = PhoneRecord(
    mac="0004f2000001",
    model="SSIP_6000",
    max_lines=1,
    unique_id=None,
    ip=None,
    firmware=None,
    description="",
    lines=(),
    registered=False,
    last_seen=None,
    created=datetime(2026, 1, 1, tzinfo=UTC),
    sync=SyncRecord(status=None, detail=None, at=None),
)


def test_the_records_have_the_fields_of_the_models() -> None:
    for record, model in (
        (PhoneRecord, PhoneOut),
        (LineRecord, LineOut),
        (SyncRecord, SyncOut),
        (PhonePage, PhoneList),
    ):
        assert [field.name for field in fields(record)] == list(model.model_fields)


def test_a_phone_renders_as_its_model_does() -> None:
    for record in (FULL, BARE):
        assert PHONE.json(record) == PhoneOut.model_validate(record).model_dump_json().encode()


def test_a_page_renders_as_its_model_does() -> None:
    page = PhonePage(items=[FULL, BARE], total=7)
    rendered = PAGE.json(page)
    assert rendered == PhoneList.model_validate(page).model_dump_json().encode()
    assert json.loads(rendered)["items"][0]["last_seen"] == "2026-01-31T08:00:00.123456Z"
