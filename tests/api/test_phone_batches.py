from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from autoprov.storage.models import Phone

BATCH = "/api/v1/phone-batches"


def _phone(number: int, **fields: Any) -> dict[str, Any]:
    return {"mac": f"0004f2aabb{number:02x}", "model": "VVX_410", **fields}


async def _batch(client: httpx.AsyncClient, *phones: dict[str, Any]) -> list[dict[str, Any]]:
    answer = await client.post(BATCH, json={"phones": list(phones)})
    assert answer.status_code == 200, answer.text
    results: list[dict[str, Any]] = answer.json()["results"]
    return results


async def test_creates_each_phone_once_in_order(service: httpx.AsyncClient, engine: Engine) -> None:
    first = await _batch(service, _phone(1, ip="10.0.0.1"), _phone(2), _phone(3))
    assert [(r["mac"], r["status"]) for r in first] == [
        ("0004f2aabb01", 201),
        ("0004f2aabb02", 201),
        ("0004f2aabb03", 201),
    ]
    assert first[0]["phone"]["ip"] == "10.0.0.1" and len(first[0]["phone"]["unique_id"]) == 4
    again = await _batch(service, _phone(3), {**_phone(4), "mac": "00:04:F2:AA:BB:04"})
    assert [(r["mac"], r["status"]) for r in again] == [
        ("0004f2aabb03", 200),
        ("0004f2aabb04", 201),
    ]
    assert again[0]["phone"] == first[2]["phone"]
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Phone)) == 4


async def test_a_known_phone_takes_newer_facts_only(
    service: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    seen = "2026-01-31T08:00:00Z"
    await _batch(service, _phone(1, ip="10.0.0.1", firmware="5.9.5", last_seen=seen))
    await admin.patch(f"/api/v1/phones/{_phone(1)['mac']}", json={"description": "front desk"})

    newer = {"ip": "10.0.0.2", "firmware": "6.0.0", "last_seen": "2026-01-31T09:00:00Z"}
    (result,) = await _batch(service, _phone(1, description="auto", **newer))
    assert result["status"] == 200
    phone = result["phone"]
    assert (phone["ip"], phone["firmware"], phone["last_seen"]) == (
        "10.0.0.2",
        "6.0.0",
        "2026-01-31T09:00:00Z",
    )
    assert phone["description"] == "front desk"

    older = {"ip": "10.0.0.1", "firmware": "5.9.5", "last_seen": seen}
    (stale,) = await _batch(service, _phone(1, **older))
    assert stale["status"] == 200 and stale["phone"] == phone
    assert (await admin.get(f"/api/v1/phones/{phone['mac']}")).json() == phone


async def test_a_conflicting_phone_undoes_none_of_the_others(
    service: httpx.AsyncClient, engine: Engine
) -> None:
    (taken,) = await _batch(service, _phone(1))
    foreign_id = taken["phone"]["unique_id"]
    results = await _batch(service, _phone(2), _phone(3, unique_id=foreign_id), _phone(4))
    assert [r["status"] for r in results] == [201, 409, 201]
    assert results[1]["phone"] is None
    assert results[1]["error"]["field"] == "unique_id"
    with Session(engine) as session:
        stored = set(session.scalars(select(Phone.mac)))
    assert stored == {"0004f2aabb01", "0004f2aabb02", "0004f2aabb04"}


@pytest.mark.parametrize(
    ("invalid", "field"),
    [({"model": "VVX_999"}, "model"), ({"ip": "10.0.0.300"}, "ip"), ({"mac": "nope"}, "mac")],
)
async def test_an_invalid_phone_refuses_the_whole_batch(
    service: httpx.AsyncClient, engine: Engine, invalid: dict[str, str], field: str
) -> None:
    answer = await service.post(BATCH, json={"phones": [_phone(1), _phone(2, **invalid)]})
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == field
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Phone)) == 0


async def test_the_batch_is_bounded_and_needs_a_phone_writer(
    service: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    too_many = {"phones": [_phone(n) for n in range(101)]}
    assert (await service.post(BATCH, json=too_many)).status_code == 422
    assert (await service.post(BATCH, json={"phones": []})).status_code == 422
    assert (await anonymous.post(BATCH, json={"phones": [_phone(1)]})).status_code == 401
